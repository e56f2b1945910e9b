"""The citation marker "[n]", and keeping text from a source out of its form.

An answer cites source n as "[n]" (a model may group them: "[1, 2]"), and the chat turns
each marker into a link to that source. Only the answerer may write one. An article's own
"[1]" (a footnote, a reference list) quoted into an answer would become a link to our
source 1, which may be another outlet's passage; a model may copy one from its prompt just
the same. So bracketed numbers in a source's text are written with parentheses before that
text enters an answer or a prompt, and only the answerer's markers keep the form:

    defuse("Margins rose [1] and sales [2, 3] held.") -> "Margins rose (1) and sales (2, 3) held."
"""

from __future__ import annotations

import re

# "[1]", "[1, 2]", "[1,2]", "[ 1 ]"; also "[0]" and "[-1]", which name no source and are dropped and reported.
MARKER = re.compile(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]")


def defuse(text: str) -> str:
    """Text from a source with every marker-shaped "[n]" written "(n)"."""
    return MARKER.sub(r"(\1)", text)


def marker_numbers(inside: str) -> list[int]:
    """The numbers inside one marker's brackets: "1, 2" -> [1, 2]; "-1" -> [-1]."""
    return [int(n) for n in inside.split(",")]
