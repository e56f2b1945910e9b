"""Many users asking at once through the chat app on loopback (a benchmark: it prints figures, asserts nothing).

    python benchmarks/load.py                        # 50 users, one question each, all at once
    python benchmarks/load.py --users 1 --rounds 20  # one user alone, 20 questions one after another

Starts `python app.py` in its own process on a free loopback port, offline (no model endpoint), over
--data-dir (built from corpus/ first when empty; a temporary one by default). Every user's gradio_client
connects first; then all ask at once through the page's /ask endpoint, each `rounds` questions in a row
(the dev questions of evals/questions.jsonl). Prints errors, wall time, p50/p95 latency, the updates one
question streams, and the CPU seconds per question of the server process (utime + stime from /proc)
and of this one (the clients share the machine), beside Assistant.ask's own CPU per question in-process.
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import certifi
from gradio_client import Client

from evals.dataset import load_questions
from evals.metrics import percentile
from rag.assistant import Assistant

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 300
SHARED_SSL = ssl.create_default_context(cafile=certifi.where())  # see connect()
WARMUP_QUESTIONS = 5  # asked before measuring, from the end of the dev list: lazy imports, arenas, caches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1, help="questions each user asks, one after another")
    parser.add_argument("--data-dir", type=Path, help="index to serve (built from corpus/ when empty)")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    dev = [q.question for q in load_questions() if q.split == "dev"]
    warmup, pool = dev[-WARMUP_QUESTIONS:], dev[:-WARMUP_QUESTIONS]
    asked = [pool[i % len(pool)] for i in range(args.users * args.rounds)]
    print(f"machine: {os.cpu_count()} cores, load average {_load()} before")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "index"
        api_cpu, api_wall = api_cost(data_dir, warmup, asked[:50], k=args.k)
        print(f"Python API (Assistant.ask in-process, {min(len(asked), 50)} questions in a row): "
              f"{api_cpu * 1000:.0f} ms CPU and {api_wall * 1000:.0f} ms wall per question")  # fmt: skip
        server, url = start_app(data_dir)
        try:
            run_load(server, url, warmup, asked, users=args.users, rounds=args.rounds, k=args.k)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"load average {_load()} after")


def api_cost(data_dir: Path, warmup: list[str], questions: list[str], *, k: int) -> tuple[float, float]:
    """CPU and wall seconds per question of Assistant.ask in this process, warm, one question at a time."""
    assistant = Assistant(data_dir=data_dir, show_progress=False, openai_api_key="", openai_base_url="")
    for q in warmup:
        assistant.ask(q, k=k)
    cpu, wall = time.process_time(), time.perf_counter()
    for q in questions:
        assistant.ask(q, k=k)
    return (time.process_time() - cpu) / len(questions), (time.perf_counter() - wall) / len(questions)


def start_app(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """`python app.py` as users start it, offline, on a free loopback port; returns it once it serves."""
    port = free_port()
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_SHOW_PROGRESS": "0", "RAG_PORT": str(port)}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RAG_AUTH"):
        env.pop(name, None)
    server = subprocess.Popen([sys.executable, str(PROJECT_DIR / "app.py")], cwd=PROJECT_DIR, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    for line in server.stdout:  # type: ignore[union-attr]
        if "Chat ready at" in line:
            # Keep draining its output, so a chatty server never blocks on a full pipe.
            threading.Thread(target=server.stdout.read, daemon=True).start()  # type: ignore[union-attr]
            return server, f"http://127.0.0.1:{port}/"
    raise SystemExit(f"app.py exited with {server.wait()} before serving")


def run_load(
    server: subprocess.Popen[str], url: str, warmup: list[str], asked: list[str], *, users: int, rounds: int, k: int
) -> None:
    """Connect every user (not timed), warm the server up, then all ask at once; prints the figures."""
    with ThreadPoolExecutor(max_workers=users) as threads:
        clients = list(threads.map(lambda _: connect(url), range(users)))
    for q in warmup:
        ask(clients[0], q, k=k)
    ask_all(server, clients, asked, rounds=rounds, k=k)


def ask_all(server: subprocess.Popen[str], clients: list[Client], asked: list[str], *, rounds: int, k: int) -> None:
    """Each client asks its `rounds` questions one after another, all clients at once; prints the figures."""
    latencies: list[float] = []
    updates: list[int] = []
    errors: list[str] = []
    go = threading.Event()

    def user(c: Client, questions: list[str]) -> None:
        go.wait()
        for q in questions:
            started = time.perf_counter()
            try:
                reply, n = ask(c, q, k=k)
            except Exception as exc:  # counted and shown below, like a failed request in a browser
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            latencies.append(time.perf_counter() - started)
            updates.append(n)
            if 'class="answer' not in reply or 'class="answer error' in reply:
                errors.append(f"not an answer: {reply[:200]}")

    users = len(clients)
    by_user = [asked[i * rounds : (i + 1) * rounds] for i in range(users)]
    with ThreadPoolExecutor(max_workers=users) as threads:
        futures = [threads.submit(user, c, qs) for c, qs in zip(clients, by_user)]
        time.sleep(0.5)  # every thread waiting on `go`
        server_cpu, client_cpu, started = _cpu_seconds(server.pid), time.process_time(), time.perf_counter()
        go.set()
        _, late = wait(futures, timeout=DEADLINE_SECONDS)
        wall = time.perf_counter() - started
        server_cpu, client_cpu = _cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
    n = len(asked)
    print(f"users {users} x {rounds} question{'s' if rounds != 1 else ''}: {n} asked, {len(errors)} errors, "
          f"{len(late)} users unfinished after {DEADLINE_SECONDS} s")  # fmt: skip
    for error in errors[:5]:
        print(f"  error: {error}")
    if latencies:
        print(f"wall {wall:.2f} s, {n / wall:.1f} questions/s; latency min {min(latencies):.3f} s, "
              f"p50 {percentile(latencies, 50):.3f} s, "
              f"p95 {percentile(latencies, 95):.3f} s, max {max(latencies):.3f} s; "
              f"{percentile(updates, 50):.0f} updates per question")  # fmt: skip
    print(f"CPU per question: server {server_cpu / n * 1000:.0f} ms, clients {client_cpu / n * 1000:.0f} ms")


def connect(url: str) -> Client:
    # The client's own 20 s request timeout would bound each request tighter than the deadline under load.
    # gradio_client opens a new httpx client for every request, and each would build an SSL context
    # (reading the CA bundle: about 28 ms of CPU, twice per question) unless handed one to share.
    return Client(url, verbose=False, analytics_enabled=False, download_files=False, ssl_verify=SHARED_SSL,
                  httpx_kwargs={"timeout": DEADLINE_SECONDS})  # fmt: skip


def ask(c: Client, question: str, *, k: int) -> tuple[str, int]:
    """One question through the page's /ask: (the last reply's HTML, how many updates arrived)."""
    job = c.submit(question, None, None, [], k, api_name="/ask")
    _, chat, _ = job.result(timeout=DEADLINE_SECONDS)
    content: Any = chat[-1]["content"]
    reply = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
    return reply, len(job.outputs())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process: fields 14 and 15 of /proc/<pid>/stat, counted after the ')' of its name."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
