"""Typo correction against the index's own words: only unknown words change, and only to close known ones."""

from __future__ import annotations

from rag.question.spelling import SpellingCorrector

TEXTS = ["Goldman Sachs expects the Russell 2000 to rally as interest rates fall and valuations look cheap."]


def corrector() -> SpellingCorrector:
    return SpellingCorrector.from_texts(TEXTS)


def test_typos_become_the_index_words_they_meant() -> None:
    assert (
        corrector().correct("goldmen view on the rusell 2000 valutions")
        == "goldman view on the russell 2000 valuations"
    )
    assert corrector().correct("Intrest rates?") == "Interest rates?"
    assert corrector().correct("Goldmen's call") == "Goldman's call"


def test_known_common_and_name_like_words_are_never_changed() -> None:
    # "what" is common English, "NVDA" a ticker, "iShares" a brand, "gs" a short form the caller knows.
    question = "what did NVDA and iShares say, per gs?"
    assert corrector().correct(question, is_short_form=lambda w: w == "gs") == question


def test_a_word_with_no_close_match_stays_as_typed() -> None:
    assert corrector().correct("bitcoin and dogecoin") == "bitcoin and dogecoin"


def test_english_words_and_names_are_never_changed_even_when_the_index_lacks_them() -> None:
    # "bullish" is one edit from nothing here, but "bulls"-like index words must not swallow English words;
    # "Quill" after the first word is a name.
    c = SpellingCorrector.from_texts(["The bulls rose as crypt keepers sold. Quilt makers gained."])
    assert c.correct("is the crypto crowd bullish, says Mara Quill?") == "is the crypto crowd bullish, says Mara Quill?"


def test_a_typo_is_only_ever_corrected_into_an_index_word() -> None:
    assert corrector().correct("the forcast") == "the forcast"  # "forecast" is English, but no article uses it
