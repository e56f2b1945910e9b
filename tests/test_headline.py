"""A headerless text file takes its first line as title when it reads as a headline (rag/ingest/headline.py).

All text here is invented.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.articles import to_article
from rag.ingest.documents import read_document
from rag.ingest.headline import headline_of, looks_like_headline

from .test_cli import rag

BODY = (
    "Shares of regional lenders rose 4% on Tuesday, their best day since March, as deposit costs stopped rising.\n"
    "Analysts at Harbor Street said the move had further to run if rates fall in the autumn.\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "Regional banks lead small caps higher",
        "Are small caps finally cheap?",
        "Micro caps jump 9% in a week!",
        "Rotation into small caps has 'room to run', strategists say",
        "Small caps lag large caps for a third year as rates stay high",
    ],
)
def test_headlines(line: str) -> None:
    assert looks_like_headline(line)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Regional lenders rose on Tuesday as deposit costs stopped rising.", "ends like a sentence"),
        ("Key points:", "a lead-in"),
        ("Harbor Street Holdings Inc.", "ends with a full stop"),
        ("Bank rally", "too short"),
        ("March 14, 2025", "a dateline"),
        ("Published 03/14/2025, 09:30 AM", "a dateline"),
        ("DENVER (Harbor Wire) -", "a wire dateline"),
        ("CHICAGO, March 14 - regional banks", "a wire dateline with a date"),
        ("By Jane Example and Sam Invented", "a byline"),
        ("Harbor Data · 3 hours ago", "a byline"),
        ("- deposit costs stopped rising", "a list item"),
        ("2. deposit costs stopped rising", "a list item"),
        ("Sign in to read the full story", "page chrome"),
        ("Home| Markets| Banks| About", "a menu bar"),
        ("Tags: banks, small caps, rates", "a footer opener"),
        (" ".join(["word"] * 25), "as long as a paragraph"),
    ],
)
def test_not_headlines(line: str, why: str) -> None:
    assert not looks_like_headline(line), why


def test_the_first_line_is_the_title_only_when_prose_follows_it() -> None:
    assert (
        headline_of("\n\nRegional banks lead small caps higher\n\n" + BODY) == "Regional banks lead small caps higher"
    )
    assert headline_of("## Regional banks lead small caps higher\n" + BODY) == "Regional banks lead small caps higher"
    assert headline_of("Regional banks lead small caps higher\n") == ""  # a lone line is the text, not its title
    assert headline_of("Regional banks lead small caps higher\nBank rally\nDeposit costs") == ""  # no prose below
    assert headline_of(BODY) == ""  # the first line is prose


def test_a_headerless_file_takes_its_headline_as_title_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nov_note.txt"
    path.write_text("Regional banks lead small caps higher\n\n" + BODY, encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "Regional banks lead small caps higher" and doc.published == ""
    assert any(
        '"Regional banks lead small caps higher" is the file\'s first line' in w
        and "'title: ...' line in a header" in w
        for w in doc.warnings
    ), doc.warnings
    assert any("no 'published' date" in w for w in doc.warnings)
    # The headline is in every chunk's header, so the body does not repeat it; every other line is kept.
    assert to_article(doc).body.splitlines() == BODY.splitlines()


def test_a_title_given_by_the_caller_keeps_the_first_line_in_the_body(tmp_path: Path) -> None:
    path = tmp_path / "nov_note.txt"
    path.write_text("Regional banks lead small caps higher\n" + BODY, encoding="utf-8")
    doc = read_document(path, {"title": "Lenders rally"})
    assert doc.title == "Lenders rally" and not any("first line" in w for w in doc.warnings)
    assert to_article(doc).body.splitlines() == ["Regional banks lead small caps higher", *BODY.splitlines()]


def test_a_file_that_starts_with_prose_keeps_its_file_name_as_title(tmp_path: Path) -> None:
    path = tmp_path / "nov_note.txt"
    path.write_text(BODY, encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "nov_note"
    assert doc.warnings == ["nov_note.txt: no metadata header; using the file name as title and no date."]
    assert to_article(doc).body.splitlines() == BODY.splitlines()


def test_a_file_with_a_header_is_not_second_guessed(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\npublisher: Harbor Wire\n---\nRegional banks lead small caps higher\n" + BODY, encoding="utf-8"
    )
    doc = read_document(path)
    assert doc.title == "note" and not any("first line" in w for w in doc.warnings)


@pytest.mark.slow  # `rag` in processes of its own
def test_the_cli_prints_the_warning_and_the_answer_cites_the_title(index_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "nov_note.txt"
    path.write_text("Regional banks lead small caps higher\n\n" + BODY, encoding="utf-8")
    out = rag("ingest", str(path), data_dir=index_copy)
    assert out.returncode == 0, out.stderr
    assert (
        'warning: nov_note.txt: title "Regional banks lead small caps higher" is the file\'s first line' in out.stderr
    )
    asked = rag("ask", "How much did shares of regional lenders rise on Tuesday?", data_dir=index_copy)
    assert "Regional banks lead small caps higher (unknown publisher, undated)" in asked.stdout, asked.stdout
