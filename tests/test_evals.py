"""The eval suite's own parts: the schema check, the metric definitions and the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import metrics as m
from evals.__main__ import gate
from evals.dataset import load_questions
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


def test_gate_fails_below_a_floor_or_above_a_ceiling(capsys: pytest.CaptureFixture[str]) -> None:
    good = {
        "evidence_hit_at_k": 1.0,
        "key_fact_recall": 1.0,
        "refusal_recall": 1.0,
        "citation_validity": 1.0,
        "false_refusals": 0,
    }
    assert gate({"summary": good}) == 0
    assert gate({"summary": {**good, "citation_validity": 0.9}}) == 1
    assert gate({"summary": {**good, "false_refusals": 5}}) == 1
    assert "FAILED citation_validity" in capsys.readouterr().err
