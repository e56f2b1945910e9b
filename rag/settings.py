"""All settings in one frozen dataclass. `Settings.from_env()` is the only reader of os.environ.

Every setting has a DEFAULT_* constant and an environment variable (RAG_* unless it is
an OpenAI one); keyword arguments to `from_env` (and so to `Assistant(...)`) win over both.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from rag.answer.evidence_gate import DEFAULT_MIN_EVIDENCE
from rag.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULT_CORPUS_DIR = PROJECT_DIR / "corpus"
DEFAULT_DATA_DIR = PROJECT_DIR / "index"
DEFAULT_COLLECTION = "articles"
DEFAULT_EMBEDDING = "local"  # or "openai"
DEFAULT_OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
DEFAULT_CHUNK_TOKENS = 200  # best evidence hit@5 in evals/chunk_sweep.py; see docs/experiments.md
DEFAULT_CHUNK_OVERLAP_SENTENCES = 1
# Passages a question retrieves and its answer reads: 8 rather than 5 gave more answers their facts on the dev
# questions, SQuAD 2.0 and FinanceBench (docs/experiments.md); the evals still judge retrieval at 5.
DEFAULT_TOP_K = 8
DEFAULT_RRF_K = 60
DEFAULT_MAX_QUESTION_CHARS = 1000
DEFAULT_READ_QUESTIONS = True  # correct typos and spell out short forms before searching (rag/question/reading.py)
DEFAULT_LLM_MODEL = "gpt-4o-mini"
DEFAULT_LLM_TIMEOUT_SECONDS = 30.0  # the longest silence inside a reply
DEFAULT_LLM_MAX_RETRIES = 2
# Bounds on one model call, retries included (rag/answer/chat_client.py): a hung endpoint costs the first-token
# deadline, not (1 + retries) timeouts; a slow drip of tokens is cut at the total. 120 s lets a CPU-only local model
# write 600 tokens at 5 a second; OpenAI writes them in about 10 s.
DEFAULT_LLM_CONNECT_SECONDS = 5.0
DEFAULT_LLM_FIRST_TOKEN_SECONDS = 30.0
DEFAULT_LLM_TOTAL_SECONDS = 120.0
# After this many failed calls in a row the model is skipped (the fallback answers at once) for the cool-down.
DEFAULT_LLM_BREAKER_FAILURES = 3
DEFAULT_LLM_BREAKER_SECONDS = 60.0
# The prompt must fit the model's window with room for the answer. 8192 suits small local models
# (Llama 3 8B); gpt-4o-mini takes 128k, but top_k chunks of 200 tokens need only ~1.5k anyway.
DEFAULT_LLM_CONTEXT_TOKENS = 8192
DEFAULT_LLM_ANSWER_TOKENS = 600  # max_tokens of a reply: a few cited sentences, never a report
# The model is asked unless the best hit's dense similarity is below this (rag/answer/evidence_gate.py).
DEFAULT_LLM_MIN_EVIDENCE = DEFAULT_MIN_EVIDENCE
DEFAULT_PROMPTS_DIR = PROJECT_DIR / "prompts"
OPENAI_API_URL = "https://api.openai.com/v1"


class Price(NamedTuple):
    """US dollars per million tokens: Price(0.15, 0.60) is $0.15 per 1M prompt tokens, $0.60 per 1M completion."""

    prompt: float
    completion: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.prompt + completion_tokens * self.completion) / 1_000_000


# openai.com/api/pricing (standard tier). A dated name ("gpt-4o-mini-2024-07-18") takes its family's price.
DEFAULT_LLM_PRICES: Mapping[str, Price] = MappingProxyType(
    {
        "gpt-4o-mini": Price(0.15, 0.60),
        "gpt-4o": Price(2.50, 10.00),
        "gpt-4.1-nano": Price(0.10, 0.40),
        "gpt-4.1-mini": Price(0.40, 1.60),
        "gpt-4.1": Price(2.00, 8.00),
        "gpt-3.5-turbo": Price(0.50, 1.50),
    }
)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_UPLOADS = True  # the page's "Add documents"; off makes the UI read-only
# An upload costs what embedding its passages costs, and the other users wait behind it.
DEFAULT_UPLOAD_MAX_MB = 10.0
DEFAULT_UPLOAD_MAX_CHUNKS = 2000


class Secret:
    """An API key that is read from the environment only when used, and never printed.

    >>> Secret.from_env("OPENAI_API_KEY")
    Secret(from env OPENAI_API_KEY)
    """

    def __init__(self, *, value: str | None = None, env: str | None = None) -> None:
        self._value = value
        self._env = env

    @classmethod
    def from_env(cls, name: str) -> Secret:
        return cls(env=name)

    def reveal(self) -> str | None:
        if self._value is not None:
            return self._value
        return os.environ.get(self._env) if self._env else None

    def __repr__(self) -> str:
        return f"Secret(from env {self._env})" if self._value is None else "Secret(***)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self._value, self._env) == (other._value, other._env)

    def __hash__(self) -> int:
        return hash((self._value, self._env))


@dataclass(frozen=True, kw_only=True)
class Settings:
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    data_dir: Path = DEFAULT_DATA_DIR
    collection: str = DEFAULT_COLLECTION
    # A Chroma server (http://127.0.0.1:8000) instead of the index in data_dir; checked in rag/index/chroma_client.py.
    chroma_url: str = ""
    embedding: str = DEFAULT_EMBEDDING
    openai_embedding_model: str = DEFAULT_OPENAI_EMBEDDING_MODEL
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    chunk_overlap_sentences: int = DEFAULT_CHUNK_OVERLAP_SENTENCES
    top_k: int = DEFAULT_TOP_K
    rrf_k: int = DEFAULT_RRF_K
    max_question_chars: int = DEFAULT_MAX_QUESTION_CHARS
    read_questions: bool = DEFAULT_READ_QUESTIONS
    # The LLM answers only when an endpoint is configured: a key, or a base URL (local servers need no key).
    openai_api_key: Secret = field(default_factory=lambda: Secret.from_env("OPENAI_API_KEY"))
    openai_base_url: str = field(default="", repr=False)  # may hold user:password@; llm_endpoint is the safe view
    llm_model: str = DEFAULT_LLM_MODEL
    llm_timeout_seconds: float = DEFAULT_LLM_TIMEOUT_SECONDS
    # Retries of 429, 5xx, timeouts and refused connections, with backoff, while the first-token deadline allows.
    llm_max_retries: int = DEFAULT_LLM_MAX_RETRIES
    llm_connect_seconds: float = DEFAULT_LLM_CONNECT_SECONDS
    llm_first_token_seconds: float = DEFAULT_LLM_FIRST_TOKEN_SECONDS
    llm_total_seconds: float = DEFAULT_LLM_TOTAL_SECONDS
    llm_breaker_failures: int = DEFAULT_LLM_BREAKER_FAILURES  # 0: never skip the model
    llm_breaker_seconds: float = DEFAULT_LLM_BREAKER_SECONDS
    llm_context_tokens: int = DEFAULT_LLM_CONTEXT_TOKENS
    llm_answer_tokens: int = DEFAULT_LLM_ANSWER_TOKENS
    llm_min_evidence: float = DEFAULT_LLM_MIN_EVIDENCE
    # RAG_LLM_PRICES="my-model=0.2/0.6,other=1/3" adds or replaces entries (prompt/completion USD per 1M tokens).
    llm_prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_LLM_PRICES), hash=False)
    prompts_dir: Path = DEFAULT_PROMPTS_DIR
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auth: str = ""  # "user:password" for the UI login; empty = no login
    uploads: bool = DEFAULT_UPLOADS
    upload_max_mb: float = DEFAULT_UPLOAD_MAX_MB  # per file
    upload_max_chunks: int = DEFAULT_UPLOAD_MAX_CHUNKS  # new passages one upload may add
    show_progress: bool = True

    def __post_init__(self) -> None:
        # The LLM settings are checked where the model is built (rag/answer/chat_client.py, check_settings).
        for name in ("chunk_tokens", "top_k", "rrf_k", "max_question_chars", "upload_max_chunks"):
            if getattr(self, name) < 1:
                raise ConfigError(f"RAG_{name.upper()} must be at least 1, not {getattr(self, name)}.")
        if self.chunk_overlap_sentences < 0:
            raise ConfigError(f"RAG_CHUNK_OVERLAP_SENTENCES cannot be negative ({self.chunk_overlap_sentences}).")
        if self.upload_max_mb <= 0:
            raise ConfigError(f"RAG_UPLOAD_MAX_MB must be above 0, not {self.upload_max_mb}.")
        if self.embedding not in ("local", "openai"):
            raise ConfigError(f"RAG_EMBEDDING={self.embedding!r} is not 'local' or 'openai'.")

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_base_url or self.openai_api_key.reveal())

    @property
    def llm_endpoint(self) -> str:
        """The endpoint's URL as shown in messages: any user:password@ in it is removed."""
        url = (self.openai_base_url or OPENAI_API_URL).rstrip("/")
        parts = urlsplit(url)
        if parts.username or parts.password:
            port = f":{parts.port}" if parts.port else ""
            url = parts._replace(netloc=f"{parts.hostname}{port}").geturl()
        return url

    @property
    def llm_is_openai(self) -> bool:
        """True for OpenAI's own API (no base URL, or one on its host); False for local and other servers."""
        return urlsplit(self.openai_base_url or OPENAI_API_URL).hostname == urlsplit(OPENAI_API_URL).hostname

    def llm_price(self, model: str | None = None) -> Price:
        """What `model` (default: llm_model) costs; zero for unknown models and for any host but OpenAI's.

        A local server (Ollama, vLLM, llama.cpp, LM Studio) costs nothing per token even
        when it serves a model named like an OpenAI one.
        """
        if not self.llm_is_openai:
            return Price(0.0, 0.0)
        model = model or self.llm_model
        if model in self.llm_prices:
            return self.llm_prices[model]
        # Longest matching family wins: "gpt-4o-mini-2024-07-18" is gpt-4o-mini, not gpt-4o.
        family = max((name for name in self.llm_prices if model.startswith(f"{name}-")), key=len, default=None)
        return self.llm_prices[family] if family else Price(0.0, 0.0)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Read RAG_* and OPENAI_* variables, then apply keyword overrides (which win)."""
        env = os.environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = _ENV_NAMES.get(f.name, f"RAG_{f.name.upper()}")
            if name in env and f.name != "openai_api_key":
                values[f.name] = env[name]
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("openai_api_key"), str):
            values["openai_api_key"] = Secret(value=values["openai_api_key"])
        return cls(**{k: _coerce(k, v) for k, v in values.items()})


_ENV_NAMES = {
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "llm_model": "RAG_LLM_MODEL",
}
_TYPES = {f.name: f.type for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    """Turn an environment string into the field's type, naming the variable when it fails."""
    kind = _TYPES[name]
    try:
        if name == "llm_prices" and isinstance(value, str):
            return {**DEFAULT_LLM_PRICES, **_parse_prices(value)}
        if kind == "Path":
            return Path(value).expanduser()
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool" and isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
    except (TypeError, ValueError) as exc:
        env_name = _ENV_NAMES.get(name, f"RAG_{name.upper()}")
        raise ConfigError(f"Setting {env_name}={value!r} is not a valid {kind}.") from exc
    return value


def _parse_prices(text: str) -> dict[str, Price]:
    """'my-model=0.2/0.6, other=1/3' -> {'my-model': Price(0.2, 0.6), 'other': Price(1.0, 3.0)}."""
    prices = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        model, _, pair = entry.partition("=")
        prompt, _, completion = pair.partition("/")
        try:
            prices[model.strip()] = Price(float(prompt), float(completion))
        except ValueError as exc:
            raise ConfigError(
                f"RAG_LLM_PRICES entry {entry!r} is not model=prompt/completion in USD per 1M tokens, "
                "e.g. 'gpt-4o-mini=0.15/0.60'."
            ) from exc
    return prices
