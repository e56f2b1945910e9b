"""Citation markers parsed, renumbered and verified against the sources they name."""

from __future__ import annotations

import pytest

from rag import Hit
from rag.answer.citations import answer_sentences, numbers, resolve
from rag.answer.packing import Source, pack
from rag.index.embeddings import LocalMiniLM
from tests.fakes import HashingEmbedder

GOLDMAN = (
    "Goldman Sachs strategists are now anticipating the Russell 2000 small-cap index will outpace the S&P 500 "
    "for the next 12 months.\nAnalysts at Goldman Sachs predict that the Russell 2000 index will return about 9% "
    "over the next six months and 15% over the next twelve months. According to Goldman's projection, the "
    "large-cap S&P 500 would rise by 7% by end-2024, to close at 5100."
)
VALUATION = (
    "The price-to-book multiple of the Russell 2000 shows that small-cap stocks are currently trading at cheap valuations "
    "in comparison to historical levels, which is another point made by Goldman's analysts.\nAlthough the analysts "
    "acknowledge that a decline in investor expectations for US economic growth poses the biggest danger to "
    "small-cap prospects, they also point out that the lower values provide a safety net for the Russell 2000 even "
    "in the event of slower-than-expected growth."
)
RATES = (
    "Due to the high debt characteristics of small businesses, they rely more on low-interest rates to control "
    "expenses. Goldman Sachs predicts a final target range of 3.25% to 3.5%."
)


def hit(chunk_id: str, text: str, publisher: str, published: str) -> Hit:
    return Hit(chunk_id=chunk_id, article_id=f"art-{chunk_id}", title=f"About {chunk_id}", publisher=publisher,
               published=published, text=text, position=0, score=1.0)  # fmt: skip


@pytest.fixture
def sources() -> list[Source]:
    hits = [hit("goldman", GOLDMAN, "Moomoo", "2024-01-10"), hit("valuation", VALUATION, "Moomoo", "2024-01-10"),
            hit("rates", RATES, "Golden10", "2024-12-03")]  # fmt: skip
    return pack(hits, budget=10_000)


embed = HashingEmbedder().embed


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Up 15% [3]. Fine [1].", "Up 15% [1]. Fine [2]."),
        ("Up 15% [3, 1]. Fine [1,3].", "Up 15% [1][2]. Fine [2][1]."),
        ("Up 15% [3][1]. Fine [ 1 ].", "Up 15% [1][2]. Fine [2]."),
        ("Up 15% [3][3]. Also [3] [3].", "Up 15% [1]. Also [1]."),
    ],
)
def test_marker_forms_are_parsed_and_renumbered_by_first_use(
    sources: list[Source], written: str, expected: str
) -> None:
    resolved = resolve(written, sources, embed)
    assert resolved.text == expected and resolved.dropped == []
    assert [c.n for c in resolved.citations] == sorted({c.n for c in resolved.citations})


def test_citations_list_only_cited_sources_in_order(sources: list[Source]) -> None:
    resolved = resolve("Rates may fall to 3.25% [3]. Goldman sees 15% [1].", sources, embed)
    assert [(c.n, c.chunk_id, c.publisher, c.published) for c in resolved.citations] == [
        (1, "rates", "Golden10", "2024-12-03"),
        (2, "goldman", "Moomoo", "2024-01-10"),
    ]
    assert resolved.citations[0].quote == "Goldman Sachs predicts a final target range of 3.25% to 3.5%."


def test_markers_naming_no_source_are_dropped_and_reported(sources: list[Source]) -> None:
    resolved = resolve("Goldman sees 15% [7]. Cheap valuations [2, 0][12].\nRates [4]", sources, embed)
    assert resolved.text == "Goldman sees 15%. Cheap valuations [1].\nRates"
    assert resolved.dropped == [7, 0, 12, 4]
    assert [c.chunk_id for c in resolved.citations] == ["valuation"]


def test_markers_with_zero_or_a_negative_number_are_dropped_and_reported_too(sources: list[Source]) -> None:
    resolved = resolve("Goldman sees 15% [-1]. Rates fall [0]. Cheap [ -2 , 2].", sources, embed)
    assert resolved.text == "Goldman sees 15%. Rates fall. Cheap [1]."
    assert resolved.dropped == [-1, 0, -2]


def test_a_figure_missing_from_the_cited_source_is_unsupported(sources: list[Source]) -> None:
    text = (
        "As of 2024-01-10, Goldman Sachs analysts predicted the Russell 2000 would return about 15% over twelve "
        "months [1]. Goldman analysts predicted the Russell 2000 would return about 25% over twelve months [1]. "
        "Goldman Sachs predicts a final target range of 3.25% to 3.5% [1]."
    )
    resolved = resolve(text, sources, embed)
    assert resolved.unsupported == [
        "Goldman analysts predicted the Russell 2000 would return about 25% over twelve months [1].",
        "Goldman Sachs predicts a final target range of 3.25% to 3.5% [1].",  # true, but not in source [1]
    ]
    missing = {c.sentence[:20]: c.missing_numbers for c in resolved.checks}
    assert missing["Goldman analysts pre"] == ("25",) and missing["Goldman Sachs predic"] == ("3.25", "3.5")


def test_a_figure_without_any_citation_is_unsupported(sources: list[Source]) -> None:
    text = "Goldman predicts the Russell 2000 will return 15% [1]. Small caps could add 30% more. They are cheap."
    resolved = resolve(text, sources, embed)
    assert resolved.unsupported == ["Small caps could add 30% more."]


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    assert answer_sentences("Up 15%. [1] Flat [2]. Down [1][3].") == [
        ("Up 15%.", (1,)),
        ("Flat [2].", (2,)),
        ("Down [1][3].", (1, 3)),
    ]


def test_numbers_compare_in_one_form() -> None:
    assert numbers("$5,100 (up 15.0%) on 2024-01-10, 0.25 points") == {"5100", "15", "2024", "1", "10", "0.25"}


# Faithful paraphrases and wrong claims about the sources above, with the real embedder:
# the thresholds in rag/answer/citations.py were set on these and more of their kind.
FAITHFUL = [
    ("As of 2024-01-10, Goldman Sachs analysts predicted the Russell 2000 would return about 9% over six months "
     "and 15% over twelve months [1].", [GOLDMAN]),
    ("Goldman's analysts say small caps trade at cheap valuations compared with history [1].", [VALUATION]),
    ("Lower valuations give the Russell 2000 a cushion even if growth disappoints [1].", [VALUATION]),
    ("Small-cap firms carry more debt, so they depend on low rates [1].", [RATES]),
]  # fmt: skip
UNRELATED = [
    ("Bitcoin miners will lead the small-cap rally [1].", [RATES]),
    ("Apple and Microsoft dominate the index's earnings growth [1].", [VALUATION]),
    ("Oil prices will double by summer [1].", [GOLDMAN]),
    ("European banks face a wave of defaults [1].", [RATES]),
]


@pytest.fixture(scope="module")
def minilm() -> LocalMiniLM:
    return LocalMiniLM()


@pytest.mark.parametrize(("sentence", "texts", "supported"),
                         [(s, t, True) for s, t in FAITHFUL] + [(s, t, False) for s, t in UNRELATED])  # fmt: skip
def test_support_thresholds_separate_paraphrase_from_drift(
    minilm: LocalMiniLM, sentence: str, texts: list[str], supported: bool
) -> None:
    source = pack([hit("only", texts[0], "Moomoo", "2024-01-10")], budget=10_000)
    (check,) = resolve(sentence, source, minilm.embed).checks
    assert check.supported is supported, check
