"""Strip page chrome from a captured article, and fail towards keeping text.

Captured pages wrap the article in chrome: menus and account links before it, share
buttons, view counts, bylines, newsletter forms and disclaimers after it. Cleaning
may be wrong about a line; when it is, it must keep text, never lose it. So:

1. Only a short line can be chrome. A prose line (a sentence of six words or more, or
   any line of 25 words or more) is body, whatever it starts with.
2. A short line matching a general chrome pattern is dropped where it stands
   ("Read more: ...", "101K Views", "Sign in to post a comment", "© Reuters.").
3. A short line that opens a page footer ("Tags:", "Latest comments") ends the body:
   it and everything after it go, but only once the body has begun (before it, the line
   alone goes).
4. Inside a paragraph only a boilerplate sentence itself goes ("All rights reserved.",
   "© 2013 Jane Doe."), never its neighbours.
5. Chrome particular to one site is data, not rules: rag/data/site_chrome.yaml, keyed by
   the publisher, applies to that publisher's articles only and may name longer lines.
6. Markup a capture carries is made text: a cashtag "$Russell 2000 Index(.RUT.US)$" reads
   "Russell 2000 Index (RUT)".
7. A line repeating the headline or stating only the publication date goes (both are in
   every chunk's header), and so does a separator alone on a line ("-", "•", "---"); a "$"
   or "%" alone is a table cell and stays.

    ["Log Out", "Goldman sees 15% upside for small caps.", "Debt Issue", "Rates matter a lot here.", "Share"]
    -> ["Goldman sees 15% upside for small caps.", "Debt Issue", "Rates matter a lot here."]

HTML pages are not cleaned here: trafilatura has already taken the article out of the page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from rag.text.months import MONTH_NAME, MONTH_NUMBERS
from rag.text.sentences import split_sentences

# Rule 2: chrome found on many sites (matched case-insensitively against a whole short line).
CHROME_PATTERNS = [
    r"(account info|log ?out|log ?in|sign ?in|sign ?up|back to the top|menu|avatar)",
    r"(share|share_log|translate|report|comments?|reply|like|follow|print|email|save)",
    r"(home|back|english|markets)",  # navigation links left on a line of their own
    r"(log|sign) ?in to .*",
    r"[+\-]?\d+(\.\d+)?[km]? (views?|likes?|comments?|shares?)",  # "101K Views", "3 comments"
    r"\d+ ?min(ute)?s? read|minute read",
    r"write a comment.*",
    r"(read more|see also|click here)\b.*",
    r"(related|explore)( (posts|articles|stories|content|more|topics))?[.:]?",  # not "Related costs"
    r"(related|explore)( \w+)?: .*",  # "Related: Ten stocks to watch"
    r"read the latest .* from .*",
    r"sources?: .*",
    r"published \d{1,2}/\d{1,2}/\d{4}.*",
    rf".*·\s*{MONTH_NAME} \d{{1,2}}( \d{{1,2}}:\d{{2}})?",  # a byline: "Example Data · Dec 3 16:26"
    r".* wrote a column\b.*",
    r"(author|contributor|managing editor|associate editor|editor|editorial board|staff writer)",
    r"©\s*\S.*|(\(c\)|copyright)\s*(©\s*)?\d{4}\b.*",  # "© Reuters.", "(c) 2024 Example" but not a list's "(c)"
    r".*\ball rights reserved\b.*",
    r"[^|]{1,40}(\|[^|]{1,40}){2,}",  # a menu bar: "Home| Features| About"
    r"thank you! your submission has been received!|oops! something went wrong.*",
]

# Rule 3: the first line of a page footer.
FOOTER_PATTERNS = [
    r"(disclaimer|risk disclosure)\b.*",
    r"tags?:.*",
    r"subscribe to (our )?newsletter.*",
    r"latest comments",
]

# Rule 4: boilerplate sentences removed from inside a paragraph.
BOILERPLATE_SENTENCES = [
    r"(copyright\s*)?©\s*\S.*",  # "© Jane Doe 2013.", "Copyright © 2020 Example Ltd."
    r"(\(c\)|copyright)\s+\d{4}\b.*",  # "Copyright 2013 Example Press.", "(c) 2013 Example B.V."
    r".{0,60}\ball rights reserved\.?",
]
BOILERPLATE_MAX_WORDS = 12  # a longer sentence that mentions copyright is about copyright, not a notice

PROSE_MIN_WORDS = 6  # with a sentence ending
PROSE_ANY_WORDS = 25  # with or without one: a long unpunctuated line is a paragraph, not a link

_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
# A trading app's cashtag markup: "$Russell 2000 Index(.RUT.US)$" -> "Russell 2000 Index (RUT)"; the ticker stays.
_CASHTAG = re.compile(r"\$([^$()]{1,80}?)\s*\(\.?([A-Z0-9^]{1,12})(?:\.[A-Z]{2})?\)\$")
_DATELINE = re.compile(rf"(?P<month>{MONTH_NAME}) (?P<day>\d{{1,2}}),? (?P<year>\d{{4}})", re.IGNORECASE)
_RULE = re.compile(r"[-–—•·|*_=~.:]+")  # a separator or bullet alone on a line


@dataclass(frozen=True)
class Cleaned:
    body: str  # kept lines, one paragraph per line
    removed: list[str]  # dropped lines and sentences, in order: what a reviewer checks when tuning the rules


@dataclass(frozen=True)
class SiteChrome:
    """One site's own chrome: whole lines to drop, and lines that open its footer."""

    lines: tuple[re.Pattern[str], ...] = ()
    footer: tuple[re.Pattern[str], ...] = ()


def clean_article(text: str, title: str = "", publisher: str = "", published: str = "") -> Cleaned:
    """The body of a captured article; `title`, `publisher` and `published` (YYYY-MM-DD) are its metadata."""
    lines = normalise_lines(text)
    site = site_chrome().get(publisher.strip().lower(), SiteChrome())
    title_key = _key(title)
    has_english_prose = any(is_prose(line) and not _is_foreign(line) for line in lines)

    kept: list[str] = []
    removed: list[str] = []
    body_begun = False
    for i, line in enumerate(lines):
        if body_begun and _opens_footer(line, site):
            removed.extend(lines[i:])
            break
        if _is_chrome(line, site, title_key, has_english_prose) or _is_dateline(line, published):
            removed.append(line)
            continue
        line, notices = _without_boilerplate_sentences(line)
        removed.extend(notices)
        if line:
            kept.append(line)
            body_begun = body_begun or is_prose(line)
    return Cleaned(body="\n".join(kept), removed=removed)


def normalise_lines(text: str) -> list[str]:
    """The text's non-empty lines, each normalised: "a\u200b  b \\n\\n c" -> ["a b", "c"]."""
    return [line for line in map(normalise_line, text.splitlines()) if line]


def normalise_line(line: str) -> str:
    """NFC, no zero-width characters, single spaces, cashtags as text: '  a\u200b  b ' -> 'a b'."""
    line = unicodedata.normalize("NFC", line).replace("\u200b", "").replace("\xa0", " ")
    line = _CASHTAG.sub(r"\1 (\2)", line)
    return " ".join(line.split())


def is_prose(line: str) -> bool:
    """A sentence-like line: several words, ending like a sentence (or long enough to be one)."""
    words = len(line.split())
    return (words >= PROSE_MIN_WORDS and bool(_SENTENCE_END.search(line))) or words >= PROSE_ANY_WORDS


def looks_like_chrome(line: str) -> bool:
    """A short line any site's chrome could be: 'Log Out', '101K Views', 'Home| Features| About', 'Tags: x'."""
    return bool(_RULE.fullmatch(line)) or (not is_prose(line) and (_matches(_CHROME, line) or _matches(_FOOTER, line)))


@lru_cache(maxsize=1)
def site_chrome() -> dict[str, SiteChrome]:
    """rag/data/site_chrome.yaml, keyed by lower-cased publisher."""
    data = yaml.safe_load(resources.files("rag").joinpath("data/site_chrome.yaml").read_text(encoding="utf-8"))
    return {
        str(publisher).strip().lower(): SiteChrome(
            lines=tuple(_compile(p) for p in entry.get("lines", [])),
            footer=tuple(_compile(p) for p in entry.get("footer", [])),
        )
        for publisher, entry in (data or {}).items()
    }


_CHROME = [re.compile(p, re.IGNORECASE) for p in CHROME_PATTERNS]
_FOOTER = [re.compile(p, re.IGNORECASE) for p in FOOTER_PATTERNS]
_BOILERPLATE = [re.compile(p, re.IGNORECASE) for p in BOILERPLATE_SENTENCES]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _is_chrome(line: str, site: SiteChrome, title_key: str, has_english_prose: bool) -> bool:
    if _RULE.fullmatch(line) or (title_key and _key(line) == title_key) or _matches(site.lines, line):
        return True
    if is_prose(line):
        return False
    # A short headline left in the source language of a translated page is not part of the English body.
    return _matches(_CHROME, line) or _matches(_FOOTER, line) or (has_english_prose and _is_foreign(line))


def _is_dateline(line: str, published: str) -> bool:
    """A line that only states the article's own publication date: 'December 26, 2023' for 2023-12-26.

    Other dates alone on a line stay: in a table they are column headings.
    """
    match = _DATELINE.fullmatch(line)
    if not match or not published:
        return False
    month = MONTH_NUMBERS[match["month"].rstrip(".").lower()]
    return f"{match['year']}-{month:02d}-{int(match['day']):02d}" == published


def _opens_footer(line: str, site: SiteChrome) -> bool:
    return _matches(site.footer, line) or (not is_prose(line) and _matches(_FOOTER, line))


def is_boilerplate_sentence(sentence: str) -> bool:
    """A copyright notice: '© Jane Doe 2013.', 'All rights reserved.'; not a sentence about copyright."""
    return len(sentence.split()) <= BOILERPLATE_MAX_WORDS and _matches(_BOILERPLATE, sentence)


def _without_boilerplate_sentences(line: str) -> tuple[str, list[str]]:
    """The line without its copyright notices: ("© Jane Doe 2013. Rates rose.") -> ("Rates rose.", [notice])."""
    if not re.search(r"©|\(c\)|copyright|rights reserved", line, re.IGNORECASE):
        return line, []
    kept: list[str] = []
    notices: list[str] = []
    for sentence in split_sentences(line):
        (notices if is_boilerplate_sentence(sentence) else kept).append(sentence)
    return " ".join(kept), notices


def _matches(patterns: list[re.Pattern[str]] | tuple[re.Pattern[str], ...], line: str) -> bool:
    return any(p.fullmatch(line) for p in patterns)


def _is_foreign(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(not c.isascii() for c in letters) > len(letters) / 2


def _key(line: str) -> str:
    return re.sub(r"\W+", " ", line).strip().lower()
