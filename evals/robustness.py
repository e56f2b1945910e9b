"""How much an answer depends on how the question is typed (a measurement script, not a test).

    python -m evals.robustness [--split dev] [--out evals/results/robustness.md]

Each dev question is rewritten, keeping its meaning, the ways people type:

    lower       "What did Goldman Sachs expect?"        -> "what did goldman sachs expect?"
    no_punct    "What's the S&P 500's P/E?"             -> "Whats the S&P 500s P/E"
    typo        "... the Russell 2000 index ..."        -> "... the Russell 2000 idnex ..." (one long word, seeded)
    abbrev      "Goldman Sachs ... the Russell 2000"    -> "GS ... the R2K" (glossary phrases to short forms)
    casual      "What was the P/E of the ETF in July?"  -> "P/E of the ETF in July"
    clause      "How did X move in July 2024?"          -> "In July 2024, how did X move?"

A question's outcome is whether its evidence is in the top 5 (evals/metrics.py, EVIDENCE_K) and
whether the answer, reading k passages, holds all its key facts (or, for an unanswerable one, whether
it is refused). The report gives, per rewrite, the share of questions whose outcome is unchanged
(rewrites that leave a question as it was are not counted), and the share whose outcome is good before
and after.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from evals.dataset import Question, load_questions
from evals.metrics import EVIDENCE_K
from evals.run import score_question
from rag.assistant import Assistant
from rag.question.glossary import default_glossary
from rag.settings import DEFAULT_CORPUS_DIR, DEFAULT_TOP_K

SEED = 7
_OPENER = re.compile(
    r"^(?:what|which|how much|how many)\s+(?:is|was|are|were|did|does|do)\s+(?:the\s+)?", re.IGNORECASE
)
_TRAILING_PERIOD = re.compile(r"^(?P<head>.+?)\s+(?P<when>(?:in|by|during|at the end of|since)\s+[^,?]+?)\?*$")


def lower(q: str) -> str:
    return q.lower()


def no_punct(q: str) -> str:
    return re.sub(r"[?!.,;:'’\"]", "", q)


def typo(q: str) -> str:
    """Two neighbouring letters swapped in one word of six letters or more, chosen by a seeded draw."""
    words = [m for m in re.finditer(r"[A-Za-z]{6,}", q)]
    if not words:
        return q
    word = random.Random(f"{SEED}{q}").choice(words)
    i = random.Random(f"{SEED}{q}x").randrange(1, len(word.group()) - 2)
    text = word.group()
    swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return q[: word.start()] + swapped + q[word.end() :]


def abbrev(q: str) -> str:
    """Each glossary phrase in the question replaced by its short form (longest phrases first)."""
    entries = default_glossary().entries.items()
    pairs = [(p, k) for k, ps in entries for p in ps if k.isupper() and 2 <= len(k) <= 5 and len(p) > len(k) + 3]
    pairs.sort(key=lambda pair: -len(pair[0]))
    for phrase, short in pairs:
        q = re.sub(rf"\b{re.escape(phrase)}\b", short, q, flags=re.IGNORECASE)
    return q


def casual(q: str) -> str:
    return _OPENER.sub("", q).rstrip("?").strip()


def clause(q: str) -> str:
    match = _TRAILING_PERIOD.match(q.rstrip())
    if not match:
        return q
    when = match.group("when")
    return f"{when[0].upper()}{when[1:]}, {match.group('head')[0].lower()}{match.group('head')[1:]}?"


REWRITES: dict[str, Callable[[str], str]] = {
    "lower": lower, "no_punct": no_punct, "typo": typo, "abbrev": abbrev, "casual": casual, "clause": clause,
}  # fmt: skip


def outcome(assistant: Assistant, q: Question, asked: str, k: int) -> tuple[bool, bool]:
    """(evidence in the top EVIDENCE_K, answer right): all key facts, or a refusal for an unanswerable question."""
    r = score_question(assistant, replace(q, question=asked), k=k, mode="hybrid")
    if not q.answerable:
        return True, r.refused
    return bool(r.evidence_hit), (r.fact_recall or 0.0) == 1.0


def measure(assistant: Assistant, questions: list[Question], k: int = DEFAULT_TOP_K) -> dict[str, dict[str, float]]:
    """Per rewrite: questions changed, share whose outcome is unchanged, share right before and after; and "all"."""
    base = {q.id: outcome(assistant, q, q.question, k) for q in tqdm(questions, desc="as written", leave=False)}
    table: dict[str, dict[str, float]] = {}
    for name, rewrite in REWRITES.items():
        changed = [(q, rewrite(q.question)) for q in questions if rewrite(q.question) != q.question]
        same = good = 0
        for q, asked in tqdm(changed, desc=name, leave=False):
            after = outcome(assistant, q, asked, k)
            same += after == base[q.id]
            good += after == base[q.id] == (True, True)
        n = max(len(changed), 1)
        table[name] = {"changed": float(len(changed)), "unchanged": same / n, "right_both": good / n}
    total = sum(row["changed"] for row in table.values())
    overall = sum(row["changed"] * row["unchanged"] for row in table.values()) / max(total, 1)
    table["all"] = {"changed": total, "unchanged": overall}
    return table


def markdown(table: dict[str, dict[str, float]], split: str, count: int, k: int) -> str:
    lines = [
        f"Robustness on the {split} split ({count} questions, answers reading k={k} passages): the share of "
        f"rewritten questions whose outcome (evidence in the top {EVIDENCE_K}; all key facts, or a refusal when "
        "unanswerable) is unchanged.",
        "",
        "| rewrite | questions changed | outcome unchanged | right before and after |",
        "|---|---|---|---|",
    ]
    for name, row in table.items():
        right = f"{row['right_both']:.3f}" if "right_both" in row else ""
        label = f"**{name}**" if name == "all" else name
        lines.append(f"| {label} | {row['changed']:.0f} | {row['unchanged']:.3f} | {right} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.robustness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("-k", type=int, default=DEFAULT_TOP_K)
    parser.add_argument("--out", type=Path, help="also write the table here (markdown)")
    args = parser.parse_args()
    questions = [q for q in load_questions() if q.split == args.split]
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(data_dir=tmp, corpus_dir=DEFAULT_CORPUS_DIR, show_progress=False,
                              openai_api_key="", openai_base_url="")  # fmt: skip
        text = markdown(measure(assistant, questions, args.k), args.split, len(questions), args.k)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
