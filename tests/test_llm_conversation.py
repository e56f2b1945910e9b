"""Follow-up questions are made standalone before retrieval: by the model, or by keywords offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rag import Assistant, InputError
from rag.answer.followups import KeywordRewriter, check_history, looks_elliptical
from tests.conftest import RememberingEmbedder
from tests.openai_server import OpenAIServer

FIRST = "What does Goldman Sachs expect from the Russell 2000?"
HISTORY = [(FIRST, "As of 2024-01-10, Goldman Sachs expected a 15% return over 12 months [1].")]
STANDALONE = "What does Goldman Sachs expect from the Russell 2000 in July 2024?"


def test_the_model_rewrites_a_follow_up_from_the_history(
    openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]
) -> None:
    openai_server.reply(f'Standalone question: "{STANDALONE}"', prompt_tokens=80, completion_tokens=15)
    openai_server.reply("Goldman Sachs expects a 15% return [1].", prompt_tokens=900, completion_tokens=12)

    answer = make_llm_assistant().ask("and what about in July?", history=HISTORY)

    rewrite, answering = openai_server.requests
    assert FIRST in rewrite.prompt and HISTORY[0][1] in rewrite.prompt
    assert "Follow-up question: and what about in July?" in rewrite.prompt
    assert f"Question: {STANDALONE}" in answering.prompt
    assert answer.question == "and what about in July?" and answer.rewritten_question == STANDALONE
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (980, 27)  # both calls


def test_a_rewrite_the_model_cannot_make_falls_back_to_keywords(
    openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]
) -> None:
    openai_server.fail(500)
    openai_server.reply("Goldman Sachs expects a 15% return [1].")
    answer = make_llm_assistant(llm_max_retries=0).ask("and what about in July?", history=HISTORY)
    assert answer.rewritten_question == "Goldman Sachs Russell 2000 and what about in July?"
    assert "rewritten by keywords" in answer.notice and answer.backend == "openai:gpt-4o-mini"


def test_without_history_no_rewrite_call_is_made(
    openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]
) -> None:
    openai_server.reply("Goldman Sachs expects a 15% return [1].")
    answer = make_llm_assistant().ask(FIRST, history=[])
    assert len(openai_server.requests) == 1 and answer.rewritten_question == ""


def test_the_extractive_assistant_rewrites_by_keywords(
    local_embedder: RememberingEmbedder, built_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assistant = Assistant(data_dir=built_index, show_progress=False, embedder=local_embedder)
    follow_up = assistant.ask("And over six months?", history=HISTORY)
    assert assistant.backend == "extractive"
    assert follow_up.rewritten_question == "Goldman Sachs Russell 2000 And over six months?"
    assert "9%" in follow_up.text  # Goldman's six-month figure, found only thanks to the carried words


@pytest.mark.parametrize(
    ("question", "rewritten"),
    [
        ("and what about in July?", "Goldman Sachs Russell 2000 and what about in July?"),
        ("What about the S&P 500?", "Goldman Sachs Russell 2000 What about the S&P 500?"),
        ("Did they change it later?", "Goldman Sachs Russell 2000 Did they change it later?"),
        ("Where did the NFIB index of small-business optimism head in December?",
         "Where did the NFIB index of small-business optimism head in December?"),  # stands alone: kept
        ("What did Goldman say about the Russell 2000 valuations?",
         "What did Goldman say about the Russell 2000 valuations?"),
    ],
)  # fmt: skip
def test_keyword_rewrite_carries_the_previous_question_into_elliptical_ones(question: str, rewritten: str) -> None:
    assert KeywordRewriter().rewrite(question, HISTORY).question == rewritten
    assert KeywordRewriter().rewrite(question, []).question == question


def test_what_looks_elliptical() -> None:
    assert looks_elliptical("and in 2025?") and looks_elliptical("Why did it fall?") and looks_elliptical("July?")
    assert looks_elliptical("What about them?") and looks_elliptical("in late 2025?")
    assert not looks_elliptical("Why did the Russell 2000 fall in January 2024?")


@pytest.mark.parametrize("question", ["What did Citi analysts say?", "Tesla?", "Who is Jill Carey Hall?"])
def test_a_short_question_with_its_own_subject_is_not_a_follow_up(question: str) -> None:
    assert not looks_elliptical(question)
    assert KeywordRewriter().rewrite(question, HISTORY).question == question


@pytest.mark.parametrize("history", ["What?", [("only one",)], [("q", 3)], [{"role": "user", "content": "hi"}]])
def test_a_malformed_history_is_an_input_error_that_shows_the_format(history: object) -> None:
    with pytest.raises(InputError, match=r"\(user question, assistant answer\) pairs"):
        check_history(history)


def test_an_unfinished_turn_counts_as_an_empty_answer() -> None:
    assert check_history([("q", None), ["q2", "a2"]]) == [("q", ""), ("q2", "a2")]


def test_keyword_rewrite_carries_a_slashed_abbreviation_whole() -> None:
    history = [("What's the P/E on iShares Russell 2000 ETF shares?", "27.23 times [1].")]
    rewritten = KeywordRewriter().rewrite("What about the growth ETF?", history).question
    assert rewritten.startswith("P/E iShares Russell 2000")
