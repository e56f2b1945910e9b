"""Split text into sentences without cutting abbreviations, initials or decimals.

    split_sentences("The U.S. index rose 2.5%. A survey ran Jan. 5-11. It helped.")
    -> ["The U.S. index rose 2.5%.", "A survey ran Jan. 5-11.", "It helped."]

Each line of the cleaned body is a paragraph, so a sentence never spans lines.
A sentence ends at . ! or ? (plus closing quotes) followed by a space and a
capital, digit, quote or $, unless the word before the dot is a known
abbreviation or a single capital letter (an initial).
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "inc", "corp", "co", "ltd", "llc", "plc",
    "vs", "etc", "e.g", "i.e", "u.s", "u.k", "u.n", "no", "fig", "approx", "est", "dept",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip

_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[$]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in text.splitlines():
        sentences.extend(_split_paragraph(paragraph.strip()))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    if not paragraph:
        return []
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(paragraph):
        end = match.start() + 1
        if _ends_with_abbreviation(paragraph[start:end]):
            continue
        piece = paragraph[start : match.end()].strip()
        if piece:
            pieces.append(piece)
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def _ends_with_abbreviation(text: str) -> bool:
    words = text[:-1].split()
    if not words:
        return False
    word = words[-1].lstrip("(\"'“").lower()
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())
