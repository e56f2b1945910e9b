"""The graded question set (evals/questions.jsonl) and its schema check.

One JSON object per line:
    {"id": "q001", "split": "dev", "type": "number", "question": "...", "answer": "...",
     "key_facts": [["15%", "15 percent"]], "gold_articles": ["000_..."], "evidence": ["exact sentence"]}
A key fact is present in an answer when any of its variants is (case-insensitive).
Lines starting with # are notes (the file's header says who wrote each split, and how).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rag.errors import InputError

QUESTIONS_PATH = Path(__file__).parent / "questions.jsonl"
TYPES = ("fact", "number", "name", "date", "comparison", "change_over_time", "unanswerable")
SPLITS = ("dev", "test")
FIELDS = {"id": str, "split": str, "type": str, "question": str, "answer": str,
          "key_facts": list, "gold_articles": list, "evidence": list}  # fmt: skip


@dataclass(frozen=True)
class Question:
    id: str
    split: str
    type: str
    question: str
    answer: str
    key_facts: tuple[tuple[str, ...], ...]
    gold_articles: tuple[str, ...]
    evidence: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def load_questions(path: Path = QUESTIONS_PATH) -> list[Question]:
    questions, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        q = parse_line(line, number, path)
        if q.id in seen:
            raise InputError(f"{path}:{number}: id {q.id!r} is used twice.")
        seen.add(q.id)
        questions.append(q)
    return questions


def parse_line(line: str, number: int, path: Path) -> Question:
    where = f"{path}:{number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}).") from exc
    if not isinstance(data, dict):
        raise InputError(f"{where}: each line must be a JSON object.")
    missing = [f for f in FIELDS if f not in data]
    extra = [f for f in data if f not in FIELDS]
    if missing or extra:
        raise InputError(f"{where}: missing fields {missing}, unknown fields {extra}.")
    for name, kind in FIELDS.items():
        if not isinstance(data[name], kind):
            raise InputError(f"{where}: field {name!r} must be a {kind.__name__}.")
    if data["type"] not in TYPES:
        raise InputError(f"{where}: type {data['type']!r} is not one of {', '.join(TYPES)}.")
    if data["split"] not in SPLITS:
        raise InputError(f"{where}: split {data['split']!r} is not dev or test.")
    if not data["question"].strip():
        raise InputError(f"{where}: the question is empty.")
    facts = data["key_facts"]
    if not all(isinstance(f, list) and f and all(isinstance(v, str) and v for v in f) for f in facts):
        raise InputError(f"{where}: key_facts must be a list of non-empty lists of strings.")
    unanswerable = data["type"] == "unanswerable"
    if unanswerable and (facts or data["gold_articles"] or data["evidence"]):
        raise InputError(f"{where}: an unanswerable question has no key_facts, gold_articles or evidence.")
    if not unanswerable and not (facts and data["gold_articles"] and data["evidence"]):
        raise InputError(f"{where}: an answerable question needs key_facts, gold_articles and evidence.")
    return Question(
        id=data["id"], split=data["split"], type=data["type"], question=data["question"], answer=data["answer"],
        key_facts=tuple(tuple(f) for f in facts), gold_articles=tuple(data["gold_articles"]),
        evidence=tuple(data["evidence"]),
    )  # fmt: skip
