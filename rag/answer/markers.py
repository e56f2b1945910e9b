"""The citation marker "[n]": its grammar, written once, and keeping text from a source out of its form.

An answer cites source n as "[n]", and the chat turns each marker into a link to that source.
A model may group them or space them ("[1, 2]", "[ 3 ]"); citations.resolve rewrites every
marker it wrote into our form, one number a marker ("[1][2]"), so past that point only WRITTEN
need be read:

    MARKER.findall("up [1, 2] and [ 3 ]") -> ["1, 2", "3"]      marker(2) -> "[2]"
    cited_numbers("Up 15% [1]. Flat [2][1].") -> [1, 2, 1]       without_markers("Flat [2].") -> "Flat ."

Only the answerer may write one. An article's own "[1]" (a footnote, a reference list) quoted
into an answer would become a link to our source 1, which may be another outlet's passage; a
model may copy one from its prompt just the same. So bracketed numbers in a source's text are
written with parentheses before that text enters an answer or a prompt, and only the
answerer's markers keep the form:

    defuse("Margins rose [1] and sales [2, 3] held.") -> "Margins rose (1) and sales (2, 3) held."
"""

from __future__ import annotations

import re

# As a model may write them: "[1]", "[1, 2]", "[1,2]", "[ 1 ]"; also "[0]" and "[-1]", which name no source
# and are dropped and reported.
MARKER = re.compile(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]")
# As we write them: one number a marker, no spaces.
WRITTEN = re.compile(r"\[(\d+)\]")
# The same marker again and again: "[1][1]", "[1] [1]".
REPEATED = re.compile(r"(\[\d+\])(?:\s*\1)+")
# Markers that open a sentence ("[1] [2] Rates rose."): they belong to the sentence before.
LEADING = re.compile(r"^(?:\s*\[\d+\])+\s*")


def marker(n: int) -> str:
    return f"[{n}]"


def defuse(text: str) -> str:
    """Text from a source with every marker-shaped "[n]" written "(n)"."""
    return MARKER.sub(r"(\1)", text)


def marker_numbers(inside: str) -> list[int]:
    """The numbers inside one marker's brackets: "1, 2" -> [1, 2]; "-1" -> [-1]."""
    return [int(n) for n in inside.split(",")]


def cited_numbers(text: str) -> list[int]:
    """The numbers of the markers we wrote in `text`, in order, repeats kept."""
    return [int(n) for n in WRITTEN.findall(text)]


def without_markers(text: str) -> str:
    """`text` with the markers we wrote taken out (the claim a sentence makes, without whom it cites)."""
    return WRITTEN.sub("", text)
