"""Plain records passed between the pipeline stages.

Ids are content hashes: the same text always gets the same id, so writing a
record twice is a no-op and a changed article gets new chunk ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

# What Chroma keeps beside a vector: flat values, never None.
ChromaValue = str | int | float | bool


def content_hash(*parts: str, length: int = 16) -> str:
    """Stable short hash of some strings: content_hash("a", "b") never equals content_hash("ab")."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class Article:
    """One source document after loading: metadata plus its cleaned body text."""

    id: str
    title: str
    body: str
    publisher: str = ""
    author: str = ""
    published: str = ""  # ISO 'YYYY-MM-DD', or "" when the source gives no date
    url: str = ""
    source_path: str = ""
    fingerprint: str = ""  # hash of the raw file: unchanged files are skipped on re-ingest

    @property
    def published_int(self) -> int:
        """The date as YYYYMMDD, because Chroma's range filters only compare numbers; 0 if unknown."""
        return int(self.published.replace("-", "")) if self.published else 0


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences from one article, sized in tokens."""

    article_id: str
    position: int
    text: str  # the sentences themselves, as shown to users
    header: str  # "title | publisher | date", prepended for indexing only
    tokens: int

    @property
    def id(self) -> str:
        return content_hash(self.article_id, self.header, self.text)

    @property
    def indexed_text(self) -> str:
        return indexed_text(self.header, self.text)


@dataclass(frozen=True)
class ChunkMeta:
    """What the index keeps beside a chunk's text and vector: one field per Chroma metadata key.

    Chroma metadata values cannot be None, so unknown text is "" and an unknown date is 0. A chunk
    indexed by an older release may lack a key; it reads as the default here.
    """

    article_id: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    published: str = ""  # ISO 'YYYY-MM-DD', or ""
    published_int: int = 0  # YYYYMMDD, for Chroma's range filters (rag/retrieve/filters.py); 0 when undated
    url: str = ""
    position: int = 0
    tokens: int = 0
    header: str = ""
    source_path: str = ""
    version: str = ""  # ChunkingSettings.version: changes whenever the article's chunks would
    duplicate_of: str = ""  # the canonical article of the story, "" when this article is it (rag/ingest/duplicates.py)
    minhash: str = ""  # the article's MinHash signature, on its first chunk only
    sentence_vectors: str = ""  # its sentences' vectors as text (rag/ingest/sentence_vectors.py)

    def to_chroma(self) -> dict[str, ChromaValue]:
        """The metadata Chroma stores; the two large optional texts only when present."""
        values: dict[str, ChromaValue] = asdict(self)
        for optional in ("minhash", "sentence_vectors"):
            if not values[optional]:
                del values[optional]
        return values

    @classmethod
    def from_chroma(cls, metadata: Mapping[str, ChromaValue | None]) -> ChunkMeta:
        """The record of what `to_chroma` wrote, or an older release did: a key it lacks takes its default,
        a key this release does not know is dropped."""

        def text(key: str) -> str:
            value = metadata.get(key)
            return "" if value is None else str(value)

        def number(key: str) -> int:
            value = metadata.get(key)
            return int(value) if isinstance(value, int | float) else 0

        return cls(
            article_id=text("article_id"),
            title=text("title"),
            publisher=text("publisher"),
            author=text("author"),
            published=text("published"),
            published_int=number("published_int"),
            url=text("url"),
            position=number("position"),
            tokens=number("tokens"),
            header=text("header"),
            source_path=text("source_path"),
            version=text("version"),
            duplicate_of=text("duplicate_of"),
            minhash=text("minhash"),
            sentence_vectors=text("sentence_vectors"),
        )


def indexed_text(header: str, text: str) -> str:
    """What the retrievers index for a passage: its chunk's header, then the text (a chunk or one sentence)."""
    return f"{header}\n{text}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and its rank in each retriever (1-based; None = not found).

    In hybrid mode `bm25_rank` ranks only the BM25 matches kept for fusion (rag/retrieve/hybrid.py, KEYWORD_MIN_SHARE).
    The ranks are over all chunks; for a question naming several periods, fusion counted them within each
    period's chunks, so `score` is not the sum of these ranks' 1 / (rrf_k + rank).
    """

    chunk_id: str
    article_id: str
    title: str
    publisher: str
    published: str
    text: str
    position: int
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    time_rank: int | None = None  # among candidates about the named period this chunk reports on (the nearest)
    dense_similarity: float | None = None  # the dense score: the chunk's cosine blended with its best sentence's


@dataclass(frozen=True)
class Citation:
    """Source [n] of an answer: the chunk it points at and the passage quoted from it."""

    n: int
    article_id: str
    title: str
    publisher: str
    published: str
    chunk_id: str
    quote: str
    url: str = ""


@dataclass(frozen=True)
class Usage:
    """What a model call cost: tokens, latency and an estimate in US dollars."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    cost_usd: float = 0.0


def total_usage(*usages: Usage) -> Usage:
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        model_seconds=sum(u.model_seconds for u in usages),
        cost_usd=sum(u.cost_usd for u in usages),
    )


@dataclass(frozen=True)
class Answer:
    """The reply to one question. Every [n] in `text` has exactly one citation with that n."""

    question: str
    text: str
    refused: bool
    citations: list[Citation]
    hits: list[Hit]
    backend: str
    unsupported: list[str] = field(default_factory=list)  # answer sentences their sources do not back
    notice: str = ""  # e.g. "the model was unreachable; this answer is extractive"
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    dropped_citations: list[int] = field(default_factory=list)  # markers the model wrote that named no source
    # What was searched when it differs from what was asked: a follow-up made standalone, typos corrected,
    # short forms spelled out (rag/question/reading.py); "" when searched as asked.
    rewritten_question: str = ""
