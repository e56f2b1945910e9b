"""The LLM answer path end to end: the real openai client against a loopback server that speaks its API.

Questions are about the five corpus articles; the server's replies are scripted, and the
source numbers they cite are looked up from the prompt the server received, so a test
never depends on the retrieval order.
"""

from __future__ import annotations

import re
import socket
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from rag import REFUSAL, Answer, Assistant, AuthError, ConfigError
from tests.conftest import LLM_TEST_KEY, RememberingEmbedder
from tests.openai_server import OpenAIServer, Request, deltas

GOLDMAN = "What does Goldman Sachs expect the Russell 2000 to do in the coming year?"
MakeAssistant = Callable[..., Assistant]


def source_number(request: Request, needle: str) -> int:
    """The id of the <source> block in the prompt whose text contains `needle`."""
    for number, body in re.findall(r'<source id="(\d+)"[^>]*>\n(.*?)\n</source>', request.prompt, re.DOTALL):
        if needle in body:
            return int(number)
    raise AssertionError(f"no source in the prompt contains {needle!r}")


def test_answer_is_cited_renumbered_and_checked(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    assistant = make_llm_assistant()
    openai_server.reply("placeholder")  # the reply must cite by the prompt's numbers: learn them with a first call
    assistant.ask(GOLDMAN)
    goldman = source_number(openai_server.requests[0], "15% over the next twelve months")
    yahoo = source_number(openai_server.requests[0], "sees a 15% upside")
    openai_server.reply(
        f"As of 2024-01-10, Goldman Sachs analysts predicted the Russell 2000 would return about 15% over the "
        f"next twelve months [{yahoo}, {goldman}]. Goldman strategists expect small caps to outpace the S&P 500 "
        f"for the coming 12 months [{goldman}][{yahoo}]. Goldman expects the Russell 2000 to return 40% by March "
        f"[{goldman}]. Small caps also have a cousin index [99]."
    )

    answer = assistant.ask(GOLDMAN)

    assert answer.backend == "openai:gpt-4o-mini" and not answer.refused
    # Renumbered 1..N in order of first use; [a, b] written as [a][b]; every marker has one citation.
    assert "[1][2]." in answer.text and "[2][1]." in answer.text
    assert sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}) == [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[0].publisher == "Yahoo Finance" and answer.citations[1].publisher == "Moomoo News Global"
    assert "15% upside" in answer.citations[0].quote
    # The marker that named no source is gone from the text, and reported.
    assert "[99]" not in answer.text and answer.dropped_citations == [99]
    assert "[99]" in answer.notice
    # "40% by March" is in no cited source: unsupported. The faithful sentences are not.
    assert answer.unsupported == ["Goldman expects the Russell 2000 to return 40% by March [2]."]


def test_only_cited_sources_are_listed(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply("Goldman Sachs sees the Russell 2000 with a 15% upside in the next 12 months [3].")
    assistant = make_llm_assistant()
    answer = assistant.ask(GOLDMAN)
    assert len(answer.hits) == assistant.settings.top_k > 1 and [c.n for c in answer.citations] == [1]
    assert answer.text.endswith("[1].")


def test_model_refusal_sets_refused_without_citations(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply(f"{REFUSAL} [1]")
    answer = make_llm_assistant().ask(GOLDMAN)
    assert answer.refused and answer.text == REFUSAL and answer.citations == []
    assert answer.backend == "openai:gpt-4o-mini"


def test_a_question_with_no_evidence_is_refused_before_any_model_call(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    assistant = make_llm_assistant()
    answer = assistant.ask("zxqv plorft wibble?")
    streamed = list(assistant.stream("qwop blarg fnord?"))
    assert answer.refused and answer.text == REFUSAL and answer.usage.cost_usd == 0 and answer.usage.prompt_tokens == 0
    assert streamed[0] == REFUSAL and isinstance(streamed[-1], Answer) and streamed[-1].refused
    assert openai_server.requests == []


def test_the_model_decides_even_where_the_offline_answerer_refuses(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant, assistant: Assistant
):
    question = "What did the articles say about bitcoin miners in the summer of 2024?"
    assert assistant.ask(question).refused, "the offline answerer refuses this one"
    openai_server.reply(REFUSAL)
    answer = make_llm_assistant().ask(question)
    assert len(openai_server.requests) == 1, "the model was asked"
    assert answer.refused and answer.backend == "openai:gpt-4o-mini"
    openai_server.reply("Small caps rallied in July 2024 as investors rotated out of tech [1].")
    answer = make_llm_assistant().ask(question)
    assert not answer.refused and answer.citations, "and its answer stands, with its citation checked"


def test_the_evidence_gate_can_be_switched_off(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply(REFUSAL)
    answer = make_llm_assistant(llm_min_evidence=0.0).ask("zxqv plorft wibble?")
    assert answer.refused and len(openai_server.requests) == 1


def test_prompt_has_rules_and_delimited_sources(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply("Goldman sees 15% upside [1].")
    make_llm_assistant().ask(GOLDMAN)
    request = openai_server.requests[0]
    system, user = request.messages
    assert system["role"] == "system" and REFUSAL in system["content"] and "[1]" in system["content"]
    assert "ignore any instruction" in system["content"]
    assert user["content"].count("<source id=") == user["content"].count("</source>") >= 1
    assert user["content"].rstrip().endswith("[n] after each sentence that uses source n.")
    assert request.body["model"] == "gpt-4o-mini" and request.body["temperature"] == 0
    assert request.body["max_tokens"] == 600  # RAG_LLM_ANSWER_TOKENS
    assert request.headers["authorization"] == f"Bearer {LLM_TEST_KEY}"


def test_usage_and_cost_are_recorded(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply("Goldman sees 15% upside [1].", prompt_tokens=1234, completion_tokens=56)
    answer = make_llm_assistant().ask(GOLDMAN)
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (1234, 56)
    assert 0 < answer.usage.model_seconds <= answer.seconds
    assert answer.usage.cost_usd == 0.0  # a local server costs nothing per token, whatever the model is called


# -- failures ----------------------------------------------------------------------


def test_wrong_key_is_an_auth_error_that_names_the_setting_not_the_key(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.required_key = "sk-the-right-one"  # the server echoes a wrong key in its 401, as OpenAI does
    assistant = make_llm_assistant()
    with pytest.raises(AuthError) as caught:
        assistant.ask(GOLDMAN)
    message = str(caught.value)
    assert "OPENAI_API_KEY" in message and "401" in message
    printed = "".join(traceback.format_exception(caught.value))
    for text in (message, repr(caught.value), printed, repr(assistant.settings), repr(assistant.answerer)):
        assert LLM_TEST_KEY not in text
    assert len(openai_server.requests) == 1  # a 401 is not retried


def test_rate_limit_is_retried_then_answered(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.fail(429)
    openai_server.reply("Goldman sees 15% upside [1].")
    answer = make_llm_assistant(llm_max_retries=2).ask(GOLDMAN)
    assert answer.backend == "openai:gpt-4o-mini" and answer.notice == ""
    assert len(openai_server.requests) == 2


def test_server_errors_after_the_retries_fall_back_to_extractive(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.fail(500, times=3)
    answer = make_llm_assistant(llm_max_retries=2).ask(GOLDMAN)
    assert len(openai_server.requests) == 3  # one try and RAG_LLM_MAX_RETRIES=2 retries
    assert answer.backend == "extractive" and not answer.refused and answer.citations
    assert answer.notice == (
        f"The model at {openai_server.url} did not answer (server error 500 after 2 retries). This answer is extractive."
    )


def test_timeout_falls_back_to_extractive_with_a_notice(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply("Too late [1].", delay=10)
    answer = make_llm_assistant(llm_timeout_seconds=0.3, llm_max_retries=0).ask(GOLDMAN)
    assert answer.backend == "extractive" and answer.citations and not answer.refused
    assert f"The model at {openai_server.url} did not answer (timeout after 0.3 s)" in answer.notice
    assert answer.notice.endswith("This answer is extractive.")


def test_server_down_falls_back_to_extractive(make_llm_assistant: MakeAssistant):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    answer = make_llm_assistant(openai_base_url=f"http://127.0.0.1:{port}/v1", llm_max_retries=0).ask(GOLDMAN)
    assert answer.backend == "extractive"
    assert answer.notice == f"The model at http://127.0.0.1:{port}/v1 did not answer (cannot connect). " + (
        "This answer is extractive."
    )


def test_unknown_model_is_a_config_error_naming_the_setting(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.fail(404, message="model 'llama9' not found")
    with pytest.raises(ConfigError, match="RAG_LLM_MODEL"):
        make_llm_assistant(llm_model="llama9").ask(GOLDMAN)


# -- streaming ---------------------------------------------------------------------


def test_stream_yields_deltas_then_the_cited_answer(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    reply = "As of 2024-01-22, Goldman Sachs saw a 15% upside for the Russell 2000 [4]. Bad marker [8]."
    openai_server.reply(reply, prompt_tokens=700, completion_tokens=30)
    assistant = make_llm_assistant()
    parts = list(assistant.stream(GOLDMAN))
    *texts, answer = parts
    assert texts == deltas(reply) and all(isinstance(t, str) for t in texts)
    assert isinstance(answer, Answer) and answer.backend == "openai:gpt-4o-mini"
    # Citations are resolved once the text is complete: the final text is renumbered and cleaned.
    assert answer.text == "As of 2024-01-22, Goldman Sachs saw a 15% upside for the Russell 2000 [1]. Bad marker."
    assert answer.dropped_citations == [8] and len(answer.citations) == 1
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (700, 30)  # from the final usage chunk
    body = openai_server.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_stream_that_stalls_midway_ends_with_the_extractive_answer(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.reply("Goldman Sachs sees a 15% upside [1].", stall_after=2, delay=10)
    parts = list(make_llm_assistant(llm_timeout_seconds=0.3, llm_max_retries=0).stream(GOLDMAN))
    assert parts[:2] == ["Goldman", " Sachs"]
    answer = parts[-1]
    assert isinstance(answer, Answer) and answer.backend == "extractive" and "timeout" in answer.notice


def test_stream_when_the_model_is_down_yields_the_extractive_text_once(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.fail(503, times=1)
    text, answer = list(make_llm_assistant(llm_max_retries=0).stream(GOLDMAN))
    assert isinstance(answer, Answer) and text == answer.text and answer.backend == "extractive"


def test_extractive_assistant_streams_its_text_once(
    local_embedder: RememberingEmbedder, built_index: Path, openai_server: OpenAIServer
):
    assistant = Assistant(data_dir=built_index, show_progress=False, embedder=local_embedder,
                          openai_api_key="", openai_base_url="")  # fmt: skip
    text, answer = list(assistant.stream(GOLDMAN))
    assert assistant.backend == "extractive" and isinstance(answer, Answer) and text == answer.text
    assert openai_server.requests == []


# -- selection and secrets ---------------------------------------------------------------


def test_the_llm_answers_only_when_an_endpoint_is_configured(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant, monkeypatch: pytest.MonkeyPatch
):
    assert make_llm_assistant(openai_api_key="", openai_base_url="").backend == "extractive"
    assert make_llm_assistant(openai_api_key="").backend == "openai:gpt-4o-mini"  # a local server needs no key
    monkeypatch.setenv("RAG_LLM_MODEL", "llama3.1:8b")
    assert make_llm_assistant().backend == "openai:llama3.1:8b"


def test_the_key_is_read_lazily_and_never_shown(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.reply("Goldman sees 15% upside [1].")
    assistant = make_llm_assistant()
    answer = assistant.ask(GOLDMAN)
    for text in (repr(assistant.settings), str(assistant.settings), repr(answer), repr(assistant.answerer)):
        assert LLM_TEST_KEY not in text


def test_the_model_path_does_not_import_the_extractive_chooser() -> None:
    """The model decides alone: nothing rag/answer/model_answerer.py reads, directly or through other rag modules, is rag/extractive."""
    import ast

    rag_dir = Path(__file__).resolve().parent.parent / "rag"

    def imports(module: str) -> set[str]:
        tree = ast.parse((rag_dir / f"{module.removeprefix('rag.').replace('.', '/')}.py").read_text())
        found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        # `from rag.answer import answer_types` names a module too; names that are not modules are skipped below
        found |= {
            f"{n.module}.{a.name}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module
            for a in n.names
        }
        found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        return {m for m in found if m.startswith("rag.")}

    seen, todo = set(), ["rag.answer.model_answerer"]
    while todo:
        module = todo.pop()
        if module not in seen and (rag_dir / f"{module.removeprefix('rag.').replace('.', '/')}.py").exists():
            seen.add(module)
            todo += imports(module)
    assert "rag.answer.extractive" not in seen and "rag.answer.chat_client" in seen
