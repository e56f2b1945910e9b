"""The chunk index in Chroma, changed only by atomic swaps.

Chunks live in a generation collection, e.g. `articles-3f2a9c1e`. A state
collection (`articles-state`) names the live generation in its metadata. An
ingest builds a new generation beside the live one (copying unchanged chunks
with their vectors, embedding only new ones), then flips the pointer in a single
metadata write, then drops the old generation. A crash at any point before the
flip leaves the old generation live and answering; leftovers are removed by the
next ingest.

    state.metadata = {"live": "articles-3f2a9c1e", "embedding_model": "all-MiniLM-L6-v2-onnx-int8"}

Every swap is recoverable. A generation is marked complete (`completed_at` in its own
metadata) before the pointer names it; the pointer write is read back; when the write
fails ambiguously (the server applied it, the reply was lost) the pointer is read again
and the new generation is dropped only if the pointer does not name it. A pointer that
names a missing generation is read as the newest complete one, with a warning, until the
next ingest writes it again. One ingest at a time holds the writer lock (rag/index/writer_lock.py).
In a folder, the files of dropped generations are removed too (Chroma leaves them on disk).

The same layout works embedded (`ChunkStore.persistent`, a folder) and against a Chroma
server (`ChunkStore.http`, RAG_CHROMA_URL) that several processes share. Only vectors,
texts and metadata live in Chroma; each process keeps its own BM25 index in memory
(rag/retrieve/hybrid.py) and rebuilds it from `chunks()` when `generation()` names a new
generation, so the pointer is also how readers learn of another process's ingest.
Reading a generation that another ingest has just dropped raises GenerationReplaced,
which the retriever answers by refreshing once. A server that is away raises
StoreUnavailable on the call that found out; the next call after it is back works.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from chromadb.errors import ChromaError, NotFoundError

from rag.errors import EmbeddingMismatch, GenerationReplaced, IndexError_, IndexLost
from rag.index.chroma_client import (
    DEFAULT_TIMEOUT_SECONDS,
    UNAVAILABLE,
    failure_message,
    http_client,
    persistent_client,
    server_url,
    unavailable,
)
from rag.index.writer_lock import DEFAULT_WAIT_SECONDS, FolderLock, ServerLease, WriterLock
from rag.records import ChunkMeta

log = logging.getLogger(__name__)

WRITE_BATCH = 1000
READ_BATCH = 2000

T = TypeVar("T")

GENERATION_SUFFIX = "[0-9a-f]{8}"  # what follows the collection's name in a generation's name


def generation_name(collection: str) -> str:
    """A new generation of `collection`, such as "rag-1a2b3c4d"."""
    return f"{collection}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: ChunkMeta


@dataclass(frozen=True)
class DenseMatch:
    id: str
    similarity: float  # cosine similarity, 1.0 = same direction


class ChunkStore:
    def __init__(
        self,
        client: Any,
        *,
        name: str,
        location: str,
        folder: Path | None = None,
        marker_dir: Path | None = None,
        wait: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self._client = client
        self._name = name
        self._location = location  # for messages: a path or a URL
        self._folder = folder  # the embedded index's folder; None on a server
        # A note, kept outside the index, that it was built: an index that vanishes is then reported, not rebuilt.
        marker_dir = marker_dir or folder
        key = hashlib.sha256(f"{location}|{name}".encode()).hexdigest()[:12]
        self._marker = marker_dir / f".built-{name}-{key}" if marker_dir is not None else None
        self._state = self._guard(lambda: client.get_or_create_collection(f"{name}-state", embedding_function=None))
        self._verified: str | None = None  # the last live generation seen to exist
        self.writer: WriterLock = (
            FolderLock(folder / f"{name}.ingest.lock", wait=wait)
            if folder is not None
            else ServerLease(self._lease_collection, where=location, wait=wait)
        )

    @classmethod
    def persistent(cls, data_dir: Path, *, name: str, wait: float = DEFAULT_WAIT_SECONDS) -> ChunkStore:
        """The embedded index in `data_dir`, for this process alone."""
        return cls(persistent_client(data_dir), name=name, location=str(data_dir), folder=data_dir, wait=wait)

    @classmethod
    def http(
        cls,
        url: str,
        *,
        name: str,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        wait: float = DEFAULT_WAIT_SECONDS,
        marker_dir: Path | None = None,
    ) -> ChunkStore:
        """The index on the Chroma server at `url` (RAG_CHROMA_URL), shared by every process pointed at it."""
        url = server_url(url)
        return cls(http_client(url, timeout=timeout), name=name, location=url, marker_dir=marker_dir, wait=wait)

    # -- reading -----------------------------------------------------------------

    def live_model(self) -> str | None:
        """The embedding model of the live generation; None when nothing is indexed yet."""
        metadata = self._state_metadata()
        return metadata.get("embedding_model") if metadata.get("live") else None

    def check_model(self, model_id: str) -> None:
        built_with = self.live_model()
        if built_with is not None and built_with != model_id:
            raise EmbeddingMismatch(
                f"The index at {self._location} was built with embedding model {built_with}, but "
                f"{model_id} is configured. Run `rag ingest --rebuild` to re-embed, or set RAG_EMBEDDING back."
            )

    def generation(self) -> str | None:
        """The live generation: the one the pointer names, or, if that one is missing, the newest complete one."""
        named: str | None = self._state_metadata().get("live")
        if not named:
            self._check_not_vanished()
            return None
        if named == self._verified:
            return named
        if self._exists(named):
            self._verified = named
            return named
        fallback = self._newest_complete()
        if fallback is None:
            raise IndexLost(
                f"The index at {self._location} names generation {named}, which is missing, and no complete "
                "generation is left. Rebuild it from your files with `rag ingest --rebuild` (articles ingested "
                "from other folders must be ingested again)."
            )
        log.warning(
            "The index at %s names generation %s, which is missing; reading %s, the newest complete one. "
            "The next ingest points to it again.", self._location, named, fallback,
        )  # fmt: skip
        return fallback

    def count(self) -> int:
        live = self._live()
        return self._guard(live.count, reading=live.name) if live is not None else 0

    def chunks(
        self, *, with_embeddings: bool = False, generation: str | None = None
    ) -> Iterator[tuple[StoredChunk, np.ndarray | None]]:
        """Every chunk of the live generation (or of `generation`), in batches (a large index is never read in
        one go). A generation another ingest has dropped raises GenerationReplaced."""
        live = self._live(generation)
        if live is None:
            return
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        offset = 0
        while True:
            batch = self._guard(partial(live.get, include=include, limit=READ_BATCH, offset=offset), reading=live.name)
            if not batch["ids"]:
                return
            vectors = batch["embeddings"] if with_embeddings else [None] * len(batch["ids"])
            for cid, text, metadata, vector in zip(batch["ids"], batch["documents"], batch["metadatas"], vectors):
                yield StoredChunk(cid, text, ChunkMeta.from_chroma(metadata)), vector
            offset += len(batch["ids"])

    def query(
        self, vector: np.ndarray, *, n: int, where: dict[str, Any] | None, generation: str | None = None
    ) -> list[DenseMatch]:
        """The `n` nearest chunks of the live generation, or of `generation`: the one a reader's BM25 and chunk
        table come from, so both retrievers read the same chunks."""
        live = self._live(generation)
        if live is None:
            return []
        n = min(n, self._guard(live.count, reading=live.name))
        if n == 0:
            return []
        result = self._guard(
            lambda: live.query(query_embeddings=[vector.tolist()], n_results=n, where=where, include=["distances"]),
            reading=live.name,
        )
        return [DenseMatch(cid, 1.0 - dist) for cid, dist in zip(result["ids"][0], result["distances"][0])]

    # -- writing -----------------------------------------------------------------

    def swap_in(
        self,
        *,
        keep_ids: set[str],
        new_chunks: list[StoredChunk],
        new_vectors: np.ndarray,
        model_id: str,
        duplicate_of: Mapping[str, str] | None = None,
    ) -> None:
        """Make the live set `keep_ids` (copied from the live generation) plus `new_chunks`, atomically.

        `duplicate_of` gives kept chunks a new canonical article by article id as they are copied (a story's
        canonical article changed; "" when the article itself now is), so their vectors are reused, never
        embedded again.
        """
        old = self._generation_or_none()
        fresh = generation_name(self._name)
        collection = self._guard(
            lambda: self._client.create_collection(
                fresh, embedding_function=None, metadata={"hnsw:space": "cosine", "embedding_model": model_id}
            )
        )
        try:
            if keep_ids:
                canonical = duplicate_of or {}
                kept = (
                    (_relabelled(c, canonical.get(c.metadata.article_id)), v)
                    for c, v in self.chunks(with_embeddings=True, generation=old)
                    if c.id in keep_ids
                )
                # Copied a batch at a time: with their sentence vectors, a large index's chunks are too
                # big to hold all at once (about 7 KB of metadata each).
                for part in _batches(kept, WRITE_BATCH):
                    self._write(collection, [c for c, _ in part], np.array([v for _, v in part], dtype=np.float32))
            self._write(collection, new_chunks, new_vectors)
            self._guard(lambda: collection.modify(metadata={"embedding_model": model_id, "completed_at": time.time()}))
            self.writer.check()  # still the one writer: switch only then
            self._point_to(fresh, model_id)
        except BaseException:
            if not self._pointer_names(fresh):
                self._drop(fresh)  # best effort; a leftover is removed by the next swap
            raise
        self._verified = fresh
        self._note_built(fresh)
        if old:
            self._drop(old)
        self.remove_leftovers()

    def remove_leftovers(self) -> None:
        """Drop generations an interrupted ingest left behind (never the live one), and their files."""
        live = self._generation_or_none()
        state = self._state_metadata()
        if live and state.get("live") != live:  # the pointer named a missing generation: name the one read instead
            self._point_to(live, state.get("embedding_model", ""))
        for name in self._generation_names():
            if name != live:
                self._drop(name)
        self._remove_dropped_files()

    def _note_built(self, generation: str) -> None:
        if self._marker is not None:
            with contextlib.suppress(OSError):  # only a note: without it, a vanished index looks new
                self._marker.parent.mkdir(parents=True, exist_ok=True)
                self._marker.write_text(f"{generation}\n", encoding="utf-8")

    def _check_not_vanished(self) -> None:
        """An index with no live generation is new, unless this machine has seen it built."""
        if self._marker is None or not self._marker.is_file():
            return
        built = self._marker.read_text(encoding="utf-8").strip()
        raise IndexLost(
            f"The index at {self._location} held articles (generation {built}) but is now empty: its database "
            "was removed, emptied or replaced. Restore it from a backup, or rebuild it from your files with "
            "`rag ingest --rebuild` (articles ingested from other folders must be ingested again)."
        )

    def _point_to(self, generation: str, model_id: str) -> None:
        try:
            self._guard(lambda: self._state.modify(metadata={"live": generation, "embedding_model": model_id}))
        except IndexError_:
            if not self._pointer_names(generation):  # the write did not land; if it did, only its reply was lost
                raise
        if not self._pointer_names(generation):
            raise IndexError_(f"The index at {self._location} did not take the switch to {generation}; run it again.")

    def _pointer_names(self, generation: str) -> bool:
        """Whether the pointer names `generation`; False when it cannot be read (then the generation is kept)."""
        try:
            return self._state_metadata().get("live") == generation
        except IndexError_:
            return True  # unknown: keep it; the next ingest's leftovers pass drops it if it is not live

    def _generation_or_none(self) -> str | None:
        try:
            return self.generation()
        except IndexLost:
            return None  # a rebuild starts from nothing

    def _generation_names(self) -> list[str]:
        generation = re.compile(rf"{re.escape(self._name)}-{GENERATION_SUFFIX}")
        names = [c if isinstance(c, str) else c.name for c in self._guard(self._client.list_collections)]
        return [name for name in names if generation.fullmatch(name)]

    def _exists(self, name: str) -> bool:
        try:
            self._client.get_collection(name, embedding_function=None)
        except (NotFoundError, ValueError):
            return False
        except ChromaError as exc:
            raise self._translate(exc) from exc
        except UNAVAILABLE as exc:
            raise unavailable(self._location, exc) from exc
        return True

    def _newest_complete(self) -> str | None:
        complete = []
        for name in self._generation_names():
            with contextlib.suppress(NotFoundError, ValueError):
                metadata = self._client.get_collection(name, embedding_function=None).metadata or {}
                if "completed_at" in metadata:
                    complete.append((float(metadata["completed_at"]), name))
        return max(complete)[1] if complete else None

    def _lease_collection(self) -> Any:
        name = f"{self._name}-writer"
        return self._guard(lambda: self._client.get_or_create_collection(name, embedding_function=None))

    def _remove_dropped_files(self) -> None:
        """In a folder, remove the vector files of dropped collections: Chroma deletes their rows, not their files.

        The folders Chroma still uses are read from its catalogue (read-only); when that cannot be
        read, nothing is removed.
        """
        if self._folder is None:
            return
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self._folder / 'chroma.sqlite3'}?mode=ro", uri=True)) as db:
                in_use = {row[0] for row in db.execute("SELECT id FROM segments")}
        except sqlite3.Error as exc:
            log.info("Not removing dropped index files in %s (%s).", self._folder, exc)
            return
        for place in self._folder.iterdir():
            if place.is_dir() and _UUID.fullmatch(place.name) and place.name not in in_use:
                shutil.rmtree(place, ignore_errors=True)

    def _write(self, collection: Any, chunks: list[StoredChunk], vectors: np.ndarray) -> None:
        for i in range(0, len(chunks), WRITE_BATCH):
            part = chunks[i : i + WRITE_BATCH]
            add = partial(
                collection.add,
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[c.metadata.to_chroma() for c in part],
                embeddings=vectors[i : i + WRITE_BATCH].tolist(),
            )
            self._guard(add)

    def _drop(self, name: str) -> None:
        # Already gone, or the server is away: remove_leftovers tries again next time.
        with contextlib.suppress(ChromaError, ValueError, *UNAVAILABLE):
            self._client.delete_collection(name)

    # -- plumbing ----------------------------------------------------------------

    def _state_metadata(self) -> dict[str, Any]:
        state = self._guard(lambda: self._client.get_collection(f"{self._name}-state", embedding_function=None))
        return dict(state.metadata or {})

    def _live(self, generation: str | None = None) -> Any:
        name = generation or self.generation()
        if not name:
            return None
        return self._guard(lambda: self._client.get_collection(name, embedding_function=None), reading=name)

    def _guard(self, call: Callable[[], Any], *, reading: str | None = None) -> Any:
        """Make one Chroma call, translating what it raises; `reading` names the generation it reads."""
        try:
            return call()
        except NotFoundError as exc:
            raise (self._gone(reading) if reading else self._translate(exc)) from exc
        except ChromaError as exc:
            # A generation dropped mid-read can fail in other ways than "not found" ("missing segment").
            if reading and isinstance(gone := self._gone(reading), GenerationReplaced):
                raise gone from exc
            raise self._translate(exc) from exc
        except UNAVAILABLE as exc:
            raise unavailable(self._location, exc) from exc

    def _gone(self, name: str) -> IndexError_:
        self._verified = None
        try:
            current = self.generation()
        except IndexLost as lost:
            return lost
        if current != name:  # another ingest flipped the pointer and dropped `name`, or `name` was lost
            return GenerationReplaced(
                f"The index at {self._location} changed while it was being read (generation {name} was "
                "replaced by another ingest). Try again."
            )
        return IndexError_(f"The index at {self._location} cannot read generation {name}. Try again.")

    def _translate(self, exc: Exception) -> IndexError_:
        reason = str(exc).rstrip(".")
        return IndexError_(failure_message(self._location, f"failed ({reason})"))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _relabelled(chunk: StoredChunk, duplicate_of: str | None) -> StoredChunk:
    if duplicate_of is None:
        return chunk
    return StoredChunk(chunk.id, chunk.text, replace(chunk.metadata, duplicate_of=duplicate_of))
