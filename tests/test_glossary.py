"""The finance glossary: short forms spelled out for search, and known when the articles know their phrase."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.index.bm25 import KeywordIndex
from rag.question.glossary import Glossary, default_glossary


def test_the_shipped_glossary_is_large_and_well_formed() -> None:
    glossary = default_glossary()
    assert len(glossary.entries) >= 150
    for short_form in ("R2K", "RUT", "SPX", "IWM", "SPY", "QQQ", "Fed", "FOMC", "BofA", "GS", "MS", "JPM", "YTD",
                       "YoY", "bp", "EPS", "P/E", "CPI"):  # fmt: skip
        assert glossary.phrases(short_form), short_form


def test_short_forms_are_spelled_out_beside_what_was_typed() -> None:
    glossary = Glossary({"R2K": ("Russell 2000",), "GS": ("Goldman Sachs",), "Nov": ("November",),
                         "P/E": ("price-to-earnings ratio",)})  # fmt: skip
    assert glossary.expand("gs view on the r2k?") == "gs (Goldman Sachs) view on the r2k (Russell 2000)?"
    assert glossary.expand("P/E in Nov") == "P/E (price-to-earnings ratio) in Nov (November)"
    # Spelled out already, or inside a longer word: left alone.
    assert glossary.expand("Goldman Sachs (GS) on the Russell 2000") == "Goldman Sachs (GS) on the Russell 2000"
    assert glossary.expand("GSAM and R2Kx") == "GSAM and R2Kx"


def test_the_pairs_spelled_out_are_read_back_from_the_expanded_question() -> None:
    glossary = Glossary({"R2K": ("Russell 2000",), "GS": ("Goldman Sachs",)})
    expanded = glossary.expand("gs's call on the r2k, per GS")
    assert glossary.split_spelled_out(expanded)[0] == [
        ("gs", "Goldman Sachs"),
        ("r2k", "Russell 2000"),
        ("GS", "Goldman Sachs"),
    ]
    assert glossary.split_spelled_out("gs call on the r2k")[0] == []  # typed, not spelled out: nothing to read back


def test_everyday_words_expand_only_when_typed_as_the_short_form() -> None:
    glossary = Glossary({"US": ("United States",), "MS": ("Morgan Stanley",), "Russell": ("Russell 2000",)})
    assert glossary.expand("US growth") == "US (United States) growth"
    assert glossary.expand("let us see") == "let us see"
    # A two-letter short form typed as a title is a word; in capitals or lower case it is the short form.
    assert glossary.expand("What did Ms Quill say?") == "What did Ms Quill say?"
    assert glossary.expand("ms view") == "ms (Morgan Stanley) view"


def test_a_name_that_starts_a_longer_name_is_left_to_be_that_name() -> None:
    glossary = Glossary({"Russell": ("Russell 2000",), "S&P": ("S&P 500",), "GS": ("Goldman Sachs",)})
    assert glossary.expand("How did the Russell 1000 do?") == "How did the Russell 1000 do?"
    assert glossary.expand("S&P MidCap 400 names") == "S&P MidCap 400 names"
    assert glossary.expand("the Russell rallied") == "the Russell (Russell 2000) rallied"
    assert glossary.expand("GS 12 month call") == "GS (Goldman Sachs) 12 month call"  # not a name word
    assert glossary.expand("a gs-backed fund") == "a gs-backed fund"  # inside a hyphenated word


def test_a_short_form_is_known_when_the_articles_know_its_phrase() -> None:
    from rag.answer.extractive import ExtractiveAnswerer

    vocabulary = KeywordIndex(["a"], ["The Russell 2000 rose while the Fed held rates."])
    glossary = Glossary({"R2K": ("Russell 2000",), "BTC": ("bitcoin",)})
    answerer = ExtractiveAnswerer(embedder=None, vocabulary=lambda: vocabulary, glossary=glossary)  # type: ignore[arg-type]
    assert answerer.knows("R2K") and answerer.knows("russel")
    assert not answerer.knows("BTC") and not answerer.knows("bitcoin")


def test_a_broken_glossary_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "glossary.yaml"
    bad.write_text("R2K: Russell 2000\n")  # a phrase, not a list of phrases
    with pytest.raises(ConfigError, match="glossary.yaml must map each short form"):
        Glossary.load(bad)
