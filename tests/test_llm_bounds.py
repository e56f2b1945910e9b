"""Bounds on the model: deadlines across retries, the reply's size cap, cut-off replies, bad JSON, the breaker.

Each test points the real openai client at the loopback server misbehaving one way, with bounds of a
second or two, and checks what the user gets. No test asserts on time: a call that waited past its
deadline ends some other way (the client's own timeout, after its retries), and says so in its notice.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag import Answer, Assistant
from rag.answer.bounds import Breaker, retry_delay
from tests.openai_server import OpenAIServer

GOLDMAN = "What does Goldman Sachs expect the Russell 2000 to do in the coming year?"
HISTORY = [(GOLDMAN, "Goldman Sachs expected a 15% return over 12 months [1].")]
SENTENCE = "Goldman Sachs analysts see the Russell 2000 returning about 15% over the next twelve months [1]. "
MakeAssistant = Callable[..., Assistant]


# -- deadlines -------------------------------------------------------------------------------------


def test_a_hung_endpoint_costs_one_first_token_deadline_not_a_timeout_per_retry(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.hang(times=3)
    # Per try, the client would wait 60 s, three times over; the deadline is 1 s for all of them.
    assistant = make_llm_assistant(llm_timeout_seconds=60, llm_max_retries=2, llm_first_token_seconds=1)
    answer = assistant.ask(GOLDMAN)
    assert answer.backend == "extractive" and answer.citations
    assert answer.notice == (
        f"The model at {openai_server.url} did not answer (no text within 1 s, RAG_LLM_FIRST_TOKEN_SECONDS). "
        "This answer is extractive."
    )
    assert len(openai_server.requests) == 1, "no retry starts that could not finish before the deadline"


def test_a_hung_endpoint_does_not_hold_a_stream_either(openai_server: OpenAIServer, make_llm_assistant: MakeAssistant):
    openai_server.hang(times=3)
    assistant = make_llm_assistant(llm_timeout_seconds=60, llm_max_retries=2, llm_first_token_seconds=1)
    *_, answer = assistant.stream(GOLDMAN)
    assert isinstance(answer, Answer) and answer.backend == "extractive" and "no text within 1 s" in answer.notice
    assert len(openai_server.requests) == 1, "no retry starts that could not finish before the deadline"


def test_a_dripping_stream_is_cut_at_the_total_deadline_and_says_so(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.reply(SENTENCE * 4, drip=0.25)  # a piece every 0.25 s, each well inside the 5 s read timeout
    assistant = make_llm_assistant(llm_timeout_seconds=5, llm_first_token_seconds=1, llm_total_seconds=2)
    *deltas, answer = assistant.stream(GOLDMAN)
    assert isinstance(answer, Answer) and answer.backend == "openai:gpt-4o-mini"
    assert 0 < len("".join(deltas)) < len(SENTENCE * 4), "only part of the reply was read"
    assert "The model's answer was cut off after 2 s (RAG_LLM_TOTAL_SECONDS); it may be incomplete." in answer.notice


def test_retries_stop_when_the_first_token_deadline_would_pass(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.fail(503, times=5)
    answer = make_llm_assistant(llm_max_retries=4).ask(GOLDMAN)  # retry-after-ms: 1, so all five fit the deadline
    assert len(openai_server.requests) == 5 and "server error 503 after 4 retries" in answer.notice


# -- the size of a reply ---------------------------------------------------------------------------


def test_a_huge_reply_is_read_only_up_to_the_cap_and_marked_cut_off(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    huge = SENTENCE * (442_000 // len(SENTENCE))  # 442 KB for a 600-token answer
    openai_server.reply(huge, piece_chars=4096)
    answer = make_llm_assistant().ask(GOLDMAN)
    assert answer.backend == "openai:gpt-4o-mini" and answer.citations
    assert len(answer.text) <= 600 * 16
    assert "The model's answer was cut off at 9,600 characters; it may be incomplete." in answer.notice


# -- replies that end badly ------------------------------------------------------------------------


def test_a_stream_the_server_ends_early_is_marked_cut_off_not_finished(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.reply(SENTENCE, close_after=6)  # hangs up after six words: no finish_reason, no [DONE]
    answer = make_llm_assistant().ask(GOLDMAN)
    assert answer.backend == "openai:gpt-4o-mini" and answer.text.startswith("Goldman Sachs analysts see the")
    assert "The model's answer was cut off where the server ended the reply without finishing it" in answer.notice


def test_a_follow_up_rewrite_cut_off_is_not_searched_for(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.reply("What does Goldman Sachs expect from the", close_after=4)  # half a question
    openai_server.reply(SENTENCE)
    answer = make_llm_assistant().ask("and what about in July?", history=HISTORY)
    assert answer.rewritten_question.endswith("and what about in July?"), "the keyword rewrite"
    assert "The model's rewrite was cut off where the server ended the reply without finishing it. " in answer.notice
    assert (
        "The follow-up was rewritten by keywords instead." in answer.notice and answer.backend == "openai:gpt-4o-mini"
    )


def test_a_reply_that_is_not_json_is_a_clear_message_and_the_fallback_answers(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.malformed(times=2)
    assistant = make_llm_assistant()
    asked, (*_, streamed) = assistant.ask(GOLDMAN), assistant.stream(GOLDMAN)
    for answer in (asked, streamed):
        assert isinstance(answer, Answer) and answer.backend == "extractive" and answer.citations
        assert answer.notice == (
            f"The model at {openai_server.url} did not answer (its reply was not valid JSON). "
            "This answer is extractive."
        )


# -- the circuit breaker ---------------------------------------------------------------------------


class Clock:
    """A breaker's clock whose seconds pass only when the test moves it on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def breaker_clock(assistant: Assistant) -> Clock:
    """Give the breaker of the assistant's model a test clock (the rewriter shares the model, and so the breaker)."""
    clock = Clock()
    assistant.answerer.model.breaker.clock = clock  # type: ignore[attr-defined]
    return clock


def test_after_failures_in_a_row_the_model_is_skipped_then_tried_again(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    assistant = make_llm_assistant(llm_max_retries=0, llm_breaker_failures=2, llm_breaker_seconds=1)
    clock = breaker_clock(assistant)
    openai_server.fail(500, times=2)
    assert [assistant.ask(GOLDMAN).backend for _ in range(2)] == ["extractive", "extractive"]

    skipped = assistant.ask(GOLDMAN)
    follow_up = assistant.ask("and what about in July?", history=HISTORY)  # the rewrite is skipped too
    assert len(openai_server.requests) == 2, "the model was not called while the breaker was open"
    for answer in (skipped, follow_up):
        assert answer.backend == "extractive"
        assert (
            f"The model at {openai_server.url} is being skipped for 1 more second because it failed 2 times "
            "in a row (last: server error 500). This answer is extractive."
        ) in answer.notice
    assert "The follow-up was rewritten by keywords instead." in follow_up.notice

    clock.now += 1.1  # the cool-down is over: one trial call, which succeeds and closes the breaker
    openai_server.reply(SENTENCE)
    openai_server.reply(SENTENCE)
    assert [assistant.ask(GOLDMAN).backend for _ in range(2)] == ["openai:gpt-4o-mini"] * 2
    assert len(openai_server.requests) == 4


def test_a_failed_trial_call_opens_the_breaker_again_at_once(
    openai_server: OpenAIServer, make_llm_assistant: MakeAssistant
):
    openai_server.hang(times=3)
    assistant = make_llm_assistant(
        llm_max_retries=0, llm_breaker_failures=2, llm_breaker_seconds=1, llm_first_token_seconds=0.5
    )
    clock = breaker_clock(assistant)
    for _ in range(2):
        assistant.ask(GOLDMAN)
    clock.now += 1.1
    trial = assistant.ask(GOLDMAN)
    assert len(openai_server.requests) == 3 and "no text within 0.5 s" in trial.notice
    again = assistant.ask(GOLDMAN)
    assert len(openai_server.requests) == 3
    assert "is being skipped for 1 more second because it failed 3 times in a row (last: no text within" in (
        again.notice
    )


def test_the_breaker_lets_one_trial_through_and_no_one_else() -> None:
    clock = Clock()
    breaker = Breaker(failures=1, cool_down=0.2, clock=clock)
    assert breaker.wait() == 0.0
    breaker.record("cannot connect")
    assert breaker.wait() == pytest.approx(0.2)
    clock.now += 0.15
    assert breaker.wait() == pytest.approx(0.05), "still cooling down"
    clock.now += 0.1
    assert breaker.wait() == 0.0, "the trial call"
    assert breaker.wait() > 0, "others are skipped while the trial runs"
    breaker.record(None)
    assert breaker.wait() == 0.0 and breaker.wait() == 0.0 and breaker.failed == 0


def test_a_breaker_of_zero_failures_never_skips() -> None:
    breaker = Breaker(failures=0, cool_down=60)
    for _ in range(10):
        breaker.record("timeout")
    assert breaker.wait() == 0.0


@pytest.mark.parametrize(
    ("retry", "headers", "low", "high"),
    [
        (0, {"retry-after-ms": "250"}, 0.25, 0.25),
        (0, {"retry-after": "2"}, 2.0, 2.0),
        (0, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, 0.375, 0.5),  # a date: our own backoff
        (0, {"retry-after": "3600"}, 0.375, 0.5),  # an hour is not waited for
        (2, None, 1.5, 2.0),
        (9, None, 6.0, 8.0),
    ],
)
def test_retry_delay_follows_the_server_or_backs_off(retry: int, headers: dict | None, low: float, high: float):
    assert low <= retry_delay(retry, headers) <= high
