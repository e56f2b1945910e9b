"""Every command and Python block in README.md and docs/*.md runs as written.

Each shell line of a code block (a "$ " prompt line, or one that starts with .venv/bin/, rag, python,
pip, chroma or VAR=value) is run with bash, exactly as written, from a copy of the project laid out
as after the README's first command: `.venv` is this virtual environment, `index/` a copy of the
corpus index, and the copy's own `rag` package is the one imported. Under a "$ " line the doc may
show output; each line of it must appear in the output, where "..." stands for text left out.
Each ```python block runs as a script, and a `print(...)  # "..."` line's quoted output must appear.

What cannot run in a test is listed in NOT_RUNNABLE with the reason. A command that looks like one
of those (an install, a server, the public benchmarks, a model) and is not listed fails the listing
test, and so does a listed command that the docs no longer hold: the list cannot drift from the docs.
`export`/`unset` lines set variables for the lines below them in their block; they must name
variables the project reads.

Running everything takes a few minutes (the eval and benchmark commands); `-k` picks one command.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.settings import _ENV_NAMES, Settings

from .conftest import PROJECT_DIR

DOCS = ["README.md", *sorted(f"docs/{p.name}" for p in (PROJECT_DIR / "docs").glob("*.md"))]

INSTALLS = "creates .venv and installs packages (the test runs inside an installed environment)"
NEEDS_MODEL = "needs a language model server or an OpenAI key (tests/test_llm_*.py run this path against real servers)"
NOT_RUNNABLE = {
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -e '.[ui]' && .venv/bin/python app.py"):
        INSTALLS + ", then serves the chat until stopped (tests/test_ui_*.py serve the same app)",
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"):
        INSTALLS + ", then runs the whole test suite, this test included (.ci/run runs exactly this line)",
    ("docs/chroma-server.md", "chroma run --path /srv/rag-index --host 127.0.0.1 --port 8000"):
        "a Chroma server that runs until stopped (tests/chroma_server.py runs `chroma run` for the server-mode tests)",
    ("docs/chroma-server.md", ".venv/bin/python app.py"):
        "serves the chat until stopped, here against a Chroma server (tests/test_ui_*.py serve the same app)",
    ("docs/benchmarks.md", ".venv/bin/python benchmarks/cli_ask.py --runs 9 --against ../before"):
        "compares with another checkout of the project, which the reader makes first (at ../before)",
    ("docs/evaluation.md", ".venv/bin/python -m evals --answerer llm"): NEEDS_MODEL,
    ("docs/evaluation.md", ".venv/bin/python -m evals --bench ../shared/bench"):
        "about 15 minutes on 2 cores over the public sets (its figures are in the same document)",
    ("docs/evaluation.md", ".venv/bin/python -m evals.external squad ../shared/bench/squad_v2"):
        "indexes SQuAD 2.0 and asks 600 questions: minutes; tests/test_eval_beyond.py runs a sample",
    ("docs/answering.md", ".venv/bin/pip install -e '.[fit]'"): INSTALLS,
    ("docs/answering.md", ".venv/bin/python -m evals.fit_answer_model --bench ../shared/bench --squad-index /tmp/squad"):
        "refits the answer model on SQuAD 2.0 and the dev questions (minutes; needs the [fit] extras)",
    ("docs/llm.md", ".venv/bin/python app.py"): "serves the chat until stopped, with a model from a local Ollama; "
        + NEEDS_MODEL,
    ("docs/llm.md", "OPENAI_BASE_URL=http://127.0.0.1:8000/v1 RAG_LLM_MODEL=smollm2 RAG_LLM_CONTEXT_TOKENS=4096 "
                    "RAG_LLM_ANSWER_TOKENS=128 .venv/bin/python -m evals --answerer llm --split test"):
        NEEDS_MODEL + " (llama.cpp serving SmolLM2 on port 8000; tests/llama_server.py starts one)",
}  # fmt: skip
# Whole documents that record the past rather than tell a reader what to run.
NOT_RUNNABLE_DOCS = {
    "docs/history.md": "how the eval suite was run in its first version; docs/evaluation.md's 'Running it' has today's commands",
}
# What a command that cannot run in a test looks like: it must be in NOT_RUNNABLE.
LOOKS_UNRUNNABLE = {
    r"\bpip install\b|-m venv\b": "installs packages",
    r"\bapp\.py\b|\bchroma run\b": "starts a server that runs until stopped",
    r"\.\./shared/bench|--bench\b": "runs over the public benchmark sets (minutes)",
    r"--answerer llm|--judge\b|OPENAI_": "needs a model",
    r"\bpytest\b": "runs the test suite",
}
# Files that the docs' examples name ("rag ingest notes/ extra.md"), written into the project copy. Invented text.
EXAMPLE_FILES = {
    "notes/harbor_banks.md": "---\ntitle: Regional banks lead small caps higher\npublisher: Harbor Wire\n"
    "published: 2025-03-14\n---\nShares of regional lenders rose 4% on Tuesday as deposit costs stopped rising.\n",
    "extra.md": "Micro caps lag as yields climb\n\nMicro-cap stocks fell 3% in the week as ten-year yields rose "
    "to their highest level since the spring, traders said.\n",
}

SHELL_START = re.compile(r"(\.venv/bin/|rag |python3? |pip |chroma |export |unset |[A-Z][A-Z0-9_]*=)")
ASSIGNMENTS = re.compile(r"(?:export\s+|unset\s+)?((?:[A-Z][A-Z0-9_]*(?:=\S*)?\s*)+)")
KNOWN_VARIABLES = {_ENV_NAMES.get(f.name, f"RAG_{f.name.upper()}") for f in dataclasses.fields(Settings)} | {
    "RAG_DEBUG"  # read by the CLI itself
}


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str  # as written, without the "$ " prompt and a trailing comment, continuation lines joined
    setup: tuple[str, ...] = ()  # the export/unset lines above it in its block
    output: tuple[str, ...] = ()  # what the doc shows under it

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc, self.text)

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


def code_blocks(doc: str) -> list[tuple[str, int, list[str]]]:
    """(language, first line number, lines) of each fenced block."""
    blocks, current = [], None
    for number, line in enumerate((PROJECT_DIR / doc).read_text(encoding="utf-8").splitlines(), start=1):
        fence = re.match(r"\s*```(\w*)", line)
        if fence and current is None:
            current = (fence[1], number + 1, [])
        elif fence:
            blocks.append(current)
            current = None
        elif current is not None:
            current[2].append(line)
    return blocks


def shell_commands(doc: str) -> tuple[list[Command], list[str]]:
    """The commands of a doc's shell blocks, and the variables its setting lines name."""
    commands: list[Command] = []
    variables: list[str] = []
    for language, start, lines in code_blocks(doc):
        if language not in ("", "bash", "sh", "shell", "console"):
            continue
        if not language and not any(SHELL_START.match(line.removeprefix("$ ")) for line in lines):
            continue  # a YAML header or other text shown in a plain block
        prompted = any(line.startswith("$ ") for line in lines)
        setup: list[str] = []
        pending = ""
        for offset, raw in enumerate(lines):
            if prompted and not raw.startswith("$ "):
                if commands and commands[-1].doc == doc and raw.strip():
                    last = commands[-1]
                    commands[-1] = dataclasses.replace(last, output=(*last.output, raw.strip()))
                continue
            line = pending + raw.removeprefix("$ ").strip()
            if line.endswith("\\"):
                pending = line[:-1].strip() + " "
                continue
            pending = ""
            text = re.sub(r"\s+#\s.*$", "", line).strip()
            if not text or text.startswith("#"):
                continue
            first_word = text.split()[0]
            if first_word in ("export", "unset") or re.match(r"[A-Z][A-Z0-9_]*=", first_word):
                names = ASSIGNMENTS.match(text)
                variables += re.findall(r"[A-Z][A-Z0-9_]*(?==|\s|$)", names[1] if names else "")
            if first_word in ("export", "unset"):
                setup.append(text)
                continue
            commands.append(Command(doc, start + offset, text, tuple(setup)))
    return commands, variables


ALL = [(c, v) for doc in DOCS for c, v in [shell_commands(doc)]]
COMMANDS = [c for commands, _ in ALL for c in commands]
RUNNABLE = [c for c in COMMANDS if c.key not in NOT_RUNNABLE and c.doc not in NOT_RUNNABLE_DOCS]


def python_blocks() -> list[tuple[str, int, str]]:
    return [(doc, line, "\n".join(lines)) for doc in DOCS for lang, line, lines in code_blocks(doc) if lang == "python"]


def test_the_docs_hold_commands_and_python() -> None:
    assert len(RUNNABLE) >= 10 and python_blocks(), "the extraction found nothing: has the docs' layout changed?"
    assert any(c.output for c in RUNNABLE), "no command with its output shown"


def test_what_cannot_run_is_listed_with_a_reason_and_the_list_matches_the_docs() -> None:
    unlisted = [
        f"{c} ({why})"
        for c in RUNNABLE
        for pattern, why in LOOKS_UNRUNNABLE.items()
        if re.search(pattern, " ".join((*c.setup, c.text)))
    ]
    assert not unlisted, "make these runnable in a test or add them to NOT_RUNNABLE with the reason:\n" + "\n".join(
        unlisted
    )
    stale = set(NOT_RUNNABLE) - {c.key for c in COMMANDS}
    assert not stale, f"NOT_RUNNABLE names commands the docs no longer hold: {sorted(stale)}"
    assert all(why.strip() for why in (*NOT_RUNNABLE.values(), *NOT_RUNNABLE_DOCS.values()))
    assert set(NOT_RUNNABLE_DOCS) <= set(DOCS)


def test_setting_lines_name_variables_the_project_reads() -> None:
    named = {(doc, v) for doc, (_, variables) in zip(DOCS, ALL) for v in variables}
    unknown = sorted((doc, v) for doc, v in named if v not in KNOWN_VARIABLES)
    assert not unknown, f"these variables are read by nothing in rag/settings.py: {unknown}"


@pytest.fixture(scope="module")
def venv() -> Path:
    if sys.prefix == sys.base_prefix:
        why = "the docs name .venv/bin/...: run the tests from a virtual environment, as the README does"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the docs' commands cannot run: {why}")  # as the browser fixture does
        pytest.skip(why)
    return Path(sys.prefix)


@pytest.fixture
def project(tmp_path: Path, built_index: Path, venv: Path) -> Path:
    """A copy of the project as after the README's first command: .venv, and an index of corpus/."""
    root = tmp_path / "project"
    skip = {".git", ".venv", "__pycache__", "test-output", ".pytest_cache", ".ruff_cache"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        # Reports of earlier eval runs (evals/results/<timestamp>) are local output, not part of the project;
        # the index is the top-level folder only (rag/index/ is code).
        top = {"index"} if Path(folder) == PROJECT_DIR else set()
        return {n for n in names if n in skip | top or n.endswith(".egg-info") or re.fullmatch(r"\d{8}-\d{6}", n)}

    shutil.copytree(PROJECT_DIR, root, ignore=ignore)
    shutil.copytree(built_index, root / "index")
    (root / ".venv").symlink_to(venv, target_is_directory=True)
    for name, text in EXAMPLE_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def environment(project: Path, venv: Path) -> dict[str, str]:
    """A new user's shell: nothing of ours set, the venv not activated, the copy's code imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != venv / "bin")
    env |= {"PYTHONPATH": str(project), "RAG_DATA_DIR": str(project / "index"),
            "RAG_CORPUS_DIR": str(project / "corpus"), "RAG_SHOW_PROGRESS": "0"}  # fmt: skip
    return env


def shown_output_appears(shown: tuple[str, ...], printed: str) -> list[str]:
    """The parts of `shown` missing from `printed`, in order; '...' in a shown line stands for any text."""
    printed = " ".join(printed.split())
    missing, at = [], 0
    for line in shown:
        for part in filter(None, (" ".join(p.split()) for p in line.split("..."))):
            found = printed.find(part, at)
            if found < 0:
                missing.append(part)
            else:
                at = found + len(part)
    return missing


@pytest.mark.slow
@pytest.mark.parametrize("command", RUNNABLE, ids=str)
def test_a_command_runs_as_written(command: Command, project: Path, venv: Path) -> None:
    script = "\n".join(["set -e", *command.setup, command.text])
    out = subprocess.run(["bash", "-c", script], cwd=project, env=environment(project, venv), capture_output=True,
                         text=True, timeout=900)  # fmt: skip
    hint = " (name the venv's program, .venv/bin/...)" if out.returncode == 127 else ""
    assert out.returncode == 0, f"{command} exited {out.returncode}{hint}:\n{out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    missing = shown_output_appears(command.output, out.stdout)
    assert not missing, f"{command}: the doc shows output that was not printed: {missing}\n{out.stdout[-3000:]}"


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "line", "block"), [pytest.param(*b, id=f"{b[0]}:{b[1]}") for b in python_blocks()])
def test_a_python_block_runs_as_written(doc: str, line: int, block: str, project: Path, venv: Path) -> None:
    out = subprocess.run([str(venv / "bin" / "python"), "-c", block], cwd=project, env=environment(project, venv),
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, f"{doc}:{line}: {out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr
    shown = re.findall(r"^\s*print\(.*\)\s+#\s*\"(.*)\"\s*$", block, re.MULTILINE)
    missing = shown_output_appears(tuple(shown), out.stdout)
    assert not missing, f"{doc}:{line}: the block's comments show output that was not printed: {missing}"
