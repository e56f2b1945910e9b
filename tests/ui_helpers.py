"""Shared pieces of the UI tests: records to render, fake assistants, a served app, the browser's flags."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer.followups import History
from rag.records import Answer, ChunkMeta, Citation, Hit, Usage
from rag.retrieve.hybrid import Filters
from rag.settings import Settings

CORPUS_QUESTION = "How much does Goldman Sachs think the Russell 2000 will return in a year's time?"
UNANSWERABLE_QUESTION = (
    "What did Tesla deliver in Q2 2024?"  # off-topic; see docs/evaluation.md for what the offline answerer misses
)
REFUSAL_TEXT = "The articles do not say."

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download is unreachable here, so it drives Debian's chromium; these flags
# keep that browser from reaching for the network on its own (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(assistant: Any, *, auth: str = "") -> tuple[Any, str]:
    """Build and launch the app in this process on a free loopback port; returns (app, url). Close the app after."""
    from rag.ui import build_app, launch

    settings = Settings(host="127.0.0.1", port=free_port(), auth=auth)
    app = build_app(assistant)
    url = launch(app, settings, prevent_thread_lock=True, quiet=True)
    return app, url


def browser_missing_reason() -> str | None:
    """Why the browser test cannot run, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not executable"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed in the venv"
    return None


# -- records -----------------------------------------------------------------------------------------

CHUNK_TEXT = (
    "Small caps lagged in 2023. Analysts at Goldman Sachs predict that the Russell 2000 index will return "
    "about 9% over the next six months and 15% over the next twelve months. Valuations are low."
)
QUOTE = "Analysts at Goldman Sachs predict that the Russell 2000 index will return about 9% over the next six months and 15% over the next twelve months."  # noqa: E501


def hit(
    chunk_id: str = "c1", *, text: str = CHUNK_TEXT, title: str = "Russell 2000 set to beat S&P 500", **kw: Any
) -> Hit:
    values: dict[str, Any] = {
        "article_id": f"a-{chunk_id}",
        "publisher": "Moomoo News Global",
        "published": "2024-01-10",
        "position": 0,
        "score": 0.0328,
        "dense_rank": 1,
        "bm25_rank": 2,
    }
    values.update(kw)
    return Hit(chunk_id=chunk_id, title=title, text=text, **values)


def citation(n: int = 1, h: Hit | None = None, *, quote: str = QUOTE) -> Citation:
    h = h or hit()
    return Citation(
        n=n,
        article_id=h.article_id,
        title=h.title,
        publisher=h.publisher,
        published=h.published,
        chunk_id=h.chunk_id,
        quote=quote,
    )


def answer(**kw: Any) -> Answer:
    h = hit()
    values: dict[str, Any] = {
        "question": "What does Goldman expect?",
        "text": f"As of 2024-01-10, Moomoo News Global reported: {QUOTE} [1]",
        "refused": False,
        "citations": [citation(1, h)],
        "hits": [h, hit("c2", text="Rates may fall in 2024.", title="Fed outlook", dense_rank=None, bm25_rank=4)],
        "backend": "extractive",
        "seconds": 0.4,
    }
    values.update(kw)
    return Answer(**values)


# -- fake assistants (of our own interface) -----------------------------------------------------------


class _NoIndex:
    """The rest of rag.ui.assistant.ChatAssistant, for fakes that only answer: an index that never changes."""

    def generation(self) -> str | None:
        return None

    def indexed_chunks(self) -> list[ChunkMeta]:
        return []

    def ingest(self, paths: Sequence[str | Path], *, sync: bool = False, max_new_chunks: int | None = None) -> Any:
        raise AssertionError("this fake has no index to add to")


@dataclass
class AskingAssistant(_NoIndex):
    """An Assistant whose answerer writes the whole answer at once (the offline one): the Answer, no deltas."""

    reply: Answer | Exception = field(default_factory=answer)
    backend: str = "extractive"
    settings: Settings = field(default_factory=Settings)
    calls: list[dict[str, Any]] = field(default_factory=list)
    streams: bool = False

    def stream(
        self, question: str, history: History | None = None, *, k: int | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        self.calls.append({"question": question, "history": history, "k": k, "filters": filters})
        if isinstance(self.reply, Exception):
            raise self.reply
        yield self.reply


@dataclass
class StreamingAssistant(_NoIndex):
    """An Assistant whose answer arrives in pieces (a model's): text deltas, then the Answer (or an error)."""

    deltas: list[str] = field(default_factory=lambda: ["As of 2024-01-10, ", "Moomoo reported ", "[1]"])
    final: Answer = field(default_factory=answer)
    fail_after: int | None = None
    failure: Exception = field(default_factory=lambda: RuntimeError("boom"))
    backend: str = "gpt-4o-mini"
    settings: Settings = field(default_factory=Settings)
    calls: list[dict[str, Any]] = field(default_factory=list)
    streams: bool = True

    def stream(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        self.calls.append({"question": question, "history": history, "k": k, "filters": filters})
        for i, delta in enumerate(self.deltas):
            if self.fail_after is not None and i >= self.fail_after:
                raise self.failure
            yield delta
        yield self.final


MODEL_USAGE = Usage(prompt_tokens=812, completion_tokens=96, model_seconds=1.1, cost_usd=0.00018)
