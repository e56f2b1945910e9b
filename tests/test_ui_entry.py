"""`python app.py` as a user runs it: first run builds the index with a progress bar, then serves on loopback."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS_DIR, PROJECT_DIR
from tests.ui_helpers import free_port

pytestmark = pytest.mark.slow  # `python app.py` in its own process, building an index

START_TIMEOUT = 120  # seconds: the first run embeds the five articles


def app_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_", "GRADIO_"))}
    env.update(RAG_DATA_DIR=str(data_dir), RAG_CORPUS_DIR=str(CORPUS_DIR), PYTHONUNBUFFERED="1", **extra)
    return env


def test_first_run_builds_the_index_then_serves_the_chat_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=PROJECT_DIR,
        env=app_env(tmp_path / "index"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not any("Chat ready at" in line for line in seen):
            assert process.poll() is None, "".join(seen)
            try:
                seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no 'Chat ready' within {START_TIMEOUT}s:\n{''.join(seen)}") from None
        output = "".join(seen)
        assert f"Chat ready at http://127.0.0.1:{port}" in output
        assert "Index ready: 5 articles" in output
        assert "%|" in output or "it/s" in output, "no progress bar while building the index"
        assert "gradio.live" not in output  # no share tunnel
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "Small-cap news analyst" in page.text
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        reader.join(timeout=15)  # it has read to the end of the output
        process.stdout.close()


def test_start_up_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_DIR,
        env=app_env(tmp_path / "index", RAG_EMBEDDING="bogus"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "RAG_EMBEDDING='bogus'" in result.stderr and "Traceback" not in result.stderr + result.stdout
