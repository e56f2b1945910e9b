"""What the index holds, for the status line and the publisher filter: articles, passages, publishers, dates.

    Catalog.of(assistant) -> Catalog(articles=5, passages=27, publishers=["Golden10 Data", ...],
                                      first="2023-12-26", last="2024-12-03")

It is read when the page is built, and again (LiveCatalog) when a page loads or after an upload,
but only if an ingest has swapped in a new index generation since the last read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from rag.errors import RagError
from rag.records import ChunkMeta
from rag.ui.assistant import ChatAssistant
from rag.ui.render import backend_label
from rag.ui.text import flat_text


@dataclass(frozen=True)
class Catalog:
    articles: int = 0
    passages: int = 0
    publishers: list[str] = field(default_factory=list)
    first: str = ""  # earliest and latest publication dates, ISO
    last: str = ""

    @classmethod
    def of(cls, assistant: ChatAssistant) -> Catalog:
        # From the metadata the assistant already holds in memory for BM25: no extra pass over the store.
        articles: dict[str, ChunkMeta] = {}
        passages = 0
        for metadata in assistant.indexed_chunks():
            passages += 1
            articles.setdefault(metadata.article_id, metadata)
        publishers = sorted({m.publisher for m in articles.values()} - {""}, key=str.casefold)
        dates = sorted(m.published for m in articles.values() if m.published)
        return cls(len(articles), passages, publishers, dates[0] if dates else "", dates[-1] if dates else "")


class LiveCatalog:
    """The catalog of the assistant's index now, read again only when the live generation has changed."""

    def __init__(self, assistant: ChatAssistant, first: Catalog | None = None) -> None:
        self._assistant = assistant
        self._generation = _generation(assistant)
        self._catalog = first or Catalog.of(assistant)

    def current(self) -> Catalog:
        generation = _generation(self._assistant)
        if generation is not None and generation != self._generation:
            # The index away for a moment (RagError): keep showing what it held, and try again next time.
            with contextlib.suppress(RagError):
                self._catalog, self._generation = Catalog.of(self._assistant), generation
        return self._catalog


def _generation(assistant: ChatAssistant) -> str | None:
    try:
        return assistant.generation()
    except RagError:
        return None


def status_html(catalog: Catalog, backend: str) -> str:
    """The header badges: whether the index is ready and how big it is, and what answers."""
    if catalog.articles == 0:
        index = (
            '<span class="badge warn">Index empty</span><span class="status-text">'
            "No articles are indexed: add files to the corpus folder and restart, or run <code>rag ingest</code>."
            "</span>"
        )
    else:
        span = f", {catalog.first} to {catalog.last}" if catalog.first else ""
        plural = "s" if catalog.articles != 1 else ""
        index = (
            f'<span class="badge ok">Index ready</span><span class="status-text">{catalog.articles} article{plural}, '
            f"{catalog.passages} passages{flat_text(span)}</span>"
        )
    answers = f'<span class="badge">Answers</span><span class="status-text">{flat_text(backend_label(backend))}</span>'
    return f'<div class="status">{index}{answers}</div>'
