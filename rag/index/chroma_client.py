"""The two ways to reach Chroma: an embedded index in a folder, or a server at a URL.

    persistent_client(Path("index"))                   -> chromadb.PersistentClient, inside this process
    http_client("http://127.0.0.1:8000", timeout=10)   -> chromadb.HttpClient, talking to `chroma run`

Both have telemetry off. Errors while connecting are translated here: a folder that
cannot be opened is an IndexError_, a URL that is not a server's a ConfigError naming
RAG_CHROMA_URL, a server that refuses or does not answer StoreUnavailable. Later calls
are translated in ChunkStore, with `UNAVAILABLE` and `unavailable()` from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import httpx
from chromadb.errors import ChromaError

from rag.errors import ConfigError, IndexError_, StoreUnavailable

# Per request. Generous for a query or a 1000-chunk write on loopback; a stopped server costs this much per call.
DEFAULT_TIMEOUT_SECONDS = 10.0

# What the HttpClient raises when the server is away: chromadb passes httpx's transport errors through
# untranslated. ConnectError("[Errno 111] Connection refused") once the process is gone, ReadTimeout while
# it is stopped or swamped, ReadError / RemoteProtocolError when it dies mid-reply.
UNAVAILABLE = (httpx.TransportError,)


def persistent_client(data_dir: Path) -> Any:
    if not data_dir.parent.is_dir():
        # Creating a whole missing path would hide a mistyped folder behind a new, empty index.
        raise ConfigError(
            f"The index folder {data_dir} cannot be created: the folder {data_dir.parent} does not exist. "
            "Create it, or set RAG_DATA_DIR (or --data-dir) to a folder that does."
        )
    try:
        data_dir.mkdir(exist_ok=True)
        return chromadb.PersistentClient(path=str(data_dir), settings=_settings())
    except (OSError, ChromaError, ValueError, RuntimeError) as exc:
        raise IndexError_(failure_message(str(data_dir), f"cannot be opened ({exc})")) from exc


def failure_message(location: str, what: str) -> str:
    """What to do about a failing index; never an invitation to delete one that is only full or read-only."""
    text = what.lower()
    if any(s in text for s in ("readonly", "read-only", "read only", "permission denied", "errno 13")):
        return (f"The index at {location} {what}: it is read-only for this process. Give it write access, or set "
                "RAG_DATA_DIR to a writable folder. The index itself is not damaged.")  # fmt: skip
    if any(s in text for s in ("disk is full", "no space left", "errno 28", "database or disk is full")):
        return f"The index at {location} {what}: the disk is full. Free some space and run it again; nothing was lost."
    return (f"The index at {location} {what}. Run it again; if it keeps failing, restore the folder from a backup "
            "or rebuild it from your files with `rag ingest --rebuild`.")  # fmt: skip


def http_client(url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Any:
    """A client of the server at `url` (as returned by `server_url`), every request bounded by `timeout` seconds."""
    parts = urlsplit(url)
    # The HttpClient's own first requests have no timeout, so ask for a heartbeat first, with one.
    try:
        beat = httpx.get(f"{url}/api/v2/heartbeat", timeout=timeout)
    except UNAVAILABLE as exc:
        raise unavailable(url, exc) from exc
    if beat.status_code != 200 or "nanosecond heartbeat" not in beat.text:
        raise ConfigError(
            f"RAG_CHROMA_URL={url} answers, but not as a Chroma server (HTTP {beat.status_code} from "
            "/api/v2/heartbeat). Point it at `chroma run`, or unset it to use the index in RAG_DATA_DIR."
        )
    try:
        client = chromadb.HttpClient(
            host=parts.hostname or "", port=parts.port or 0, ssl=parts.scheme == "https", settings=_settings()
        )
    except (ChromaError, ValueError) as exc:
        raise IndexError_(f"The Chroma server at {url} refused the client ({exc}). Is it chroma 1.x?") from exc
    # chromadb builds its httpx session with timeout=None and has no setting for it (chroma-core/chroma#5805),
    # so without this a stopped server would hang every question instead of raising StoreUnavailable.
    client._server._session.timeout = httpx.Timeout(timeout)  # type: ignore[attr-defined]  # private, as said above
    return client


def server_url(url: str) -> str:
    """RAG_CHROMA_URL checked and made explicit: 'http://localhost:8000/' -> 'http://localhost:8000'."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # a port that is not a number
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port or parts.path.strip("/"):
        raise ConfigError(
            f"RAG_CHROMA_URL={url!r} is not a Chroma server URL such as http://127.0.0.1:8000. "
            "Fix it, or unset it to use the embedded index in RAG_DATA_DIR."
        )
    return f"{parts.scheme}://{parts.hostname}:{port}"  # no user:password@, so it is safe to show


def unavailable(url: str, exc: Exception) -> StoreUnavailable:
    """The one message for a server that is away, whichever call found out."""
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out"
    elif "refused" in str(exc).lower():
        reason = "connection refused"
    else:
        reason = str(exc) or type(exc).__name__
    return StoreUnavailable(
        f"The Chroma server at {url} is not answering ({reason}). Start it "
        f"(chroma run --path <index folder> --port {urlsplit(url).port}) or unset RAG_CHROMA_URL."
    )


def _settings() -> Any:
    # No telemetry: it would try the network on every start.
    return chromadb.config.Settings(anonymized_telemetry=False, allow_reset=False)
