"""A real Chroma server (`chroma run`, shipped with the chromadb package) on 127.0.0.1, for server-mode tests.

    server = ChromaServer(tmp_path / "chroma").start()   # a free port; returns once its heartbeat answers
    ChunkStore.http(server.url, name="t-1a2b3c4d")
    server.kill()     # SIGKILL, as a crash: no clean shutdown
    server.start()    # the same path and port: its collections are still there
    server.pause()    # SIGSTOP: the port accepts, nothing answers (a hung server); resume() undoes it
    server.stop()

Only the process this object started is ever signalled, by its pid.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from tests.ui_helpers import free_port

CHROMA = Path(sys.executable).parent / "chroma"  # the venv's console script
START_TIMEOUT_SECONDS = 60.0  # it answers in ~2 s here; the bound only stops a broken start from hanging the run
STOP_TIMEOUT_SECONDS = 10.0

T = TypeVar("T")


class ChromaServer:
    def __init__(self, path: Path, *, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log = path.parent / f"{path.name}-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        command = [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self.answers():
                return self
            time.sleep(0.05)
        self.kill()
        tail = self._log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"`{' '.join(command)}` did not answer its heartbeat:\n{tail}")

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)  # a paused process dies only once it runs again
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._process = None

    stop = kill  # a test server holds nothing worth a clean shutdown

    def pause(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)


def finishes_within(seconds: float, call: Callable[[], T]) -> T:
    """call(), failing the test if it has not returned (or raised) after `seconds`: a guard against hangs.

    Not a speed check: the bound is far above what the call needs, so it only ever trips on a hang.
    """
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise AssertionError(f"still waiting after {seconds:g}s: the call hangs")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
