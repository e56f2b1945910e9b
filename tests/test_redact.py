"""No credentials in logs, answers, notices or errors: redaction on invented text, then the CLI and the app
talking to the loopback server through a base URL with user:password in it, the server echoing its headers."""

from __future__ import annotations

import base64
import contextlib
import logging
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import cli
from rag.redact import RedactingFilter, Redactor, redact
from rag.settings import Settings
from tests.conftest import CORPUS_DIR, PROJECT_DIR
from tests.openai_server import OpenAIServer
from tests.test_ui_app import ask, client, last_reply
from tests.test_ui_entry import app_env
from tests.ui_helpers import free_port

USER, PASSWORD, KEY = "alice", "pa:ss%2Fw0rd-9f8e", "sk-redact-test-5b4a3c2d1e"
PLAIN_PASSWORD = "pa:ss/w0rd-9f8e"  # the password as sent: %2F is "/"
BASIC = base64.b64encode(f"{USER}:{PLAIN_PASSWORD}".encode()).decode()
SECRETS = (PLAIN_PASSWORD, PASSWORD, BASIC, KEY)
GOLDMAN = "What does Goldman Sachs expect the Russell 2000 to do in the coming year?"


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@")


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}: {text[:2000]}"


# -- the patterns, on invented text -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("POST http://bob:hunter22@llm:8080/v1/chat", "POST http://***@llm:8080/v1/chat"),
        ("url='https://bob:p@ss@llm/v1'", "url='https://***@llm/v1'"),  # an unescaped @ in the password
        ("(b'authorization', b'Basic Ym9iOmh1bnRlcjIy')", "(b'authorization', b'Basic ***')"),
        ('{"authorization": "Bearer sk-live-0123456789"}', '{"authorization": "Bearer ***"}'),
        ("http://127.0.0.1:8000/v1 and mail bob@example.com", "http://127.0.0.1:8000/v1 and mail bob@example.com"),
        ("basic information, bearer bonds", "basic information, bearer bonds"),
    ],
)
def test_credentials_in_urls_and_authorization_values_are_hidden(text: str, clean: str) -> None:
    assert redact(text) == clean


def test_the_configured_secrets_are_hidden_wherever_they_appear() -> None:
    settings = Settings.from_env(openai_api_key=KEY, openai_base_url=with_credentials("http://llm:8080/v1"))
    redactor = Redactor.of(settings)
    echoed = f"key {KEY}, password {PLAIN_PASSWORD}, escaped {PASSWORD}, token {BASIC} and {USER}:{PLAIN_PASSWORD}"
    assert redactor(echoed) == "key ***, password ***, escaped ***, token *** and ***"
    assert KEY not in repr(redactor) and PASSWORD not in repr(settings)


def test_a_log_record_is_redacted_in_its_message_arguments_and_traceback() -> None:
    record = logging.LogRecord("httpx2", logging.INFO, __file__, 1, "HTTP Request: %s %s",
                               ("POST", "http://bob:hunter22@llm/v1"), None)  # fmt: skip
    try:
        raise ValueError("cannot reach http://bob:hunter22@llm/v1")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter(Redactor()).filter(record), "a record is never dropped"
    assert record.getMessage() == "HTTP Request: POST http://***@llm/v1"
    assert "hunter22" not in (record.exc_text or "") and "http://***@llm/v1" in (record.exc_text or "")


# -- through the CLI, logging everything --------------------------------------------------------------


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    for handler in logging.getLogger().handlers:  # the CLI put its filter on pytest's own handlers
        for f in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(f)


def test_the_cli_logs_and_prints_no_credentials_at_debug_level(
    openai_server: OpenAIServer,
    index_copy: Path,
    debug_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"OPENAI_BASE_URL": with_credentials(openai_server.url), "OPENAI_API_KEY": KEY,
                        "RAG_CORPUS_DIR": str(CORPUS_DIR), "RAG_SHOW_PROGRESS": "0",
                        "RAG_LLM_MAX_RETRIES": "0"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    openai_server.reply("Goldman Sachs sees a 15% upside for the Russell 2000 [1].")
    openai_server.fail(503, echo_headers=True)  # -> the offline answer, with a notice
    openai_server.fail(400, echo_headers=True)  # -> an error naming the endpoint, quoting the server

    codes = [cli.main(["--data-dir", str(index_copy), "ask", GOLDMAN]) for _ in range(3)]

    out, err = capsys.readouterr()
    assert codes == [0, 0, 1]
    assert openai_server.requests[0].headers["authorization"] == f"Basic {BASIC}", "the credentials were sent"
    assert "Note: The model at" in out and "did not answer (server error 503)" in out
    assert "error: The model at" in err and "rejected the request (400" in err and "Basic ***" in err
    assert_no_secret(out + err, "the CLI's output")
    logged = [r.getMessage() + (r.exc_text or "") for r in debug_logs.records]
    assert any("POST http://***@127.0.0.1" in line for line in logged), "the request line was logged, redacted"
    assert any("Basic ***" in line for line in logged), "the echoed headers were logged, redacted"
    assert_no_secret("\n".join(logged), "the log")


# -- through the app, as it is started ------------------------------------------------------------------


@pytest.mark.slow  # `python app.py` in its own process
def test_the_app_logs_and_shows_no_credentials(openai_server: OpenAIServer, index_copy: Path) -> None:
    openai_server.reply("Goldman Sachs sees a 15% upside for the Russell 2000 [1].")
    openai_server.fail(503, echo_headers=True)
    port = free_port()
    env = app_env(index_copy, OPENAI_BASE_URL=with_credentials(openai_server.url), OPENAI_API_KEY=KEY,
                  RAG_LLM_MAX_RETRIES="0")  # fmt: skip
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=PROJECT_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while not any("Chat ready at" in line for line in seen):
            assert process.poll() is None and time.monotonic() < deadline, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        replies = [last_reply(ask(client(f"http://127.0.0.1:{port}/"), GOLDMAN)[0]) for _ in range(2)]
    finally:
        process.terminate()
        process.wait(timeout=15)
        reader.join(timeout=15)  # it has read to the end of the output
        process.stdout.close()
    while not lines.empty():
        seen.append(lines.get())
    output = "".join(seen)
    assert len(openai_server.requests) == 2 and "did not answer (server error 503)" in replies[1]
    assert "POST http://***@127.0.0.1" in output, "the request line was logged, redacted"
    assert_no_secret(output, "the app's log")
    assert_no_secret("\n".join(replies), "the chat")
