"""The openai client's errors as ours, translated once, where rag/answer/chat_client.py catches them:

    401, 403          AuthError naming OPENAI_API_KEY (never the key itself)
    404               ConfigError naming RAG_LLM_MODEL and OPENAI_BASE_URL
    other 4xx         BackendError quoting the server's message
    429, 5xx          retried (RETRY_STATUSES), then UnavailableError
    timeout, down     UnavailableError, which the LLM answerer turns into the extractive answer with a
                      notice: "The model at http://localhost:11434/v1 did not answer (timeout after 30 s)."
    not JSON          UnavailableError: "... did not answer (its reply was not valid JSON)."

Every message passes through `redact`: a server may echo back the credentials it was sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import openai

from rag.errors import AuthError, BackendError, ConfigError, MalformedChunk, RagError, UnavailableError
from rag.settings import Settings

RETRY_STATUSES = frozenset({408, 409, 429})  # and every 5xx: what the openai client itself retries
# What a call to the model can raise: the client's errors, and the two ways a reply is not what it should be.
CLIENT_ERRORS = (openai.OpenAIError, json.JSONDecodeError, MalformedChunk)


def unavailable(endpoint: str, reason: str) -> UnavailableError:
    return UnavailableError(f"The model at {endpoint} did not answer ({reason}).", reason=reason)


def no_text(settings: Settings, tries: int) -> str:
    each = f", {tries} tries" if tries > 1 else ""
    return f"no text within {settings.llm_first_token_seconds:g} s, RAG_LLM_FIRST_TOKEN_SECONDS{each}"


def translate(exc: Exception, settings: Settings, *, tries: int, late: bool, redact: Callable[[str], str]) -> RagError:
    """Our error for `exc`, raised after `tries` tries; `late`: the first-token deadline has passed."""
    error = _error(exc, settings, tries=tries, late=late)
    error.args = (redact(str(error)),)
    return error


def _error(exc: Exception, settings: Settings, *, tries: int, late: bool) -> RagError:
    where, model = settings.llm_endpoint, settings.llm_model
    retries = f" after {tries - 1} retries" if tries > 1 else ""
    if isinstance(exc, json.JSONDecodeError):
        return unavailable(where, "its reply was not valid JSON")
    if isinstance(exc, (MalformedChunk, openai.APIResponseValidationError)):
        return unavailable(where, "its reply was not a chat completion")
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
        if late:
            return unavailable(where, no_text(settings, tries))
        each = f" each, {tries} tries" if tries > 1 else ""
        return unavailable(where, f"timeout after {settings.llm_timeout_seconds:g} s{each}")
    if isinstance(exc, openai.APIConnectionError):
        return unavailable(where, "cannot connect")
    if isinstance(exc, openai.RateLimitError):
        return unavailable(where, f"rate limited, 429{retries}")
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return unavailable(where, f"server error {exc.status_code}{retries}")
    if isinstance(exc, openai.APIStatusError):
        return BackendError(f"The model at {where} rejected the request ({exc.status_code}: {exc.message[:300]}).")
    return BackendError(f"The model at {where} failed ({exc.__class__.__name__}).")


def retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUSES or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)  # timeouts are connection errors too


def retry_headers(exc: Exception) -> Mapping[str, str] | None:
    """The response headers of a failed request, where the server may say when to retry."""
    return exc.response.headers if isinstance(exc, openai.APIStatusError) else None


def cause(exc: Exception) -> BaseException | None:
    # A 401's own message can echo the key ("Incorrect API key provided: sk-..."), so it is not chained
    # where a traceback would print it; every other failure keeps its cause for debugging.
    return None if isinstance(exc, openai.AuthenticationError) else exc
