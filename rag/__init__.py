"""Cited answers over financial news about small-cap stocks.

from rag import Assistant
answer = Assistant().ask("What does Goldman expect from the Russell 2000?")

Each name below is imported on first use (PEP 562 `__getattr__`), not when `rag` is: the `rag`
command lives in this package, so every `rag ask` runs this file, and importing the Assistant
here would load Chroma and the rest before the command has even read its arguments.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and editors read; at run time, _MODULES below
    from rag.answer.base import REFUSAL, Answerer
    from rag.answer.followups import History, Rewrite, Rewriter
    from rag.assistant import Assistant
    from rag.errors import (
        AuthError,
        BackendError,
        ConfigError,
        DocumentError,
        EmbeddingMismatch,
        IndexError_,
        IndexLost,
        IngestBusy,
        InputError,
        RagError,
        StoreUnavailable,
        UnavailableError,
    )
    from rag.ingest.duplicates import Duplicate
    from rag.ingest.pipeline import IngestReport
    from rag.records import Answer, Article, Chunk, Citation, Hit, Usage
    from rag.retrieve.filters import Filters
    from rag.settings import Price, Settings

_MODULES = {
    "rag.answer.base": ("REFUSAL", "Answerer"),
    "rag.assistant": ("Assistant",),
    "rag.answer.followups": ("History", "Rewrite", "Rewriter"),
    "rag.ingest.duplicates": ("Duplicate",),
    "rag.errors": (
        "AuthError",
        "BackendError",
        "ConfigError",
        "DocumentError",
        "EmbeddingMismatch",
        "IndexError_",
        "IndexLost",
        "IngestBusy",
        "InputError",
        "RagError",
        "StoreUnavailable",
        "UnavailableError",
    ),
    "rag.retrieve.filters": ("Filters",),
    "rag.ingest.pipeline": ("IngestReport",),
    "rag.records": ("Answer", "Article", "Chunk", "Citation", "Hit", "Usage"),
    "rag.settings": ("Price", "Settings"),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "Answer",
    "Answerer",
    "Article",
    "Assistant",
    "AuthError",
    "BackendError",
    "Chunk",
    "Citation",
    "ConfigError",
    "DocumentError",
    "Duplicate",
    "EmbeddingMismatch",
    "Filters",
    "History",
    "Hit",
    "IndexError_",
    "IndexLost",
    "IngestBusy",
    "IngestReport",
    "InputError",
    "Price",
    "REFUSAL",
    "RagError",
    "Rewrite",
    "Rewriter",
    "Settings",
    "StoreUnavailable",
    "UnavailableError",
    "Usage",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # kept, so the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
