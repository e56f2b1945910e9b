"""Cleaning removes page chrome and keeps every sentence of the article body."""

from __future__ import annotations

import pytest

from rag.articles import load_article
from rag.chunking import chunk_article
from rag.clean import clean_article, normalise_line
from rag.documents import read_document
from rag.sentences import split_sentences

from .chrome_oracle import CHROME
from .conftest import CORPUS_DIR, SEEDS_DIR


def _lines(article_id: str) -> tuple[list[str], list[str], str]:
    """(chrome lines, body lines, title) of one seed, by the hand-made oracle."""
    raw = read_document(CORPUS_DIR / f"{article_id}.txt")
    lines = [normalise_line(x) for x in raw.text.splitlines() if x.strip()]
    chrome = [x for x in lines if any(x.startswith(normalise_line(prefix)) for prefix in CHROME[article_id])]
    body = [x for x in lines if x not in chrome and x != normalise_line(raw.title)]
    return chrome, body, raw.title


@pytest.mark.parametrize("article_id", sorted(CHROME))
def test_no_chrome_line_reaches_a_chunk(article_id: str) -> None:
    article, _ = load_article(CORPUS_DIR / f"{article_id}.txt")
    chunks = chunk_article(article, max_tokens=200, overlap=1)
    chunk_sentences = {s for c in chunks for s in split_sentences(c.text)}
    chrome, _, _ = _lines(article_id)
    assert len(chrome) >= len(CHROME[article_id])  # every labelled line was found in the capture
    for line in chrome:
        if len(line.split()) >= 3:
            assert all(line not in c.text for c in chunks), line
        else:  # short lines like "1" or "Back" can occur inside real sentences; they must not stand alone
            assert line not in chunk_sentences, line


@pytest.mark.parametrize("article_id", sorted(CHROME))
def test_every_body_sentence_reaches_a_chunk(article_id: str) -> None:
    article, _ = load_article(CORPUS_DIR / f"{article_id}.txt")
    chunk_text = " ".join(c.text for c in chunk_article(article, max_tokens=200, overlap=1))
    _, body, _ = _lines(article_id)
    assert len(body) >= 8
    for line in body:
        for sentence in split_sentences(line):
            assert sentence in chunk_text, sentence


def test_corpus_files_hold_the_seed_captures_verbatim() -> None:
    for seed in sorted(SEEDS_DIR.glob("*.txt")):
        assert read_document(CORPUS_DIR / seed.name).text == seed.read_text(encoding="utf-8")


def test_headings_inside_the_body_stay_and_chrome_outside_goes() -> None:
    page = "\n".join(
        ["Log Out", "Home| News| About", "Rates rose again this week, analysts said.", "Debt Issue",
         "Companies borrowed more at higher rates this year.", "12", "Share", "Disclaimer: not advice.",
         "More prose after the disclaimer is footer text."]
    )  # fmt: skip
    cleaned = clean_article(page, title="Rates")
    assert cleaned.body.splitlines() == [
        "Rates rose again this week, analysts said.",
        "Debt Issue",
        "Companies borrowed more at higher rates this year.",
    ]


@pytest.mark.parametrize(
    "chrome",
    [
        "101K Views", "Sign in to post a comment", "Subscribe to our newsletter!", "© 2024 Example Media. All Rights Reserved.",
        "Read more: Ten stocks to watch", "Tags:", "Jane Doe is a reporter for Example News.", "Risk Disclosure: trading is risky.",
    ],
)  # fmt: skip
def test_common_chrome_is_removed_from_a_new_capture(chrome: str) -> None:
    body = "Small caps rallied on Friday as yields fell sharply.\nInvestors bought the dip in regional banks again."
    cleaned = clean_article(f"{body}\n{chrome}\n", title="")
    assert chrome not in cleaned.body
    assert cleaned.body == body
