"""The periods a question names ("in July 2024", "late 2023", "mid-July", "Q2 2024"), as date ranges.

News about a period is published during it or soon after, so a period points retrieval at
the articles of its time (`Period.covers`) and lets the answerer notice when the only
evidence speaks of another time:

    periods("Did yields climb from late 2022 to March 2023?")
    -> [Period(2022-09-01 .. 2022-12-31, 'late 2022'), Period(2023-03-01 .. 2023-03-31, 'March 2023')]

A bare year ("in 2024") is not a period here: in these articles it is mostly a forecast
horizon ("a rally in 2024", written in December 2023), not the time of the news.
A month or quarter without a year ("mid-July", "in Q3") matches it in any year; so does a month with
a number that may be a year typed short ("july 24": the 24th, or July 2024). A period right after
"by" is skipped: "6,000 by the end of 2025" is a forecast's deadline, not when it was reported
(and "by mid-2024" may be either).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, replace

from rag.text.months import MONTH_NAME, MONTH_NUMBERS

NOT_YET = 10**6  # the lag of news published before the period began: it can only have forecast it
REPORTING_LAG = dt.timedelta(days=31)  # how long after a period its news may still be published
RECALL_WINDOW = dt.timedelta(days=365)  # how long after a period news may still name it as recent

_MONTH = rf"(?P<month>{MONTH_NAME})"
# A year as written in full, or typed short after an apostrophe: "2024", "'24", "’24".
_YEAR = r"(?P<year>(?:19|20)\d{2}|['’]\d{2})"
_PART = r"(?:(?P<part>early|mid|late|end of|start of|beginning of)[- ]?)?"
# Question reading spells a short form out in brackets after it ("nov (November) 2024"); a year after that
# still belongs to the month. ("dec (December) 24" stays December of any year: 24 may be a day or a year.)
_SPELLED_OUT = r"(?:\s+\([A-Za-z]+\)(?=\s+(?:(?:19|20)\d{2}|['’]\d{2})\b))?"
_MONTH_PHRASE = re.compile(
    rf"\b{_PART}{_MONTH}{_SPELLED_OUT}(?:\s+(?P<day>\d{{1,2}})(?P<ordinal_suffix>st|nd|rd|th)?\b,?)?(?:\s+{_YEAR}\b)?",
    re.IGNORECASE,
)
_YEAR_PART = (
    r"(?P<part>early|mid|late|end of|end|year-end|start of|beginning of|first (?:few )?(?:weeks|days|months) of"
    r"|first half of|second half of|(?:the )?(?P<ordinal>first|second|third|fourth) quarter of|q(?P<q>[1-4]))"
)
_YEAR_PHRASE = re.compile(rf"\b{_YEAR_PART}[- ]?(?:the year )?{_YEAR}\b", re.IGNORECASE)
# A quarter without a year ("in Q3", "the third quarter"): those months of any year. One followed by a
# year is a _YEAR_PHRASE.
_QUARTER_ALONE = re.compile(
    r"\b(?:q(?P<q>[1-4])|(?P<ordinal>first|second|third|fourth)[- ]quarter)\b"
    r"(?!\s*(?:of\s+)?(?:(?:the year )?(?:19|20)\d{2}|['’]\d{2})\b)",
    re.IGNORECASE,
)
# A span of two years typed short: "2024-25", "2024/25".
_YEAR_RANGE = re.compile(r"\b((?:19|20)(\d{2}))[-/–](\d{2})\b")
# "the final trading session of 2023": the year's last weekday (December 29, 2023; December 31, 2024), as a day.
_YEAR_END_DAY = re.compile(
    r"\b(?:last|final|closing) (?:trading )?(?:day|session) of (?:the year )?" + _YEAR + r"\b", re.IGNORECASE
)

# Months a part of a year spans, first and last.
_YEAR_PARTS = {
    "early": (1, 4), "mid": (5, 8), "late": (9, 12), "end of": (12, 12), "end": (12, 12), "year-end": (12, 12),
    "start of": (1, 2), "beginning of": (1, 2), "first half of": (1, 6), "second half of": (7, 12),
}  # fmt: skip
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# Days a part of a month spans.
_MONTH_PARTS = {
    "early": (1, 10),
    "start of": (1, 10),
    "beginning of": (1, 10),
    "mid": (11, 20),
    "late": (21, 31),
    "end of": (21, 31),
}


@dataclass(frozen=True)
class Period:
    """A range of days; with `year` None, the same days of any year ("mid-July")."""

    first_month: int
    first_day: int
    last_month: int
    last_day: int
    year: int | None
    text: str = field(compare=False)  # as the question wrote it; two wordings of one range are one period
    is_month: bool = field(default=False, compare=False)  # "late January", not a part of a year ("late 2023")

    def range_in(self, year: int) -> tuple[dt.date, dt.date]:
        # Days past a month's end ("February 30", "February 29" of 2023) are its last day.
        first_day = min(self.first_day, calendar.monthrange(year, self.first_month)[1])
        last_day = min(self.last_day, calendar.monthrange(year, self.last_month)[1])
        return dt.date(year, self.first_month, first_day), dt.date(year, self.last_month, last_day)

    @property
    def days(self) -> int:
        """How long the period is, roughly: the shorter of two periods is the more specific."""
        return (self.last_month - self.first_month) * 31 + self.last_day - self.first_day

    def covers(self, published: str) -> bool:
        """Whether an article published on this ISO date reports on the period (during it or just after)."""
        return self.lag(published) <= REPORTING_LAG.days

    def mentioned_in(self, text: str, published: str = "") -> bool:
        """Whether `text` speaks of this period: names its month, or for a part of a year, the year.

        A month named with another year is another time: "its January 2022 record" does not
        speak of January 2024. Given the text's publication date, "this year" and its kin name
        a year too (`relative_years`), and so does a month named alone: news speaks of the nearest
        one, so "the pivot began in November" in news of January 2024 is November 2023, and "a cut in
        March" there is March 2024.
        """
        if self.year is None and not self.is_month:  # a quarter of any year: named as that quarter
            return any(p == replace(self, year=p.year) for p in periods(text) if not p.is_month)
        if not self.is_month:
            return str(self.year) in text or self.year in relative_years(text, published)
        for match in _MONTH_PHRASE.finditer(text):
            if MONTH_NUMBERS[match.group("month").rstrip(".").lower()] != self.first_month:
                continue
            year = _year(match) or _nearest_year(self.first_month, published)
            if not (self.year and year and year != self.year):
                return True
        return False

    def recalled_in(self, text: str, published: str) -> bool:
        """Whether news published on that ISO date looks back at this month by name, within a year.

        "rose to 91.9 in December from November's 90.6", published 2024-01-10, is about
        November 2023, though past the reporting lag.
        """
        try:
            date = dt.date.fromisoformat(published)
        except ValueError:
            return False
        # Only a named month: a part of a year ("early 2024") would be "mentioned" by any "2024".
        if not (self.is_month and self.year):
            return False
        start, end = self.range_in(self.year)
        return start <= date <= end + RECALL_WINDOW and self.mentioned_in(text, published)  # the cheap test first

    def lag(self, published: str) -> int:
        """Days from this period's end to the ISO date (0 when published within it); NOT_YET when published
        before it began, or undated."""
        try:
            date = dt.date.fromisoformat(published)
        except ValueError:
            return NOT_YET
        years = [self.year] if self.year else [date.year, date.year - 1]  # "mid-July": the latest one begun
        ranges = [self.range_in(year) for year in years]
        return min((max((date - end).days, 0) for start, end in ranges if start <= date), default=NOT_YET)

    def about(self, text: str, published: str) -> bool:
        """Whether a source (its text, its ISO date) reports on this period: published during it or
        just after (`covers`), or looking back at it by name (`recalled_in`)."""
        return self.covers(published) or self.recalled_in(text, published)


# "this year", "last year", "next year" and their kin, as years after (or before) the publication year.
_RELATIVE_YEAR = re.compile(r"\b(this|the current|last|the past|previous|the previous|next|the coming|coming) year\b",
                            re.IGNORECASE)  # fmt: skip
_YEAR_OFFSETS = {"this": 0, "the current": 0, "last": -1, "the past": -1, "previous": -1, "the previous": -1,
                 "next": 1, "the coming": 1, "coming": 1}  # fmt: skip


def relative_years(text: str, published: str) -> set[int]:
    """The years `text` names relative to its ISO publication date.

    relative_years("up 10.5% this year, after a flat last year", "2024-07-18") -> {2024, 2023}
    """
    try:
        year = dt.date.fromisoformat(published).year
    except ValueError:
        return set()
    return {year + _YEAR_OFFSETS[m.group(1).lower()] for m in _RELATIVE_YEAR.finditer(text)}


def periods(text: str) -> list[Period]:
    """Every period `text` names, in order of appearance, without repeats."""
    found: list[tuple[int, Period]] = []
    taken: list[range] = []
    for match in _YEAR_END_DAY.finditer(text):
        taken.append(range(match.start(), match.end()))
        if not _after_by(text, match):
            found.append((match.start(), _last_trading_day(_year(match) or 0, match.group(0))))
    for match in _YEAR_PHRASE.finditer(text):
        if _after_by(text, match) or any(match.start() in span for span in taken):
            continue
        found.append((match.start(), _year_period(match)))
        taken.append(range(match.start(), match.end()))
    for match in _QUARTER_ALONE.finditer(text):
        if not (_after_by(text, match) or any(match.start() in span for span in taken)):
            found.append((match.start(), _quarter(match)))
            taken.append(range(match.start(), match.end()))
    for match in _MONTH_PHRASE.finditer(text):
        if any(match.start() in span for span in taken) or not _is_month(match):
            continue
        if _after_by(text, match):
            continue
        found.append((match.start(), _month_period(match)))
    return list(dict.fromkeys(period for _, period in sorted(found, key=lambda pair: pair[0])))


def nearest_period(named: list[Period], text: str, published: str) -> Period | None:
    """The named period a source (its text, its ISO date) reports on; the nearest when it is about several.

    "late December 2023 compared with late January 2024": an article of 2024-01-22 is about both
    (published just after one, during the other) but speaks for late January only, so it
    does not crowd out the December news in retrieval or in the answer.
    """
    about = [p for p in named if p.about(text, published)]
    if len(about) < 2:
        return about[0] if about else None
    # Equally near ("Q4 2024, especially December 2024", news of 2024-12-10): the more specific period.
    return min(about, key=lambda p: (p.lag(published), p.days))


def _last_trading_day(year: int, text: str) -> Period:
    day = dt.date(year, 12, 31)
    while day.weekday() >= 5:  # Saturday, Sunday
        day -= dt.timedelta(days=1)
    return Period(12, day.day, 12, day.day, year, text, is_month=True)


def _is_month(match: re.Match[str]) -> bool:
    """Whether a month-like word is the month: "may" and "march" are verbs too, unless a day or year follows.

    People type months in lower case ("r2k in october 2024", "dec 2024"), so case alone decides
    only for the words that are also everyday words: "small caps may lag" is not May.
    """
    word = match.group("month").rstrip(".")
    dated = bool(match.group("year") or match.group("day"))
    if word.lower() in EVERYDAY_MONTH_WORDS:
        return dated or (word[0].isupper() and word.lower() != "may")
    return True


# Months that are also everyday words ("small caps may lag", "the market marches on", "mar the rally").
EVERYDAY_MONTH_WORDS = frozenset({"may", "march", "mar"})


def _year(match: re.Match[str]) -> int | None:
    """The matched year, if any: "2024" -> 2024, "'24" -> 2024 (news of this century)."""
    year = match.group("year")
    if not year:
        return None
    return 2000 + int(year[1:]) if year[0] in "'’" else int(year)


def _nearest_year(month: int, published: str) -> int | None:
    """The year of the occurrence of `month` nearest to an ISO date: for news of 2024-01-10, November is
    2023's and March 2024's. None when the date is unknown."""
    try:
        date = dt.date.fromisoformat(published)
    except ValueError:
        return None
    months_ahead = (month - date.month) % 12  # 0..11 months after the date's month
    return date.year + (date.month + months_ahead > 12) if months_ahead < 6 else date.year - (month > date.month)


def _after_by(text: str, match: re.Match[str]) -> bool:
    return re.search(r"\bby(?: the)?\s*$", text[: match.start()], re.IGNORECASE) is not None


def _year_period(match: re.Match[str]) -> Period:
    year = _year(match) or 0  # the pattern requires a year
    part = match.group("part").lower()
    quarter = _quarter_number(match)
    if quarter:
        first, last = 3 * quarter - 2, 3 * quarter
    elif part.startswith("first") and "half" not in part:
        first, last = 1, 2  # "the first weeks of 2023"
    else:
        first, last = _YEAR_PARTS[part]
    return Period(first, 1, last, 31, year, match.group(0))


def _quarter(match: re.Match[str]) -> Period:
    quarter = _quarter_number(match)
    return Period(3 * quarter - 2, 1, 3 * quarter, 31, None, match.group(0))


def _quarter_number(match: re.Match[str]) -> int:
    """The quarter a match names ("Q3", "third quarter" -> 3); 0 when it names none ("late 2023")."""
    return int(match.group("q")) if match.group("q") else _QUARTERS.get((match.group("ordinal") or "").lower(), 0)


def spell_out_year_ranges(text: str) -> str:
    """Two years typed short, in full: "the 2024-25 outlook" -> "the 2024-2025 outlook" (so "25" is not a figure).

    A second part that is not the next years ("2024-12", a month) is left alone.
    """

    def full(match: re.Match[str]) -> str:
        first, short, second = match.group(1), int(match.group(2)), int(match.group(3))
        if not short < second <= short + 5:
            return match.group(0)
        return f"{first}-{first[:2]}{match.group(3)}"

    return _YEAR_RANGE.sub(full, text)


# A fiscal year typed as one word: "FY2022", "fy23", "Q3FY24" (not "FY2022-23", a span).
_FISCAL_YEAR = re.compile(r"\b(?:[Qq][1-4])?(?:FY|fy|Fy)(?P<year>(?:19|20)\d{2}|\d{2})\b(?![-/–]\d)")


def spell_out_fiscal_years(text: str) -> str:
    """A fiscal year typed as one word, with its year spelled out beside it as question reading spells out a
    short form: "FY2022 capex" -> "FY2022 (2022) capex", "Q3FY23" -> "Q3FY23 (2023)". A filing writes "2022"
    or "fiscal 2022", which the one word never matches. "Fiscal year" itself is not added: those words are on
    every filing's pages, and would pull other companies' pages up."""

    def spelled(match: re.Match[str]) -> str:
        year = match.group("year")
        return f"{match.group(0)} ({'20' + year if len(year) == 2 else year})"

    return _FISCAL_YEAR.sub(spelled, text)


def _month_period(match: re.Match[str]) -> Period:
    month = MONTH_NUMBERS[match.group("month").rstrip(".").lower()]
    year = _year(match)
    if match.group("day") and not year and _may_be_a_year(match):
        first_day, last_day = 1, 31  # "july 24": the 24th, or July 2024 typed short; the month holds both
    elif match.group("day"):
        day = int(match.group("day"))
        first_day, last_day = day, day
    else:
        first_day, last_day = _MONTH_PARTS.get((match.group("part") or "").lower(), (1, 31))
    return Period(month, first_day, month, last_day, year, match.group(0).strip(), is_month=True)


def _may_be_a_year(match: re.Match[str]) -> bool:
    """Whether a month's number ("july 24") may be a year typed short: 13 to 31, with no "th" after it."""
    return 13 <= int(match.group("day")) <= 31 and not match.group("ordinal_suffix")
