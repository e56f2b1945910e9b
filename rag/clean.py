"""Strip page chrome from a captured article, keeping every line of the body.

Captured pages wrap the article in chrome: menus and account links before it,
share buttons, view counts, author rosters, newsletter forms, comment prompts,
disclaimers and copyright lines after it. Three rules remove it:

1. A line matching a chrome pattern is dropped wherever it stands
   ("Read more: ...", "101K Views", "Sign in to post a comment").
2. A line that opens the page's footer ("Disclaimer: ...", "Tags:",
   "Subscribe to our newsletter!") ends the body: it and all after it go.
3. The body runs from its first prose line to its last; short lines outside that
   span (tickers, bylines, dates, buttons) go, short lines inside it are section
   headings and stay.

    ["Log Out", "Goldman sees 15% upside.", "Debt Issue", "Rates matter.", "10", "Translate"]
    -> ["Goldman sees 15% upside.", "Debt Issue", "Rates matter."]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"

# Rule 1: chrome lines, dropped wherever they stand (matched case-insensitively against the whole line).
CHROME_PATTERNS = [
    r"(account info|log ?out|log ?in|sign ?in|sign ?up|back|back to the top|english|menu|home|markets)",
    r"log in to access .*",
    r"(share|share_log|translate|report|comment|comments|reply|like|follow|print|email|save|avatar)",
    r"[+\-]?\d+(\.\d+)?[km]?( views?| likes?| comments?| shares?)?",  # counters: "10", "+0", "101K Views"
    r"\d+ ?min(ute)?s? read|minute read",
    r"gallery inside!?",
    r"(sign|log) ?in to (post|comment|reply|access).*",
    r"write a comment.*",
    r"(read more|see also|related|related posts|explore)\b.*",
    r"click here\b.*",
    r"read the latest .* from .*",
    r".*unlock stocks.*",  # an ad glued to the previous word: "...eachUnlock Stocks"
    r"sources?: .*",
    r"published \d{1,2}/\d{1,2}/\d{4}.*",
    rf"{_MONTH} \d{{1,2}},? \d{{4}}",  # a bare dateline: "December 26, 2023"
    rf".*·\s*{_MONTH} \d{{1,2}}( \d{{1,2}}:\d{{2}})?",  # a byline: "Golden10 Data · Dec 3 16:26"
    r".* wrote a column\b.*",
    r"(author|contributor|managing editor|associate editor|editor|editorial board|staff writer)",
    r"(©|\(c\)|copyright)\s*.*",
    r".*\ball rights reserved\b.*",
    r".*\|.*\|.*",  # a menu bar: "Home| Features| About"
]

# Rule 2: the first line of a page footer; it and everything after it are dropped.
FOOTER_PATTERNS = [
    r"(disclaimer|risk disclosure)\b.*",
    r"tags?:.*",
    r"subscribe to (our )?newsletter.*",
    r"latest comments",
    r"the translation is provided by .*",
    r"the above content is for informational .*",
    r"[A-Z][\w.'-]+( [A-Z][\w.'-]+){1,2} is an? (reporter|writer|editor|correspondent|contributor) (for|at) .*",
]

_CHROME = [re.compile(p, re.IGNORECASE) for p in CHROME_PATTERNS]
_FOOTER = [re.compile(p, re.IGNORECASE) for p in FOOTER_PATTERNS]
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")


@dataclass(frozen=True)
class Cleaned:
    body: str  # kept lines, one paragraph per line
    removed: list[str]  # dropped lines, in order: what a reviewer checks when tuning the rules


def clean_article(text: str, title: str = "") -> Cleaned:
    lines = [normalise_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    footer_at = next((i for i, line in enumerate(lines) if _matches(_FOOTER, line)), len(lines))
    candidates = lines[:footer_at]
    title_key = _key(title)
    is_chrome = [_matches(_CHROME, line) or _is_foreign(line) or _key(line) == title_key for line in candidates]
    prose = [i for i, line in enumerate(candidates) if not is_chrome[i] and is_prose(line)]
    if not prose:
        return Cleaned(body="", removed=lines)
    first, last = prose[0], prose[-1]
    kept_index = {i for i in range(first, last + 1) if not is_chrome[i]}
    kept = [line for i, line in enumerate(candidates) if i in kept_index]
    removed = [line for i, line in enumerate(candidates) if i not in kept_index] + lines[footer_at:]
    return Cleaned(body="\n".join(kept), removed=removed)


def normalise_line(line: str) -> str:
    """NFC, no zero-width characters, single spaces: '  a\u200b  b ' -> 'a b'."""
    line = unicodedata.normalize("NFC", line).replace("\u200b", "").replace("\xa0", " ")
    return " ".join(line.split())


def is_prose(line: str) -> bool:
    """A sentence-like line: several words, ending like a sentence (or long enough to be one)."""
    words = len(line.split())
    return (words >= 6 and bool(_SENTENCE_END.search(line))) or words >= 15


def _matches(patterns: list[re.Pattern[str]], line: str) -> bool:
    return any(p.fullmatch(line) for p in patterns)


def _is_foreign(line: str) -> bool:
    # A headline left in the source language of a translated page (e.g. Chinese) is not English body text.
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(not c.isascii() for c in letters) > len(letters) / 2


def _key(line: str) -> str:
    return re.sub(r"\W+", " ", line).strip().lower()
