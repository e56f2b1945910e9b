"""Cited answers over financial news about small-cap stocks.

from rag import Assistant
answer = Assistant().ask("What does Goldman expect from the Russell 2000?")
"""

from rag.answerer import REFUSAL, Answerer
from rag.assistant import Assistant
from rag.conversation import History, Rewrite, Rewriter
from rag.duplicates import Duplicate
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
from rag.ingest import IngestReport
from rag.records import Answer, Article, Chunk, Citation, Hit, Usage
from rag.retrieve import Filters
from rag.settings import Price, Settings

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
