"""The eval suite's own parts: the schema check, the metric definitions and the gate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evals import metrics as m
from evals.__main__ import gate
from evals.__main__ import main as eval_main
from evals.dataset import QUESTIONS_PATH, load_questions
from evals.refusal_curve import choose_threshold, trade_off
from evals.report import BASELINE_DIR
from evals.run import score_question
from rag.errors import InputError
from rag.records import Answer, Citation, Hit

GOOD = {"id": "q1", "split": "dev", "type": "number", "question": "How much?", "answer": "15%.",
        "key_facts": [["15%", "15 percent"]], "gold_articles": ["a"], "evidence": ["It will return 15% next year."]}  # fmt: skip


def write_lines(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_the_committed_set_is_valid_and_large_enough() -> None:
    questions = load_questions()
    assert len(questions) >= 60
    assert sum(not q.answerable for q in questions) >= 12
    assert {q.type for q in questions} >= {"fact", "number", "name", "date", "comparison", "change_over_time"}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        ({**GOOD, "type": "trivia"}, "type 'trivia'"),
        ({k: v for k, v in GOOD.items() if k != "evidence"}, "missing fields ['evidence']"),
        ({**GOOD, "key_facts": ["15%"]}, "key_facts must be"),
        ({**GOOD, "type": "unanswerable"}, "unanswerable question has no key_facts"),
        ({**GOOD, "split": "train"}, "split 'train'"),
    ],
)
def test_a_malformed_pair_is_rejected_with_its_line_number(tmp_path: Path, bad: object, message: str) -> None:
    path = write_lines(tmp_path, GOOD, {**GOOD, "id": "q2"}, bad)
    with pytest.raises(InputError, match=r"q\.jsonl:3: ") as info:
        load_questions(path)
    assert message in str(info.value)


def hit(cid: str, text: str, article: str = "a") -> Hit:
    return Hit(
        chunk_id=cid,
        article_id=article,
        title="t",
        publisher="p",
        published="2024-01-01",
        text=text,
        position=0,
        score=1.0,
    )


def answer(text: str, cited: list[str]) -> Answer:
    citations = [Citation(n=i + 1, article_id="a", title="t", publisher="p", published="2024-01-01", chunk_id=c, quote="")
                 for i, c in enumerate(cited)]  # fmt: skip
    return Answer(question="q", text=text, refused=False, citations=citations, hits=[], backend="test")


class TopKNotAPrefix:
    """An assistant whose top 2 is not the first 2 of its top 10, as when hybrid retrieval keeps a text match."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits

    def retrieve(self, question: str, *, k: int, mode: str = "hybrid") -> list[Hit]:
        return self.hits[:k] if k > 2 else [self.hits[0], self.hits[-1]]

    def ask(self, question: str, *, k: int, mode: str = "hybrid") -> Answer:
        return Answer(question=question, text="It returns 15% [1].", refused=False, citations=[],
                      hits=self.retrieve(question, k=k), backend="test")  # fmt: skip


def test_evidence_is_looked_for_in_the_passages_the_answer_read(tmp_path: Path) -> None:
    q = load_questions(write_lines(tmp_path, GOOD))[0]
    hits = [hit("x", "Unrelated."), hit("w", "Other."), hit("v", "More."), hit("y", "It will return 15% next year.")]
    result = score_question(TopKNotAPrefix(hits), q, k=2, mode="hybrid")  # type: ignore[arg-type]
    assert result.evidence_hit and result.reciprocal_rank == 0.25  # found in the answer's top 2, 4th of the top 10


class ReadsEight:
    """An assistant whose answer reads 8 passages; a top 5 of its own keeps `kept` (a text match) in it."""

    def __init__(self, hits: list[Hit], kept: Hit | None) -> None:
        self.hits, self.kept = hits, kept

    def retrieve(self, question: str, *, k: int, mode: str = "hybrid") -> list[Hit]:
        top = self.hits[:k]
        return top if self.kept is None or self.kept in top else [*top[: k - 1], self.kept]

    def ask(self, question: str, *, k: int, mode: str = "hybrid") -> Answer:
        return Answer(question=question, text="It returns 15% [1].", refused=False, citations=[],
                      hits=self.retrieve(question, k=k), backend="test")  # fmt: skip


def test_evidence_is_judged_in_a_top_5_whatever_the_answer_reads(tmp_path: Path) -> None:
    q = load_questions(write_lines(tmp_path, GOOD))[0]
    others = [hit(f"o{i}", "Unrelated.") for i in range(6)]
    evidence = hit("y", "It will return 15% next year.")
    # 7th of the 8 passages the answer reads: not in the top 5, though the answer read it.
    assert not score_question(
        ReadsEight([*others, evidence, hit("z", "More.")], None), q, k=8, mode="hybrid"
    ).evidence_hit  # type: ignore[arg-type]
    # 7th of the 8, but kept in a top 5 of its own: in the top 5.
    assert score_question(
        ReadsEight([*others, evidence, hit("z", "More.")], evidence), q, k=8, mode="hybrid"
    ).evidence_hit  # type: ignore[arg-type]
    assert m.EVIDENCE_K == 5


def test_the_shipped_threshold_refuses_the_most_near_misses_within_the_bound() -> None:
    dev = np.array([0.1, 0.3, 0.8, 0.5, 0.9, 0.95, 0.97, 0.99])
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 1])  # three near misses, five answerable questions
    off_topic = np.array([0.22, 0.28, 0.42])
    curve = trade_off(dev, labels, off_topic)
    at = {p["threshold"]: p for p in curve}
    assert at[0.35] == {"threshold": 0.35, "refusal_recall": 0.667, "off_topic_refusal_recall": 0.667,
                        "false_refusal_rate": 0.0}  # fmt: skip
    # 0.35 to 0.5 refuse two near misses and no answerable question; of those, 0.45 and 0.5 refuse every
    # off-topic question too, and the lower of the two is taken.
    assert choose_threshold(curve, 0.0)["threshold"] == 0.45
    # Allowed one answerable refusal in five, 0.85 and 0.9 refuse all three near misses.
    assert choose_threshold(curve, 0.2)["threshold"] == 0.85
    # No threshold within the bound: the lowest.
    assert choose_threshold(trade_off(np.array([0.01, 0.02]), np.array([0, 1]), np.array([])), 0.0)["threshold"] == 0.05


def test_metric_definitions_on_a_worked_example(tmp_path: Path) -> None:
    q = load_questions(write_lines(tmp_path, GOOD))[0]
    hits = [hit("x", "Unrelated text."), hit("y", "Intro. It will return 15% next year."), hit("z", "Other.", "b")]
    assert m.evidence_hit(q, hits, k=2) and not m.evidence_hit(q, hits, k=1)
    assert m.reciprocal_rank(q, hits) == 0.5
    assert m.ndcg_at_10(q, hits, relevant_total=1) == pytest.approx(1 / 1.5849625)
    good = answer("It returns 15 percent [1].", ["y"])
    assert m.key_fact_recall(q, good) == 1.0 and m.citation_valid(good)
    assert m.citation_recall(q, good, ["It will return 15% next year."]) == 1.0
    assert m.citation_precision(q, [("a", "It will return 15% next year."), ("b", "Other.")]) == 0.5
    assert not m.citation_valid(answer("Claim [2].", ["y"]))  # marker 2 has no source
    assert not m.citation_valid(answer("Claim [1].", ["y", "x"]))  # source 2 is never used
    assert m.percentile([1, 2, 3, 4], 50) == 2 and m.percentile([1, 2, 3, 4], 95) == 4


GOOD_SUMMARY = {"evidence_hit_at_k": 0.96, "key_fact_recall": 0.9, "citation_precision": 0.9, "refusal_recall": 0.9,
                "citation_validity": 1.0, "false_refusal_rate": 0.01}  # fmt: skip
LIMITS = {
    "dev": {"tolerance": {"evidence_hit_at_k": 0.01}, "tolerance_above": {"false_refusal_rate": 0.02},
            "floors": {"citation_validity": 1.0}},
    "test": {"tolerance": {"evidence_hit_at_k": 0.05}},
}  # fmt: skip


def run_with(dev: dict[str, float], test: dict[str, float]) -> dict:
    """A run's JSON as the gate reads it: each split's summary."""
    return {"summary": dev, "by_split": {"dev": dev, "test": test}}


BASELINE = run_with(GOOD_SUMMARY, {**GOOD_SUMMARY, "evidence_hit_at_k": 0.8})


def test_the_gate_holds_each_split_within_its_tolerance_of_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    good, test_base = GOOD_SUMMARY, BASELINE["by_split"]["test"]
    assert gate(run_with(good, test_base), BASELINE, LIMITS) == 0
    assert "gate: every split within its tolerance" in capsys.readouterr().out

    # dev may lose up to its tolerance (0.01) below the baseline's 0.96, not more.
    assert gate(run_with({**good, "evidence_hit_at_k": 0.951}, test_base), BASELINE, LIMITS) == 0
    assert gate(run_with({**good, "evidence_hit_at_k": 0.94}, test_base), BASELINE, LIMITS) == 1
    assert "FAILED dev evidence_hit_at_k = 0.940, below the baseline's 0.960 by more than 0.01" in (
        capsys.readouterr().err
    )
    # Each split is compared with its own baseline figure: test's 0.8 may fall to 0.75, not 0.7.
    assert gate(run_with(good, {**test_base, "evidence_hit_at_k": 0.75}), BASELINE, LIMITS) == 0
    assert gate(run_with(good, {**test_base, "evidence_hit_at_k": 0.7}), BASELINE, LIMITS) == 1
    # A lower-is-better metric may rise by its tolerance; a floor holds whatever the baseline.
    assert gate(run_with({**good, "false_refusal_rate": 0.02}, test_base), BASELINE, LIMITS) == 0
    assert gate(run_with({**good, "false_refusal_rate": 0.05}, test_base), BASELINE, LIMITS) == 1
    assert gate(run_with({**good, "citation_validity": 0.99}, test_base), BASELINE, LIMITS) == 1


def test_the_committed_thresholds_catch_a_two_question_loss_on_either_split() -> None:
    base = run_with(GOOD_SUMMARY, GOOD_SUMMARY)
    assert gate(base, base) == 0
    for split in ("dev", "test"):
        for metric, change in (("evidence_hit_at_k", -0.04), ("key_fact_recall", -0.04), ("refusal_recall", -0.1),
                               ("citation_validity", -0.01), ("false_refusal_rate", 0.04)):  # fmt: skip
            worse = {**GOOD_SUMMARY, metric: GOOD_SUMMARY[metric] + change}
            run = run_with(worse, GOOD_SUMMARY) if split == "dev" else run_with(GOOD_SUMMARY, worse)
            assert gate(run, base) == 1, (split, metric)


def test_the_gate_refuses_a_run_baseline_or_limits_it_cannot_judge(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate({"summary": GOOD_SUMMARY, "by_split": {"test": GOOD_SUMMARY}}, BASELINE, LIMITS) == 1
    assert "dev: the run has none of these questions; run the gate on all of them" in capsys.readouterr().err
    assert gate(BASELINE, {"summary": GOOD_SUMMARY}, LIMITS) == 1  # a baseline saved before splits
    assert "no baseline with split figures" in capsys.readouterr().err
    assert gate(BASELINE, BASELINE, {"dev": {"ceilings": {"mrr": 0.5}}}) == 1
    assert "dev: a section holds only tolerance" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        eval_main(["--gate", "--split", "test"])
    assert "--gate compares every split with the baseline" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        eval_main(["--gate", "--answerer", "llm"])
    assert "--gate holds the offline hybrid run to its baseline" in capsys.readouterr().err


@pytest.mark.slow  # a small eval run in three modes
def test_a_run_writes_json_a_report_and_charts_against_the_baseline(built_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    # A few date and unanswerable questions of each split, copied from the question file as they are.
    lines = [line for line in QUESTIONS_PATH.read_text().splitlines() if line.startswith("{")]
    picked = {(s, t): [x for x in lines if f'"split": "{s}"' in x and f'"type": "{t}"' in x][:3]
              for s in ("dev", "test") for t in ("date", "unanswerable", "number")}  # fmt: skip
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(line for group in picked.values() for line in group) + "\n")
    argv = ["--questions", str(questions), "--type", "date", "--type", "unanswerable", "--modes", "bm25", "hybrid",
            "--answerer", "extractive", "--data-dir", str(built_index), "--out", str(out), "--quiet"]  # fmt: skip
    assert eval_main(argv) == 0

    runs = {mode: json.loads((out / f"{mode}.json").read_text()) for mode in ("bm25", "hybrid")}
    for mode, run in runs.items():
        assert sorted({q["type"] for q in run["questions"]}) == ["date", "unanswerable"]
        assert len(run["questions"]) == 12  # the number questions are left out by --type
        assert set(run["by_split"]) == {"dev", "test"}
        for chart in (f"metrics_{mode}.png", f"by_type_{mode}.png"):
            assert (out / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text()
    # Each mode beside its own baseline, not the first mode's.
    baselines = {mode: json.loads((BASELINE_DIR / f"{mode}.json").read_text())["summary"] for mode in runs}
    cells = [f"{runs[m]['summary']['refusal_recall']:.3f} ({baselines[m]['refusal_recall']:.3f})" for m in runs]
    assert f"| refusal_recall | {cells[0]} | {cells[1]} |" in report
    dev = runs["hybrid"]["by_split"]["dev"]
    assert (f"| hybrid | dev | {dev['evidence_hit_at_k']:.3f} | {dev['key_fact_recall']:.3f} | "
            f"{dev['refusal_recall']:.3f} | {dev['false_refusals']:.0f} |") in report  # fmt: skip
    assert "## Per question (hybrid)" in report
    assert all(f"| {q['id']} | {q['type']} |" in report for q in runs["hybrid"]["questions"])
