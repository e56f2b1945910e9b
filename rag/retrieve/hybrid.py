"""Hybrid retrieval: Chroma dense search and BM25, fused by reciprocal rank fusion.

RRF scores a chunk by its ranks, not its raw scores, so the two retrievers need
no calibration against each other:

    score(chunk) = sum over retrievers of 1 / (rrf_k + rank)
    dense ranks 1, 3 and BM25 rank 2, rrf_k=60 -> 1/61 + 1/62 ≈ 0.0325 for a chunk found by both

The dense score of a chunk blends its own similarity with its best sentence's (embedded at ingest,
rag/ingest/sentence_vectors.py): a chunk's vector averages several topics, so one sentence that answers
the question can be lost in it.

    dense(chunk) = 0.7 * cos(question, chunk) + 0.3 * max over its sentences of cos(question, sentence)

When the question names a period ("in July 2024", "late 2023"), hybrid retrieval adds a
ranking for it: the candidates published in or just after it, or naming a recent month by
name, in their fused order (rag/question/periods.py). News about July is published in July or
August, so those articles rise; the others stay in the running on their text. Each period
gets its own ranking, so "July 2024 compared with December 2024" brings up both months. With
several periods, the dense and BM25 ranks are also counted within each period's chunks, so
the month whose text is nearer the question's wording cannot take all their top ranks.

BM25 lives in this process's memory, not in Chroma, with or without a Chroma server: it is
rebuilt from the store's chunks whenever the live generation differs from the one it was
built from, checked on every retrieve. So an ingest by another process sharing the server
is seen on the next retrieve; one that drops the generation a retrieve is reading makes
that retrieve refresh and try once more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from rag.errors import GenerationReplaced, InputError
from rag.index.bm25 import KeywordIndex
from rag.index.embeddings import Embedder
from rag.index.protocols import SearchableStore
from rag.index.store import DenseMatch, StoredChunk
from rag.index.view_cache import ViewCache
from rag.ingest import sentence_vectors
from rag.question.periods import Period, nearest_period, periods
from rag.question.spelling import SpellingCorrector
from rag.records import ChunkMeta, Hit, indexed_text
from rag.retrieve.filters import Filters

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")
CANDIDATES = 50  # each retriever's depth before fusion (at least k)
# In hybrid fusion BM25 ranks only the chunks scoring at least this share of its best. RRF reads ranks,
# not scores, so a chunk matching only the question's ubiquitous words ("small caps", idf 0.02) would
# get a rank as good as a real match's. The values tried: docs/experiments.md.
KEYWORD_MIN_SHARE = 0.2
# The best sentence's share of a chunk's dense score, the rest being the chunk's own cosine (see the module
# docstring). The values tried: docs/experiments.md.
SENTENCE_WEIGHT = 0.3
# The best text matches (dense and BM25 fused) that stay in the top k whatever periods the question names.
TEXT_KEEP = 2


@dataclass(frozen=True)
class IndexView:
    """One generation's chunk table and BM25 index, replaced whole, so a question reads one generation
    even while another thread swaps in the next."""

    generation: str | None
    chunks: dict[str, StoredChunk]  # their metadata without the sentence vectors' text
    keyword: KeywordIndex
    sentences: dict[str, np.ndarray]  # chunk id -> its sentences' vectors, for chunks indexed with them


def _view(generation: str | None, chunks: dict[str, StoredChunk], keyword: KeywordIndex) -> IndexView:
    """The view of a generation, its sentence vectors decoded once rather than on every question."""
    table: dict[str, StoredChunk] = {}
    sentences: dict[str, np.ndarray] = {}
    for cid, chunk in chunks.items():
        rows = sentence_vectors.decode(chunk.metadata.sentence_vectors)
        if rows is not None:
            sentences[cid] = rows
        table[cid] = StoredChunk(chunk.id, chunk.text, replace(chunk.metadata, sentence_vectors=""))
    return IndexView(generation, table, keyword, sentences)


class HybridRetriever:
    def __init__(
        self, store: SearchableStore, embedder: Embedder, *, rrf_k: int, cache: ViewCache | None = None
    ) -> None:
        self._store = store
        self._cache = cache
        self._embedder = embedder
        self._rrf_k = rrf_k
        self._lock = threading.Lock()
        self._view = _view(None, {}, KeywordIndex([], []))
        self._embed_query = lru_cache(maxsize=1024)(self._embed_uncached)
        self._speller: tuple[str | None, SpellingCorrector] | None = None

    @property
    def keyword(self) -> KeywordIndex:
        return self._view.keyword

    def chunk_metadata(self) -> list[ChunkMeta]:
        return [c.metadata for c in self._view.chunks.values()]

    def chunk(self, chunk_id: str) -> StoredChunk:
        return self._view.chunks[chunk_id]

    def refresh(self) -> IndexView:
        """The live generation's view, reloaded (chunk table and BM25) when another ingest swapped it.

        A swap is also the only way the index's embedding model can change, so it is checked here,
        once per generation, rather than on every question.
        """
        generation = self._store.generation()
        if generation == self._view.generation:
            return self._view
        with self._lock:
            if generation == self._view.generation:
                return self._view
            self._store.check_model(self._embedder.model_id)
            self._view = _view(generation, *self._read(generation))
            return self._view

    def _read(self, generation: str | None) -> tuple[dict[str, StoredChunk], KeywordIndex]:
        """A generation's chunk table and BM25 index: from the local cache when it has them, else from the store."""
        cached = self._cache.load(generation) if self._cache and generation else None
        if cached:
            return cached
        chunks = {c.id: c for c, _ in self._store.chunks(generation=generation)}
        ids = list(chunks)
        keyword = KeywordIndex(ids, [indexed_text(chunks[i].metadata.header, chunks[i].text) for i in ids])
        if self._cache and generation:
            self._cache.save(generation, chunks, keyword)
        return chunks, keyword

    def sentence_vectors(self, chunk_id: str) -> np.ndarray | None:
        """The vectors of a chunk's sentences, kept at ingest (rag/ingest/sentence_vectors.py); None for older
        chunks."""
        return self._view.sentences.get(chunk_id)

    def spelling(self) -> SpellingCorrector:
        """A spelling corrector over the words of the generation last read, built on first use per generation.

        Questions are read before they are retrieved, so this takes the view the last retrieve or
        ingest refreshed rather than asking the store again (an HTTP round trip in server mode): after
        another process's ingest, one question is read with the previous generation's words.
        Built outside the lock (it takes about a second at 10k chunks) and kept only if no newer
        generation's corrector was kept meanwhile; two threads may both build one, never a stale one.
        """
        view = self._view if self._view.generation is not None else self.refresh()
        kept = self._speller
        if kept is not None and kept[0] == view.generation:
            return kept[1]
        texts = (indexed_text(c.metadata.header, c.text) for c in view.chunks.values())
        built = SpellingCorrector.from_texts(texts)
        with self._lock:
            if self._view.generation == view.generation:
                self._speller = (view.generation, built)
        return built

    def embed_query(self, question: str) -> np.ndarray:
        return self._embed_query(question)

    def _embed_uncached(self, question: str) -> np.ndarray:
        vector: np.ndarray = self._embedder.embed([question])[0]
        return vector

    def retrieve(self, question: str, *, k: int, filters: Filters | None = None, mode: Mode = "hybrid") -> list[Hit]:
        try:
            return self._retrieve(question, k=k, filters=filters, mode=mode)
        except GenerationReplaced:
            # Another process swapped in a new generation and dropped ours between our refresh and our read:
            # one more try refreshes to the new generation (BM25 included) and reads that.
            return self._retrieve(question, k=k, filters=filters, mode=mode)

    def _retrieve(self, question: str, *, k: int, filters: Filters | None, mode: Mode) -> list[Hit]:
        if mode not in MODES:
            raise InputError(f"Retriever mode {mode!r} is not one of {', '.join(MODES)}.")
        view = self.refresh()  # read through this one view: self._view may be replaced meanwhile
        if view.generation is None:
            return []  # nothing indexed yet
        filters = filters or Filters()
        dense: list[tuple[str, float]] = []
        sparse: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            vector = self.embed_query(question)
            matches = self._store.query(vector, n=max(CANDIDATES, k), where=filters.where(), generation=view.generation)
            dense = _dense_ranking(matches, view.sentences, vector)
        if mode in ("hybrid", "bm25"):
            allowed = {c.id for c in view.chunks.values() if filters.admits(c.metadata)} if filters.active else None
            sparse = view.keyword.search(question, n=max(CANDIDATES, k), allowed=allowed)
        if mode == "hybrid":
            sparse = strong_matches(sparse)
        # The periods a question names are more signals, part of what "hybrid" means.
        return self.fuse(view, dense, sparse, k, periods(question) if mode == "hybrid" else [])

    def fuse(
        self,
        view: IndexView,
        dense: list[tuple[str, float]],
        sparse: list[tuple[str, float]],
        k: int,
        named: list[Period],
    ) -> list[Hit]:
        """The top k of the RRF of the dense and BM25 rankings and a ranking per named period.

        With several named periods, the dense and BM25 ranks are counted within each period's chunks.
        """
        # Copies of a story that will not be shown take no rank from the chunks that will: a copy dated in
        # another named period would take that period's top ranks, then be dropped.
        shown = set(_one_copy_per_story(_ranked(self._rrf(_ranks(dense), _ranks(sparse))), view.chunks))
        dense = [pair for pair in dense if pair[0] in shown]
        sparse = [pair for pair in sparse if pair[0] in shown]
        dense_rank, sparse_rank = _ranks(dense), _ranks(sparse)  # each retriever's own ranks, as hits report
        scores = self._rrf(dense_rank, sparse_rank)
        text_scores = scores
        time_rank: dict[str, int] = {}
        if named:
            # A ranking per named period, of the candidates about it, lets "Why did the mood turn
            # in July 2024?" prefer the July articles. One ranking for all periods together
            # would let the period with more articles fill the top k. Each chunk ranks for one period
            # at most (the nearest), so the rankings are disjoint and one rank per chunk holds them all.
            fused = _ranked(scores)
            nearest = {cid: _nearest(view.chunks[cid], named) for cid in fused}
            in_periods = _ranks_within_periods(fused, nearest)
            time_rank = {cid: rank for cid, rank in in_periods.items() if nearest[cid] is not None}
            fusion_ranks = (dense_rank, sparse_rank)
            if len(set(nearest.values()) - {None}) > 1:
                # A question about several periods is a retrieval per period: dense and BM25 ranks count
                # among the chunks about the same period. Counted over all chunks, the period whose text
                # is nearer the question's wording took the top ranks: "Was the cheapness Goldman
                # pointed to in January 2024 still there by July 2024?" had five January chunks
                # above July's "the valuation gap remains significant".
                fusion_ranks = (
                    _ranks_within_periods([cid for cid, _ in dense], nearest),
                    _ranks_within_periods([cid for cid, _ in sparse], nearest),
                )
            scores = self._rrf(*fusion_ranks, time_rank)
        # Equal fused scores are common with ranks counted per period; the better match on the text goes first.
        best = _keep_best_text_matches(_ranked(scores, ties=text_scores), _ranked(text_scores), k)
        similarity = dict(dense)
        return [
            _hit(view.chunks[cid], scores[cid], dense_rank.get(cid), sparse_rank.get(cid), time_rank.get(cid),
                 similarity.get(cid))
            for cid in best
        ]  # fmt: skip

    def _rrf(self, *rankings: dict[str, int]) -> dict[str, float]:
        scores: dict[str, float] = {}
        for ranks in rankings:
            for cid, rank in ranks.items():
                scores[cid] = scores.get(cid, 0.0) + 1.0 / (self._rrf_k + rank)
        return scores


def _dense_ranking(
    matches: list[DenseMatch], sentences: dict[str, np.ndarray], vector: np.ndarray
) -> list[tuple[str, float]]:
    """(chunk id, dense score) best first: the chunk's similarity blended with its best sentence's.

    A chunk without sentence vectors (indexed by an older release, until `rag ingest`) keeps its own.
    """
    scored = []
    for match in matches:
        rows = sentences.get(match.id)
        if rows is None or rows.shape[1] != len(vector):
            scored.append((match.id, match.similarity))
            continue
        best = float(np.max(rows.astype(np.float32) @ vector))
        scored.append((match.id, (1 - SENTENCE_WEIGHT) * match.similarity + SENTENCE_WEIGHT * best))
    return sorted(scored, key=lambda pair: -pair[1])  # stable: ties keep Chroma's order


def _keep_best_text_matches(ranked: list[str], by_text: list[str], k: int) -> list[str]:
    """The top k of `ranked`, with the TEXT_KEEP best text matches in it whatever the periods say.

    The periods a question names are a ranking signal, not a filter: a forecast "for the end of 2024"
    made in January still answers a question about the end of 2024, and December's news must not push
    it out. ranked [dec1, dec2, dec3, dec4, jan1, ...], by_text [jan1, dec1, ...], k 4 -> [dec1, dec2, dec3, jan1]
    """
    kept = set(by_text[: min(TEXT_KEEP, k)])
    rest = [cid for cid in ranked if cid not in kept][: k - len(kept)]
    chosen = kept | set(rest)
    return [cid for cid in ranked if cid in chosen]


def strong_matches(sparse: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The BM25 matches hybrid fusion ranks: those scoring at least KEYWORD_MIN_SHARE of the best."""
    return [(cid, score) for cid, score in sparse if score >= KEYWORD_MIN_SHARE * sparse[0][1]]


def _ranks(ranking: list[tuple[str, float]]) -> dict[str, int]:
    return {cid: rank for rank, (cid, _) in enumerate(ranking, start=1)}


def _ranks_within_periods(ranked: list[str], nearest: dict[str, Period | None]) -> dict[str, int]:
    """Each chunk's rank among the chunks of `ranked` about the same named period (or about none).

    ranked [jan#1, jan#2, jul#1, none#1, jul#2] -> jan#1: 1, jan#2: 2, jul#1: 1, none#1: 1, jul#2: 2
    """
    counts: dict[Period | None, int] = {}
    ranks = {}
    for cid in ranked:
        group = nearest[cid]
        counts[group] = counts.get(group, 0) + 1
        ranks[cid] = counts[group]
    return ranks


def _nearest(chunk: StoredChunk, named: list[Period]) -> Period | None:
    return nearest_period(named, chunk.text, chunk.metadata.published)


def _ranked(scores: dict[str, float], *, ties: dict[str, float] | None = None) -> list[str]:
    """Chunk ids by score, best first; equal scores by `ties` (best first), then by id, so the order is stable."""
    ties = ties or {}
    return sorted(scores, key=lambda cid: (-scores[cid], -ties.get(cid, 0.0), cid))


def _one_copy_per_story(ranked: list[str], chunks: dict[str, StoredChunk]) -> list[str]:
    """`ranked` chunk ids without those of an article whose story another article already stands for.

    Ingest records in each chunk the canonical article of its story (`duplicate_of`, "" when it
    is the canonical one). The story is shown from its canonical article when any of that
    article's chunks is among the candidates, else from its best-ranked copy:

        ranked [copy#0, other#2, canon#0], copy.duplicate_of = canon -> [other#2, canon#0]
    """
    article = {cid: chunks[cid].metadata.article_id for cid in ranked}
    story = {cid: chunks[cid].metadata.duplicate_of or article[cid] for cid in ranked}
    shown = {story[cid]: story[cid] for cid in ranked if article[cid] == story[cid]}
    for cid in ranked:
        shown.setdefault(story[cid], article[cid])
    return [cid for cid in ranked if shown[story[cid]] == article[cid]]


def _hit(
    chunk: StoredChunk,
    score: float,
    dense_rank: int | None,
    bm25_rank: int | None,
    time_rank: int | None,
    sim: float | None,
) -> Hit:
    m = chunk.metadata
    return Hit(
        chunk_id=chunk.id,
        article_id=m.article_id,
        title=m.title,
        publisher=m.publisher,
        published=m.published,
        text=chunk.text,
        position=m.position,
        score=score,
        dense_rank=dense_rank,
        bm25_rank=bm25_rank,
        time_rank=time_rank,
        dense_similarity=sim,
    )
