"""One chat turn against fake Assistants (of rag.ui.assistant.ChatAssistant): deltas, history, errors as messages."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

import pytest

from rag.answer.base import StreamingAnswerer
from rag.errors import InputError, UnavailableError
from rag.retrieve.hybrid import Filters
from rag.ui.chat import UNEXPECTED, Turn, history, make_filters, messages, respond, sources
from tests.ui_helpers import AskingAssistant, StreamingAssistant, answer


def run(assistant: object, question: str = "What does Goldman expect?", turns: list[Turn] | None = None, **kw):
    filters = kw.pop("filters", lambda: Filters())
    return list(respond(assistant, turns or [], question, k=kw.pop("k", 5), filter_values=filters))


def test_an_answer_written_at_once_comes_after_a_pending_state() -> None:
    fake = AskingAssistant()
    states = run(fake, k=7)
    assert [s[-1].done for s in states] == [False, True]
    assert "Searching the articles" in messages(states[0])[-1]["content"]
    assert states[-1][-1].answer == fake.reply
    assert fake.calls == [{"question": "What does Goldman expect?", "history": None, "k": 7, "filters": Filters()}]


def test_stream_is_preferred_and_its_deltas_show_as_they_arrive() -> None:
    fake = StreamingAssistant()
    states = run(fake)
    partials = [s[-1].partial for s in states[1:-1]]
    assert partials == [
        "As of 2024-01-10, ",
        "As of 2024-01-10, Moomoo reported ",
        "As of 2024-01-10, Moomoo reported [1]",
    ]
    assert 'class="answer streaming"' in messages(states[2])[-1]["content"]
    final = messages(states[-1])[-1]["content"]
    assert 'class="cite"' in final and "caret" not in final


def test_answers_stream_to_the_page_only_when_the_answerer_writes_them_in_pieces() -> None:
    # Assistant.streams is whether its answerer is a StreamingAnswerer.
    class Offline:  # like rag.answer.extractive.ExtractiveAnswerer: the whole answer at once
        name = "extractive"

        def answer(self, question: str, hits: list) -> object:
            return question

    class Model(Offline):  # like rag.answer.model_answerer.LLMAnswerer
        def stream(self, question: str, hits: list) -> Iterator[str]:
            yield question

    assert not isinstance(Offline(), StreamingAnswerer) and isinstance(Model(), StreamingAnswerer)


def test_follow_up_passes_earlier_answers_as_history() -> None:
    fake = StreamingAssistant()
    first = run(fake, "What does Goldman expect?")[-1]
    run(fake, "And over six months?", turns=first)
    assert fake.calls[0]["history"] is None  # nothing to pass on the first question
    assert fake.calls[1]["history"] == [("What does Goldman expect?", answer().text)]


def test_history_leaves_out_failed_turns_and_keeps_the_recent_ones() -> None:
    done = [Turn(f"q{i}", answer=answer(text=f"a{i}")) for i in range(10)]
    assert history([Turn("broken", error="down"), *done])[-1] == ("q9", "a9")
    assert len(history(done)) == 6 and history(done)[0] == ("q4", "a4")


def test_history_is_passed_to_an_assistant_that_answers_at_once_too() -> None:
    fake = AskingAssistant()
    first = run(fake)[-1]
    run(fake, "Follow-up?", turns=first)
    assert fake.calls[1]["history"] == [("What does Goldman expect?", answer().text)]


def test_rag_error_becomes_its_message_in_the_chat() -> None:
    fake = AskingAssistant(reply=UnavailableError("The model server at localhost:8000 is down; start it."))
    last = run(fake)[-1]
    html = messages(last)[-1]["content"]
    assert 'class="answer error"' in html and "is down; start it." in html


def test_empty_question_is_a_friendly_message_without_a_user_bubble() -> None:
    fake = AskingAssistant(reply=InputError("The question is empty; type a question about the articles."))
    msgs = messages(run(fake, "  ")[-1])
    assert [m["role"] for m in msgs] == ["assistant"] and "type a question" in msgs[0]["content"]


def test_unexpected_error_is_logged_and_shown_generically(caplog: pytest.LogCaptureFixture) -> None:
    fake = StreamingAssistant(fail_after=1, failure=KeyError("secret internals"))
    with caplog.at_level(logging.ERROR, logger="rag.ui.chat"):
        last = run(fake)[-1]
    html = messages(last)[-1]["content"]
    assert UNEXPECTED in html and "secret internals" not in html and "Traceback" not in html
    assert "secret internals" in caplog.text


def test_bad_date_filter_is_a_chat_message() -> None:
    fake = AskingAssistant()
    last = run(fake, filters=lambda: make_filters("2024-13-01", "", []))[-1]
    assert "Published from: '2024-13-01' is not a date this can read" in last[-1].error and fake.calls == []


def test_make_filters() -> None:
    assert make_filters(None, "", None) == Filters()
    assert make_filters("2024-01-01", "2024-06-30 00:00:00", ["Yahoo Finance"]) == Filters(
        "2024-01-01", "2024-06-30", ("Yahoo Finance",)
    )
    with pytest.raises(InputError, match="reversed"):
        make_filters("2024-06-30", "2024-01-01", [])


def test_refusal_under_filters_suggests_widening_them() -> None:
    fake = AskingAssistant(reply=answer(text="The articles do not say.", refused=True, citations=[]))
    last = run(fake, filters=lambda: make_filters("2024-01-01", "", []))[-1]
    assert "widen the date and publisher filters" in messages(last)[-1]["content"]


def test_every_reply_in_the_chat_is_one_html_block_on_one_line() -> None:
    # The chat reads each message as markdown: a reply opens an HTML block and must never end it (rag.ui.text).
    leak = "\r\r![x](http://127.0.0.1:9/leak)"
    streamed = run(StreamingAssistant(deltas=["Small caps", leak, " [1]"], final=answer(text=f"Small caps{leak} [1]")))
    failed = run(StreamingAssistant(fail_after=1, failure=UnavailableError(f"The model is down.{leak}")))
    for state in [*streamed, failed[-1]]:
        reply = messages(state)[-1]["content"]
        assert reply.startswith("<div") and len(inspect.cleandoc(reply).splitlines()) == 1 and "\r" not in reply


def test_sources_follow_the_answered_turns() -> None:
    turns = [
        Turn("q0", answer=answer(question="q0")),
        Turn("q1", error="down"),
        Turn("q2", answer=answer(question="q2")),
    ]
    html = sources(turns)
    assert 'id="src-0-1"' in html and 'id="src-2-1"' in html and 'data-turn="1"' not in html


def test_the_users_own_question_is_shown_as_text_never_rendered() -> None:
    from rag.ui.chat import Turn, messages

    pasted = "what about ![x](http://127.0.0.1:9/leak) <img src=x onerror=alert(1)>\r\r**bold**"
    shown = messages([Turn(question=pasted)])[0]["content"]
    assert shown.startswith("<div") and "\n" not in shown and "\r" not in shown
    assert "<img" not in shown and "&lt;img" in shown
