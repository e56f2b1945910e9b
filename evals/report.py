"""Write a run to evals/results/<timestamp>/: results.json, report.md and PNG charts (with the `charts` extra)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.beyond import markdown as beyond_markdown
from evals.metrics import evidence_k

try:  # the `charts` extra: without it the report is written without its charts
    import matplotlib
except ModuleNotFoundError as exc:
    if exc.name != "matplotlib":
        raise
    plt = None
else:
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

CHARTS_SKIPPED = "Charts skipped: matplotlib is not installed (pip install -e '.[charts]' draws them)."
RESULTS_DIR = Path(__file__).parent / "results"
BASELINE_DIR = RESULTS_DIR / "baseline"
BEYOND_FILE = "beyond.json"  # robustness and public sets (evals/beyond.py), when measured
CHART_METRICS = (
    "evidence_hit_at_k", "mrr", "ndcg_at_10", "key_fact_recall", "citation_validity",
    "citation_recall", "citation_precision", "refusal_recall", "false_refusal_rate",
)  # fmt: skip


def load_baseline(mode: str) -> dict[str, Any] | None:
    path = BASELINE_DIR / f"{mode}.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_report(runs: dict[str, dict[str, Any]], out_dir: Path, beyond: dict[str, Any] | None = None) -> Path:
    """runs: mode -> RunResult.to_json(); beyond: evals/beyond.py's figures. Returns the Markdown report's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if beyond:
        (out_dir / BEYOND_FILE).write_text(json.dumps(beyond, indent=2))
    for mode, run in runs.items():
        (out_dir / f"{mode}.json").write_text(json.dumps(run, indent=2))
        if plt is not None:
            chart_metrics(run, load_baseline(mode), out_dir / f"metrics_{mode}.png", mode)
            chart_by_type(run, out_dir / f"by_type_{mode}.png", mode)
    report = out_dir / "report.md"
    report.write_text(markdown(runs, beyond))
    return report


def markdown(runs: dict[str, dict[str, Any]], beyond: dict[str, Any] | None = None) -> str:
    modes = list(runs)
    first = runs[modes[0]]
    judged_k = evidence_k(first["config"]["k"])
    lines = [
        f"# Eval report ({first['config']['backend']}, answers reading k={first['config']['k']} passages; "
        f"evidence judged in the top {judged_k})",
        "",
    ]
    lines += [
        "## Summary",
        "",
        "Each cell: this run (the committed baseline of the same retriever mode).",
        "",
        "| metric | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
    ]
    baselines = {mode: load_baseline(mode) for mode in modes}
    for metric in first["summary"]:
        cells = []
        for mode in modes:
            baseline = baselines[mode]
            base = _fmt(baseline["summary"].get(metric)) if baseline else "-"
            cells.append(f"{_fmt(runs[mode]['summary'][metric])} ({base})")
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    charts = "Charts: " + ", ".join(f"`metrics_{m}.png`, `by_type_{m}.png`" for m in modes)
    lines += ["", charts if plt is not None else CHARTS_SKIPPED, ""]
    split_rows = [(mode, split, row) for mode in modes for split, row in runs[mode].get("by_split", {}).items()]
    if split_rows:
        lines += [
            "## By split",
            "",
            "The dev questions calibrate the answerer; the test questions only measure it.",
            "",
            f"| mode | split | evidence hit@{judged_k} | key-fact recall | refusal recall | false refusals |",
            "|---|---|---|---|---|---|",
        ]
    for mode, split, row in split_rows:
        lines.append(f"| {mode} | {split} | {_fmt(row['evidence_hit_at_k'])} | {_fmt(row['key_fact_recall'])} | "
                     f"{_fmt(row['refusal_recall'])} | {row['false_refusals']:.0f} |")  # fmt: skip
    lines.append("")
    if beyond:
        saved = BASELINE_DIR / BEYOND_FILE
        lines += beyond_markdown(beyond, json.loads(saved.read_text()) if saved.exists() else None)
    for mode in modes:
        run = runs[mode]
        lines += [
            f"## By type ({mode})",
            "",
            f"| type | n | evidence hit@{judged_k} | key-fact recall | refusal |",
            "|---|---|---|---|---|",
        ]
        for kind, row in run["by_type"].items():
            refusal = row.get("refusal_recall", row.get("false_refusal_rate"))
            lines.append(f"| {kind} | {row['n']} | {_fmt(row.get('evidence_hit_at_k'))} | "
                         f"{_fmt(row.get('key_fact_recall'))} | {_fmt(refusal)} |")  # fmt: skip
        lines.append("")
    mode = modes[-1]
    lines += [f"## Per question ({mode})", "", "| id | type | question | expected | answered | cited | why it failed |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for q in runs[mode]["questions"]:
        cells = [q["id"], q["type"], q["question"], q["expected"], q["answer"], "; ".join(q["cited"]), q["failure"]]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def chart_metrics(run: dict[str, Any], baseline: dict[str, Any] | None, path: Path, mode: str) -> None:
    names = [m for m in CHART_METRICS if m in run["summary"]]
    values = [run["summary"][m] for m in names]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = range(len(names))
    width = 0.4 if baseline else 0.6
    ax.bar([i - width / 2 if baseline else i for i in x], values, width, label="this run", color="#2563eb")
    if baseline:
        base = [baseline["summary"].get(m, 0.0) for m in names]
        ax.bar([i + width / 2 for i in x], base, width, label="baseline", color="#9ca3af")
    ax.set_xticks(list(x), [n.replace("_", " ") for n in names], rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Eval metrics ({mode}, {run['config']['backend']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def chart_by_type(run: dict[str, Any], path: Path, mode: str) -> None:
    kinds = list(run["by_type"])
    scores = [run["by_type"][k].get("key_fact_recall", run["by_type"][k].get("refusal_recall", 0.0)) for k in kinds]
    hits = [run["by_type"][k].get("evidence_hit_at_k", 0.0) for k in kinds]
    fig, ax = plt.subplots(figsize=(9, 4))
    x = range(len(kinds))
    ax.bar([i - 0.2 for i in x], hits, 0.4, label=f"evidence hit@{evidence_k(run['config']['k'])}", color="#9ca3af")
    ax.bar(
        [i + 0.2 for i in x], scores, 0.4, label="key-fact recall (refusal recall for unanswerable)", color="#2563eb"
    )
    ax.set_xticks(list(x), [k.replace("_", " ") for k in kinds], rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"By question type ({mode})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1.0 else f"{value:.1f}"


def _cell(value: str) -> str:
    return " ".join(str(value).replace("|", "\\|").split())
