"""Credentials out of everything we print or log: URL userinfo, Authorization values, the configured secrets.

OPENAI_BASE_URL may carry `user:password@`, which the HTTP client turns into `Authorization: Basic
base64(user:password)` and logs in every request line; a server may echo either back in an error.

    redact("POST http://alice:hunter22@llm:8080/v1/chat")     -> "POST http://***@llm:8080/v1/chat"
    redact("(b'authorization', b'Basic YWxpY2U6aHVudGVyMjI=')") -> "(b'authorization', b'Basic ***')"
    Redactor.of(settings)("Incorrect API key provided: sk-abc123")  -> "Incorrect API key provided: ***"

The patterns catch credentials of any endpoint; a Redactor made from settings also replaces the key,
the password and its base64 wherever they appear bare. `redact_logs(settings)` puts the same on
every log handler, so the openai client's and the HTTP library's own log lines are cleaned too.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from rag.settings import Secret, Settings

HIDDEN = "***"
# scheme://user:password@host -> scheme://***@host; the userinfo ends at the last "@" before the path.
USERINFO = re.compile(r"(?<=://)[^/\s?#'\"<>]*@")
# "Basic dXNlcjpwYXNz", "Bearer sk-abc123": a token with a digit or +/= in it, so "basic information" stays.
AUTHORIZATION = re.compile(r"(?i)\b(basic|bearer)(\s+)(?=[\w.~+/-]*[\d+/=])[\w.~+/-]{6,}=*")
MIN_SECRET_CHARS = 4  # a shorter "secret" would blank out ordinary words; the patterns still catch it in place


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with URL userinfo, Authorization values and each of `secrets` replaced by ***."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = USERINFO.sub(f"{HIDDEN}@", text)
    return AUTHORIZATION.sub(rf"\1\2{HIDDEN}", text)


class Redactor:
    """`redact` with the secrets of one configuration: the API key and the base URL's credentials.

    The key is read when a text is redacted, as everywhere else (Secret), and never kept.
    """

    def __init__(self, key: Secret | None = None, base_url: str = "") -> None:
        self._key = key
        self._base_url = base_url

    @classmethod
    def of(cls, settings: Settings) -> Redactor:
        return cls(settings.openai_api_key, settings.openai_base_url)

    def secrets(self) -> list[str]:
        found = [self._key.reveal() or ""] if self._key else []
        parts = urlsplit(self._base_url)
        if parts.password is not None:
            user, password = unquote(parts.username or ""), unquote(parts.password)
            basic = base64.b64encode(f"{user}:{password}".encode()).decode()
            found += [parts.password, password, f"{user}:{password}", basic]
        return found

    def __call__(self, text: str) -> str:
        return redact(text, self.secrets())

    def __repr__(self) -> str:
        return "Redactor(***)"


class RedactingFilter(logging.Filter):
    """Redacts each record's message, exception and stack text in place; never drops a record."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is the handler's to report, not ours
            return True
        clean = self._redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)  # what the handler would print
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def redact_logs(settings: Settings) -> RedactingFilter:
    """Put a RedactingFilter on every handler that exists now (call it after logging.basicConfig).

    A filter on a logger would miss the records of its children (one on "openai" never sees those of
    "openai._base_client"); one on the handlers sees every record written. Calling it again replaces it.
    """
    redacting = RedactingFilter(Redactor.of(settings))
    loggers = [
        logging.getLogger(),
        *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for handler in {h for logger in loggers for h in logger.handlers}:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redacting)
    return redacting
