"""Shared fixtures: one real index of the five corpus articles, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import Assistant

PROJECT_DIR = Path(__file__).resolve().parent.parent
CORPUS_DIR = PROJECT_DIR / "corpus"
SEEDS_DIR = PROJECT_DIR.parent / "shared" / "seeds"


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
