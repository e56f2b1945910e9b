"""The one place the pipeline is wired together: settings -> store, embedder, retriever, answerer."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.answerer import Answerer
from rag.embeddings import Embedder, LocalMiniLM, OpenAIEmbedder
from rag.errors import ConfigError, InputError
from rag.extractive import ExtractiveAnswerer
from rag.ingest import ChunkingSettings, IngestReport, ingest
from rag.records import Answer, Hit
from rag.retrieve import Filters, HybridRetriever, Mode
from rag.settings import Settings
from rag.store import ChunkStore


class Assistant:
    """Answers questions from the indexed articles, citing each claim.

    >>> a = Assistant()                                   # settings from the environment
    >>> a = Assistant(data_dir="index/", corpus_dir="my_articles/")  # keywords win over the environment
    >>> a.ask("What does Goldman expect from the Russell 2000?").text
    """

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or Settings.from_env(**overrides)
        self._embedder = embedder or make_embedder(self.settings)
        self._store = ChunkStore.persistent(Path(self.settings.data_dir), name=self.settings.collection)
        self._retriever = HybridRetriever(self._store, self._embedder, rrf_k=self.settings.rrf_k)
        if self._store.count() == 0 and Path(self.settings.corpus_dir).is_dir():
            self.ingest([self.settings.corpus_dir], sync=True)
        self._store.check_model(self._embedder.model_id)
        self.answerer = answerer or ExtractiveAnswerer(self._embedder, lambda: self._retriever.keyword)

    @property
    def backend(self) -> str:
        return self.answerer.name

    def ask(
        self, question: str, *, k: int | None = None, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> Answer:
        started = time.perf_counter()
        question = self._check_question(question)
        hits = self.retrieve(question, k=k or self.settings.top_k, filters=filters, mode=mode)
        answer = self.answerer.answer(question, hits)
        return replace(answer, seconds=time.perf_counter() - started)

    def retrieve(
        self, question: str, k: int = 5, *, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> list[Hit]:
        question = self._check_question(question)
        if k < 1:
            raise InputError(f"k must be at least 1, not {k}.")
        self._store.check_model(self._embedder.model_id)
        return self._retriever.retrieve(question, k=k, filters=filters, mode=mode)

    def ingest(
        self, paths: list[str | Path] | str | Path, *, sync: bool = False, rebuild: bool = False
    ) -> IngestReport:
        """Add or update articles from files or folders; with sync, also drop articles gone from those folders."""
        paths = [paths] if isinstance(paths, (str, Path)) else paths
        folders = [Path(p) for p in paths if Path(p).is_dir()]
        report = ingest(
            [Path(p) for p in paths],
            store=self._store,
            embedder=self._embedder,
            chunking=ChunkingSettings(self.settings.chunk_tokens, self.settings.chunk_overlap_sentences),
            sync_dirs=folders if sync else [],
            rebuild=rebuild,
            progress=self.settings.show_progress,
        )
        self._retriever.refresh()
        return report

    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InputError("The question is empty; type a question about the articles.")
        question = " ".join(question.split())
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InputError(
                f"The question is {len(question)} characters long; the limit is {limit} "
                "(RAG_MAX_QUESTION_CHARS). Shorten it to the question itself."
            )
        return question


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedding == "local":
        return LocalMiniLM()
    if settings.embedding == "openai":
        return OpenAIEmbedder(
            model=settings.openai_embedding_model,
            api_key=settings.openai_api_key.reveal(),
            base_url=settings.openai_base_url,
        )
    raise ConfigError(f"RAG_EMBEDDING={settings.embedding!r} is not 'local' or 'openai'.")
