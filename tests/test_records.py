"""ChunkMeta: the one mapping between a chunk's metadata record and what Chroma stores."""

from __future__ import annotations

from dataclasses import fields

from rag.records import ChunkMeta

FULL = ChunkMeta(
    article_id="goldman-r2k",
    title="Goldman sees the Russell 2000 at 2,500",
    publisher="Golden10 Data",
    author="A. Writer",
    published="2024-12-03",
    published_int=20241203,
    url="https://example.com/r2k",
    position=2,
    tokens=187,
    header="Goldman sees the Russell 2000 at 2,500 | Golden10 Data | 2024-12-03",
    source_path="/corpus/goldman.txt",
    version="3f2a9c1e",
    duplicate_of="reuters-r2k",
    minhash="AAAA",
    sentence_vectors="384:AAAA",
)


def test_every_field_survives_a_round_trip() -> None:
    assert all(getattr(FULL, f.name) != f.default for f in fields(ChunkMeta))  # FULL sets them all
    assert ChunkMeta.from_chroma(FULL.to_chroma()) == FULL


def test_chroma_gets_flat_values_and_the_large_optional_texts_only_when_present() -> None:
    stored = ChunkMeta(article_id="a", published_int=20240110).to_chroma()
    assert "minhash" not in stored and "sentence_vectors" not in stored
    assert all(isinstance(v, str | int | float | bool) for v in stored.values())


def test_metadata_of_an_older_release_reads_with_defaults() -> None:
    # Before duplicates and sentence vectors were kept; a key this release does not know is dropped.
    old = {"article_id": "a", "title": "T", "published_int": 20240110, "position": 1, "retired_key": "x"}
    meta = ChunkMeta.from_chroma(old)
    assert meta == ChunkMeta(article_id="a", title="T", published_int=20240110, position=1)
