"""Errors raised on bad input or bad state. Every message says what to do next.

    RagError
    ├── ConfigError          a setting is missing or wrong (names the setting)
    ├── InputError           a question or a document we cannot use
    │   ├── DocumentError    one file: empty, binary, not UTF-8, bad metadata
    │   └── DateNotRead      a date filter's text that reads as no date (rag/dates.py)
    ├── IndexError_          the index on disk is unreadable, corrupt or built otherwise
    │   ├── EmbeddingMismatch  the index was built with another embedding model
    │   ├── StoreUnavailable   the Chroma server (RAG_CHROMA_URL) refused or did not answer
    │   ├── GenerationReplaced another process's ingest dropped the generation being read (retried, internal)
    │   ├── OutdatedIndex      a saved BM25 index of another version (rebuilt, internal)
    │   ├── IndexLost          the index was built once, and its files or live generation are gone
    │   └── IngestBusy         another ingest holds the index's writer lock
    └── BackendError         a model endpoint (chat or OpenAI embeddings) failed
        ├── AuthError        the key was refused
        └── UnavailableError timeout, server down, too many retries, a reply that is not JSON,
                             or the model skipped after failing (the circuit breaker in rag/answer/bounds.py)

Not a RagError, never seen by callers: MalformedChunk, a streamed model event that is JSON but not a
chat chunk, raised by rag/answer/bounds.py and translated with the client's own errors in
rag/answer/chat_errors.py (to UnavailableError).

Foreign exceptions (Chroma, OpenAI, OSError) are translated once, where they are
raised, with `raise X(...) from exc`, so callers only ever catch RagError: Chroma's in
rag/index/chroma_client.py, the chat client's in rag/answer/chat_errors.py, the embedding
client's in rag/index/embeddings.py.
"""

from __future__ import annotations


class RagError(Exception):
    """Base of every error this package raises on bad input or bad state."""


class ConfigError(RagError):
    """A setting is missing or has a value we cannot use."""


class InputError(RagError):
    """A question or a document we cannot use."""


class DocumentError(InputError):
    """One document file cannot be ingested; the message names the file."""


class DateNotRead(InputError):
    """A date filter's text that reads as no date."""


class IndexError_(RagError):  # noqa: N801 - trailing underscore avoids shadowing the builtin
    """The index on disk cannot be read or written."""


class EmbeddingMismatch(IndexError_):
    """The index was built with a different embedding model than the one configured."""


class StoreUnavailable(IndexError_):
    """The Chroma server refused the connection or timed out; the same call works again once it is back."""


class GenerationReplaced(IndexError_):
    """The generation being read was dropped by another process's ingest; read the new one (once)."""


class OutdatedIndex(IndexError_):
    """A saved BM25 index of another version: its words would not match the question's; rebuilt."""


class IndexLost(IndexError_):
    """The index had articles, and what held them is gone (files removed or zeroed, generation deleted)."""


class IngestBusy(IndexError_):
    """Another ingest is writing the same index; one writer at a time (rag/index/writer_lock.py)."""


class BackendError(RagError):
    """A model endpoint (the chat model, or OpenAI embeddings) failed."""


class AuthError(BackendError):
    """The endpoint refused the API key."""


class UnavailableError(BackendError):
    """The endpoint timed out, is down, or kept failing after retries; `reason` is the short why ("timeout")."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class MalformedChunk(Exception):
    """A streamed event that is JSON but not a chat completion chunk: `data: 42` reaches us as the number 42."""
