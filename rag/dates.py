"""Dates as people type them in a date filter, read as the first or last day they can mean.

A filter's "from" takes the first day of what was typed and its "to" the last, so a month
or a year covers the whole of it:

    read_bound("2024-07-18", end=False) -> "2024-07-18"
    read_bound("July 2024", end=False)  -> "2024-07-01"      read_bound("jul 2024", end=True) -> "2024-07-31"
    read_bound("2024-07", end=True)     -> "2024-07-31"      read_bound("2024", end=True)     -> "2024-12-31"
    read_bound("last 6 months", end=False, today=date(2024, 12, 31)) -> "2024-06-30"
    read_bound("Julyy 2024", end=False) -> DateNotRead

Other wordings with words in them ("18 July 2024", "3 weeks ago", "yesterday") go to
`dateparser` (a dependency of trafilatura's date finding, so nothing new to install), which
reads them offline; digits that are not ISO ("2024-13-01") are refused, never reordered.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rag.errors import DateNotRead
from rag.text.months import MONTH_NUMBERS

ACCEPTED = "a date (2024-07-18), a month (July 2024, 2024-07), a year (2024) or 'last 6 months'"

_YEAR = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"([a-z]+)\.?,? (\d{4})")
_LAST = re.compile(r"(?:last|past) (\d+) (day|week|month|year)s?")


def read_bound(text: str, *, end: bool, today: dt.date | None = None) -> str:
    """The ISO day `text` starts (end=False) or ends (end=True); "" for an empty text."""
    text = " ".join(text.strip().lower().split())
    if not text:
        return ""
    today = today or dt.date.today()
    day = _read(text, end, today)
    if day is None:
        raise DateNotRead(f"'{text}' is not a date this can read; type {ACCEPTED}.")
    return day.isoformat()


def _read(text: str, end: bool, today: dt.date) -> dt.date | None:
    if m := _YEAR.fullmatch(text):
        return dt.date(int(m[1]), 12, 31) if end else dt.date(int(m[1]), 1, 1)
    if m := _YEAR_MONTH.fullmatch(text):
        return _month(int(m[1]), int(m[2]), end)
    if (m := _MONTH_YEAR.fullmatch(text)) and m[1] in MONTH_NUMBERS:
        return _month(int(m[2]), MONTH_NUMBERS[m[1]], end)
    if m := _LAST.fullmatch(text):
        return today if end else _back(today, int(m[1]), m[2])
    try:
        return dt.datetime.fromisoformat(text).date()  # "2024-07-18", or with a time as pickers send it
    except ValueError:
        if not re.search(r"[a-z]", text):
            return None  # digits only and not ISO: "2024-13-01" is a typo, not the 13th of January
    import dateparser  # only for the wordings above do not cover: it takes a while to import

    parsed = dateparser.parse(text, languages=["en"], settings={"RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
                                                                 "PREFER_DATES_FROM": "past"})  # fmt: skip
    return parsed.date() if parsed else None


def _month(year: int, month: int, end: bool) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)


def _back(today: dt.date, n: int, unit: str) -> dt.date:
    if unit == "day":
        return today - dt.timedelta(days=n)
    if unit == "week":
        return today - dt.timedelta(weeks=n)
    months = n * (12 if unit == "year" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))
