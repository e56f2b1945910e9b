"""Hybrid retrieval over the real index: fusion, ranks, filters, modes."""

from __future__ import annotations

import pytest

from rag import Assistant, Filters
from rag.errors import InputError
from rag.question.periods import nearest_period, periods


def test_hits_carry_fused_score_and_each_retrievers_rank(assistant: Assistant) -> None:
    hits = assistant.retrieve("Goldman Sachs: 12-month outlook for the Russell 2000?", k=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.dense_rank or h.bm25_rank for h in hits)
    top = hits[0]
    expected = sum(1 / (60 + r) for r in (top.dense_rank, top.bm25_rank) if r)
    assert top.score == pytest.approx(expected)
    assert any("15%" in h.text for h in hits)


def test_keyword_only_finds_exact_rare_terms(assistant: Assistant) -> None:
    hits = assistant.retrieve("Soneet Kapila", k=1, mode="bm25")
    assert "Soneet Kapila" in hits[0].text and hits[0].dense_rank is None


def test_dense_only_finds_paraphrases(assistant: Assistant) -> None:
    hits = assistant.retrieve("companies that lose money did better when cuts were expected", k=5, mode="dense")
    assert any("non-profitable" in h.text for h in hits)
    assert all(h.bm25_rank is None for h in hits)


def test_date_range_filter_applies_to_both_retrievers(assistant: Assistant) -> None:
    window = Filters(published_from="2024-07-01", published_to="2024-12-31")
    for mode in ("dense", "bm25", "hybrid"):
        hits = assistant.retrieve("Russell 2000 small caps rally", k=10, filters=window, mode=mode)
        assert hits and {h.published for h in hits} <= {"2024-07-18", "2024-12-03"}


def test_publisher_filter(assistant: Assistant) -> None:
    hits = assistant.retrieve("interest rates", k=10, filters=Filters(publishers=("Yahoo Finance",)))
    assert hits and {h.publisher for h in hits} == {"Yahoo Finance"}


def test_bad_filters_and_modes_are_input_errors(assistant: Assistant) -> None:
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        Filters(published_from="July 2024")
    with pytest.raises(InputError, match="not one of"):
        assistant.retrieve("rates", mode="sparse")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least 1"):
        assistant.retrieve("rates", k=0)


def test_a_named_period_ranks_the_articles_of_its_time_as_a_third_signal(assistant: Assistant) -> None:
    question = "In July 2024, what made investors warm up to small caps?"
    hits = assistant.retrieve(question, k=5)
    timely = [h for h in hits if h.time_rank]
    assert timely and all(h.published == "2024-07-18" for h in timely)
    assert hits[0].published == "2024-07-18"
    for h in hits:
        expected = sum(1 / (60 + r) for r in (h.dense_rank, h.bm25_rank, h.time_rank) if r)
        assert h.score == pytest.approx(expected)
    assert any("softer-than-expected inflation" in h.text for h in hits)
    # The single retrievers stay pure, so the side-by-side eval shows what each piece buys.
    assert all(h.time_rank is None for h in assistant.retrieve(question, k=5, mode="dense"))


def test_each_named_period_brings_its_own_ranking(assistant: Assistant) -> None:
    hits = assistant.retrieve("How did July 2024's small-cap rally compare with December 2024's?", k=5)
    # One ranking per period: the best chunk of each period is first in its own ranking, so one
    # well-covered period does not crowd the other out of the top k.
    assert {h.published for h in hits if h.time_rank == 1} == {"2024-07-18", "2024-12-03"}


def test_a_question_about_two_periods_is_ranked_period_by_period(assistant: Assistant) -> None:
    question = "Goldman called small caps cheap in January 2024; were they still inexpensive in July 2024?"
    # Counted over all chunks, January's two articles (11 chunks against July's 5) filled the top 5 and no
    # July source was in it. Counted within each period, each period's best chunks rank first. (January's
    # price-to-book chunk is not in the top 5 for this wording: its own article's other chunks and Yahoo's
    # outrank it.)
    hits = assistant.retrieve(question, k=5)
    assert any("15th percentile" in h.text for h in hits if h.published == "2024-07-18")
    assert any(h.published.startswith("2024-01") for h in hits)

    n = len(assistant.indexed_chunks())
    every = assistant.retrieve(question, k=n)
    named = periods(question)
    period = {h.chunk_id: nearest_period(named, h.text, h.published) for h in every}
    assert len(set(period.values())) == 3  # January 2024, July 2024, and the chunks about neither
    for h in every:
        same = [o for o in every if period[o.chunk_id] == period[h.chunk_id]]
        dense = sorted(o.dense_rank for o in same if o.dense_rank).index(h.dense_rank) + 1 if h.dense_rank else None
        bm25 = sorted(o.bm25_rank for o in same if o.bm25_rank).index(h.bm25_rank) + 1 if h.bm25_rank else None
        expected = sum(1 / (60 + r) for r in (dense, bm25, h.time_rank) if r)
        assert h.score == pytest.approx(expected), h.chunk_id
    # Hits still report each retriever's own rank over all chunks.
    assert sorted(h.dense_rank for h in every if h.dense_rank) == list(range(1, n + 1))


def test_two_wordings_of_one_period_are_one_period(assistant: Assistant) -> None:
    # "July" and "July 2024" name one period here: every chunk is nearest the first, so there is nothing
    # to rank period by period, and dense and BM25 ranks count over all chunks, as for one period.
    question = "What drove July 2024's small-cap surge, and what did analysts say in July?"
    assert len(periods(question)) == 2
    for h in assistant.retrieve(question, k=len(assistant.indexed_chunks())):
        assert h.score == pytest.approx(sum(1 / (60 + r) for r in (h.dense_rank, h.bm25_rank, h.time_rank) if r))


def test_a_named_month_ranks_the_news_that_looks_back_at_it(assistant: Assistant) -> None:
    hits = assistant.retrieve("What was the NFIB reading in November 2023?", k=5)
    nfib = [h for h in hits if "90.6" in h.text]  # "rose to 91.9 in December from November's 90.6", in January
    assert nfib and nfib[0].published == "2024-01-10" and nfib[0].time_rank


def test_questions_without_a_period_are_ranked_on_their_text_alone(assistant: Assistant) -> None:
    hits = assistant.retrieve("How long, on average, until small-cap firms' debt comes due?", k=5)
    assert all(h.time_rank is None for h in hits)


def test_a_source_ranks_only_for_the_named_period_it_is_nearest(assistant: Assistant) -> None:
    # The 2024-01-22 article is about both periods (just after one, during the other). Ranked for both, it
    # filled the top seven; ranked for late January only, December's news has room. The 2024-01-10 article
    # is about late December only (published 10 days after it, before late January begins).
    hits = assistant.retrieve(
        "In late December 2023 and late January 2024, what was the Russell 2000's gap to its 2021 peak?", k=27
    )
    dates = [h.published for h in hits]
    assert "2023-12-26" in dates[:5] and "2024-01-22" in dates[:5]
    late_january = sorted(h.time_rank for h in hits if h.published == "2024-01-22")
    late_december = sorted(h.time_rank for h in hits if h.published in ("2023-12-26", "2024-01-10"))
    assert late_january == list(range(1, 8))  # its 7 chunks, in a ranking of their own
    assert late_december == list(range(1, len(late_december) + 1))


def test_hybrid_keyword_ranks_only_substantial_matches(assistant: Assistant) -> None:
    # "small" and "caps" are in nearly every chunk; only one chunk says "cheap". Ranked all the same,
    # the near-zero matches took RRF ranks as good as the real one's and buried it below the top 8.
    hits = assistant.retrieve("Are small caps cheap?", k=27)
    assert "cheap valuations" in hits[0].text and hits[0].bm25_rank == 1
    assert all(h.bm25_rank is None for h in hits if "cheap" not in h.text.lower())
    # BM25 alone still ranks every chunk it matches: there, ranks are the only order there is.
    assert len([h for h in assistant.retrieve("Are small caps cheap?", k=27, mode="bm25") if h.bm25_rank]) > 20


def test_periods_cannot_push_the_best_text_matches_out_of_the_top_k() -> None:
    from rag.retrieve.hybrid import TEXT_KEEP, _keep_best_text_matches

    ranked = ["dec1", "dec2", "dec3", "dec4", "jan1", "jan2"]  # with the period ranking
    by_text = ["jan1", "jan2", "dec1", "dec2"]  # by the text alone
    kept = _keep_best_text_matches(ranked, by_text, 4)
    assert TEXT_KEEP == 2 and kept == ["dec1", "dec2", "jan1", "jan2"]  # in the period-aware order
    assert _keep_best_text_matches(ranked, ranked, 4) == ranked[:4]  # nothing to protect: unchanged
