"""The chat app over real HTTP with gradio_client: answers, refusals, errors, follow-ups, load, login, the LLM path."""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import certifi
import httpx
import pytest
from gradio_client import Client

from rag import Assistant
from rag.ui.app import CONCURRENCY, FAILED_LOGIN_DELAY_SECONDS, login_check
from tests.openai_server import OpenAIServer
from tests.ui_helpers import CORPUS_QUESTION, REFUSAL_TEXT, UNANSWERABLE_QUESTION, serve

TIMEOUT = 60  # seconds for one answer; generous, the extractive path takes well under one
PARALLEL_CLIENTS = 20


# gradio_client opens a new httpx client for each request, and each builds an SSL context (reading the CA
# bundle, ~28 ms of CPU) unless handed one: under load that was half of all the CPU the clients spent.
SHARED_SSL = ssl.create_default_context(cafile=certifi.where())


def client(url: str, **kw: Any) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False, ssl_verify=SHARED_SSL, **kw)


def ask(c: Client, question: str, *, date_from: str = "", date_to: str = "", publishers: list[str] | None = None,
        k: int = 5) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
    """Submit through the page's own endpoint; returns (chat messages, sources panel HTML)."""
    job = c.submit(question, date_from or None, date_to or None, publishers or [], k, api_name="/ask")
    _, chat, panel = job.result(timeout=TIMEOUT)
    return chat, panel


def last_reply(chat: list[dict[str, Any]]) -> str:
    message = chat[-1]
    assert message["role"] == "assistant"
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def test_corpus_question_is_answered_with_linked_citations_and_sources(ui_url: str) -> None:
    chat, panel = ask(client(ui_url), CORPUS_QUESTION)
    reply = last_reply(chat)
    assert "15%" in reply and 'class="answer"' in reply
    targets = set(re.findall(r'<a class="cite" href="#(src-0-\d+)"', reply))
    assert targets, reply
    for target in targets:  # every link has its source in the panel, with the quote marked
        assert f'id="{target}"' in panel
    assert "Moomoo News Global" in panel and "<mark>" in panel
    assert "offline extractive" in reply  # the meta line says what answered, and how fast
    assert re.search(r"\d+\.\d\d s", reply)


def test_an_offline_answer_is_one_update(ui_url: str) -> None:
    # The offline answerer has its answer at once; the page draws the "Searching" state itself
    # (tests/test_ui_browser.py), so the server sends no pending state and no partial text.
    job = client(ui_url).submit(CORPUS_QUESTION, None, None, [], 5, api_name="/ask")
    job.result(timeout=TIMEOUT)
    replies = [last_reply(chat) for _, chat, _ in job.outputs()]
    assert len(replies) == 1 and 'class="cite"' in replies[0]


def test_unanswerable_question_is_refused_and_shown_as_such(ui_url: str) -> None:
    chat, panel = ask(client(ui_url), UNANSWERABLE_QUESTION)
    reply = last_reply(chat)
    assert REFUSAL_TEXT in reply and 'class="answer refused"' in reply and 'class="cite"' not in reply
    assert "No passage was cited" in panel and "not cited" in panel  # what was retrieved is still there


@pytest.mark.parametrize(
    ("question", "options", "message"),
    [
        ("", {}, "The question is empty"),
        (CORPUS_QUESTION, {"date_from": "2024-02-30"}, "Published from: &#x27;2024-02-30&#x27; is not a date"),
        (CORPUS_QUESTION, {"date_to": "Julyy 2024"}, "Published to: &#x27;julyy 2024&#x27; is not a date"),
        (CORPUS_QUESTION, {"date_from": "2024-06-01", "date_to": "2024-01-01"}, "The date range is reversed"),
    ],
)
def test_bad_input_is_a_friendly_message_in_the_chat(ui_url: str, question: str, options: dict, message: str) -> None:
    chat, _ = ask(client(ui_url), question, **options)
    reply = last_reply(chat)
    assert 'class="answer error"' in reply and message in reply and "Traceback" not in reply


def test_filters_reach_the_retriever(ui_url: str) -> None:
    _, panel = ask(client(ui_url), CORPUS_QUESTION, publishers=["Yahoo Finance"], date_from="2024-01-01")
    bylines = re.findall(r'<span class="byline">(.*?)</span>', panel)
    assert bylines and all(b.startswith("Yahoo Finance · 2024-") for b in bylines)


def test_follow_up_is_searched_with_the_earlier_question(ui_url: str) -> None:
    c = client(ui_url)  # one client is one session: the conversation lives on the server
    ask(c, CORPUS_QUESTION)
    chat, panel = ask(c, "And over six months?")
    reply = last_reply(chat)
    assert len(chat) == 4 and "Searched as:" in reply and "Goldman" in reply.split("Searched as:")[1]
    assert 'id="src-1-1"' in panel and 'id="src-0-1"' in panel  # both answers' sources, each with its own ids


def test_twenty_clients_in_parallel_all_get_answers(ui_url: str) -> None:
    def one(i: int) -> str:
        chat, _ = ask(client(ui_url, httpx_kwargs={"timeout": TIMEOUT}), CORPUS_QUESTION)
        return last_reply(chat)

    with ThreadPoolExecutor(max_workers=PARALLEL_CLIENTS) as pool:
        futures = [pool.submit(one, i) for i in range(PARALLEL_CLIENTS)]
        done, pending = wait(futures, timeout=TIMEOUT * 3)
    assert not pending, f"{len(pending)} of {PARALLEL_CLIENTS} clients got no answer in time"
    replies = [f.result() for f in done]
    assert all('class="cite"' in r and "15%" in r for r in replies)


@pytest.mark.slow  # waits on a hung model / a second app server
def test_login_is_required_when_auth_is_set(
    built_index: Any, local_embedder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.conftest import CORPUS_DIR

    app, url = serve(
        Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False, embedder=local_embedder),
        auth="analyst:s3cret:pw",
    )
    try:
        assert httpx.get(f"{url}config", timeout=10).status_code == 401
        with caplog.at_level(logging.WARNING, logger="rag.ui.app"):
            for _ in range(3):
                httpx.post(f"{url}login", data={"username": "analyst", "password": "wrong"}, timeout=30)
        assert caplog.text.count("Failed login to the UI as 'analyst'") == 3 and "wrong" not in caplog.text
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own kinds of error here
            client(url, auth=("analyst", "wrong"))
        chat, _ = ask(client(url, auth=("analyst", "s3cret:pw")), CORPUS_QUESTION)
        assert 'class="cite"' in last_reply(chat)
    finally:
        app.close()


def test_each_wrong_password_costs_a_pause_and_a_right_one_none() -> None:
    pauses: list[float] = []
    check = login_check("analyst:s3cret:pw", pause=pauses.append)
    assert check is not None and login_check("") is None
    assert not check("analyst", "wrong") and not check("someone", "s3cret:pw")
    assert check("analyst", "s3cret:pw")
    assert pauses == [FAILED_LOGIN_DELAY_SECONDS] * 2  # a guesser pays for each wrong password


def test_model_answers_stream_and_show_tokens_and_notices(
    openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]
) -> None:
    app, url = serve(make_llm_assistant())
    try:
        c = client(url)
        # First reply cites nothing: the Assistant's notice must reach the page.
        openai_server.reply("Small caps look cheap.", prompt_tokens=900, completion_tokens=5)
        chat, _ = ask(c, CORPUS_QUESTION)
        first = last_reply(chat)
        assert 'class="notice"' in first and "cited none of the sources" in first
        goldman = _source_number(openai_server.requests[0].prompt, "15% over the next twelve months")

        openai_server.reply(
            f"Goldman Sachs analysts predict the Russell 2000 will return about 15% over the next twelve months "
            f"[{goldman}].",
            prompt_tokens=900,
            completion_tokens=20,
        )
        # A new session, so no follow-up rewrite asks the model first.
        job = client(url).submit(CORPUS_QUESTION, None, None, [], 5, api_name="/ask")
        job.result(timeout=TIMEOUT)
        replies = [last_reply(chat) for _, chat, _ in job.outputs()]
        assert any('class="answer streaming"' in r for r in replies)  # deltas were shown as they came
        assert "Searching the articles" in replies[0]  # sent first, with the emptied box, while the model is asked
        final = replies[-1]
        assert 'href="#src-0-1"' in final and "notice" not in final
        assert "openai:gpt-4o-mini" in final and "900 + 20 tokens" in final and "$0.0000" in final
    finally:
        app.close()


@pytest.mark.slow  # waits on a hung model / a second app server
def test_a_hung_model_does_not_hold_up_questions_that_need_no_model(
    openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]
) -> None:
    app, url = serve(make_llm_assistant(llm_timeout_seconds=TIMEOUT * 2, llm_max_retries=0))
    try:
        hung = CONCURRENCY + 1  # more than the CPU-bound slots of offline answers: model answers have their own
        for _ in range(hung):
            openai_server.reply("Too late.", delay=TIMEOUT * 2)
        jobs = [client(url).submit(CORPUS_QUESTION, None, None, [], 5, api_name="/ask") for _ in range(hung)]
        deadline = time.monotonic() + TIMEOUT
        while len(openai_server.requests) < hung and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(openai_server.requests) == hung, "questions queued behind the model calls already waiting"
        chat, _ = ask(client(url), "")  # refused before any model is asked
        assert "The question is empty" in last_reply(chat)
        assert not any(job.done() for job in jobs)  # the model is still hanging
    finally:
        app.close()


def _source_number(prompt: str, needle: str) -> int:
    for number, body in re.findall(r'<source id="(\d+)"[^>]*>\n(.*?)\n</source>', prompt, re.DOTALL):
        if needle in body:
            return int(number)
    raise AssertionError(f"no source in the prompt contains {needle!r}")


def test_with_uploads_off_the_page_is_read_only(built_index: Any, local_embedder: Any) -> None:
    from tests.conftest import CORPUS_DIR

    assistant = Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False, embedder=local_embedder,
                          uploads=False)  # fmt: skip
    app, url = serve(assistant)
    try:
        info = httpx.get(f"{url}gradio_api/info", timeout=10).json()
        assert "/upload" not in info["named_endpoints"] and "/ask" in info["named_endpoints"]
        assert 'id="upload"' not in httpx.get(url, timeout=10).text
        chat, _ = ask(client(url), CORPUS_QUESTION)
        assert 'class="cite"' in last_reply(chat)
    finally:
        app.close()


def test_the_login_page_gives_away_no_publisher_and_an_unknown_publisher_is_a_message(
    built_index: Any, local_embedder: Any, ui_url: str
) -> None:
    from tests.conftest import CORPUS_DIR

    app, url = serve(
        Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False, embedder=local_embedder),
        auth="analyst:s3cret",
    )
    try:
        assert "Moomoo" not in httpx.get(url, timeout=10).text  # the login page, before signing in
    finally:
        app.close()
    chat, _ = ask(client(ui_url), CORPUS_QUESTION, publishers=["Nobody's Gazette"])
    assert "No indexed article is from Nobody&#x27;s Gazette" in last_reply(chat)


def test_a_month_typed_in_the_date_field_filters_to_that_month(ui_url: str) -> None:
    _, panel = ask(client(ui_url), "How were small caps performing?", date_from="July 2024", date_to="jul 2024")
    assert "2024-07-18" in panel and "2024-01-10" not in panel and "2024-12-03" not in panel
