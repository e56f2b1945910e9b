"""Bring the index in line with some article files, in one atomic swap.

Every file is read, cleaned and chunked before the index is touched, so a bad
file stops the ingest with nothing changed. Articles whose file, chunking
settings and embedding model are unchanged keep their vectors; only new or
changed articles are embedded. With `sync_dirs`, an article that came from one
of those folders and is no longer there is removed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from rag.articles import load_article
from rag.chunking import chunk_article
from rag.documents import find_documents
from rag.embeddings import Embedder
from rag.errors import DocumentError, RagError
from rag.records import Article, Chunk, content_hash
from rag.store import ChunkStore, StoredChunk

PIPELINE_VERSION = "1"  # bump when cleaning or chunking changes, so every article is re-chunked
EMBED_BATCH = 64


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.chunks_embedded} chunks embedded, "
            f"{self.chunks_total} in the index ({self.seconds:.1f}s)"
        )


@dataclass(frozen=True)
class ChunkingSettings:
    max_tokens: int
    overlap: int

    def version(self, article: Article) -> str:
        """Changes whenever the chunks of this article would change."""
        return content_hash(article.fingerprint, str(self.max_tokens), str(self.overlap), PIPELINE_VERSION)


def ingest(
    paths: list[Path],
    *,
    store: ChunkStore,
    embedder: Embedder,
    chunking: ChunkingSettings,
    sync_dirs: list[Path] = (),  # type: ignore[assignment]
    rebuild: bool = False,
    progress: bool = True,
) -> IngestReport:
    """Ingest article files; with `sync_dirs`, articles that came from those folders and are gone are removed."""
    report = IngestReport()
    articles = _load_all(find_documents(paths), report)
    return ingest_articles(
        articles, store=store, embedder=embedder, chunking=chunking, report=report,
        remove=lambda source_path: _under(source_path, sync_dirs), rebuild=rebuild, progress=progress,
    )  # fmt: skip


def ingest_articles(
    articles: list[Article],
    *,
    store: ChunkStore,
    embedder: Embedder,
    chunking: ChunkingSettings,
    report: IngestReport | None = None,
    remove: Callable[[str], bool] = lambda source_path: False,
    rebuild: bool = False,
    progress: bool = True,
) -> IngestReport:
    """Make the index hold `articles` (and keep others, unless `remove(source_path)` says so), in one swap."""
    started = time.perf_counter()
    report = report or IngestReport()
    indexed = _indexed_articles(store)
    same_model = store.live_model() in (None, embedder.model_id)

    keep_ids: set[str] = set()
    new_chunks: list[tuple[Article, Chunk]] = []
    for article in articles:
        version = chunking.version(article)
        old = indexed.get(article.id)
        if old and old["version"] == version and same_model and not rebuild:
            keep_ids.update(old["chunk_ids"])
            report.unchanged.append(article.id)
            continue
        (report.updated if old else report.added).append(article.id)
        chunks = chunk_article(article, max_tokens=chunking.max_tokens, overlap=chunking.overlap)
        unique = {c.id: c for c in chunks}  # a paragraph repeated in one article would repeat an id
        new_chunks.extend((article, c) for c in unique.values())

    given = {a.id for a in articles}
    for article_id, old in indexed.items():
        if article_id in given:
            continue
        if remove(old["source_path"]):
            report.removed.append(article_id)
        elif same_model and not rebuild:
            keep_ids.update(old["chunk_ids"])
        else:
            # Its file is not part of this ingest, so it cannot be re-embedded with the new model.
            report.warnings.append(f"{article_id}: dropped by the rebuild; ingest {old['source_path']} again.")
            report.removed.append(article_id)

    if report.changed or (rebuild and articles):
        vectors = _embed([c for _, c in new_chunks], embedder, progress)
        stored = [StoredChunk(c.id, c.text, chunk_metadata(a, c, chunking.version(a))) for a, c in new_chunks]
        store.swap_in(keep_ids=keep_ids, new_chunks=stored, new_vectors=vectors, model_id=embedder.model_id)
        report.chunks_embedded = len(new_chunks)
    else:
        store.remove_leftovers()
    report.chunks_total = store.count()
    report.seconds = time.perf_counter() - started
    return report


def chunk_metadata(article: Article, chunk: Chunk, version: str) -> dict[str, Any]:
    # Chroma metadata values cannot be None: unknown text is "" and an unknown date is 0.
    return {
        "article_id": article.id,
        "title": article.title,
        "publisher": article.publisher,
        "author": article.author,
        "published": article.published,
        "published_int": article.published_int,
        "url": article.url,
        "position": chunk.position,
        "tokens": chunk.tokens,
        "header": chunk.header,
        "source_path": article.source_path,
        "version": version,
    }


def _load_all(files: list[Path], report: IngestReport) -> list[Article]:
    articles: dict[str, Article] = {}
    problems: list[str] = []
    for path in files:
        try:
            article, warnings = load_article(path)
        except DocumentError as exc:
            problems.append(str(exc))
            continue
        if article.id in articles:
            problems.append(
                f"{path}: article id {article.id!r} is also used by {articles[article.id].source_path}; "
                "rename one file or give it an 'id' in its header."
            )
            continue
        articles[article.id] = article
        report.warnings.extend(warnings)
    if problems:
        raise DocumentError("Nothing was ingested; fix these files and run it again:\n  " + "\n  ".join(problems))
    return list(articles.values())


def _indexed_articles(store: ChunkStore) -> dict[str, dict[str, Any]]:
    indexed: dict[str, dict[str, Any]] = {}
    for chunk, _ in store.chunks():
        m = chunk.metadata
        entry = indexed.setdefault(
            m["article_id"], {"version": m.get("version"), "source_path": m.get("source_path", ""), "chunk_ids": []}
        )
        entry["chunk_ids"].append(chunk.id)
    return indexed


def _under(path: str, folders: list[Path]) -> bool:
    return any(Path(path).is_relative_to(folder.resolve()) for folder in folders)


def _embed(chunks: list[Chunk], embedder: Embedder, progress: bool) -> np.ndarray:
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32)
    rows = []
    with tqdm(total=len(chunks), desc="Embedding chunks", unit="chunk", disable=not progress, leave=False) as bar:
        for i in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[i : i + EMBED_BATCH]
            rows.append(embedder.embed([c.indexed_text for c in batch]))
            bar.update(len(batch))
    vectors = np.vstack(rows)
    if len(vectors) != len(chunks):
        raise RagError(f"The embedder returned {len(vectors)} vectors for {len(chunks)} chunks.")
    return vectors
