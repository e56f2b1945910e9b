"""LLM settings: model, window, prices, prompts folder; the endpoint as shown in messages; no key anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import ConfigError, Price, Settings
from rag.answer.chat_client import ChatModel
from rag.settings import (
    DEFAULT_LLM_ANSWER_TOKENS,
    DEFAULT_LLM_BREAKER_FAILURES,
    DEFAULT_LLM_BREAKER_SECONDS,
    DEFAULT_LLM_CONNECT_SECONDS,
    DEFAULT_LLM_CONTEXT_TOKENS,
    DEFAULT_LLM_FIRST_TOKEN_SECONDS,
    DEFAULT_LLM_MODEL,
    DEFAULT_LLM_TOTAL_SECONDS,
)

KEY = "sk-live-abcdef0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RAG_LLM_MODEL", "RAG_LLM_PRICES", "RAG_PROMPTS_DIR",
                 "RAG_LLM_CONNECT_SECONDS", "RAG_LLM_FIRST_TOKEN_SECONDS", "RAG_LLM_TOTAL_SECONDS",
                 "RAG_LLM_BREAKER_FAILURES", "RAG_LLM_BREAKER_SECONDS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def test_llm_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings.from_env()
    assert (defaults.llm_model, defaults.llm_context_tokens, defaults.llm_answer_tokens) == (
        DEFAULT_LLM_MODEL, DEFAULT_LLM_CONTEXT_TOKENS, DEFAULT_LLM_ANSWER_TOKENS)  # fmt: skip
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("RAG_LLM_MODEL", "llama3.1:8b")
    monkeypatch.setenv("RAG_LLM_CONTEXT_TOKENS", "4096")
    monkeypatch.setenv("RAG_LLM_ANSWER_TOKENS", "300")
    monkeypatch.setenv("RAG_PROMPTS_DIR", "/srv/prompts")
    s = Settings.from_env()
    assert s.llm_configured and s.llm_model == "llama3.1:8b"
    assert (s.llm_context_tokens, s.llm_answer_tokens, s.prompts_dir) == (4096, 300, Path("/srv/prompts"))


def test_openai_models_are_priced_and_local_ones_are_free() -> None:
    openai = Settings.from_env(openai_api_key=KEY)
    assert openai.llm_price() == Price(0.15, 0.60) == openai.llm_price("gpt-4o-mini-2024-07-18")
    assert openai.llm_price("gpt-4o-2024-08-06") == Price(2.50, 10.00)
    assert openai.llm_price("some-new-model") == Price(0.0, 0.0)
    assert Price(0.15, 0.60).cost(1_000_000, 100_000) == pytest.approx(0.21)
    local = Settings.from_env(openai_base_url="http://127.0.0.1:8000/v1", llm_model="gpt-4o-mini")
    assert local.llm_price() == Price(0.0, 0.0)


def test_prices_can_be_added_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_LLM_PRICES", "my-model=0.2/0.8, gpt-4o-mini=1/2")
    s = Settings.from_env(openai_api_key=KEY)
    assert s.llm_price("my-model") == Price(0.2, 0.8) and s.llm_price() == Price(1.0, 2.0)
    assert s.llm_price("gpt-4o") == Price(2.50, 10.00)  # the defaults stay
    monkeypatch.setenv("RAG_LLM_PRICES", "my-model=cheap")
    with pytest.raises(ConfigError, match=r"RAG_LLM_PRICES entry 'my-model=cheap'.*gpt-4o-mini=0.15/0.60"):
        Settings.from_env()


def test_the_endpoint_is_shown_without_credentials() -> None:
    assert Settings.from_env().llm_endpoint == "https://api.openai.com/v1"
    s = Settings.from_env(openai_base_url="https://user:hunter2@llm.internal:8443/v1/")
    assert s.llm_endpoint == "https://llm.internal:8443/v1"
    assert "hunter2" not in repr(s) and "hunter2" not in str(s)


def test_the_bounds_on_model_calls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings.from_env()
    assert (defaults.llm_connect_seconds, defaults.llm_first_token_seconds, defaults.llm_total_seconds) == (
        DEFAULT_LLM_CONNECT_SECONDS, DEFAULT_LLM_FIRST_TOKEN_SECONDS, DEFAULT_LLM_TOTAL_SECONDS)  # fmt: skip
    assert (defaults.llm_breaker_failures, defaults.llm_breaker_seconds) == (
        DEFAULT_LLM_BREAKER_FAILURES, DEFAULT_LLM_BREAKER_SECONDS)  # fmt: skip
    for name, value in [("CONNECT_SECONDS", "2"), ("FIRST_TOKEN_SECONDS", "10"), ("TOTAL_SECONDS", "45.5"),
                        ("BREAKER_FAILURES", "5"), ("BREAKER_SECONDS", "90")]:  # fmt: skip
        monkeypatch.setenv(f"RAG_LLM_{name}", value)
    s = Settings.from_env()
    assert (s.llm_connect_seconds, s.llm_first_token_seconds, s.llm_total_seconds) == (2.0, 10.0, 45.5)
    assert (s.llm_breaker_failures, s.llm_breaker_seconds) == (5, 90.0)
    ChatModel(Settings.from_env(openai_base_url="http://127.0.0.1:9/v1"))  # and they pass the check


def test_the_key_is_in_no_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    for s in (Settings.from_env(), Settings.from_env(openai_api_key=KEY)):
        assert s.openai_api_key.reveal() == KEY
        assert KEY not in repr(s) and KEY not in str(s)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("llm_timeout_seconds", 0, "RAG_LLM_TIMEOUT_SECONDS=0.0 must be"),
        ("llm_max_retries", -1, "RAG_LLM_MAX_RETRIES=-1 must be 0 or more"),
        ("llm_context_tokens", 500, "RAG_LLM_CONTEXT_TOKENS=500 must be above RAG_LLM_ANSWER_TOKENS"),
        ("llm_model", "", "RAG_LLM_MODEL is empty"),
        ("llm_connect_seconds", 0, "RAG_LLM_CONNECT_SECONDS=0.0 must be a number of seconds above 0"),
        ("llm_first_token_seconds", -1, "RAG_LLM_FIRST_TOKEN_SECONDS=-1.0 must be a number of seconds above 0"),
        ("llm_total_seconds", 10, "RAG_LLM_TOTAL_SECONDS=10 must be at least RAG_LLM_FIRST_TOKEN_SECONDS=30"),
        ("llm_breaker_failures", -1, "RAG_LLM_BREAKER_FAILURES=-1 must be 0 .never skip the model. or more"),
        ("llm_breaker_seconds", 0, "RAG_LLM_BREAKER_SECONDS=0.0 must be a number of seconds above 0"),
    ],
)
def test_llm_settings_that_cannot_work_are_refused_up_front(setting: str, value: object, message: str) -> None:
    settings = Settings.from_env(openai_base_url="http://127.0.0.1:9/v1", **{setting: value})
    with pytest.raises(ConfigError, match=message):
        ChatModel(settings)
