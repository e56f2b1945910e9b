from __future__ import annotations

from rag.ingest.chunking import chunk_article, chunk_header
from rag.records import Article
from rag.text.sentences import split_sentences
from rag.text.tokens import count_tokens

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


def test_a_sentence_longer_than_the_budget_is_cut_between_words_and_loses_none() -> None:
    long = "Words " + " ".join(f"w{i}" for i in range(80)) + " end."
    text = f"Short one. {long} Another short."
    chunks = chunk_article(article(text), max_tokens=20, overlap=0)
    assert len(chunks) > 4
    assert all(c.tokens <= 20 for c in chunks)
    assert " ".join(c.text for c in chunks) == text  # every word once, in order


def test_chunks_with_their_header_fit_the_embedder_even_from_long_sentences(local_embedder) -> None:
    from rag.index.embeddings import MAX_TOKENS

    # Numbers and rare words cost many more word pieces than cl100k tokens: the embedder's count decides.
    sentence = " ".join(f"Q{i}-rev 1{i},{i}07.{i}9 xyzzy{i}" for i in range(40)) + "."
    body = "\n".join([sentence] * 3 + ["Small caps rallied as yields fell on Friday."])
    chunks = chunk_article(article(body), max_tokens=400, overlap=1, fits=local_embedder.fits)
    counter = local_embedder._inner._counter
    for chunk in chunks:
        assert len(counter.encode(chunk.indexed_text).ids) <= MAX_TOKENS
    words = [w for c in chunks for w in c.text.split()]
    assert set(words) == set(body.split())


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
    from rag.ingest.articles import load_article
    from rag.settings import DEFAULT_CHUNK_TOKENS

    art, _ = load_article(CORPUS_DIR / "001_cf3d653a0c1a885b.txt")
    chunks = chunk_article(art, max_tokens=DEFAULT_CHUNK_TOKENS, overlap=1)
    assert all(c.tokens <= DEFAULT_CHUNK_TOKENS for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
