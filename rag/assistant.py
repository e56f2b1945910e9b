"""The one place the pipeline is wired together: settings -> store, embedder, retriever, rewriter, answerer.

The answerer is the LLM when an endpoint is configured (OPENAI_API_KEY, or OPENAI_BASE_URL
for a local server), else the offline extractive one; `Answer.backend` says which answered.

    a = Assistant()
    a.ask("What does Goldman expect from the Russell 2000?").text
    a.ask("And the S&P 500?", history=[("What does Goldman expect from the Russell 2000?", "... [1]")])
    for part in a.stream("What does Goldman expect from the Russell 2000?"):
        print(part if isinstance(part, str) else part.citations)   # deltas, then the Answer
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rag.answer.base import Answerer, StreamingAnswerer
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.followups import History, KeywordRewriter, LLMRewriter, Rewrite, Rewriter, check_history
from rag.answer.prompts import Prompts
from rag.errors import ConfigError, IndexLost, InputError
from rag.index.embeddings import Embedder, make_embedder
from rag.index.store import ChunkStore
from rag.index.view_cache import VIEWS_DIR, ViewCache
from rag.ingest.pipeline import ChunkingSettings, IngestReport, ingest
from rag.question.glossary import default_glossary
from rag.question.reading import QuestionReader
from rag.records import Answer, ChunkMeta, Hit, total_usage
from rag.retrieve.filters import Filters
from rag.retrieve.hybrid import HybridRetriever, Mode
from rag.settings import Settings


@dataclass(frozen=True)
class _Turn:
    """A question made ready to answer: standalone, with its hits."""

    asked: str
    rewrite: Rewrite
    hits: list[Hit]
    started: float


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
        rewriter: Rewriter | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or Settings.from_env(**overrides)
        self._embedder = embedder or make_embedder(self.settings)
        self._store = make_store(self.settings)
        cache = ViewCache(Path(self.settings.data_dir) / VIEWS_DIR, collection=self.settings.collection)
        self._retriever = HybridRetriever(self._store, self._embedder, rrf_k=self.settings.rrf_k, cache=cache)
        self._reader = QuestionReader(default_glossary(), self._retriever.spelling)
        if self._is_new_index():
            self.ingest([self._corpus_dir()], sync=True)
        self._store.check_model(self._embedder.model_id)
        if answerer is None or rewriter is None:  # the defaults follow the settings: LLM if configured
            made_answerer, made_rewriter = make_answerer(self.settings, self._embedder, self._retriever)
            answerer, rewriter = answerer or made_answerer, rewriter or made_rewriter
        self.answerer: Answerer = answerer
        self.rewriter: Rewriter = rewriter

    @property
    def backend(self) -> str:
        return self.answerer.name

    @property
    def streams(self) -> bool:
        """Whether answers arrive in pieces worth showing as they come: a model's do; the offline answerer
        writes the whole answer at once (and `stream` then yields it in one piece)."""
        return isinstance(self.answerer, StreamingAnswerer)

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
    ) -> Answer:
        """Answer `question`; with `history` ((user, assistant) pairs, oldest first) a follow-up is made standalone."""
        turn = self._prepare(question, history, k=k, filters=filters, mode=mode)
        return self._finish(self.answerer.answer(turn.rewrite.question, turn.hits), turn)

    def stream(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
    ) -> Iterator[str | Answer]:
        """Like `ask`, but yield the answer's text as it is written (str deltas), then the final Answer.

        Citations are resolved when the text is complete, so the final Answer's text (markers
        renumbered, bad ones dropped) replaces what was streamed. The question is checked,
        rewritten and retrieved before this returns, so bad input raises here, not mid-stream.
        """
        turn = self._prepare(question, history, k=k, filters=filters, mode=mode)
        return self._stream(turn)

    def _stream(self, turn: _Turn) -> Iterator[str | Answer]:
        if not isinstance(self.answerer, StreamingAnswerer):  # it says everything at once
            answer = self.answerer.answer(turn.rewrite.question, turn.hits)
            yield answer.text
            yield self._finish(answer, turn)
            return
        for part in self.answerer.stream(turn.rewrite.question, turn.hits):
            yield self._finish(part, turn) if isinstance(part, Answer) else part

    def _prepare(
        self, question: str, history: History | None, *, k: int | None, filters: Filters | None, mode: Mode
    ) -> _Turn:
        started = time.perf_counter()
        asked = self._check_question(question)
        turns = check_history(history)
        rewrite = self.rewriter.rewrite(asked, turns) if turns else Rewrite(asked)
        standalone = self.read(self._check_question(rewrite.question))
        hits = self._search(standalone, k=k or self.settings.top_k, filters=filters, mode=mode)
        return _Turn(asked, replace(rewrite, question=standalone), hits, started)

    def _finish(self, answer: Answer, turn: _Turn) -> Answer:
        return replace(
            answer,
            question=turn.asked,
            rewritten_question=turn.rewrite.question if turn.rewrite.question != turn.asked else "",
            notice=" ".join(n for n in (turn.rewrite.notice, answer.notice) if n),
            usage=total_usage(turn.rewrite.usage, answer.usage),
            seconds=time.perf_counter() - turn.started,
        )

    def retrieve(
        self, question: str, k: int = 5, *, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> list[Hit]:
        """The k passages that `question`, read as `ask` reads it, retrieves."""
        return self._search(self.read(self._check_question(question)), k=k, filters=filters, mode=mode)

    def read(self, question: str) -> str:
        """The question as it is searched and answered: typos corrected, short forms spelled out
        (rag/question/reading.py); as typed when RAG_READ_QUESTIONS is off."""
        return self._reader.read(question) if self.settings.read_questions else question

    def _search(self, question: str, *, k: int, filters: Filters | None, mode: Mode) -> list[Hit]:
        if k < 1:
            raise InputError(f"k must be at least 1, not {k}.")
        return self._retriever.retrieve(question, k=k, filters=filters, mode=mode)

    def ingest(
        self,
        paths: Sequence[str | Path] | str | Path,
        *,
        sync: bool = False,
        rebuild: bool = False,
        metadata: Mapping[str, str] | None = None,
        strict: bool = False,
        max_new_chunks: int | None = None,
    ) -> IngestReport:
        """Add or update articles from files or folders; with sync, also drop articles gone from those folders.

        `metadata` (title, publisher, author, published, url) applies to every file and wins over its own.
        A file that cannot be read is skipped and listed in `report.skipped`; with `strict` it stops the
        ingest with nothing changed (DocumentError), as do more than `max_new_chunks` passages to embed.
        """
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
            metadata=metadata,
            strict=strict,
            max_new_chunks=max_new_chunks,
        )
        self._retriever.refresh()
        return report

    def _is_new_index(self) -> bool:
        try:
            return self._store.count() == 0
        except IndexLost:
            return False  # built once and lost: reported when asked, never rebuilt from the folder unasked

    def _corpus_dir(self) -> Path:
        corpus = Path(self.settings.corpus_dir)
        if not corpus.is_dir():
            raise ConfigError(
                f"The index is empty and the articles folder {corpus} does not exist; point RAG_CORPUS_DIR "
                "(or --corpus-dir) at the folder that holds the articles, or create it and put articles in it."
            )
        return corpus

    def generation(self) -> str | None:
        """The live index generation: it changes with every ingest that changed something; None when empty."""
        return self._store.generation()

    def indexed_chunks(self) -> list[ChunkMeta]:
        """The metadata of every live chunk (article_id, title, publisher, published, ...), from memory."""
        self._retriever.refresh()
        return self._retriever.chunk_metadata()

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


def make_answerer(settings: Settings, embedder: Embedder, retriever: HybridRetriever) -> tuple[Answerer, Rewriter]:
    """The LLM answerer and rewriter when an endpoint is configured, else the offline ones."""
    extractive = ExtractiveAnswerer(embedder, lambda: retriever.keyword, sentence_vectors=retriever.sentence_vectors,
                                    embed_question=retriever.embed_query)  # fmt: skip
    if not settings.llm_configured:
        return extractive, KeywordRewriter()
    # Here, not at the top: both import openai (about 0.6 s), which an offline answer never uses.
    from rag.answer.chat_client import ChatModel
    from rag.answer.model_answerer import LLMAnswerer

    model = ChatModel(settings)  # builds its client, and reads the key, on the first call
    prompts = Prompts.load(settings.prompts_dir)
    answerer = LLMAnswerer(
        model,
        fallback=extractive,
        embedder=embedder,
        prompts=prompts,
        context_tokens=settings.llm_context_tokens,
        answer_tokens=settings.llm_answer_tokens,
        min_evidence=settings.llm_min_evidence,
    )
    return answerer, LLMRewriter(model, prompts, max_chars=settings.max_question_chars)


def make_store(settings: Settings) -> ChunkStore:
    """The index on the Chroma server at RAG_CHROMA_URL when it is set, else the embedded one in RAG_DATA_DIR."""
    if settings.chroma_url:
        return ChunkStore.http(settings.chroma_url, name=settings.collection, marker_dir=Path(settings.data_dir))
    return ChunkStore.persistent(Path(settings.data_dir), name=settings.collection)
