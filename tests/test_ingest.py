"""Ingest against a real Chroma: idempotent, incremental, atomic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from rag import Assistant
from rag.errors import ConfigError, DocumentError, EmbeddingMismatch, IndexError_, IndexLost, RagError

from .fakes import HashingEmbedder


def edit_every_article(corpus: Path, marker: str) -> None:
    """Change one word inside each article body (text appended after a page footer would be footer)."""
    for path in corpus.glob("0*.txt"):
        header, body = path.read_text().split("\n---\n", 1)
        sentence = next(line for line in body.splitlines() if len(line.split()) > 15)
        path.write_text(header + "\n---\n" + body.replace(sentence, f"{sentence} ({marker})", 1))


def make(data_dir: Path, corpus: Path, embedder: HashingEmbedder | None = None) -> Assistant:
    return Assistant(data_dir=data_dir, corpus_dir=corpus, embedder=embedder or HashingEmbedder(), show_progress=False)


def article_ids(a: Assistant) -> set[str]:
    return {h.article_id for h in a.retrieve("small caps Russell 2000 rates", k=1000)}


def test_first_assistant_ingests_the_corpus_and_records_metadata(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    hits = a.retrieve("Goldman Sachs Russell 2000 forecast", k=1000)
    assert {h.article_id for h in hits} == {p.stem for p in corpus_copy.glob("0*.txt")}
    goldman = [h for h in hits if h.article_id == "000_c205bd33b4339b3e"][0]
    assert (goldman.publisher, goldman.published) == ("Moomoo News Global", "2024-01-10")
    chunk = a._retriever.chunk(goldman.chunk_id)
    assert chunk.metadata.published_int == 20240110
    assert chunk.metadata.tokens > 0 and chunk.metadata.position >= 0


def test_ingesting_the_same_corpus_twice_changes_nothing(tmp_path: Path, corpus_copy: Path) -> None:
    embedder = HashingEmbedder()
    a = make(tmp_path / "idx", corpus_copy, embedder)
    generation, calls = a._store.generation(), embedder.calls
    report = a.ingest([corpus_copy], sync=True)
    assert not report.changed and len(report.unchanged) == 5
    assert a._store.generation() == generation
    assert embedder.calls == calls  # nothing re-embedded


def test_a_changed_article_replaces_its_chunks_and_a_removed_one_is_deleted(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    path = corpus_copy / "002_263abbe24ab8791b.txt"
    path.write_text(path.read_text().replace("Tom Lee", "Thomas Lee"))
    (corpus_copy / "004_08cc9ec9aa65f3ce.txt").unlink()
    report = a.ingest([corpus_copy], sync=True)
    assert report.updated == ["002_263abbe24ab8791b"] and report.removed == ["004_08cc9ec9aa65f3ce"]
    texts = " ".join(h.text for h in a.retrieve("Lee Fundstrat", k=1000))
    assert "Thomas Lee" in texts and "Tom Lee, the head" not in texts
    assert "004_08cc9ec9aa65f3ce" not in article_ids(a)


def test_adding_a_file_from_elsewhere_keeps_it_through_a_corpus_sync(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    extra = tmp_path / "mine.md"
    extra.write_text(
        "---\ntitle: Extra\npublisher: Me\npublished: 2025-01-02\n---\nMicro caps fell sharply in January.\n"
    )
    assert a.ingest(extra).added == ["mine"]
    a.ingest([corpus_copy], sync=True)
    assert "mine" in article_ids(a)


def test_with_strict_a_bad_file_stops_the_ingest_before_anything_changes(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    generation = a._store.generation()
    (corpus_copy / "broken.txt").write_bytes(b"\xff\xfe not utf-8 \x00")
    (corpus_copy / "empty.md").write_text("")
    (corpus_copy / "good.md").write_text("Small caps rallied on Friday as yields fell sharply, traders said.\n")
    with pytest.raises(DocumentError) as info:
        a.ingest([corpus_copy], sync=True, strict=True)
    assert (
        "Nothing was ingested" in str(info.value) and "broken.txt" in str(info.value) and "empty.md" in str(info.value)
    )
    assert a._store.generation() == generation
    assert len(article_ids(a)) == 5


def test_a_folder_ingest_skips_bad_files_with_reasons_and_indexes_the_rest(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    (corpus_copy / "broken.txt").write_bytes(b"\xff\xfe not utf-8 \x00")
    (corpus_copy / "empty.md").write_text("")
    (corpus_copy / "latin1.txt").write_bytes("Caf\xe9 owners expect lower rates this year.".encode("latin-1"))
    (corpus_copy / "chrome_only.txt").write_text("Log Out\nShare\n101K Views\n")
    (corpus_copy / "good.md").write_text("Small caps rallied on Friday as yields fell sharply, traders said.\n")
    report = a.ingest([corpus_copy], sync=True)
    assert report.added == ["good"]
    reasons = {s.path.name: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.txt", "empty.md", "latin1.txt", "chrome_only.txt"}
    assert "UTF-8" in reasons["latin1.txt"] and "no article text" in reasons["chrome_only.txt"]
    assert all(not r.startswith(str(corpus_copy)) for r in reasons.values())
    assert "4 skipped" in report.summary()
    assert article_ids(a) == {p.stem for p in corpus_copy.glob("0*.txt")} | {"good"}


def test_an_indexed_article_whose_file_goes_bad_keeps_its_old_version(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    victim = sorted(corpus_copy.glob("0*.txt"))[0]
    victim.write_bytes(b"\x00\x01 damaged on disk")
    report = a.ingest([corpus_copy], sync=True)
    assert [s.path.name for s in report.skipped] == [victim.name]
    assert report.removed == []
    assert victim.stem in article_ids(a)


def test_a_missing_corpus_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere/articles does not exist"):
        make(tmp_path / "idx", tmp_path / "nowhere" / "articles")


def test_a_data_folder_under_a_missing_folder_is_an_error_naming_it(tmp_path: Path, corpus_copy: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere does not exist"):
        make(tmp_path / "nowhere" / "idx", corpus_copy)
    assert not (tmp_path / "nowhere").exists()


def test_an_ingest_that_fails_halfway_leaves_the_previous_index_answering(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    before = [h.chunk_id for h in a.retrieve("Goldman Sachs", k=5)]
    edit_every_article(corpus_copy, "edited later")
    failing = make(tmp_path / "idx", corpus_copy, HashingEmbedder(fail_after_calls=0))
    with pytest.raises(RuntimeError):
        failing.ingest([corpus_copy], sync=True)
    again = make(tmp_path / "idx", corpus_copy)
    assert [h.chunk_id for h in again.retrieve("Goldman Sachs", k=5)] == before
    report = again.ingest([corpus_copy], sync=True)
    assert len(report.updated) == 5
    assert any("(edited later)" in h.text for h in again.retrieve("edited later", k=3))


@pytest.mark.slow  # an ingest in a process of its own, killed
def test_an_ingest_killed_halfway_leaves_the_previous_index_answering(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "idx"
    make(data, corpus_copy)
    edit_every_article(corpus_copy, "one more edit")
    # A child process starts the swap and is killed (os._exit) while writing the new generation.
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from tests.fakes import HashingEmbedder
        import rag.index.store as store
        real_write = store.ChunkStore._write
        def write_then_die(self, collection, chunks, vectors):
            real_write(self, collection, chunks[:3], vectors[:3])
            os._exit(9)
        store.ChunkStore._write = write_then_die
        from rag import Assistant
        a = Assistant(data_dir={str(data)!r}, corpus_dir={str(corpus_copy)!r}, embedder=HashingEmbedder(), show_progress=False)
        a.ingest([{str(corpus_copy)!r}], sync=True)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert result.returncode == 9, result.stderr.decode()
    survivor = make(data, corpus_copy)
    assert len(article_ids(survivor)) == 5
    assert not any("(one more edit)" in h.text for h in survivor.retrieve("one more edit", k=1000))
    assert len(survivor.ingest([corpus_copy], sync=True).updated) == 5
    assert any("(one more edit)" in h.text for h in survivor.retrieve("one more edit", k=1000))


def test_querying_with_another_embedding_model_is_refused_until_rebuilt(tmp_path: Path, corpus_copy: Path) -> None:
    make(tmp_path / "idx", corpus_copy)

    class OtherModel(HashingEmbedder):
        model_id = "another-model"

    with pytest.raises(EmbeddingMismatch, match="rag ingest --rebuild"):
        make(tmp_path / "idx", corpus_copy, OtherModel())
    # Rebuilding with the new model goes through the ingest path directly.
    from rag.index.store import ChunkStore
    from rag.ingest.pipeline import ChunkingSettings, ingest

    store = ChunkStore.persistent(tmp_path / "idx", name="articles")
    ingest(
        [corpus_copy],
        store=store,
        embedder=OtherModel(),
        chunking=ChunkingSettings(200, 1),
        sync_dirs=[corpus_copy],
        rebuild=True,
        progress=False,
    )
    assert make(tmp_path / "idx", corpus_copy, OtherModel()).retrieve("Goldman", k=1)


def test_a_corrupted_data_dir_gets_a_message_that_says_what_to_do(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "idx"
    data.mkdir()
    (data / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexError_, match="restore the folder from a backup or rebuild it .*rag ingest --rebuild"):
        make(data, corpus_copy)


@pytest.mark.parametrize(
    ("reason", "says"),
    [("attempt to write a readonly database", "read-only for this process"),
     ("database or disk is full", "the disk is full"),
     ("[Errno 28] No space left on device", "the disk is full")],
)  # fmt: skip
def test_a_full_or_read_only_index_is_never_called_damaged(reason: str, says: str) -> None:
    from rag.index.chroma_client import failure_message

    message = failure_message("/srv/index", f"failed ({reason})")
    assert says in message and "backup" not in message and "rebuild" not in message


def test_an_unwritable_data_dir_is_a_rag_error(tmp_path: Path, corpus_copy: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RagError):
        make(blocker / "idx", corpus_copy)


def test_duplicate_article_ids_are_refused(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(corpus_copy / "000_c205bd33b4339b3e.txt", other / "000_c205bd33b4339b3e.txt")
    report = a.ingest([corpus_copy, other])
    assert sorted((s.path.parent.name, "also used by" in s.reason) for s in report.skipped) == [
        ("corpus", True),
        ("other", True),
    ]
    with pytest.raises(DocumentError, match="also used by"):
        a.ingest([corpus_copy, other], strict=True)


@pytest.mark.parametrize("damage", ["emptied", "deleted"])
def test_a_vanished_index_is_reported_not_rebuilt_from_the_folder(
    tmp_path: Path, corpus_copy: Path, damage: str
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.md").write_text("Regional banks led small caps higher on Thursday, traders said.\n")
    a = make(tmp_path / "idx", corpus_copy)
    a.ingest([other])  # an article from another folder: a rebuild from the corpus folder alone would lose it
    del a
    SharedSystemClient.clear_system_cache()  # as a new process would open it, not this one's open database
    database = tmp_path / "idx" / "chroma.sqlite3"
    if damage == "emptied":
        database.write_bytes(b"")
    else:
        database.unlink()

    again = make(tmp_path / "idx", corpus_copy)  # opens without rebuilding anything
    with pytest.raises(IndexLost, match="held articles .* is now empty.*rag ingest --rebuild"):
        again.ask("What does Goldman expect from the Russell 2000?")
    with pytest.raises(IndexLost):
        again.ingest([corpus_copy], sync=True)
    report = again.ingest([corpus_copy, other], sync=True, rebuild=True)
    assert len(report.added) == 6
    assert "extra" in article_ids(again)


def test_an_impossible_date_and_a_name_that_is_not_utf8_are_skipped_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad_date.md").write_text(
        "---\npublished: 2024-13-45\n---\nSmall caps rallied on Friday, traders said.\n"
    )
    (folder / "good.md").write_text("Small caps rallied on Friday as yields fell sharply, traders said.\n")
    odd = os.fsencode(folder) + b"/caf\xe9.md"  # a Latin-1 name, as copied from an old disk
    with open(odd, "w") as f:
        f.write("Regional banks led small caps higher on Thursday, traders said.\n")
    report = make(tmp_path / "idx", folder).ingest([folder])
    reasons = {s.path.stem: s.reason for s in report.skipped}
    assert "impossible date" in reasons["bad_date"] and "YYYY-MM-DD" in reasons["bad_date"]
    assert any("not valid UTF-8; rename the file" in r for r in reasons.values())
    assert report.added + report.unchanged == ["good"]
