from __future__ import annotations

from rag.chunking import chunk_article, chunk_header
from rag.records import Article
from rag.sentences import split_sentences
from rag.tokens import count_tokens

from .conftest import CORPUS_DIR


def article(body: str, **meta: str) -> Article:
    return Article(id="a1", title=meta.get("title", "Title"), body=body, publisher="Wire", published="2024-01-22")


def test_chunks_are_whole_sentences_within_the_budget_with_overlap() -> None:
    sentences = [f"Sentence number {i} talks about small caps and rates in some detail." for i in range(30)]
    chunks = chunk_article(article(" ".join(sentences)), max_tokens=60, overlap=1)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.tokens <= 60
        assert all(s in sentences for s in split_sentences(chunk.text))
    for before, after in zip(chunks, chunks[1:]):
        assert split_sentences(before.text)[-1] == split_sentences(after.text)[0]
    covered = {s for c in chunks for s in split_sentences(c.text)}
    assert covered == set(sentences)


def test_a_sentence_longer_than_the_budget_is_its_own_chunk_and_never_cut() -> None:
    long = "Words " + "word " * 80 + "end."
    chunks = chunk_article(article(f"Short one. {long.strip()} Another short."), max_tokens=20, overlap=0)
    assert [c.text for c in chunks] == ["Short one.", long.strip(), "Another short."]


def test_header_names_source_and_date_in_digits_and_words() -> None:
    assert chunk_header(article("x")) == "Title | Wire | 2024-01-22 (January 22, 2024)"
    chunk = chunk_article(article("Rates fell."), max_tokens=50, overlap=0)[0]
    assert chunk.indexed_text.startswith("Title | Wire | 2024-01-22")
    assert chunk.tokens == count_tokens("Rates fell.")


def test_ids_are_content_hashes() -> None:
    a = chunk_article(article("Rates fell. Caps rose."), max_tokens=50, overlap=0)
    b = chunk_article(article("Rates fell. Caps rose."), max_tokens=50, overlap=0)
    c = chunk_article(article("Rates fell. Caps rose a lot."), max_tokens=50, overlap=0)
    assert [x.id for x in a] == [x.id for x in b]
    assert a[0].id != c[0].id


def test_real_article_chunks_respect_the_default_size() -> None:
    from rag.articles import load_article
    from rag.settings import DEFAULT_CHUNK_TOKENS

    art, _ = load_article(CORPUS_DIR / "001_cf3d653a0c1a885b.txt")
    chunks = chunk_article(art, max_tokens=DEFAULT_CHUNK_TOKENS, overlap=1)
    assert all(c.tokens <= DEFAULT_CHUNK_TOKENS for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
