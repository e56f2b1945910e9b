"""A title for a file that has no header: its first line, when that line reads as a headline.

A note saved as plain text usually starts with its headline, and the file name ("nov_note") is a
poor title for it. So a headerless file's first non-empty line is taken as its title when it
looks like a headline and prose follows it:

    "Regional banks lead small caps higher\\n\\nShares of regional lenders rose 4% on Tuesday, ..."
    -> "Regional banks lead small caps higher"
    "Shares of regional lenders rose 4% on Tuesday, the best day since March.\\n..."  -> ""  (prose)

A headline here is a short line (3 to 24 words) that does not end like a sentence or a lead-in
(".", ",", ";", ":"; a "?" or "!" is fine) and is not a dateline ("December 26, 2023",
"NEW YORK (Reuters) -"), a byline ("By Jane Doe", "Example Data · Dec 3 16:26"), a list item or page
chrome ("Log In", "Home| Features| About"). When unsure it says no, and the file keeps its name as
title: a wrong headline in every chunk's header is worse than a plain one.

The line stays in the text: the cleaner drops a line that repeats the title (it is in every chunk's
header), and if the caller gives another title the line is kept as body, so no text is lost.
"""

from __future__ import annotations

import re

from rag.ingest.clean import PROSE_ANY_WORDS, is_prose, looks_like_chrome, normalise_lines
from rag.text.months import MONTH_NAME

MIN_WORDS = 3  # "Fed holds rates"; one or two words are a section name or a menu link
MAX_WORDS = PROSE_ANY_WORDS - 1  # the cleaner reads a line of 25 words as a paragraph, punctuated or not

_NOT_A_HEADLINE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r".*[.,;:]['\"”’)]*",  # ends like a sentence or a lead-in ("Key points:"); also "Inc." and "U.S."
        rf".*\b{MONTH_NAME} \d{{1,2}}\b.*",  # a date: "December 26, 2023", "Dec 3 16:26", "NEW YORK, July 18 -"
        r".*\b\d{1,2}/\d{1,2}/\d{2,4}\b.*|.*\b\d{4}-\d{2}-\d{2}\b.*|.*\b\d{1,2}:\d{2}\b.*",  # 07/18/2024, ISO, a time
        r"(by|written by|posted by|reporting by)\s.*",  # a byline
        r".*\s·\s.*",  # "Example Data · 3 hours ago"
        r"[-*+•]\s.*|\d+[.)]\s.*",  # a list item
    )
]
# A wire dateline in capitals: "NEW YORK (Reuters) -", "LONDON -". Matched case-sensitively.
_WIRE_DATELINE = re.compile(r"[A-Z][A-Z .,'-]*(\([A-Za-z ]+\))?\s*[-–—]+(\s.*)?")
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+")


def headline_of(text: str) -> str:
    """The first line of `text` if it looks like a headline and prose follows it; otherwise ''."""
    lines = normalise_lines(text)
    if len(lines) < 2 or not any(is_prose(line) for line in lines[1:]):
        return ""
    line = _MARKDOWN_HEADING.sub("", lines[0], count=1)
    return line if looks_like_headline(line) else ""


def looks_like_headline(line: str) -> bool:
    """A short line that names a story: 'Small caps lag as yields climb' yes, 'By Jane Doe' no."""
    words = line.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or not any(c.isalpha() for c in line):
        return False
    if any(p.fullmatch(line) for p in _NOT_A_HEADLINE) or _WIRE_DATELINE.fullmatch(line):
        return False
    return not looks_like_chrome(line)
