"""The README's Python block runs as written, from a folder laid out like the project after its first command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import CORPUS_DIR, PROJECT_DIR


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (PROJECT_DIR / "README.md").read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_python_block_runs_as_written(tmp_path: Path, index_copy: Path) -> None:
    blocks = readme_python_blocks()
    assert blocks, "the README has no ```python block"
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    if index_copy != tmp_path / "index":
        shutil.copytree(index_copy, tmp_path / "index")
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "index"), "RAG_CORPUS_DIR": str(tmp_path / "corpus"),
           "RAG_SHOW_PROGRESS": "0"}  # fmt: skip
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    for block in blocks:
        out = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
        assert "Traceback" not in out.stderr
