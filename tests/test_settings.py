from __future__ import annotations

from pathlib import Path

import pytest

from rag import ConfigError, Settings


def test_environment_is_read_and_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "128")
    monkeypatch.setenv("RAG_DATA_DIR", "~/idx")
    monkeypatch.setenv("RAG_SHOW_PROGRESS", "false")
    s = Settings.from_env()
    assert s.chunk_tokens == 128 and s.data_dir == Path("~/idx").expanduser() and s.show_progress is False


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "five")
    with pytest.raises(ConfigError, match="RAG_TOP_K='five'"):
        Settings.from_env()


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(ConfigError, match="Unknown setting"):
        Settings.from_env(chunk_size=10)


def test_the_key_is_read_lazily_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = Settings.from_env()
    assert not s.llm_configured
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    assert s.llm_configured  # read when used, not when the settings were made
    assert "sk-secret-value" not in repr(s)
    assert "sk-secret-value" not in repr(Settings.from_env(openai_api_key="sk-secret-value"))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RAG_CHUNK_TOKENS", "0", "at least 1"),
        ("RAG_TOP_K", "-2", "at least 1"),
        ("RAG_EMBEDDING", "bert", "not 'local'"),
    ],
)
def test_impossible_values_fail_at_once_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message) as info:
        Settings.from_env()
    assert variable in str(info.value)
