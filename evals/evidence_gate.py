"""Calibrate the model path's evidence gate (rag/answer/evidence_gate.py): a measurement script, not a test.

    python -m evals.evidence_gate --bench ../shared/bench

For every question of three sets, the best dense similarity among its top-k hybrid hits:
the project's own dev questions over the five articles (never the test split), SQuAD 2.0 (every dev question over its
646 paragraphs) and FinanceBench (150 questions over their evidence pages). The recommended
threshold is the highest one that wrongly skips at most 1% of the answerable questions of
every set; the share of unanswerable questions it skips is printed beside it, with the
trade-off at other thresholds.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from evals.dataset import load_questions
from evals.external import build, financebench_set, squad_set
from rag.answer.evidence_gate import DEFAULT_MIN_EVIDENCE, best_similarity
from rag.assistant import Assistant
from rag.settings import DEFAULT_CORPUS_DIR

MAX_FALSE_SKIP = 0.01
THRESHOLDS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)


def scores(assistant: Assistant, questions: list[str], k: int, label: str) -> np.ndarray:
    found = []
    for question in tqdm(questions, desc=label, leave=False):
        best = best_similarity(assistant.retrieve(question, k=k))
        found.append(best if best is not None else 1.0)
    return np.array(found)


def highest_safe_threshold(answerable: np.ndarray) -> float:
    """The largest t with at most MAX_FALSE_SKIP of `answerable` below it: the 1st percentile, rounded down."""
    allowed = int(MAX_FALSE_SKIP * len(answerable))
    return float(np.floor(np.sort(answerable)[allowed] * 100) / 100)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.evidence_gate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--bench", type=Path, default=Path("../shared/bench"), help="the public sets' folder")
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        own = Assistant(data_dir=Path(tmp) / "own", corpus_dir=DEFAULT_CORPUS_DIR, show_progress=False)
        questions = [q for q in load_questions() if q.split == "dev"]  # the test split is never tuned on
        sets["own questions"] = (
            scores(own, [q.question for q in questions if q.answerable], args.k, "own answerable"),
            scores(own, [q.question for q in questions if not q.answerable], args.k, "own unanswerable"),
        )
        articles, squad_questions = squad_set(args.bench / "squad_v2")
        squad = build("squad", articles, Path(tmp) / "squad")
        sets["SQuAD 2.0"] = (
            scores(squad, [qa["question"] for qa, _ in squad_questions if not qa["is_impossible"]], args.k, "squad"),
            scores(squad, [qa["question"] for qa, _ in squad_questions if qa["is_impossible"]], args.k, "squad"),
        )
        pages, finance_questions = financebench_set(args.bench / "financebench")
        finance = build("financebench", pages, Path(tmp) / "financebench")
        sets["FinanceBench"] = (scores(finance, [q.question for q in finance_questions], args.k, "fb"), np.array([]))
    report(sets)


def report(sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    print(f"\nbest dense similarity among the top hits; skipped = below the threshold (default {DEFAULT_MIN_EVIDENCE})")
    header = "".join(f"{t:>7.2f}" for t in THRESHOLDS)
    print(f"{'set':<16} {'questions':>10}  {'skipped at threshold:':<22}{header}")
    safe = []
    for name, (answerable, unanswerable) in sets.items():
        safe.append(highest_safe_threshold(answerable))
        for label, values in (("answerable", answerable), ("unanswerable", unanswerable)):
            if len(values):
                row = "".join(f"{np.mean(values < t):>7.3f}" for t in THRESHOLDS)
                print(f"{name:<16} {len(values):>10}  {label:<22}{row}")
    threshold = min(safe)
    print(f"\nhighest threshold skipping at most {MAX_FALSE_SKIP:.0%} of each set's answerable questions: {threshold}")
    for name, (answerable, unanswerable) in sets.items():
        skipped = f", unanswerable skipped {np.mean(unanswerable < threshold):.3f}" if len(unanswerable) else ""
        print(f"  {name}: answerable skipped {np.mean(answerable < threshold):.3f}{skipped}")


if __name__ == "__main__":
    main()
