"""Sentence vectors: embedded at ingest, kept in chunk metadata, and blended into the dense score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rag.index.store
import rag.retrieve.hybrid
from rag import Assistant
from rag.index.store import DenseMatch
from rag.ingest.sentence_vectors import decode, encode, indexed_sentences
from rag.records import Chunk
from rag.retrieve.hybrid import SENTENCE_WEIGHT, _dense_ranking
from rag.text.sentences import split_sentences
from tests.conftest import RememberingEmbedder

from .fakes import HashingEmbedder

# One chunk that covers many things, one sentence of which answers the question, and one short chunk
# that shares a few of the question's words. Whole, the short chunk is nearer; sentence by sentence, not.
MIXED = """---
title: Weekly wrap
publisher: Wire A
published: 2024-03-29
---
Oil prices climbed on supply worries in the Gulf.
Regional bank deposits fell sharply in March, the Fed data showed.
Tech shares slipped after a chipmaker cut its outlook.
Gold touched a record as the dollar eased overnight.
Airline stocks rallied on strong holiday travel demand.
Copper held steady while traders awaited Chinese data.
"""  # MiniLM: whole 0.460, best sentence 0.750, blended 0.547
NEAR = """---
title: Hiring news
publisher: Wire B
published: 2024-03-28
---
Deposits at regional banks are insured up to a limit.
"""  # MiniLM: 0.483, whole or as its one sentence
QUESTION = "Did regional bank deposits fall sharply in March?"


def test_vectors_survive_the_round_trip_through_metadata() -> None:
    rows = np.random.default_rng(7).standard_normal((3, 384)).astype(np.float32)
    text = encode(rows)
    assert text.startswith("384:") and len(text) == 4 + 3 * 1024
    assert np.allclose(decode(text), rows, atol=2e-3)  # float16: about three significant digits
    # A chunk indexed before they were kept, or damaged text, has none (its own similarity is used).
    for bad in (None, "", "384:", "384:not base64!", "7:" + text[4:], "x:" + text[4:], "0:" + text[4:]):
        assert decode(bad) is None


def test_each_sentence_is_embedded_alone() -> None:
    # Behind the header, every sentence of an article shared its title's words, and a sentence's similarity
    # to the question it answers was drowned by them (docs/answering.md).
    chunk = Chunk("a", 0, "Small caps rose. They fell later.", "Title | Wire | 2024-01-02 (January 2, 2024)", 9)
    assert indexed_sentences(chunk) == ["Small caps rose.", "They fell later."]


def test_ingest_keeps_each_chunks_sentence_vectors(assistant: Assistant, local_embedder: RememberingEmbedder) -> None:
    stored = next(c for c, _ in assistant._store.chunks())
    rows = decode(stored.metadata.sentence_vectors)
    expected = local_embedder.embed(split_sentences(stored.text))
    assert rows is not None and rows.shape == expected.shape
    assert np.allclose(rows, expected, atol=2e-3)
    # Retrieval and the catalogue read the chunk table without them.
    assert all(m.sentence_vectors == "" for m in assistant.indexed_chunks())


def test_the_dense_score_blends_the_chunk_with_its_best_sentence(
    assistant: Assistant, local_embedder: RememberingEmbedder
) -> None:
    question = "in early 2024, how much further did small caps have to climb to regain their record high"
    hits = assistant.retrieve(question, k=5, mode="dense")
    q = local_embedder.embed([assistant.read(question)])[0]
    for hit in hits:
        chunk = assistant._retriever.chunk(hit.chunk_id)
        whole = float(local_embedder.embed([f"{chunk.metadata.header}\n{chunk.text}"])[0] @ q)
        best = float(np.max(local_embedder.embed(split_sentences(chunk.text)) @ q))
        assert hit.dense_similarity == pytest.approx((1 - SENTENCE_WEIGHT) * whole + SENTENCE_WEIGHT * best, abs=2e-3)
    assert [h.dense_rank for h in hits] == [1, 2, 3, 4, 5]
    assert [h.dense_similarity for h in hits] == sorted((h.dense_similarity for h in hits), reverse=True)


def test_a_chunk_with_one_answering_sentence_outranks_a_nearer_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_embedder: RememberingEmbedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mixed.md").write_text(MIXED)
    (corpus / "near.md").write_text(NEAR)
    a = Assistant(data_dir=tmp_path / "idx", corpus_dir=corpus, embedder=local_embedder, show_progress=False)
    assert [h.article_id for h in a.retrieve(QUESTION, k=2, mode="dense")] == ["mixed", "near"]
    # What the chunk vectors alone say: the short chunk is nearer.
    monkeypatch.setattr(rag.retrieve.hybrid, "SENTENCE_WEIGHT", 0.0)
    assert [h.article_id for h in a.retrieve(QUESTION, k=2, mode="dense")] == ["near", "mixed"]


def test_a_chunk_without_sentence_vectors_keeps_its_own_similarity() -> None:
    q = np.array([1.0, 0.0], dtype=np.float32)
    sentences = {"new": np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float16)}
    ranked = _dense_ranking([DenseMatch("old", 0.8), DenseMatch("new", 0.5)], sentences, q)
    assert dict(ranked) == {"old": 0.8, "new": pytest.approx((1 - SENTENCE_WEIGHT) * 0.5 + SENTENCE_WEIGHT * 1.0)}
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)
    # Vectors of another width (another model's) are not compared with the question's.
    assert _dense_ranking([DenseMatch("new", 0.5)], {"new": np.ones((1, 3), np.float16)}, q) == [("new", 0.5)]


def test_an_incremental_ingest_keeps_the_sentence_vectors_of_unchanged_chunks(
    tmp_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rag.index.store, "WRITE_BATCH", 2)  # kept chunks are copied in several batches
    embedder = HashingEmbedder()
    a = Assistant(data_dir=tmp_path / "idx", corpus_dir=corpus_copy, embedder=embedder, show_progress=False)
    before = {c.id: c.metadata.sentence_vectors for c, _ in a._store.chunks()}
    path = corpus_copy / "002_263abbe24ab8791b.txt"
    path.write_text(path.read_text().replace("Tom Lee", "Thomas Lee"))
    a.ingest([corpus_copy], sync=True)
    after = {c.id: c.metadata.sentence_vectors for c, _ in a._store.chunks()}
    kept = before.keys() & after.keys()
    assert kept and all(after[cid] == before[cid] for cid in kept)  # copied, not embedded again
    assert all(decode(vectors) is not None for vectors in after.values())
