"""What the graded questions alone do not show, measured through the same `ask()` (python -m evals --bench DIR).

    robustness    the dev questions rewritten as people type them (evals/robustness.py)
    squad_v2      a seeded sample of 600 SQuAD 2.0 questions, half unanswerable (evals/external.py)
    financebench  FinanceBench's 150 analyst questions over their evidence pages (evals/external.py)

Each set's figures go to beyond.json beside the run, and into the report beside the baseline's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals import external, robustness
from evals.dataset import Question
from rag.assistant import Assistant

SQUAD_SAMPLE, SQUAD_SEED = 600, 7


def measure(assistant: Assistant, questions: list[Question], bench: Path, work_dir: Path) -> dict[str, Any]:
    dev = [q for q in questions if q.split == "dev"]
    table = robustness.measure(assistant, dev) if dev else {}
    return {
        "robustness": {name: row["unchanged"] for name, row in table.items()},
        "squad_v2": external.squad(bench / "squad_v2", work_dir / "squad", SQUAD_SAMPLE, SQUAD_SEED),
        "financebench": external.financebench(bench / "financebench", work_dir / "financebench"),
    }


def markdown(beyond: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    lines = ["## Beyond the graded questions", "",
             "Each cell: this run (the committed baseline). Robustness is the share of rewritten dev questions "
             "whose outcome is unchanged; SQuAD 2.0 is a seeded sample of 600 (seed 7), half unanswerable; "
             "FinanceBench is its 150 questions over their evidence pages.", "",
             "| set | figure | value |", "|---|---|---|"]  # fmt: skip
    for name, figures in beyond.items():
        for label, value in figures.items():
            base = (baseline or {}).get(name, {}).get(label)
            lines.append(f"| {name} | {label} | {value:.3f} ({'-' if base is None else f'{base:.3f}'}) |")
    return [*lines, ""]
