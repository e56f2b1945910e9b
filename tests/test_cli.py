"""The `rag` command as a user runs it: output, exit codes, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import CORPUS_DIR


def rag(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_CORPUS_DIR": str(CORPUS_DIR), "RAG_SHOW_PROGRESS": "0"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = rag("--help", data_dir=tmp_path)
    assert out.returncode == 0 and "ingest" in out.stdout and "ask" in out.stdout and "eval" in out.stdout


def test_ask_prints_the_answer_then_numbered_sources(index_copy: Path) -> None:
    out = rag("ask", "What return does Goldman Sachs expect from the Russell 2000 over 12 months?", data_dir=index_copy)
    assert out.returncode == 0, out.stderr
    assert "15%" in out.stdout
    assert "Sources:\n  [1] " in out.stdout and "(Moomoo News Global, 2024-01-10)" in out.stdout


def test_ingest_reports_what_changed(index_copy: Path) -> None:
    out = rag("ingest", data_dir=index_copy)
    assert out.returncode == 0, out.stderr
    assert "0 added, 0 updated, 0 removed, 5 unchanged" in out.stdout


def test_errors_are_one_line_and_exit_non_zero(index_copy: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    for args in (("ask", "   "), ("ingest", str(bad)), ("ask", "rates", "--from", "yesterday")):
        out = rag(*args, data_dir=index_copy)
        assert out.returncode == 1
        assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
