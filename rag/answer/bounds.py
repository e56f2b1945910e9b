"""Bounds on calls to the model: a deadline for each call, retries included, a cap on the reply's size,
and a circuit breaker across calls.

Deadline   one call (all its tries): the first piece of text by `first_token` seconds after the start,
           the last by `total`. Deadline(first_token=30, total=120) with a hung server: the first try
           waits 30 s, and no retry starts, because none could finish in time.
Reply      the text of a streamed reply as it arrives, up to `cap` characters: a 442 KB reply to a
           600-token request stops being read at the cap, and `cut_off` says where.
Breaker    after `failures` failed calls in a row, calls are refused for `cool_down` seconds, so every
           user gets the fallback at once instead of waiting for the same timeout. When the cool-down
           is over, one call goes through (the trial); its success closes the breaker, its failure
           opens it again for another cool-down. Calls made while the trial runs are refused.

    breaker = Breaker(failures=3, cool_down=60)
    breaker.wait()          # 0.0: call the model
    breaker.record("timeout")  x3
    breaker.wait()          # 59.9: skip it for that long
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rag.errors import MalformedChunk

# When the server does not say when to retry: 0.5 s, doubling to 8 s (the openai client's own schedule).
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 8.0
MAX_RETRY_AFTER_SECONDS = 60.0  # a server asking for longer is not waited for


class Deadline:
    """When one call to the model must have its first piece of text, and its last, counted from its start."""

    def __init__(self, *, first_token: float, total: float) -> None:
        self.first_token = first_token
        self.total = total
        self._start = time.monotonic()

    def first_token_left(self) -> float:
        return self.first_token - (time.monotonic() - self._start)

    def total_left(self) -> float:
        return self.total - (time.monotonic() - self._start)


def retry_delay(retry: int, headers: Mapping[str, str] | None = None) -> float:
    """Seconds to wait before retry number `retry` (0 = the first): what the server asked, else backoff.

    retry_delay(0, {"retry-after-ms": "250"}) -> 0.25; retry_delay(2) -> 1.5 to 2.0 (2 s less jitter)
    """
    headers = headers or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            asked = float(headers.get(name, "")) * scale
        except ValueError:
            continue  # an HTTP date, or junk: back off on our own schedule
        if 0 <= asked <= MAX_RETRY_AFTER_SECONDS:
            return asked
    backoff = min(FIRST_RETRY_SECONDS * 2.0**retry, MAX_RETRY_SECONDS)  # 2**retry would be Any to mypy (int ** int)
    return backoff * (1 - 0.25 * random.random())  # jitter, so that clients refused together do not return together


@dataclass
class Reply:
    """A streamed reply as it arrives, kept to `cap` characters."""

    cap: int
    parts: list[str] = field(default_factory=list)
    size: int = 0
    finish: str | None = None  # the finish_reason: "stop", "length"; None until the server says it is done
    usage: Any = None
    cut_off: str = ""  # why the rest was not read: "at 9,600 characters"

    def add(self, chunk: Any) -> str:
        """Take in one chunk of the openai client's stream; return its text, shortened if it would pass the cap."""
        try:
            choices = chunk.choices or []
            text = "".join(c.delta.content or "" for c in choices if c.delta)
            self.finish = next((c.finish_reason for c in choices if c.finish_reason), self.finish)
            self.usage = chunk.usage or self.usage
        except (AttributeError, TypeError) as exc:
            raise MalformedChunk(str(exc)) from exc
        if self.size + len(text) > self.cap:
            text, self.cut_off = text[: self.cap - self.size], f"at {self.cap:,} characters"
        if text:
            self.parts.append(text)
            self.size += len(text)
        return text

    @property
    def text(self) -> str:
        return "".join(self.parts)


class Breaker:
    """Counts failed calls in a row; after `failures` of them, `wait()` says how long to skip the model."""

    def __init__(self, *, failures: int, cool_down: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures  # 0: never skip
        self.cool_down = cool_down
        self.clock = clock  # seconds, only ever compared with itself
        self.failed = 0  # failed calls in a row
        self.last_failure = ""
        self._open_until: float | None = None
        self._lock = threading.Lock()  # the UI answers several users at once, through one model

    def wait(self) -> float:
        """0.0 when a call may go ahead (after the cool-down, as the one trial call); else the seconds left."""
        with self._lock:
            if self._open_until is None:
                return 0.0
            now = self.clock()
            if now < self._open_until:
                return self._open_until - now
            # The trial: others wait for its outcome, which record() settles one way or the other.
            self._open_until = now + self.cool_down
            return 0.0

    def record(self, failure: str | None) -> None:
        """The outcome of a call that went ahead: the reason it failed, or None when the model answered."""
        with self._lock:
            if failure is None:
                self.failed, self._open_until = 0, None
                return
            self.failed, self.last_failure = self.failed + 1, failure
            if self.failures and self.failed >= self.failures:
                self._open_until = self.clock() + self.cool_down
