"""Load and concurrency on loopback, bounded in count and time. Latency is reported, never asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import pytest

from evals.dataset import load_questions
from evals.metrics import percentile
from rag import Assistant
from rag.index.bm25 import KeywordIndex
from tests.conftest import PROJECT_DIR
from tests.fakes import HashingEmbedder
from tests.test_ui_app import ask, client, last_reply
from tests.ui_helpers import OUTPUT_DIR, free_port

pytestmark = pytest.mark.slow  # 50 users through `python app.py` in its own process

USERS = 50
DEADLINE_SECONDS = 300


@pytest.fixture
def app_process(index_copy: Path) -> Iterator[str]:
    """`python app.py` as users start it, in its own process, on a free loopback port."""
    port = free_port()
    env = {**os.environ, "RAG_DATA_DIR": str(index_copy), "RAG_SHOW_PROGRESS": "0", "RAG_PORT": str(port)}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    process = subprocess.Popen([sys.executable, str(PROJECT_DIR / "app.py")], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if "Chat ready at" in line:
                break
        else:
            pytest.fail(f"app.py exited with {process.wait()} before serving")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()  # type: ignore[union-attr]


def test_fifty_concurrent_users_through_the_chat_app(app_process: str, capsys: pytest.CaptureFixture[str]) -> None:
    ui_url = app_process
    questions = [q.question for q in load_questions()][:USERS]
    latencies: list[float] = []
    everyone_connected = threading.Barrier(USERS, timeout=DEADLINE_SECONDS)

    def one(question: str) -> str:
        # A user with the page open; connecting is not part of the answer's latency. The client's own
        # 20 s request timeout would bound each request tighter than the deadline on a busy machine.
        user = client(ui_url, httpx_kwargs={"timeout": DEADLINE_SECONDS})
        everyone_connected.wait()
        started = time.perf_counter()
        chat, _ = ask(user, question)
        latencies.append(time.perf_counter() - started)
        return last_reply(chat)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        futures = [pool.submit(one, q) for q in questions]
        done, pending = wait(futures, timeout=DEADLINE_SECONDS)
    wall = time.perf_counter() - started
    assert not pending, f"{len(pending)} of {USERS} users got no answer within {DEADLINE_SECONDS} s"
    replies = [f.result() for f in done]  # re-raises any client error
    assert all('class="answer' in r for r in replies)
    assert not any("went wrong" in r or "Traceback" in r for r in replies)
    figures = {"users": USERS, "wall_seconds": round(wall, 2), "p50_seconds": round(percentile(latencies, 50), 2),
               "p95_seconds": round(percentile(latencies, 95), 2)}  # fmt: skip
    OUTPUT_DIR.mkdir(exist_ok=True)
    (OUTPUT_DIR / "load.json").write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print(f"\n  load: {figures}")


def test_a_question_reads_one_generation_while_another_thread_swaps_it(
    tmp_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "idx"
    reader = Assistant(data_dir=data, corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False)
    writer = Assistant(data_dir=data, corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False)
    question = "What does Goldman Sachs expect from the Russell 2000?"
    reader.retrieve(question, k=5)
    search = KeywordIndex.search

    def search_then_swap(index: KeywordIndex, *args: Any, **kwargs: Any) -> Any:
        """BM25's answer for the generation in flight; then, before the question fuses it, an ingest
        swaps the generation and a second thread of the same reader moves on to the new one."""
        found = search(index, *args, **kwargs)
        monkeypatch.setattr(KeywordIndex, "search", search)  # once
        for path in corpus_copy.glob("0*.txt"):  # change every article, so every chunk id changes
            path.write_text(path.read_text().replace("Russell 2000", "Russell 2000 (revised)"))
        writer.ingest([corpus_copy], sync=True)
        other_thread = threading.Thread(target=reader.retrieve, args=(question,), kwargs={"k": 5})
        other_thread.start()
        other_thread.join()
        return found

    monkeypatch.setattr(KeywordIndex, "search", search_then_swap)
    hits = reader.retrieve(question, k=5)
    assert hits and all("(revised)" not in h.text for h in hits)  # all from the generation it began on
    assert any("(revised)" in h.text for h in reader.retrieve(question, k=5))  # the next one is new


def test_questions_keep_getting_answers_while_an_ingest_runs(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "idx"
    assistant = Assistant(data_dir=data, corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False)
    writer = Assistant(data_dir=data, corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False)
    stop, answers, errors = threading.Event(), [], []

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                answers.append(assistant.ask("What does Goldman Sachs expect from the Russell 2000?"))
            except Exception as exc:  # collected and asserted below
                errors.append(exc)

    readers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(4):  # four full swaps of the live generation under the readers
            for path in corpus_copy.glob("0*.txt"):
                header, body = path.read_text().split("\n---\n", 1)
                line = next(x for x in body.splitlines() if len(x.split()) > 15)
                path.write_text(header + "\n---\n" + body.replace(line, f"{line} (revision {round_})", 1))
            assert len(writer.ingest([corpus_copy], sync=True).updated) == 5
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
    assert not errors, errors[:3]
    assert len(answers) >= 4 and all(a.hits for a in answers)
    assert any("(revision 3)" in h.text for h in assistant.retrieve("revision 3", k=40))
