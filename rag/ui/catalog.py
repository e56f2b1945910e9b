"""What the index holds, for the status line and the publisher filter: articles, passages, publishers, dates.

    Catalog.of(assistant) -> Catalog(articles=5, passages=27, publishers=["Golden10 Data", ...],
                                      first="2023-12-26", last="2024-12-03")

It is read once, when the page is built: an ingest while the app runs shows after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from rag.ui.render import backend_label


@dataclass(frozen=True)
class Catalog:
    articles: int = 0
    passages: int = 0
    publishers: list[str] = field(default_factory=list)
    first: str = ""  # earliest and latest publication dates, ISO
    last: str = ""

    @classmethod
    def of(cls, assistant: Any) -> Catalog:
        # The Assistant has no public listing of its index yet, so this reads the chunk metadata
        # from its store: one pass over metadata only (no vectors), done at start-up.
        articles: dict[str, dict[str, Any]] = {}
        passages = 0
        for chunk, _ in assistant._store.chunks():
            passages += 1
            articles.setdefault(chunk.metadata.get("article_id", chunk.id), chunk.metadata)
        publishers = sorted({m.get("publisher", "") for m in articles.values()} - {""}, key=str.casefold)
        dates = sorted(d for m in articles.values() if (d := m.get("published", "")))
        return cls(len(articles), passages, publishers, dates[0] if dates else "", dates[-1] if dates else "")


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
            f"{catalog.passages} passages{escape(span)}</span>"
        )
    answers = f'<span class="badge">Answers</span><span class="status-text">{escape(backend_label(backend))}</span>'
    return f'<div class="status">{index}{answers}</div>'
