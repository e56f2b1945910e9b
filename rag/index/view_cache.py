"""A generation's chunk table and BM25 index kept on local disk, so opening a large index is quick.

Without it, a process opening the index reads every chunk back from Chroma and builds BM25
again: at 95k chunks, 14 s and 16 s before the first answer. A generation never changes once
written (an ingest swaps in a new one, with a new name), so a copy kept under its name
cannot go stale, short of an upgrade that changes what a BM25 index holds (INDEX_VERSION):

    <RAG_DATA_DIR>/views/<generation>/chunks.jsonl   {"id": ..., "text": ..., "metadata": {...}} per chunk
    <RAG_DATA_DIR>/views/<generation>/df.json        each term's document frequency (KeywordIndex.idf)
    <RAG_DATA_DIR>/views/<generation>/bm25/          bm25s's own files
    <RAG_DATA_DIR>/views/<generation>/version        the INDEX_VERSION of df.json and bm25/
    <RAG_DATA_DIR>/views/<generation>/checksum       sha256 of all the above, checked before use

It is derived data. A copy that cannot be read, does not match its checksum (a line dropped
from chunks.jsonl would otherwise shift every passage after it), or was saved by an older version, is replaced
by one built again from the store (one saved by a newer version is left alone); one that
cannot be written is skipped (with a warning in the log), and writing a generation's copy
removes the copies of this collection's older generations. Copies are written to a temporary
folder and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path

from rag.errors import OutdatedIndex
from rag.index.bm25 import INDEX_VERSION, KeywordIndex, saved_version
from rag.index.store import GENERATION_SUFFIX, StoredChunk, generation_name
from rag.records import ChunkMeta

log = logging.getLogger(__name__)

VIEWS_DIR = "views"  # in RAG_DATA_DIR, beside the embedded index (or alone, with a Chroma server)
CHUNKS_FILE = "chunks.jsonl"
CHECKSUM_FILE = "checksum"


class ViewCache:
    def __init__(self, folder: Path, *, collection: str) -> None:
        self.folder = folder
        # This collection's generations ("rag-1a2b3c4d") and their staging folders (".rag-1a2b3c4d-5e6f7a8b");
        # not another collection's ("rag-test-..."), as several collections may share the folder.
        generation = rf"{re.escape(collection)}-{GENERATION_SUFFIX}"
        self._generation_name = re.compile(generation)
        self._ours = re.compile(rf"\.?{generation}(?:-{GENERATION_SUFFIX})?")

    def load(self, generation: str) -> tuple[dict[str, StoredChunk], KeywordIndex] | None:
        """The chunk table and BM25 index of `generation`, or None when there is no readable copy."""
        place = self.folder / generation
        if not self._generation_name.fullmatch(generation) or not place.is_dir():
            return None
        try:
            version = saved_version(place)  # first: an old copy need not be read at all
            if version > INDEX_VERSION:
                # Saved by a newer release sharing this folder (say, after a rollback): left for it, and this
                # process builds its own in memory rather than the two deleting each other's copy.
                log.info("Not using the index cache %s: saved by a newer version (%d).", place, version)
                return None
            if version < INDEX_VERSION:
                raise OutdatedIndex(f"saved as version {version}, this is version {INDEX_VERSION}")
            if (place / CHECKSUM_FILE).read_text(encoding="utf-8").strip() != _digest(place):
                raise ValueError("its files do not match their checksum")
            with (place / CHUNKS_FILE).open(encoding="utf-8") as lines:
                chunks = {}
                for line in lines:
                    row = json.loads(line)
                    chunks[row["id"]] = StoredChunk(row["id"], row["text"], ChunkMeta.from_chroma(row["metadata"]))
            keyword = KeywordIndex.load(place, list(chunks))
        except OutdatedIndex as exc:  # an upgrade changed what the index holds: expected, not damage
            log.info("Rebuilding the index cache %s (%s).", place, exc)
        except Exception as exc:  # any damage means "rebuild": the store holds the truth
            log.warning("Ignoring the unreadable index cache %s (%s); rebuilding it.", place, exc)
        else:
            return chunks, keyword
        # Removed, so the rebuilt copy can take its place (save never overwrites a generation's copy).
        shutil.rmtree(place, ignore_errors=True)
        return None

    def save(self, generation: str, chunks: dict[str, StoredChunk], keyword: KeywordIndex) -> None:
        if not self._generation_name.fullmatch(generation) or (self.folder / generation).is_dir():
            return  # not a name this cache keeps (it becomes a folder name), or another process wrote it first
        # Named as a generation of the generation, hidden: ".rag-1a2b3c4d-5e6f7a8b", renamed into place when whole.
        staging = self.folder / f".{generation_name(generation)}"
        try:
            staging.mkdir(parents=True)
            with (staging / CHUNKS_FILE).open("w", encoding="utf-8") as out:
                for chunk in chunks.values():
                    out.write(
                        json.dumps({"id": chunk.id, "text": chunk.text, "metadata": chunk.metadata.to_chroma()}) + "\n"
                    )
            keyword.save(staging)
            (staging / CHECKSUM_FILE).write_text(_digest(staging), encoding="utf-8")
            staging.rename(self.folder / generation)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if (self.folder / generation).is_dir():
                return  # another process renamed its copy into place first: the same generation, the same data
            log.warning("Could not keep the index cache in %s (%s); the next start rebuilds it.", self.folder, exc)
            return
        self._remove_others(generation)

    def _remove_others(self, generation: str) -> None:
        for place in self.folder.iterdir():
            if self._ours.fullmatch(place.name) and place.name != generation:
                shutil.rmtree(place, ignore_errors=True)


def _digest(place: Path) -> str:
    """sha256 over every file of a copy but the checksum itself, by relative path and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in place.rglob("*") if p.is_file() and p.name != CHECKSUM_FILE):
        digest.update(str(path.relative_to(place)).encode() + b"\0")
        with path.open("rb") as data:
            for block in iter(lambda: data.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
