"""One writer at a time: two `ingest` processes on one index, embedded and on a real `chroma run` server.

Without the writer lock both read the same live index, both swap in their own generation, and the
second swap silently drops the first one's articles.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from rag.index.store import ChunkStore
from tests.chroma_server import ChromaServer

pytestmark = pytest.mark.slow  # ingests in processes of their own, each loading the model

PROJECT_DIR = Path(__file__).resolve().parent.parent

INGEST = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from rag.errors import RagError
    from rag.ingest.pipeline import ChunkingSettings, ingest
    from rag.index.store import ChunkStore
    from tests.fakes import HashingEmbedder

    mode, where, name, folder, release, wait = sys.argv[1:7]

    class HeldEmbedder(HashingEmbedder):
        def embed(self, texts):
            print("embedding", flush=True)  # the lock is held from here on
            deadline = time.monotonic() + 60
            while release and not Path(release).exists() and time.monotonic() < deadline:
                time.sleep(0.05)  # hold the index until the test says so
            return super().embed(texts)

    if mode == "embedded":
        store = ChunkStore.persistent(Path(where), name=name, wait=float(wait))
    else:
        store = ChunkStore.http(where, name=name, wait=float(wait))
    print("ingesting", flush=True)
    try:
        report = ingest([Path(folder)], store=store, embedder=HeldEmbedder(), chunking=ChunkingSettings(200, 1),
                        progress=False)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1)
    print(report.summary())
    """
)


def articles(folder: Path, prefix: str, n: int = 3) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"{prefix}{i}.md").write_text(
            f"Article {prefix}{i}: small caps moved {i}% on the day as traders weighed the next rate decision.\n"
        )
    return folder


def start(
    mode: str, where: str, name: str, folder: Path, *, release: Path | None, wait: float
) -> subprocess.Popen[str]:
    """An ingest in its own process; with `release`, it holds the index until that file exists."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    command = [sys.executable, "-c", INGEST, mode, where, name, str(folder), str(release or ""), str(wait)]
    return subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.slow)])  # `chroma run`: slow
def index(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, str]:
    """(mode, where, collection name): a folder of its own, or a collection of its own on a real server."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    if request.param == "embedded":
        return "embedded", str(tmp_path / "index"), name
    server: ChromaServer = request.getfixturevalue("chroma_server")
    return "server", server.url, name


def open_store(mode: str, where: str, name: str) -> ChunkStore:
    return ChunkStore.persistent(Path(where), name=name) if mode == "embedded" else ChunkStore.http(where, name=name)


def holding_first(mode: str, where: str, name: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    """A first ingest that holds the index's writer lock until the returned file exists."""
    release = tmp_path / "release"
    first = start(mode, where, name, articles(tmp_path / "a", "first"), release=release, wait=60)
    assert first.stdout is not None and first.stdout.readline().strip() == "ingesting"
    assert first.stdout.readline().strip() == "embedding"  # it holds the lock
    return first, release


def test_a_second_ingest_waits_for_the_first_and_neither_batch_is_lost(
    index: tuple[str, str, str], tmp_path: Path
) -> None:
    mode, where, name = index
    first, release = holding_first(mode, where, name, tmp_path)
    second = start(mode, where, name, articles(tmp_path / "b", "second"), release=None, wait=60)
    assert second.stdout is not None and second.stdout.readline().strip() == "ingesting"
    time.sleep(1)  # the second reaches the lock (without one, it would read the index and swap in its batch now)
    release.touch()
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    ids = {c.metadata.article_id for c, _ in open_store(mode, where, name).chunks()}
    assert ids == {f"first{i}" for i in range(3)} | {f"second{i}" for i in range(3)}


def test_a_second_ingest_that_cannot_wait_fails_saying_who_holds_the_index(
    index: tuple[str, str, str], tmp_path: Path
) -> None:
    mode, where, name = index
    first, release = holding_first(mode, where, name, tmp_path)
    second = start(mode, where, name, articles(tmp_path / "b", "second"), release=None, wait=0.5)
    _, error = second.communicate(timeout=120)
    release.touch()
    first.communicate(timeout=120)
    assert second.returncode == 1 and "Another ingest is writing" in error, error
    assert first.returncode == 0
    ids = {c.metadata.article_id for c, _ in open_store(mode, where, name).chunks()}
    assert ids == {f"first{i}" for i in range(3)}
