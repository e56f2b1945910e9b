"""How keyword retrieval and answer scoring read words."""

from __future__ import annotations

import hashlib
import json

from rag.index.bm25 import INDEX_VERSION
from rag.text.terms import names, terms
from tests.conftest import CORPUS_DIR

# The five source articles, verbatim: raw page captures with numbers, symbols and boilerplate of every kind.
ARTICLES = ["000_c205bd33b4339b3e", "001_cf3d653a0c1a885b", "002_263abbe24ab8791b", "003_d3c5feed74245123",
            "004_08cc9ec9aa65f3ce"]  # fmt: skip


def test_words_are_lowercased_stemmed_and_stripped_of_function_words() -> None:
    assert terms("The Russell 2000's P/E rose to 27.23 times") == ["russel", "2000", "pe", "rose", "27.23", "time"]
    assert terms("2,500 and 2500") == ["2500", "2500"]


def test_letters_joined_by_a_slash_are_one_abbreviation() -> None:
    # A question asking for a fund's "P/E" must find an article sentence that writes "PE ratio".
    assert terms("P/E") == terms("PE") == terms("P/Es") == ["pe"]
    assert terms("P/B ratio, sales up 2% m/m") == ["pb", "ratio", "sale", "2", "mm"]
    assert terms("and/or 24/7") == ["24", "7"]  # words and numbers stay apart
    assert names("Is the P/E of the Russell 2000 high?") == ["P/E", "Russell", "2000"]


def test_a_change_to_terms_bumps_the_index_version() -> None:
    # BM25 indexes kept on disk were built with the terms() of their INDEX_VERSION; a new version is what
    # makes them rebuild. If this fails because terms() changed on purpose, bump INDEX_VERSION in
    # rag/index/bm25.py and pin the new digest under the new version.
    pinned = {2: "8f1d1fa1"}
    every_term = [terms((CORPUS_DIR / f"{name}.txt").read_text(encoding="utf-8")) for name in ARTICLES]
    digest = hashlib.sha256(json.dumps(every_term).encode()).hexdigest()[:8]
    assert digest == pinned[INDEX_VERSION]


def test_names_are_capitalised_words_acronyms_and_numbers() -> None:
    assert names("What did Tesla deliver in Q2 2024, per the ECB?") == ["Tesla", "Q2", "2024", "ECB"]
