"""Shared fixtures: one real index of the five corpus articles, built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rag import Assistant

PROJECT_DIR = Path(__file__).resolve().parent.parent
CORPUS_DIR = PROJECT_DIR / "corpus"
SHARED_DIR = PROJECT_DIR.parent / "shared"  # the seed captures and public benchmarks, beside the clone in CI
SEEDS_DIR = SHARED_DIR / "seeds"
BENCH_DIR = SHARED_DIR / "bench"


def needs_shared(path: Path) -> Path:
    """`path` under ../shared, which CI puts beside the clone and a user's clone does not have.

    Without it the test skips and says so, unless CI is set, where its absence is a failure.
    """
    if not path.exists():
        why = f"needs ../{path.relative_to(SHARED_DIR.parent)} beside the project (CI has it)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the test cannot run: {why}")
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the ingested corpus; copy it before writing to it."""
    data_dir = tmp_path_factory.mktemp("index")
    Assistant(data_dir=data_dir, corpus_dir=CORPUS_DIR, show_progress=False)
    return data_dir


@pytest.fixture(scope="session")
def assistant(built_index: Path) -> Assistant:
    """A read-only assistant over the corpus (do not ingest through it)."""
    return Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False)


@pytest.fixture
def index_copy(built_index: Path, tmp_path: Path) -> Path:
    """A private copy of the built index, for tests that change it."""
    target = tmp_path / "index"
    shutil.copytree(built_index, target)
    return target


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the corpus folder, for tests that add, change or remove articles."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, target)
    return target


# --- The LLM path (tests/test_llm_*.py): a loopback OpenAI-compatible server and assistants that use it ---

from collections.abc import Callable, Iterator  # noqa: E402 - appended below the shared fixtures on purpose

import numpy as np  # noqa: E402

from rag.index.embeddings import LocalMiniLM  # noqa: E402
from tests.llama_server import LlamaServer  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402

LLM_TEST_KEY = "sk-test-9f8e7d6c5b4a-do-not-print"
# Variables that would point the LLM path, or the HTTP client under it, somewhere else than the loopback server.
LLM_ENVIRONMENT = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "RAG_LLM_MODEL",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")  # fmt: skip


@pytest.fixture
def openai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 with a free port; queue replies on it."""
    for name in LLM_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    with OpenAIServer() as server:
        yield server


class RememberingEmbedder:
    """The real MiniLM, remembering every text it embeds: LLM tests ask the same questions of fresh Assistants."""

    def __init__(self, inner: LocalMiniLM) -> None:
        self.model_id = inner.model_id  # the index was built with this model
        self._inner = inner
        self._vectors: dict[str, np.ndarray] = {}

    def fits(self, text: str) -> bool:
        return self._inner.fits(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._inner.embed(missing)))
        return np.vstack([self._vectors[t] for t in texts]) if texts else self._inner.embed([])


@pytest.fixture(scope="session")
def local_embedder() -> RememberingEmbedder:
    """One MiniLM for all LLM tests, with a memory, so that each test pays only for texts new to the session."""
    return RememberingEmbedder(LocalMiniLM())


@pytest.fixture
def make_llm_assistant(
    openai_server: OpenAIServer, built_index: Path, local_embedder: RememberingEmbedder
) -> Callable[..., Assistant]:
    """Build an Assistant over the corpus index that answers through `openai_server`; keywords override settings."""

    def make(**overrides: object) -> Assistant:
        settings = {"data_dir": built_index, "corpus_dir": CORPUS_DIR, "show_progress": False,
                    "openai_api_key": LLM_TEST_KEY, "openai_base_url": openai_server.url,
                    "llm_timeout_seconds": 5.0, "llm_max_retries": 2, **overrides}  # fmt: skip
        return Assistant(embedder=local_embedder, **settings)

    return make


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """A real llama.cpp server with SmolLM2-135M on a free loopback port (installed on first use)."""
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with LlamaServer.start(log) as server:
        yield server


# --- The chat UI (tests/test_ui_*.py): the app served in-process over real HTTP on 127.0.0.1 ---

from typing import Any  # noqa: E402

from tests.chroma_server import ChromaServer  # noqa: E402
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, browser_missing_reason, serve  # noqa: E402


@pytest.fixture(scope="session")
def ui_url(built_index: Path, local_embedder: LocalMiniLM) -> Iterator[str]:
    """The chat app over the corpus index (extractive answers), launched once on a free loopback port."""
    app, url = serve(
        Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False, embedder=local_embedder)
    )
    yield url
    app.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium, one for the session (tests/test_ui_browser.py, tests/test_ui_cards.py).

    Without the browser the tests that use it skip, unless CI is set, where a missing browser is a failure.
    """
    reason = browser_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the browser test cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One `chroma run` for the session (started by the first server-mode test that needs it)."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "data").start()
    yield server
    server.stop()
