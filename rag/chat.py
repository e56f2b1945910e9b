"""The chat endpoint: OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio).

`ChatModel` builds the openai client on first use (the key is read then, and only then),
records tokens, latency and cost, and translates the client's errors, once:

    401, 403        AuthError naming OPENAI_API_KEY (never the key itself)
    404             ConfigError naming RAG_LLM_MODEL and OPENAI_BASE_URL
    429, 5xx        retried by the openai client (RAG_LLM_MAX_RETRIES, exponential backoff), then
    timeout, down   UnavailableError, which the LLM answerer turns into the extractive answer with a
                    notice: "The model at http://localhost:11434/v1 did not answer (timeout after 30 s)."
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openai

from rag.errors import AuthError, BackendError, ConfigError, RagError, UnavailableError
from rag.prompts import Message
from rag.records import Usage
from rag.settings import OPENAI_API_URL, Settings
from rag.tokens import count_tokens

# Chat formats wrap each message in a few tokens, and prime the reply with a few more (OpenAI's cookbook).
MESSAGE_OVERHEAD_TOKENS = 4
REPLY_OVERHEAD_TOKENS = 3


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False  # the reply hit max_tokens


class ChatModel:
    """One OpenAI-compatible chat endpoint, configured from settings."""

    def __init__(self, settings: Settings) -> None:
        check_settings(settings)
        self.settings = settings
        self.name = f"openai:{settings.llm_model}"
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.settings.llm_endpoint

    def complete(self, messages: list[Message], *, max_tokens: int) -> Completion:
        started = time.perf_counter()
        try:
            response = self._openai().chat.completions.create(**self._request(messages, max_tokens))
        except openai.OpenAIError as exc:
            raise self._translate(exc) from _cause(exc)
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "") if choice else ""
        usage = self._usage(response.usage, messages, text, started)
        return Completion(text, usage, truncated=bool(choice and choice.finish_reason == "length"))

    def stream(self, messages: list[Message], *, max_tokens: int) -> Iterator[str | Completion]:
        """Text deltas as the endpoint sends them, then the whole Completion."""
        started = time.perf_counter()
        parts: list[str] = []
        reported, finish = None, None
        request = {**self._request(messages, max_tokens), "stream": True, "stream_options": {"include_usage": True}}
        try:
            with self._openai().chat.completions.create(**request) as chunks:  # closes the response if we stop early
                for chunk in chunks:
                    reported = chunk.usage or reported
                    for choice in chunk.choices:
                        finish = choice.finish_reason or finish
                        if choice.delta.content:
                            parts.append(choice.delta.content)
                            yield choice.delta.content
        except openai.OpenAIError as exc:
            raise self._translate(exc) from _cause(exc)
        text = "".join(parts)
        yield Completion(text, self._usage(reported, messages, text, started), truncated=finish == "length")

    def _openai(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                s = self.settings
                self._client = openai.OpenAI(
                    # Local servers ignore the key but the client insists on one.
                    api_key=s.openai_api_key.reveal() or "no-key-needed",
                    base_url=s.openai_base_url or OPENAI_API_URL,  # never the client's own reading of the environment
                    timeout=s.llm_timeout_seconds,
                    max_retries=s.llm_max_retries,
                )
            return self._client

    def _request(self, messages: list[Message], max_tokens: int) -> dict[str, Any]:
        # OpenAI's newer models reject max_tokens; many local servers know only max_tokens.
        limit = "max_completion_tokens" if self.settings.llm_is_openai else "max_tokens"
        return {"model": self.settings.llm_model, "messages": messages, "temperature": 0, limit: max_tokens}

    def _usage(self, reported: Any, messages: list[Message], text: str, started: float) -> Usage:
        """Tokens as the endpoint reports them (estimated with cl100k when it does not), priced per settings."""
        if reported is not None:
            prompt, completion = reported.prompt_tokens or 0, reported.completion_tokens or 0
        else:
            prompt, completion = count_messages(messages), count_tokens(text)
        cost = self.settings.llm_price().cost(prompt, completion)
        return Usage(prompt, completion, time.perf_counter() - started, cost)

    def _translate(self, exc: openai.OpenAIError) -> RagError:
        where, model, tries = self.endpoint, self.settings.llm_model, self.settings.llm_max_retries + 1
        retries = f" after {tries - 1} retries" if tries > 1 else ""
        if isinstance(exc, openai.AuthenticationError):
            return AuthError(
                f"The model endpoint {where} refused the API key (401). Set OPENAI_API_KEY to a valid key "
                "for this endpoint, or unset OPENAI_API_KEY and OPENAI_BASE_URL to answer offline."
            )
        if isinstance(exc, openai.PermissionDeniedError):
            return AuthError(
                f"The model endpoint {where} does not let this key use {model} (403). Check the project "
                "and model permissions of OPENAI_API_KEY, or set RAG_LLM_MODEL to a model it may use."
            )
        if isinstance(exc, openai.NotFoundError):
            return ConfigError(
                f"The endpoint {where} has no model {model!r} (404). Set RAG_LLM_MODEL to a model it serves "
                f"(for Ollama: `ollama pull {model}`), and check OPENAI_BASE_URL (it usually ends in /v1)."
            )
        if isinstance(exc, openai.APITimeoutError):
            each = f" each, {tries} tries" if tries > 1 else ""
            return UnavailableError(
                f"The model at {where} did not answer (timeout after {self.settings.llm_timeout_seconds:g} s{each})."
            )
        if isinstance(exc, openai.APIConnectionError):
            return UnavailableError(f"The model at {where} did not answer (cannot connect).")
        if isinstance(exc, openai.RateLimitError):
            return UnavailableError(f"The model at {where} did not answer (rate limited, 429{retries}).")
        if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            return UnavailableError(f"The model at {where} did not answer (server error {exc.status_code}{retries}).")
        if isinstance(exc, openai.APIStatusError):
            detail = self._redact(str(exc.message))[:300]
            return BackendError(f"The model at {where} rejected the request ({exc.status_code}: {detail}).")
        return BackendError(f"The model at {where} failed ({exc.__class__.__name__}).")

    def _redact(self, text: str) -> str:
        key = self.settings.openai_api_key.reveal()
        return text.replace(key, "***") if key else text


def check_settings(settings: Settings) -> None:
    """Refuse LLM settings that would make every call fail, naming the variable to fix."""
    s = settings
    limits = {  # variable: (value, it must be above this, what to tell)
        "RAG_LLM_TIMEOUT_SECONDS": (s.llm_timeout_seconds, 0.0, "a number of seconds above 0"),
        "RAG_LLM_MAX_RETRIES": (s.llm_max_retries, -1, "0 or more"),
        "RAG_LLM_ANSWER_TOKENS": (s.llm_answer_tokens, 0, "a token count above 0"),
        "RAG_LLM_CONTEXT_TOKENS": (s.llm_context_tokens, s.llm_answer_tokens, "above RAG_LLM_ANSWER_TOKENS"),
    }
    for name, (value, floor, wanted) in limits.items():
        if not value > floor:
            raise ConfigError(f"{name}={value} must be {wanted}.")
    if not 0.0 <= s.llm_min_evidence < 1.0:
        raise ConfigError(
            f"RAG_LLM_MIN_EVIDENCE={s.llm_min_evidence} must be from 0 (always ask the model) to below 1."
        )
    if not s.llm_model:
        raise ConfigError("RAG_LLM_MODEL is empty; name the chat model, e.g. gpt-4o-mini or llama3.1:8b.")


def _cause(exc: openai.OpenAIError) -> BaseException | None:
    # A 401's own message can echo the key ("Incorrect API key provided: sk-..."), so it is not chained
    # where a traceback would print it; every other failure keeps its cause for debugging.
    return None if isinstance(exc, openai.AuthenticationError) else exc


def count_messages(messages: list[Message]) -> int:
    return sum(count_tokens(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages) + REPLY_OVERHEAD_TOKENS


def total_usage(*usages: Usage) -> Usage:
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        model_seconds=sum(u.model_seconds for u in usages),
        cost_usd=sum(u.cost_usd for u in usages),
    )
