"""python -m evals: run the graded questions and write a report.

python -m evals                       # hybrid, offline (or the configured model), all questions
python -m evals --modes dense bm25 hybrid --split dev
python -m evals --gate                # exit 1 when a metric breaks evals/thresholds.toml
python -m evals --judge               # also model-judged faithfulness (needs a configured model)
python -m evals --answerer llm        # the configured model answers (OPENAI_BASE_URL, RAG_LLM_MODEL)
python -m evals --bench ../shared/bench   # also robustness, SQuAD 2.0 and FinanceBench, beside the baseline
python -m evals --save-baseline       # deliberately replace evals/results/baseline/
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

from evals import beyond
from evals import report as report_module
from evals.dataset import QUESTIONS_PATH, TYPES, load_questions
from evals.judge import FaithfulnessJudge
from evals.metrics import EVIDENCE_K
from evals.report import BASELINE_DIR, BEYOND_FILE, CHARTS_SKIPPED, RESULTS_DIR, load_baseline, write_report
from evals.run import run_eval
from rag.assistant import Assistant
from rag.errors import ConfigError, RagError
from rag.retrieve.hybrid import MODES
from rag.settings import DEFAULT_TOP_K, Settings

THRESHOLDS_PATH = Path(__file__).parent / "thresholds.toml"
NO_MODEL = ("{option} needs a model: set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for a local "
            "OpenAI-compatible server (and RAG_LLM_MODEL for its model).")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--questions", type=Path, default=QUESTIONS_PATH)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    parser.add_argument("--type", dest="types", action="append", choices=TYPES, help="only this type (repeatable)")
    parser.add_argument(
        "-k",
        type=int,
        default=DEFAULT_TOP_K,
        help="passages each answer reads "
        f"(default {DEFAULT_TOP_K}, as in the product); evidence hit is judged at {EVIDENCE_K}",
    )
    parser.add_argument("--modes", nargs="+", choices=MODES, default=["hybrid"], help="retrievers to compare")
    parser.add_argument("--answerer", choices=["auto", "extractive", "llm"], default="auto",
                        help="auto: the configured model if any, else extractive; llm: the configured model "
                             "(OPENAI_BASE_URL / OPENAI_API_KEY, RAG_LLM_MODEL), an error without one")  # fmt: skip
    parser.add_argument("--data-dir", help="use this index instead of a fresh temporary one")
    parser.add_argument("--out", type=Path, help="report folder (default evals/results/<timestamp>)")
    parser.add_argument("--judge", action="store_true",
                        help="also score faithfulness with the configured model (costs a call per answer)")  # fmt: skip
    parser.add_argument("--gate", action="store_true", help="fail when the hybrid run breaks thresholds.toml")
    parser.add_argument("--save-baseline", action="store_true", help="also store this run as the baseline")
    parser.add_argument("--bench", type=Path, help="also measure robustness, SQuAD 2.0 and FinanceBench from this "
                        "folder (e.g. ../shared/bench; about 15 minutes on 2 cores)")  # fmt: skip
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.gate and (args.split != "all" or args.types):
        parser.error("--gate compares every split with the baseline; drop --split and --type")
    if args.gate and (args.answerer == "llm" or "hybrid" not in args.modes):
        parser.error("--gate holds the offline hybrid run to its baseline; drop --answerer llm and keep hybrid mode")
    if args.gate:
        args.answerer = "extractive"  # the baseline is the offline answerer's, whatever model is configured
    try:
        return _run(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    questions = [
        q for q in load_questions(args.questions)
        if args.split in ("all", q.split) and (not args.types or q.type in args.types)
    ]  # fmt: skip
    if not questions:
        print("error: no questions match the split and type options", file=sys.stderr)
        return 1
    if args.answerer == "llm" and not Settings.from_env().llm_configured:
        raise ConfigError(NO_MODEL.format(option="--answerer llm"))
    judge = _judge() if args.judge else None  # before indexing: a missing model fails at once
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"show_progress": not args.quiet, "data_dir": args.data_dir or tmp}
        if args.answerer == "extractive":
            overrides.update(openai_api_key="", openai_base_url="")
        assistant = Assistant(**overrides)
        runs = {mode: run_eval(assistant, questions, k=args.k, mode=mode, progress=not args.quiet,
                               judge=judge).to_json()
                for mode in args.modes}  # fmt: skip
        beyond_figures = beyond.measure(assistant, questions, args.bench, Path(tmp)) if args.bench else None
    out = args.out or RESULTS_DIR / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = write_report(runs, out, beyond_figures)
    _print_summary(runs)
    print(f"\nreport: {report}")
    if report_module.plt is None:
        print(CHARTS_SKIPPED)
    if args.save_baseline:
        BASELINE_DIR.mkdir(parents=True, exist_ok=True)
        for mode in runs:
            shutil.copy(out / f"{mode}.json", BASELINE_DIR / f"{mode}.json")
        if beyond_figures:
            shutil.copy(out / BEYOND_FILE, BASELINE_DIR / BEYOND_FILE)
        print(f"baseline saved to {BASELINE_DIR}")
    if args.gate:
        return gate(runs.get("hybrid") or next(iter(runs.values())))
    return 0


def _judge() -> FaithfulnessJudge:
    """The configured model as faithfulness judge (it may judge extractive answers too)."""
    settings = Settings.from_env()
    if not settings.llm_configured:
        raise ConfigError(NO_MODEL.format(option="--judge"))
    return FaithfulnessJudge.from_settings(settings)


def gate(run: dict, baseline: dict | None = None, limits: dict | None = None) -> int:
    """0 when the run holds its own against the baseline on every split, else 1, each failure on stderr.

    thresholds.toml has a section per split ("dev", "test"): `tolerance` says how far a metric may
    fall below the baseline's figure for that split, `tolerance_above` how far a lower-is-better one
    may rise above it, and `floors` are absolute (citation validity stays 1.0 whatever the baseline).
    """
    limits = tomllib.loads(THRESHOLDS_PATH.read_text()) if limits is None else limits
    baseline = load_baseline("hybrid") if baseline is None else baseline
    if not baseline or "by_split" not in baseline:
        print("gate: FAILED no baseline with split figures in evals/results/baseline/hybrid.json; "
              "run python -m evals --save-baseline", file=sys.stderr)  # fmt: skip
        return 1
    failures = []
    for split, bounds in limits.items():
        if not set(bounds) <= {"tolerance", "tolerance_above", "floors"}:
            failures.append(f"{split}: a section holds only tolerance, tolerance_above and floors")
            continue
        summary, base = run.get("by_split", {}).get(split), baseline["by_split"].get(split)
        if summary is None or base is None:
            where = "the run" if summary is None else "the baseline"
            failures.append(f"{split}: {where} has none of these questions; run the gate on all of them")
            continue
        for metric, allowed in bounds.get("tolerance", {}).items():
            if summary[metric] < base[metric] - allowed:
                failures.append(f"{split} {metric} = {summary[metric]:.3f}, below the baseline's "
                                f"{base[metric]:.3f} by more than {allowed}")  # fmt: skip
        for metric, allowed in bounds.get("tolerance_above", {}).items():
            if summary[metric] > base[metric] + allowed:
                failures.append(f"{split} {metric} = {summary[metric]:.3f}, above the baseline's "
                                f"{base[metric]:.3f} by more than {allowed}")  # fmt: skip
        failures += [f"{split} {m} = {summary[m]:.3f} < {v}" for m, v in bounds.get("floors", {}).items()
                     if summary[m] < v]  # fmt: skip
    for failure in failures:
        print(f"gate: FAILED {failure}", file=sys.stderr)
    if not failures:
        print("gate: every split within its tolerance of the baseline (evals/thresholds.toml)")
    return 1 if failures else 0


def _print_summary(runs: dict[str, dict]) -> None:
    modes = list(runs)
    print(f"\n{'metric':<24}" + "".join(f"{m:>10}" for m in modes))
    for metric in runs[modes[0]]["summary"]:
        print(f"{metric:<24}" + "".join(f"{runs[m]['summary'][metric]:>10.3f}" for m in modes))


if __name__ == "__main__":
    raise SystemExit(main())
