"""How keyword retrieval and answer scoring read words."""

from __future__ import annotations

from rag.terms import TERMS_VERSION, names, terms


def test_words_are_lowercased_stemmed_and_stripped_of_function_words() -> None:
    assert terms("The Russell 2000's P/E rose to 27.23 times") == ["russel", "2000", "pe", "rose", "27.23", "time"]
    assert terms("2,500 and 2500") == ["2500", "2500"]


def test_letters_joined_by_a_slash_are_one_abbreviation() -> None:
    # "What is the P/E of the Russell 2000?" must find "the PE ratio of the iShares Russell 2000 ETF".
    assert terms("P/E") == terms("PE") == ["pe"]
    assert terms("P/B ratio") == ["pb", "ratio"]
    assert terms("and/or 24/7") == ["24", "7"]  # words and numbers stay apart


def test_a_change_to_terms_bumps_its_version() -> None:
    # BM25 indexes kept on disk were built with the old terms(); the version is what makes them rebuild.
    # If this fails because terms() changed on purpose, bump TERMS_VERSION and update the pinned output.
    pinned = {2: ["russel", "2000", "pe", "rose", "27.23", "time"]}
    assert terms("The Russell 2000's P/E rose to 27.23 times") == pinned[TERMS_VERSION]


def test_names_are_capitalised_words_acronyms_and_numbers() -> None:
    assert names("What did Tesla deliver in Q2 2024, per the ECB?") == ["Tesla", "Q2", "2024", "ECB"]
