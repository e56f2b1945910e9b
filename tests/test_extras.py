"""The library and the `rag` command need neither Gradio nor matplotlib; each is an extra that says how to get it.

The checks run the real entry points in a fresh interpreter where the extra's package cannot be imported:
`sys.modules[name] = None` makes every `import name` fail as a missing package does (ModuleNotFoundError
with .name set), whatever is installed in this environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from evals.report import CHARTS_SKIPPED
from rag.ui import MISSING_GRADIO

from .conftest import CORPUS_DIR, PROJECT_DIR

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def names(requirements: list[str]) -> set[str]:
    """['gradio>=5,<7', 'smallcap-rag[ui,charts]'] -> {'gradio', 'smallcap-rag'}"""
    return {
        r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower() for r in requirements
    }


def run_without(packages: tuple[str, ...], code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    hide = "".join(f"sys.modules[{p!r}] = None; " for p in packages)
    return subprocess.run([sys.executable, "-c", f"import sys; {hide}\n{code}"], cwd=PROJECT_DIR, text=True,
                          capture_output=True, timeout=600, env=env)  # fmt: skip


def test_the_core_dependencies_leave_out_the_ui_and_the_charts() -> None:
    extras = PYPROJECT["optional-dependencies"]
    assert not names(PYPROJECT["dependencies"]) & {"gradio", "gradio-client", "matplotlib"}
    assert "gradio" in names(extras["ui"]) and "matplotlib" in names(extras["charts"])
    assert "smallcap-rag[ui,charts]" in extras["test"], "the test extra pulls in what the UI and eval tests import"


def test_app_without_gradio_says_to_install_the_ui_extra_in_one_line() -> None:
    out = run_without(("gradio",), "import runpy; sys.argv = ['app.py']; runpy.run_path('app.py', run_name='__main__')")
    assert out.returncode == 2
    assert out.stderr.strip() == f"Error: {MISSING_GRADIO}" and ".[ui]" in out.stderr
    assert "Traceback" not in out.stderr and not out.stdout


def test_importing_the_ui_without_gradio_names_the_extra() -> None:
    out = run_without(("gradio",), "import rag.ui")
    assert out.returncode == 1 and f"ModuleNotFoundError: {MISSING_GRADIO}" in out.stderr


@pytest.mark.slow  # a process of its own that loads the model
def test_the_library_and_rag_ask_load_neither_gradio_nor_matplotlib(built_index: Path, tmp_path: Path) -> None:
    shutil.copytree(built_index, tmp_path / "index")
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "index"), "RAG_CORPUS_DIR": str(CORPUS_DIR),
           "RAG_SHOW_PROGRESS": "0", "PYTHONPATH": str(PROJECT_DIR)}  # fmt: skip
    code = (
        "import rag, rag.cli\n"
        "code = rag.cli.main(['ask', 'What P/E does the iShares Russell 2000 ETF trade at?'])\n"
        "assert not {'gradio', 'matplotlib'} & {m for m in sys.modules if sys.modules[m] is not None}\n"
        "sys.exit(code)"
    )
    out = run_without(("gradio", "matplotlib"), code, env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "27.23" in out.stdout and "Sources:" in out.stdout


@pytest.mark.slow  # a process of its own that loads the model
def test_evals_without_matplotlib_write_the_report_and_say_how_to_get_charts(built_index: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    lines = (PROJECT_DIR / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions.write_text("\n".join([line for line in lines if line.startswith("{")][:3]) + "\n", encoding="utf-8")
    shutil.copytree(built_index, tmp_path / "index")
    argv = ["--questions", str(questions), "--modes", "hybrid", "--answerer", "extractive",
            "--data-dir", str(tmp_path / "index"), "--out", str(tmp_path / "report"), "--quiet"]  # fmt: skip
    out = run_without(("matplotlib",), f"from evals.__main__ import main; sys.exit(main({argv!r}))")
    assert out.returncode == 0, out.stderr[-3000:]
    assert CHARTS_SKIPPED in out.stdout and ".[charts]" in CHARTS_SKIPPED
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert CHARTS_SKIPPED in report and "## Per question (hybrid)" in report
    assert not list((tmp_path / "report").glob("*.png"))
