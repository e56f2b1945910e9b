"""The LLM path against a real model server: llama.cpp's OpenAI-compatible server with SmolLM2-135M.

Unlike the scripted loopback server, this is a real tokenizer, real SSE streaming, real usage
fields and a weak model whose answers often cite nothing or cite badly. The tests check what a
user sees whatever the model writes: text arriving in pieces, every marker resolved or dropped,
uncited and unsupported sentences flagged, refusals, follow-ups, usage and latency, and an
answer that does not end being cut at the token limit.

The server is installed and started by tests/llama_server.py (the `llama_server` fixture in conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rag import REFUSAL, Answer, Assistant
from rag.answer.model_answerer import is_refusal
from tests.conftest import CORPUS_DIR, LLM_ENVIRONMENT, RememberingEmbedder
from tests.llama_server import LlamaServer

pytestmark = [pytest.mark.llama, pytest.mark.slow]

ANSWER_TOKENS = 96  # keeps a rambling 135M model to a few seconds an answer on 2 cores
MARKER = re.compile(r"\[(\d+)\]")
# Invented wordings of the kind users type, each answerable from the corpus.
QUESTIONS = (
    "small caps vs big tech over the summer of 2024, who came out ahead?",
    "goldman sachs small cap call for 2024, how much upside?",
    "why were small companies sensitive to interest rates?",
)


@pytest.fixture
def make_real_assistant(
    llama_server: LlamaServer, built_index: Path, local_embedder: RememberingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Assistant]:
    for name in LLM_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    def make(**overrides: object) -> Assistant:
        settings = {"data_dir": built_index, "corpus_dir": CORPUS_DIR, "show_progress": False,
                    "openai_base_url": llama_server.url, "llm_model": llama_server.model,
                    "llm_context_tokens": 4096, "llm_answer_tokens": ANSWER_TOKENS,
                    # Prompt processing on 2 busy cores can take longer than the 30 s default for the first token
                    # (6-14 s when the machine is idle); the total, the size cap and the breaker keep their defaults.
                    "llm_timeout_seconds": 120.0, "llm_first_token_seconds": 120.0, "llm_max_retries": 0,
                    **overrides}  # fmt: skip
        return Assistant(embedder=local_embedder, **settings)

    return make


def check_what_the_user_sees(answer: Answer) -> None:
    """What must hold of any answer, whatever the model wrote."""
    assert answer.backend == "openai:smollm2"
    if answer.refused:
        assert answer.text == REFUSAL and answer.citations == []
        return
    markers = sorted({int(n) for n in MARKER.findall(answer.text)})
    assert markers == [c.n for c in answer.citations], "every marker has exactly one citation, numbered 1..N"
    hits = {h.chunk_id for h in answer.hits}
    assert all(c.chunk_id in hits and c.quote for c in answer.citations), "a citation points at a retrieved passage"
    if not answer.citations:
        assert "cited none of the sources" in answer.notice
    if answer.dropped_citations:
        assert all(f"[{n}]" in answer.notice for n in answer.dropped_citations)
    assert all(sentence in answer.text for sentence in answer.unsupported), "flags name sentences of the answer"


def test_streamed_text_arrives_in_pieces_then_a_checked_answer(make_real_assistant: Callable[..., Assistant]):
    parts = list(make_real_assistant().stream(QUESTIONS[0]))
    deltas, final = parts[:-1], parts[-1]
    assert isinstance(final, Answer) and all(isinstance(d, str) for d in deltas)
    assert len(deltas) >= 3, "a real server streams token by token"
    check_what_the_user_sees(final)
    streamed = "".join(deltas)
    assert streamed.strip(), "the model wrote something"
    # The final text is the streamed text with its markers renumbered or dropped, nothing else; a refusal is
    # the refusal sentence however the model wrote it.
    if final.refused:
        assert is_refusal(streamed)
    else:
        assert MARKER.sub("", final.text).split() == MARKER.sub("", streamed).split()


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_answer_is_resolved_checked_and_costed(make_real_assistant: Callable[..., Assistant], question: str):
    answer = make_real_assistant().ask(question)
    check_what_the_user_sees(answer)
    usage = answer.usage
    assert usage.prompt_tokens > 200, "the prompt carried the sources"
    assert 0 < usage.completion_tokens <= ANSWER_TOKENS
    assert 0 < usage.model_seconds <= answer.seconds
    assert usage.cost_usd == 0.0  # a local server


def test_an_answer_that_does_not_end_is_cut_at_the_token_limit(make_real_assistant: Callable[..., Assistant]):
    answer = make_real_assistant(llm_answer_tokens=6).ask(QUESTIONS[1])
    check_what_the_user_sees(answer)
    assert answer.usage.completion_tokens <= 6
    assert "cut off at 6 tokens" in answer.notice


def test_a_question_with_no_evidence_never_reaches_the_model(make_real_assistant: Callable[..., Assistant]):
    answer = make_real_assistant().ask("zxqv plorft wibble?")
    assert answer.refused and answer.text == REFUSAL
    assert answer.usage.prompt_tokens == 0 and answer.usage.model_seconds == 0


def test_a_model_told_to_refuse_is_reported_as_a_refusal(make_real_assistant: Callable[..., Assistant], tmp_path: Path):
    # A 135M model follows only the plainest instruction, and then rambles on: told to parrot the
    # refusal, it does, and six tokens hold just that sentence.
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "rewrite.txt").write_text((CORPUS_DIR.parent / "prompts" / "rewrite.txt").read_text())
    (prompts / "system.txt").write_text("You are a parrot. You only ever reply: $refusal\n")
    (prompts / "user.txt").write_text(f"$question\n\nNow say: {REFUSAL}\n\n(unused: $sources)\n")
    answer = make_real_assistant(prompts_dir=prompts, llm_answer_tokens=6).ask(QUESTIONS[1], k=1)
    assert answer.usage.prompt_tokens > 0, "the model was asked"
    assert answer.refused, f"SmolLM2 did not repeat the refusal sentence: {answer.text!r}"
    assert answer.text == REFUSAL and answer.citations == [] and answer.notice == ""


def test_a_follow_up_is_rewritten_by_the_model_then_answered(make_real_assistant: Callable[..., Assistant]):
    assistant = make_real_assistant()
    first = assistant.ask(QUESTIONS[1])
    follow_up = assistant.ask("and over six months?", history=[(QUESTIONS[1], first.text)])
    check_what_the_user_sees(follow_up)
    assert follow_up.question == "and over six months?"
    assert follow_up.rewritten_question, "the model's rewrite was used for retrieval"
    assert "rewritten by keywords instead" not in follow_up.notice, "the model wrote the rewrite, not the fallback"
    assert follow_up.usage.prompt_tokens > first.usage.prompt_tokens, "the rewrite call is counted too"
