"""Our token counts are tiktoken's own cl100k_base counts, with no download."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import tiktoken
import tiktoken_ext

from rag.ingest.articles import load_article
from rag.ingest.chunking import chunk_article
from rag.text.tokens import count_tokens, encoding

from .conftest import CORPUS_DIR

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


@pytest.fixture
def reference_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tiktoken.Encoding:
    """tiktoken's own cl100k_base definition, fed the bundled data file through tiktoken's cache."""
    bundled = Path(tiktoken_ext.__path__[0]) / "data" / "cl100k_base.tiktoken"
    shutil.copy(bundled, tmp_path / hashlib.sha1(CL100K_URL.encode()).hexdigest())
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    from tiktoken_ext.openai_public import cl100k_base

    return tiktoken.Encoding(**cl100k_base())  # checks the file's sha256, as tiktoken always does


def test_counts_match_tiktoken_reference_on_every_article(reference_encoding: tiktoken.Encoding) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.txt"))]
    assert texts
    for text in texts:
        assert encoding().encode(text) == reference_encoding.encode(text)
        assert count_tokens(text) == len(reference_encoding.encode(text))


def test_known_token_ids() -> None:
    # cl100k_base encodes "hello world" as these two ids (tiktoken's documented example).
    assert encoding().encode("hello world") == [15339, 1917]


def test_chunk_token_counts_are_tiktoken_counts(reference_encoding: tiktoken.Encoding) -> None:
    article, _ = load_article(CORPUS_DIR / "003_d3c5feed74245123.txt")
    for chunk in chunk_article(article, max_tokens=120, overlap=1):
        assert chunk.tokens == len(reference_encoding.encode(chunk.text))
