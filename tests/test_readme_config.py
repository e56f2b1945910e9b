"""The README's configuration table names every environment variable the code reads, and nothing else.

What the code reads: every field of `Settings` (its variable is RAG_<FIELD>, or the name in _ENV_NAMES),
since `Settings.from_env()` is the one reader of the environment, and any name read directly with
`os.environ`/`os.getenv` in the shipped code (the CLI's RAG_DEBUG). Test helpers are not the product and
are documented in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import re

from rag.settings import _ENV_NAMES, Settings

from .conftest import PROJECT_DIR

SHIPPED = [*sorted((PROJECT_DIR / "rag").rglob("*.py")), *sorted((PROJECT_DIR / "evals").rglob("*.py")),
           *sorted((PROJECT_DIR / "benchmarks").rglob("*.py")), PROJECT_DIR / "app.py"]  # fmt: skip
DIRECT_READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\()\s*["']((?:RAG|OPENAI)_[A-Z0-9_]+)["']""")
# Read by the `openai` client itself, not by our code; the table says so.
READ_BY_LIBRARIES = {"OPENAI_ORG_ID", "OPENAI_PROJECT_ID"}


def variables_read() -> set[str]:
    from_settings = {_ENV_NAMES.get(f.name, f"RAG_{f.name.upper()}") for f in dataclasses.fields(Settings)}
    direct = {name for path in SHIPPED for name in DIRECT_READ.findall(path.read_text(encoding="utf-8"))}
    return from_settings | direct


def readme_table() -> set[str]:
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`((?:RAG|OPENAI)_[A-Z0-9_]+)`", row.split("|")[1])}


def test_the_direct_reads_are_found() -> None:
    assert "RAG_DEBUG" in variables_read(), "the scan of os.environ reads found nothing: has the code changed?"


def test_every_variable_the_code_reads_is_in_the_readme_table() -> None:
    missing = sorted(variables_read() - readme_table())
    assert not missing, f"add these to the README's configuration table: {missing}"


def test_the_readme_table_names_only_variables_that_are_read() -> None:
    stale = sorted(readme_table() - variables_read() - READ_BY_LIBRARIES)
    assert not stale, f"nothing reads these any more; remove them from the README's table: {stale}"
