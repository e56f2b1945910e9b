"""The local copy of a generation's chunk table and BM25 index: used when whole, rebuilt when not, never stale."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from rag import Assistant
from rag.index.bm25 import INDEX_VERSION, VERSION_FILE
from rag.index.store import ChunkStore
from rag.index.view_cache import CHUNKS_FILE, VIEWS_DIR
from rag.settings import Settings
from tests.conftest import CORPUS_DIR

QUESTION = "Where does Goldman see the Russell 2000 a year from now?"


def open_assistant(data_dir: Path, **overrides: object) -> Assistant:
    return Assistant(data_dir=data_dir, corpus_dir=CORPUS_DIR, show_progress=False, **overrides)


Ranking = list[tuple[str, int | None, int | None, float]]  # chunk id, dense rank, BM25 rank, dense score


def ranking(assistant: Assistant) -> Ranking:
    # The dense score includes the best sentence's similarity: the copy must carry the sentence vectors too.
    return [(h.chunk_id, h.dense_rank, h.bm25_rank, round(h.dense_similarity or 0.0, 6))
            for h in assistant.retrieve(QUESTION, k=10)]  # fmt: skip


def forbid_reading_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the chunks were read from the store, not from the cache")

    monkeypatch.setattr(ChunkStore, "chunks", refuse)


def saved_copy(data_dir: Path) -> tuple[Ranking, Path]:
    """The ranking of a first start, which builds the index and saves its copy, and where that copy is."""
    first = open_assistant(data_dir)
    return ranking(first), data_dir / VIEWS_DIR / str(first.generation())


def test_a_second_start_reads_the_cache_not_the_store(index_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = open_assistant(index_copy)
    expected = ranking(first)
    generation = first.generation()
    assert generation and (index_copy / VIEWS_DIR / generation / CHUNKS_FILE).is_file()

    forbid_reading_chunks(monkeypatch)
    again = open_assistant(index_copy)

    assert ranking(again) == expected  # the same chunks, BM25 scores and ranks
    assert len(again.indexed_chunks()) == len(first.indexed_chunks())


def test_a_damaged_cache_is_rebuilt_from_the_store(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected, place = saved_copy(index_copy)
    (place / CHUNKS_FILE).write_text('{"id": "half a line')

    with caplog.at_level(logging.WARNING, logger="rag.index.view_cache"):
        again = open_assistant(index_copy)
        assert ranking(again) == expected
    assert "unreadable index cache" in caplog.text
    assert_replaced(index_copy, expected, monkeypatch)


def test_a_cache_missing_some_lines_is_caught_by_its_checksum_and_rebuilt(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Every line still parses: without a checksum, the chunks after the gap would shift onto wrong BM25 rows.
    expected, place = saved_copy(index_copy)
    lines = (place / CHUNKS_FILE).read_text().splitlines(keepends=True)
    (place / CHUNKS_FILE).write_text("".join(lines[:3] + lines[5:]))

    with caplog.at_level(logging.WARNING, logger="rag.index.view_cache"):
        assert ranking(open_assistant(index_copy)) == expected
    assert "do not match their checksum" in caplog.text
    assert_replaced(index_copy, expected, monkeypatch)


def test_a_cache_saved_before_an_upgrade_is_replaced(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Copies saved before versions were recorded have no version file; their BM25 read "P/E" as "p", "e".
    expected, place = saved_copy(index_copy)
    (place / VERSION_FILE).unlink()
    (place / "from-the-old-release").touch()

    with caplog.at_level(logging.INFO, logger="rag.index.view_cache"):
        assert ranking(open_assistant(index_copy)) == expected
    assert "saved as version 1" in caplog.text and "unreadable" not in caplog.text
    assert (place / VERSION_FILE).read_text() == str(INDEX_VERSION)
    assert not (place / "from-the-old-release").exists()
    assert_replaced(index_copy, expected, monkeypatch)


def test_a_cache_saved_by_a_newer_version_is_left_alone(index_copy: Path) -> None:
    # After a rollback, two releases may share the folder: neither deletes the other's copy.
    expected, place = saved_copy(index_copy)
    version_file = place / VERSION_FILE
    version_file.write_text(str(INDEX_VERSION + 1))

    assert ranking(open_assistant(index_copy)) == expected
    assert version_file.read_text() == str(INDEX_VERSION + 1)


def assert_replaced(data_dir: Path, expected: Ranking, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuilt copy took the bad one's place: the next start reads it, not the store."""
    forbid_reading_chunks(monkeypatch)
    assert ranking(open_assistant(data_dir)) == expected


def test_an_ingest_replaces_the_old_generations_copy_only(index_copy: Path, corpus_copy: Path) -> None:
    views = index_copy / VIEWS_DIR
    # Another collection sharing the folder, its name starting with ours, keeps its copy.
    other_collection = views / f"{Settings().collection}-test-0123abcd"
    other_collection.mkdir(parents=True)
    a = Assistant(data_dir=index_copy, corpus_dir=corpus_copy, show_progress=False)
    a.retrieve(QUESTION, k=5)
    old = a.generation()
    (corpus_copy / "note.md").write_text("---\npublished: 2024-05-04\n---\nMicro caps fell sharply in early May.\n")

    a.ingest([corpus_copy], sync=True)

    assert a.generation() != old and any(h.article_id == "note" for h in a.retrieve("micro caps in May", k=5))
    assert {p.name for p in views.iterdir()} == {str(a.generation()), other_collection.name}


def test_a_cache_that_cannot_be_written_is_skipped(index_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    expected = ranking(open_assistant(index_copy))
    views = index_copy / VIEWS_DIR
    shutil.rmtree(views)
    views.write_text("not a folder")  # so the copy cannot be made

    with caplog.at_level(logging.WARNING, logger="rag.index.view_cache"):
        assert ranking(open_assistant(index_copy)) == expected
    assert "Could not keep the index cache" in caplog.text
