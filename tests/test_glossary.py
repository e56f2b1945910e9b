"""The finance glossary: short forms spelled out for search, and known when the articles know their phrase."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.glossary import Glossary, default_glossary
from rag.keyword import KeywordIndex


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


def test_everyday_words_expand_only_when_typed_as_the_short_form() -> None:
    glossary = Glossary({"US": ("United States",), "claims": ("initial jobless claims",), "May": ("May",)})
    assert glossary.expand("US growth") == "US (United States) growth"
    assert glossary.expand("let us see what claims they made") == "let us see what claims they made"


def test_a_short_form_is_known_when_the_articles_know_its_phrase() -> None:
    from rag.extractive import ExtractiveAnswerer

    vocabulary = KeywordIndex(["a"], ["The Russell 2000 rose while the Fed held rates."])
    glossary = Glossary({"R2K": ("Russell 2000",), "BTC": ("bitcoin",)})
    answerer = ExtractiveAnswerer(embedder=None, vocabulary=lambda: vocabulary, glossary=glossary)  # type: ignore[arg-type]
    assert answerer.unknown_names("Where did the R2K close?") == []
    assert answerer.unknown_names("Where did BTC close?") == ["BTC"]


def test_a_broken_glossary_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "glossary.yaml"
    bad.write_text("R2K: Russell 2000\n")  # a phrase, not a list of phrases
    with pytest.raises(ConfigError, match="glossary.yaml must map each short form"):
        Glossary.load(bad)
