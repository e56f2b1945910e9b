"""All settings in one frozen dataclass. `Settings.from_env()` is the only reader of os.environ.

Every setting has a DEFAULT_* constant and an environment variable (RAG_* unless it is
an OpenAI one); keyword arguments to `from_env` (and so to `Assistant(...)`) win over both.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULT_CORPUS_DIR = PROJECT_DIR / "corpus"
DEFAULT_DATA_DIR = PROJECT_DIR / "index"
DEFAULT_COLLECTION = "articles"
DEFAULT_EMBEDDING = "local"  # or "openai"
DEFAULT_OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
DEFAULT_CHUNK_TOKENS = 200  # best evidence hit@5 in evals/chunk_sweep.py; see README
DEFAULT_CHUNK_OVERLAP_SENTENCES = 1
DEFAULT_TOP_K = 5
DEFAULT_RRF_K = 60
DEFAULT_MAX_QUESTION_CHARS = 1000
DEFAULT_LLM_MODEL = "gpt-4o-mini"
DEFAULT_LLM_TIMEOUT_SECONDS = 30.0
DEFAULT_LLM_MAX_RETRIES = 2
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


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
    embedding: str = DEFAULT_EMBEDDING
    openai_embedding_model: str = DEFAULT_OPENAI_EMBEDDING_MODEL
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    chunk_overlap_sentences: int = DEFAULT_CHUNK_OVERLAP_SENTENCES
    top_k: int = DEFAULT_TOP_K
    rrf_k: int = DEFAULT_RRF_K
    max_question_chars: int = DEFAULT_MAX_QUESTION_CHARS
    # The LLM answers only when an endpoint is configured: a key, or a base URL (local servers need no key).
    openai_api_key: Secret = field(default_factory=lambda: Secret.from_env("OPENAI_API_KEY"))
    openai_base_url: str = ""
    llm_model: str = DEFAULT_LLM_MODEL
    llm_timeout_seconds: float = DEFAULT_LLM_TIMEOUT_SECONDS
    llm_max_retries: int = DEFAULT_LLM_MAX_RETRIES
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auth: str = ""  # "user:password" for the UI login; empty = no login
    show_progress: bool = True

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_base_url or self.openai_api_key.reveal())

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
