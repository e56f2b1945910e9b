"""The chat endpoint: OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio).

`ChatModel` builds the openai client on first use (the key is read then, and only then), streams
every reply (`complete` collects one), records tokens, latency and cost, retries 429, 5xx, timeouts
and refused connections (RAG_LLM_MAX_RETRIES, with backoff), and translates the client's errors once,
redacted (rag/answer/chat_errors.py): a dead endpoint is an UnavailableError, which the LLM answerer turns
into the fallback's answer with a notice.

Every call is bounded (rag/answer/bounds.py). Counted from its start, retries included, text must begin
within RAG_LLM_FIRST_TOKEN_SECONDS and end within RAG_LLM_TOTAL_SECONDS; a reply is read up to
MAX_CHARS_PER_TOKEN characters per requested token. A reply stopped at either bound, or one the
server ends without a finish_reason, comes back with `cut_off` saying why:

    Completion("Goldman sees a 15% ...", cut_off="after 120 s (RAG_LLM_TOTAL_SECONDS)")

After RAG_LLM_BREAKER_FAILURES failed calls in a row (timeouts, refused connections, 5xx, replies
that are not JSON, deadlines) the model is not called for RAG_LLM_BREAKER_SECONDS: `stream` raises
UnavailableError("The model at ... is being skipped for 42 more seconds because it failed 3 times
in a row (last: cannot connect).") at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import openai

from rag.answer.bounds import Breaker, Deadline, Reply, retry_delay
from rag.answer.chat_errors import CLIENT_ERRORS, cause, no_text, retry_headers, retryable, translate, unavailable
from rag.answer.prompts import Message
from rag.errors import ConfigError, UnavailableError
from rag.records import Usage
from rag.redact import Redactor
from rag.settings import OPENAI_API_URL, Settings
from rag.text.tokens import count_tokens

# Chat formats wrap each message in a few tokens, and prime the reply with a few more (OpenAI's cookbook).
MESSAGE_OVERHEAD_TOKENS = 4
REPLY_OVERHEAD_TOKENS = 3
# A token is about 4 characters of English; 16 leaves room for long ones (URLs, tables, runs of spaces)
# and still stops a 442 KB reply to a 600-token request at 9,600 characters, before it is read whole.
MAX_CHARS_PER_TOKEN = 16


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False  # the reply hit max_tokens
    cut_off: str = ""  # why we have only part of the reply: "after 120 s (RAG_LLM_TOTAL_SECONDS)"


class ChatModel:
    """One OpenAI-compatible chat endpoint, configured from settings."""

    def __init__(self, settings: Settings) -> None:
        check_settings(settings)
        self.settings = settings
        self.name = f"openai:{settings.llm_model}"
        self.breaker = Breaker(failures=settings.llm_breaker_failures, cool_down=settings.llm_breaker_seconds)
        self._redact = Redactor.of(settings)
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.settings.llm_endpoint

    def complete(self, messages: list[Message], *, max_tokens: int) -> Completion:
        *_, completion = self.stream(messages, max_tokens=max_tokens)
        assert isinstance(completion, Completion)
        return completion

    def stream(self, messages: list[Message], *, max_tokens: int) -> Iterator[str | Completion]:
        """Text deltas as the endpoint sends them, then the whole Completion."""
        wait = self.breaker.wait()
        if wait > 0:
            raise UnavailableError(self._skipping(wait), reason="skipped")
        failure: str | None = None
        try:
            completion, failure = yield from self._call(messages, max_tokens)
            yield completion
        except UnavailableError as exc:
            failure = exc.reason
            raise
        finally:  # also when the reader stops early, which it can only do after text arrived: a success
            self.breaker.record(failure)

    def _call(self, messages: list[Message], max_tokens: int) -> Generator[str, None, tuple[Completion, str | None]]:
        """Tries until one streams, within the deadline; returns the Completion and why it counts as a failure."""
        s = self.settings
        deadline = Deadline(first_token=s.llm_first_token_seconds, total=s.llm_total_seconds)
        request = {**self._request(messages, max_tokens), "stream": True, "stream_options": {"include_usage": True}}
        started, tries = time.perf_counter(), 0
        while True:
            tries += 1
            reply = Reply(cap=max_tokens * MAX_CHARS_PER_TOKEN)
            try:
                yield from self._try(request, deadline, reply, tries)
            except CLIENT_ERRORS as exc:
                delay = retry_delay(tries - 1, retry_headers(exc))
                again = tries <= s.llm_max_retries and retryable(exc) and delay < deadline.first_token_left()
                if again and not reply.parts:  # once text is out, the reader has it: no retry can take it back
                    time.sleep(delay)
                    continue
                late = deadline.first_token_left() <= 0
                raise translate(exc, s, tries=tries, late=late, redact=self._redact) from cause(exc)
            # Cut short by the deadline, the model counts as failing; by the size cap, it does not (it is up, wordy).
            late = bool(reply.cut_off) and deadline.total_left() <= 0
            failure = f"no end within {s.llm_total_seconds:g} s, RAG_LLM_TOTAL_SECONDS" if late else None
            if not reply.cut_off and reply.finish is None:  # the stream ended without the server saying it was done
                if not reply.parts:
                    raise unavailable(self.endpoint, "it ended the reply before any text")
                reply.cut_off, failure = "where the server ended the reply without finishing it", "an unfinished reply"
            usage = self._usage(reply.usage, messages, reply.text, started)
            return Completion(reply.text, usage, truncated=reply.finish == "length", cut_off=reply.cut_off), failure

    def _try(self, request: dict[str, Any], deadline: Deadline, reply: Reply, tries: int) -> Iterator[str]:
        """One request: its text deltas, collected into `reply`, until it ends or a bound stops it."""
        s = self.settings
        # Every read waits at most what is left of the first-token deadline; the total is checked piece by piece,
        # so a server that goes silent mid-reply can overrun it by one such wait.
        wait = max(0.001, min(s.llm_timeout_seconds, deadline.first_token_left()))
        timeout = openai.Timeout(wait, connect=min(s.llm_connect_seconds, wait))
        with self._openai().chat.completions.create(**request, timeout=timeout) as chunks:  # closes it if we stop
            for chunk in chunks:
                text = reply.add(chunk)
                if text:
                    yield text
                if not reply.parts and deadline.first_token_left() <= 0:  # empty chunks do not keep a call alive
                    raise unavailable(self.endpoint, no_text(s, tries))
                if not reply.cut_off and deadline.total_left() <= 0:
                    reply.cut_off = f"after {s.llm_total_seconds:g} s (RAG_LLM_TOTAL_SECONDS)"
                if reply.cut_off:
                    return

    def _openai(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                s = self.settings
                self._client = openai.OpenAI(
                    # Local servers ignore the key but the client insists on one.
                    api_key=s.openai_api_key.reveal() or "no-key-needed",
                    base_url=s.openai_base_url or OPENAI_API_URL,  # never the client's own reading of the environment
                    max_retries=0,  # retried here, within the deadline
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

    def _skipping(self, wait: float) -> str:
        seconds, failed = math.ceil(wait), self.breaker.failed
        return (
            f"The model at {self.endpoint} is being skipped for {seconds} more second{'s' * (seconds != 1)} "
            f"because it failed {failed} time{'s' * (failed != 1)} in a row (last: {self.breaker.last_failure})."
        )


def check_settings(settings: Settings) -> None:
    """Refuse LLM settings that would make every call fail, naming the variable to fix."""
    s = settings
    limits = {  # variable: (value, it must be above this, what to tell)
        "RAG_LLM_TIMEOUT_SECONDS": (s.llm_timeout_seconds, 0.0, "a number of seconds above 0"),
        "RAG_LLM_CONNECT_SECONDS": (s.llm_connect_seconds, 0.0, "a number of seconds above 0"),
        "RAG_LLM_FIRST_TOKEN_SECONDS": (s.llm_first_token_seconds, 0.0, "a number of seconds above 0"),
        "RAG_LLM_MAX_RETRIES": (s.llm_max_retries, -1, "0 or more"),
        "RAG_LLM_BREAKER_FAILURES": (s.llm_breaker_failures, -1, "0 (never skip the model) or more"),
        "RAG_LLM_BREAKER_SECONDS": (s.llm_breaker_seconds, 0.0, "a number of seconds above 0"),
        "RAG_LLM_ANSWER_TOKENS": (s.llm_answer_tokens, 0, "a token count above 0"),
        "RAG_LLM_CONTEXT_TOKENS": (s.llm_context_tokens, s.llm_answer_tokens, "above RAG_LLM_ANSWER_TOKENS"),
    }
    for name, (value, floor, wanted) in limits.items():
        if not value > floor:
            raise ConfigError(f"{name}={value} must be {wanted}.")
    if s.llm_total_seconds < s.llm_first_token_seconds:
        raise ConfigError(
            f"RAG_LLM_TOTAL_SECONDS={s.llm_total_seconds:g} must be at least "
            f"RAG_LLM_FIRST_TOKEN_SECONDS={s.llm_first_token_seconds:g}: the reply cannot end before it begins."
        )
    if not 0.0 <= s.llm_min_evidence < 1.0:
        raise ConfigError(
            f"RAG_LLM_MIN_EVIDENCE={s.llm_min_evidence} must be from 0 (always ask the model) to below 1."
        )
    if not s.llm_model:
        raise ConfigError("RAG_LLM_MODEL is empty; name the chat model, e.g. gpt-4o-mini or llama3.1:8b.")


def count_messages(messages: list[Message]) -> int:
    return sum(count_tokens(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages) + REPLY_OVERHEAD_TOKENS
