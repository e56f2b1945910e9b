"""Dates as people type them in a filter: the first or the last day of what they name."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.dates import read_bound
from rag.errors import DateNotRead

TODAY = dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("2024-07-18", "2024-07-18", "2024-07-18"),
        ("2024-07-18 00:00:00", "2024-07-18", "2024-07-18"),
        ("July 2024", "2024-07-01", "2024-07-31"),
        ("jul 2024", "2024-07-01", "2024-07-31"),
        ("Sept. 2024", "2024-09-01", "2024-09-30"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2024", "2024-01-01", "2024-12-31"),
        ("last 6 months", "2024-06-30", "2024-12-31"),
        ("past 2 weeks", "2024-12-17", "2024-12-31"),
        ("18 July 2024", "2024-07-18", "2024-07-18"),
        ("  ", "", ""),
    ],
)
def test_a_typed_date_is_read_as_its_first_and_last_day(typed: str, start: str, end: str) -> None:
    assert read_bound(typed, end=False, today=TODAY) == start
    assert read_bound(typed, end=True, today=TODAY) == end


@pytest.mark.parametrize("typed", ["Julyy 2024", "2024-13", "2024-02-30", "2024-13-01", "07/18/2024", "soon-ish"])
def test_what_reads_as_no_date_says_what_is_accepted(typed: str) -> None:
    with pytest.raises(DateNotRead, match=r"is not a date this can read; type a date \(2024-07-18\), a month"):
        read_bound(typed, end=False, today=TODAY)
