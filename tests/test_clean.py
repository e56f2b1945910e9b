"""Cleaning removes page chrome and keeps every sentence of the article body."""

from __future__ import annotations

import pytest

from rag.ingest.articles import load_article
from rag.ingest.chunking import chunk_article
from rag.ingest.clean import clean_article, normalise_line
from rag.ingest.documents import read_document
from rag.text.sentences import split_sentences

from .chrome_oracle import CHROME
from .conftest import CORPUS_DIR, SEEDS_DIR, needs_shared


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
    seeds = sorted(needs_shared(SEEDS_DIR).glob("*.txt"))
    assert len(seeds) == 5
    for seed in seeds:
        assert read_document(CORPUS_DIR / seed.name).text == seed.read_text(encoding="utf-8")


def test_chrome_removal_meets_precision_and_recall_on_the_labelled_captures() -> None:
    """Line by line over the five captures: what cleaning removed against what the oracle labels chrome."""
    removed_chrome = removed_body = kept_chrome = 0
    for article_id in sorted(CHROME):
        raw = read_document(CORPUS_DIR / f"{article_id}.txt")
        body = set(clean_article(raw.text, raw.title, raw.publisher).body.splitlines())
        chrome, real, _ = _lines(article_id)
        removed_chrome += sum(line not in body for line in chrome)
        kept_chrome += sum(line in body for line in chrome)
        removed_body += sum(line not in body for line in real)
    precision = removed_chrome / (removed_chrome + removed_body)
    recall = removed_chrome / (removed_chrome + kept_chrome)
    assert removed_body == 0
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_headings_inside_the_body_stay_and_chrome_around_it_goes() -> None:
    page = "\n".join(
        ["Log Out", "Home| News| About", "Rates rose again this week, analysts said.", "Debt Issue",
         "Companies borrowed more at higher rates this year.", "12 comments", "Share", "Disclaimer: not advice.",
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
        "Read more: Ten stocks to watch", "Tags:", "Risk Disclosure: trading is risky.", "Related posts.",
    ],
)  # fmt: skip
def test_common_chrome_is_removed_from_a_new_capture(chrome: str) -> None:
    body = "Small caps rallied on Friday as yields fell sharply.\nInvestors bought the dip in regional banks again."
    cleaned = clean_article(f"{body}\n{chrome}\n", title="")
    assert chrome not in cleaned.body
    assert cleaned.body == body


@pytest.mark.parametrize(
    "paragraph",
    [
        "Related stocks fell 3% on Tuesday after the lender cut its outlook for the year.",
        "Explore the data: regional banks lost a fifth of their value in two weeks, the survey found.",
        "Sources: people familiar with the talks said the deal could close by the end of March.",
        "Disclaimer clauses in the filing were rewritten after the lawsuit, the company said.",
        "Share prices of small lenders fell for a third week as deposits left for money market funds.",
    ],
)
def test_a_prose_paragraph_is_never_dropped_whatever_it_starts_with(paragraph: str) -> None:
    text = f"Small caps rallied on Friday as yields fell sharply.\n{paragraph}\nInvestors bought the dip again."
    assert clean_article(text).body.splitlines()[1] == paragraph


def test_a_byline_sentence_does_not_end_the_article() -> None:
    text = (
        "Small caps rallied on Friday as yields fell sharply.\n"
        "Jane Doe is a contributor at Example Weekly.\n"
        "Investors bought the dip in regional banks again.\n"
        "The rally held into the close, traders said."
    )
    assert clean_article(text).body == text


def test_only_the_copyright_sentences_leave_a_paragraph() -> None:
    text = "© Jane Doe 2013. All rights reserved. A fresh look at an old trial finds the effect was overstated."
    cleaned = clean_article(text)
    assert cleaned.body == "A fresh look at an old trial finds the effect was overstated."
    assert cleaned.removed == ["© Jane Doe 2013.", "All rights reserved."]


def test_a_sentence_about_copyright_is_body() -> None:
    text = "Copyright lawsuits against the two publishers were settled in 2021 for an undisclosed sum, filings show."
    assert clean_article(text).body == text


def test_a_table_of_short_lines_is_kept_whole() -> None:
    table = ["Consolidated Balance Sheet", "(Millions)", "2018", "2017", "Cash and equivalents", "$", "2,853",
             "3,053", "Inventories", "4,366", "48"]  # fmt: skip
    assert clean_article("\n".join(table)).body.splitlines() == table


def test_a_footer_cannot_start_before_the_body() -> None:
    text = "Tags:\nSmall caps rallied on Friday as yields fell sharply.\nInvestors bought the dip again today."
    assert clean_article(text).body.splitlines() == text.splitlines()[1:]


def test_site_chrome_applies_only_to_its_own_publisher() -> None:
    line = "Jane Doe is a reporter for Yahoo Finance."
    text = f"Small caps rallied on Friday as yields fell sharply.\n{line}"
    assert line not in clean_article(text, publisher="Yahoo Finance").body
    assert line in clean_article(text, publisher="Example Wire").body


def test_cashtag_markup_is_read_as_text_keeping_the_ticker() -> None:
    text = "The $Zephyr Quartz Index(.ZQX.US)$ lagged $Pelican Mills(PLM.HK)$ in March, traders said."
    assert (
        clean_article(text).body == "The Zephyr Quartz Index (ZQX) lagged Pelican Mills (PLM) in March, traders said."
    )
    assert clean_article("It cost $5 (roughly) and $6 later, traders said.").body.startswith("It cost $5 (roughly)")
