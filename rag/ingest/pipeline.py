"""Bring the index in line with some article files, in one atomic swap.

Every file is read, cleaned and chunked before the index is touched. A file that cannot
be read (empty, binary, not UTF-8, a damaged PDF, nothing left after cleaning) is skipped
and listed with its reason, and every good file is indexed; an article already indexed
from a skipped file keeps its old version. With `strict`, one bad file stops the ingest
with nothing changed. Articles whose file, chunking
settings and embedding model are unchanged keep their vectors; only new or
changed articles are embedded. With `sync_dirs`, an article that came from one
of those folders and is no longer there is removed.

Near-duplicates (rag.ingest.duplicates) are found over the whole index as it will be after
the swap, and each chunk records the article its story was first indexed as
(`duplicate_of`, "" for a canonical article), so retrieval can show a story once
without comparing articles at query time. The canonical article of a story is the
earliest published (undated ones last); between equal dates, one already indexed
before one new in this ingest, then the smaller id:

    indexed: yahoo-1 (2024-01-22);  ingest: msn-copy (2024-01-22), early-wire (2024-01-21)
    -> early-wire canonical; yahoo-1 and msn-copy get duplicate_of="early-wire"
       (yahoo-1 keeps its vectors: only its metadata is rewritten)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from rag.errors import DocumentError, IndexLost, RagError
from rag.index.embeddings import Embedder
from rag.index.protocols import SearchableStore, WritableStore
from rag.index.store import StoredChunk
from rag.ingest import duplicates, sentence_vectors
from rag.ingest.articles import load_article
from rag.ingest.chunking import chunk_article
from rag.ingest.documents import find_documents
from rag.ingest.duplicates import Duplicate
from rag.ingest.sentence_vectors import indexed_sentences
from rag.records import Article, Chunk, ChunkMeta, content_hash

PIPELINE_VERSION = "6"  # bump when reading, cleaning, chunking or chunk metadata change: every article is re-chunked
EMBED_BATCH = 64
UNDATED = "9999-12-31"  # sorts an article without a date after every dated one


@dataclass(frozen=True)
class Skipped:
    """A file the ingest left out, and why (the reason does not repeat the path)."""

    path: Path
    reason: str
    article_id: str = ""  # the article it would be: kept as indexed, not removed by a sync

    def __post_init__(self) -> None:
        if not self.article_id:
            object.__setattr__(self, "article_id", self.path.stem)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


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
    # (article_id, duplicate_of, estimated_similarity) for articles this ingest added, changed or re-filed
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def details(self) -> list[str]:
        """One line per changed article and per near-duplicate found (`summary` has the counts)."""
        lines = [
            f"{change}: {article_id}"
            for change, ids in (("added", self.added), ("updated", self.updated), ("removed", self.removed))
            for article_id in ids
        ]
        lines += [
            f"near-duplicate: {d.article_id} repeats {d.duplicate_of} (estimated similarity {d.similarity:.2f}); "
            f"answers show only {d.duplicate_of} when both are retrieved"
            for d in self.duplicates
        ]
        return lines

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged{skipped}; {self.chunks_embedded} chunks embedded, "
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
    store: WritableStore,
    embedder: Embedder,
    chunking: ChunkingSettings,
    sync_dirs: Sequence[Path] = (),
    rebuild: bool = False,
    progress: bool = True,
    metadata: Mapping[str, str] | None = None,
    strict: bool = False,
    max_new_chunks: int | None = None,
) -> IngestReport:
    """Ingest article files; with `sync_dirs`, articles that came from those folders and are gone are removed.

    `metadata` (title, publisher, author, published, url) applies to every file and wins over the files' own.
    A file that cannot be read is skipped (`IngestReport.skipped`); with `strict` it stops the ingest instead.
    More than `max_new_chunks` passages to embed stops it before anything is embedded (an upload's budget).
    """
    report = IngestReport()
    articles, report.skipped, report.warnings = load_articles(find_documents(paths), metadata or {})
    if strict and report.skipped:
        problems = "\n  ".join(map(str, report.skipped))
        raise DocumentError(f"Nothing was ingested; fix these files and run it again:\n  {problems}")
    return ingest_articles(
        articles, store=store, embedder=embedder, chunking=chunking, report=report,
        remove=lambda source_path: _under(source_path, sync_dirs), rebuild=rebuild, progress=progress,
        max_new_chunks=max_new_chunks,
        # A skipped file's article stays as it was indexed: a file that went bad is not a file that went away.
        protect={s.article_id for s in report.skipped},
    )  # fmt: skip


def ingest_articles(
    articles: list[Article],
    *,
    store: WritableStore,
    embedder: Embedder,
    chunking: ChunkingSettings,
    report: IngestReport | None = None,
    remove: Callable[[str], bool] = lambda source_path: False,
    rebuild: bool = False,
    progress: bool = True,
    max_new_chunks: int | None = None,
    protect: set[str] = frozenset(),  # type: ignore[assignment]
) -> IngestReport:
    """Make the index hold `articles` (and keep others, unless `remove(source_path)` says so and their id is
    not in `protect`), in one swap.

    The whole of it holds the index's writer lock: what is read of the live index must still be live at the swap.
    """
    report = report or IngestReport()

    def removed(source_path: str, article_id: str) -> bool:
        return article_id not in protect and remove(source_path)

    with store.writer.held():
        return _ingest_articles(articles, store, embedder, chunking, report, removed, rebuild, progress, max_new_chunks)


def _ingest_articles(
    articles: list[Article],
    store: WritableStore,
    embedder: Embedder,
    chunking: ChunkingSettings,
    report: IngestReport,
    remove: Callable[[str, str], bool],
    rebuild: bool,
    progress: bool,
    max_new_chunks: int | None,
) -> IngestReport:
    started = time.perf_counter()
    try:
        indexed = _indexed_articles(store)
    except IndexLost:
        if not rebuild:
            raise
        indexed = {}  # a rebuild starts from the files it is given
    same_model = store.live_model() in (None, embedder.model_id)

    keep_ids: set[str] = set()
    changed: list[Article] = []
    for article in articles:
        version = chunking.version(article)
        old = indexed.get(article.id)
        if old and old["version"] == version and same_model and not rebuild:
            keep_ids.update(old["chunk_ids"])
            report.unchanged.append(article.id)
            continue
        (report.updated if old else report.added).append(article.id)
        changed.append(article)

    given = {a.id for a in articles}
    for article_id, old in indexed.items():
        if article_id in given:
            continue
        if remove(old["source_path"], article_id):
            report.removed.append(article_id)
        elif same_model and not rebuild:
            keep_ids.update(old["chunk_ids"])
        else:
            # Its file is not part of this ingest, so it cannot be re-embedded with the new model.
            report.warnings.append(f"{article_id}: dropped by the rebuild; ingest {old['source_path']} again.")
            report.removed.append(article_id)

    gone = set(report.removed) | set(report.updated)
    kept = {article_id: old for article_id, old in indexed.items() if article_id not in gone}
    signatures = {a.id: duplicates.signature(a.body) for a in changed}
    found = _find_duplicates(changed, signatures, kept, {a.id: a for a in articles})
    label = {article_id: d.duplicate_of for article_id, d in found.items()}
    refile = {aid: label.get(aid, "") for aid, old in kept.items() if old["duplicate_of"] != label.get(aid, "")}
    report.duplicates = [d for aid, d in found.items() if aid in refile or aid not in kept]

    new_chunks: list[tuple[Article, Chunk]] = []
    for article in changed:
        chunks = chunk_article(article, max_tokens=chunking.max_tokens, overlap=chunking.overlap, fits=embedder.fits)
        unique = {c.id: c for c in chunks}  # a paragraph repeated in one article would repeat an id
        new_chunks.extend((article, c) for c in unique.values())
    if max_new_chunks is not None and len(new_chunks) > max_new_chunks:
        raise DocumentError(
            f"These files make {len(new_chunks):,} passages to index; one upload may add at most "
            f"{max_new_chunks:,} (RAG_UPLOAD_MAX_CHUNKS). Add fewer or shorter files at a time, or have them "
            "ingested from the command line."
        )

    if report.changed or refile or (rebuild and articles):
        vectors, sentences = _embed([c for _, c in new_chunks], embedder, progress, keep_alive=store.writer.check)
        stored = []
        for (a, c), encoded in zip(new_chunks, sentences):
            meta = chunk_meta(a, c, chunking.version(a), label.get(a.id, ""), signatures[a.id])
            stored.append(StoredChunk(c.id, c.text, replace(meta, sentence_vectors=encoded)))
        store.swap_in(
            keep_ids=keep_ids,
            new_chunks=stored,
            new_vectors=vectors,
            model_id=embedder.model_id,
            duplicate_of=refile,
        )
        report.chunks_embedded = len(new_chunks)
    else:
        store.remove_leftovers()
    report.chunks_total = store.count()
    report.seconds = time.perf_counter() - started
    return report


def chunk_meta(
    article: Article,
    chunk: Chunk,
    version: str,
    duplicate_of: str = "",
    signature: np.ndarray | None = None,
) -> ChunkMeta:
    # Once per article is enough to find duplicates at the next ingest; on every chunk it would be 684 bytes each.
    minhash = duplicates.encode(signature) if signature is not None and chunk.position == 0 else ""
    return ChunkMeta(
        article_id=article.id,
        title=article.title,
        publisher=article.publisher,
        author=article.author,
        published=article.published,
        published_int=article.published_int,
        url=article.url,
        position=chunk.position,
        tokens=chunk.tokens,
        header=chunk.header,
        source_path=article.source_path,
        version=version,
        duplicate_of=duplicate_of,
        minhash=minhash,
    )


def load_articles(
    files: list[Path], metadata: Mapping[str, str] | None = None
) -> tuple[list[Article], list[Skipped], list[str]]:
    """The articles of the files that can be read, the files skipped with their reasons, and warnings.

    Two files that claim one article id are both skipped: which one is the article is for a person
    to say, and taking either would silently replace the other's text.
    """
    loaded: dict[str, list[tuple[Article, list[str]]]] = {}
    skipped: list[Skipped] = []
    for path in files:
        try:
            str(path).encode("utf-8")  # Chroma stores the path as UTF-8 text
        except UnicodeEncodeError:
            name = str(path.name).encode("utf-8", "replace").decode("utf-8")
            skipped.append(Skipped(path, f"its name ({name}) is not valid UTF-8; rename the file."))
            continue
        try:
            article, found = load_article(path, metadata)
        except DocumentError as exc:
            skipped.append(Skipped(path, str(exc).removeprefix(f"{path}: ")))
            continue
        loaded.setdefault(article.id, []).append((article, found))
    articles: list[Article] = []
    warnings: list[str] = []
    for article_id, claims in loaded.items():
        if len(claims) == 1:
            articles.append(claims[0][0])
            warnings.extend(claims[0][1])
            continue
        for article, _ in claims:
            others = ", ".join(a.source_path for a, _ in claims if a is not article)
            skipped.append(Skipped(Path(article.source_path), (
                f"article id {article_id!r} is also used by {others}; rename one of the files (a .txt or .md "
                "file can instead set another 'id' in its header)."
            ), article_id))  # fmt: skip
    return articles, skipped, warnings


def _indexed_articles(store: SearchableStore) -> dict[str, dict[str, Any]]:
    indexed: dict[str, dict[str, Any]] = {}
    for chunk, _ in store.chunks():
        m = chunk.metadata
        entry = indexed.setdefault(
            m.article_id,
            {"version": m.version, "source_path": m.source_path, "chunk_ids": [],
             "published": m.published, "duplicate_of": m.duplicate_of, "minhash": ""},
        )  # fmt: skip
        entry["chunk_ids"].append(chunk.id)
        entry["minhash"] = entry["minhash"] or m.minhash
    return indexed


def _find_duplicates(
    changed: list[Article],
    signatures: dict[str, np.ndarray],
    kept: dict[str, dict[str, Any]],
    given: dict[str, Article],
) -> dict[str, Duplicate]:
    """Near-duplicates over the index-to-be (changed and kept articles), in canonical order.

    Canonical order: earliest published first (undated last), then already indexed before new, then by id.
    """
    entries: list[tuple[tuple[str, int, str], str, np.ndarray]] = []
    for article in changed:
        entries.append(((article.published or UNDATED, 1, article.id), article.id, signatures[article.id]))
    for article_id, old in kept.items():
        sig = duplicates.decode(old["minhash"])
        if sig is None and article_id in given:  # an unchanged file indexed before signatures were stored
            sig = duplicates.signature(given[article_id].body)
        if sig is not None:
            entries.append(((old["published"] or UNDATED, 0, article_id), article_id, sig))
    entries.sort(key=lambda entry: entry[0])
    return duplicates.find_duplicates([(article_id, sig) for _, article_id, sig in entries])


def _under(path: str, folders: Sequence[Path]) -> bool:
    return any(Path(path).is_relative_to(folder.resolve()) for folder in folders)


def _embed(
    chunks: list[Chunk], embedder: Embedder, progress: bool, keep_alive: Callable[[], None] = lambda: None
) -> tuple[np.ndarray, list[str]]:
    """Each chunk's vector, and its sentences' vectors as metadata text (rag/ingest/sentence_vectors.py), embedded
    in the same calls. The sentences' are encoded batch by batch: as float32 they would be 7 times the size."""
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32), []
    rows: list[np.ndarray] = []
    encoded: list[str] = []
    with tqdm(total=len(chunks), desc="Embedding chunks", unit="chunk", disable=not progress, leave=False) as bar:
        for i in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[i : i + EMBED_BATCH]
            sentences = [indexed_sentences(c) for c in batch]
            texts = [c.indexed_text for c in batch] + [s for group in sentences for s in group]
            vectors = embedder.embed(texts)
            if len(vectors) != len(texts):
                raise RagError(f"The embedder returned {len(vectors)} vectors for {len(texts)} texts.")
            rows.append(vectors[: len(batch)])
            ends = np.cumsum([len(batch)] + [len(group) for group in sentences])
            encoded.extend(sentence_vectors.encode(vectors[start:end]) for start, end in zip(ends[:-1], ends[1:]))
            bar.update(len(batch))
            keep_alive()  # renews a server's writer lease through a long embedding
    return np.vstack(rows), encoded
