"""The `rag` command as a user runs it: output, exit codes, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS_DIR, PROJECT_DIR
from .openai_server import OpenAIServer


def rag(*args: str, data_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_CORPUS_DIR": str(CORPUS_DIR), "RAG_SHOW_PROGRESS": "0"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = rag("--help", data_dir=tmp_path)
    assert out.returncode == 0 and "ingest" in out.stdout and "ask" in out.stdout and "eval" in out.stdout


def test_ask_prints_the_answer_then_numbered_sources(index_copy: Path) -> None:
    out = rag("ask", "Goldman Sachs sees what 12-month return for the Russell 2000?", data_dir=index_copy)
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
    for args in (("ask", "   "), ("ingest", "--strict", str(bad)), ("ask", "rates", "--from", "soon-ish")):
        out = rag(*args, data_dir=index_copy)
        assert out.returncode == 1
        assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr


def test_a_folder_with_a_bad_file_is_indexed_and_the_command_exits_1(index_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "bad.txt").write_bytes(b"\x00\x01binary")
    (folder / "good.md").write_text("Small caps rallied on Friday as yields fell sharply, traders said.\n")
    out = rag("ingest", str(folder), data_dir=index_copy)
    assert out.returncode == 1
    assert "1 added" in out.stdout and "1 skipped" in out.stdout
    assert f"skipped: {folder / 'bad.txt'}: looks binary" in out.stderr
    assert "error: 1 file was skipped" in out.stderr and "Traceback" not in out.stderr
    again = rag("ingest", str(folder / "good.md"), data_dir=index_copy)
    assert again.returncode == 0 and "1 unchanged" in again.stdout


# -- ingesting other formats, metadata flags, --sync and near-duplicates --------------------------------

from tests.test_duplicates import GOLDMAN, republished  # noqa: E402 - appended below the original tests
from tests.test_formats import PDF_LINES, article_html, make_pdf  # noqa: E402

pytestmark = pytest.mark.slow  # every test runs `rag` in a process of its own, which loads the model


def test_ingest_help_says_metadata_flags_apply_to_every_file(tmp_path: Path) -> None:
    out = rag("ingest", "--help", data_dir=tmp_path)
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    for flag in ("--title", "--publisher", "--author", "--published", "--url"):
        assert flag in text
    assert "each flag applies to ALL of them" in text and ".pdf" in text and ".html" in text


def test_ingest_html_and_pdf_with_flags_that_win_over_the_files_metadata(index_copy: Path, tmp_path: Path) -> None:
    page = tmp_path / "banks.html"
    page.write_text(article_html())
    pdf = tmp_path / "funding.pdf"
    pdf.write_bytes(make_pdf(PDF_LINES))
    out = rag("ingest", str(page), str(pdf), "--publisher", "Flag Wire", "--published", "2024-05-03",
              data_dir=index_copy)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "added: banks\nadded: funding\n2 added, 0 updated, 0 removed, 0 unchanged" in out.stdout
    assert "WARNING" not in out.stderr and "Traceback" not in out.stderr
    # Only the HTML page gives the Russell 2000's move, so its title shows the flags reached it too.
    answer = rag(
        "ask", "How much was added by the Russell 2000 on Thursday?", "--publisher", "Flag Wire", data_dir=index_copy
    )
    assert answer.returncode == 0, answer.stderr
    assert "(Flag Wire, 2024-05-03)" in answer.stdout and "Regional banks lead small caps higher" in answer.stdout


def test_bad_metadata_flags_are_one_line_errors(index_copy: Path, tmp_path: Path) -> None:
    page = tmp_path / "banks.html"
    page.write_text(article_html())
    for args, message in (
        (("ingest", str(page), "--published", "May 3"), "--published 'May 3' is not YYYY-MM-DD"),
        (("ingest", "--title", "Banks"), "--title need the files they describe"),
    ):
        out = rag(*args, data_dir=index_copy)
        assert out.returncode == 1 and out.stderr.startswith("error: ") and message in out.stderr, out.stderr
        assert "Traceback" not in out.stderr


def test_a_corrupt_pdf_is_skipped_with_a_line_naming_the_file(index_copy: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(make_pdf(PDF_LINES)[:500])
    out = rag("ingest", str(broken), data_dir=index_copy)
    assert out.returncode == 1 and out.stderr.startswith(f"skipped: {broken}: is not a readable PDF")
    assert "Traceback" not in out.stderr
    strict = rag("ingest", "--strict", str(broken), data_dir=index_copy)
    assert strict.returncode == 1 and strict.stderr.startswith("error: Nothing was ingested")


def test_sync_makes_the_index_match_a_folder_and_lists_each_change(index_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "banks.html").write_text(article_html())
    (folder / "funding.pdf").write_bytes(make_pdf(PDF_LINES))
    (folder / "note.md").write_text("---\npublished: 2024-05-04\n---\nMicro caps fell sharply in early May trading.\n")
    first = rag("ingest", "--sync", str(folder), data_dir=index_copy)
    assert first.returncode == 0, first.stderr
    assert "added: banks\nadded: funding\nadded: note\n3 added, 0 updated, 0 removed, 0 unchanged" in first.stdout

    (folder / "funding.pdf").unlink()
    (folder / "banks.html").write_text(article_html(title="Regional banks rally as deposits hold"))
    (folder / "wire-copy.txt").write_text(republished(GOLDMAN))
    second = rag("ingest", "--sync", str(folder), data_dir=index_copy)
    assert second.returncode == 0, second.stderr
    assert "added: wire-copy\nupdated: banks\nremoved: funding\n" in second.stdout
    assert "near-duplicate: wire-copy repeats 000_c205bd33b4339b3e (estimated similarity 0." in second.stdout
    # 1 unchanged: note.md; the corpus articles are outside this folder and stay.
    assert "1 added, 1 updated, 1 removed, 1 unchanged" in second.stdout

    corpus = rag("ingest", data_dir=index_copy)  # the corpus sync leaves the other folder's articles alone
    assert "0 added, 0 updated, 0 removed, 5 unchanged" in corpus.stdout


def test_eval_takes_the_eval_suites_own_options(tmp_path: Path) -> None:
    out = rag("eval", "--split", "dev", "--help", data_dir=tmp_path)
    assert out.returncode == 0 and "--split" in out.stdout and "unrecognized" not in out.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly(index_copy: Path) -> None:
    env = {**os.environ, "RAG_DATA_DIR": str(index_copy), "RAG_CORPUS_DIR": str(CORPUS_DIR), "RAG_SHOW_PROGRESS": "0"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    command = f"{sys.executable} -m rag.cli ask 'What does Goldman expect from the Russell 2000?' | head -1"
    out = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, env=env,
                         timeout=300)  # fmt: skip
    assert out.stdout.strip() and out.stderr == "" and out.returncode == 0, out.stderr


# What `rag ask` must not import with no model configured: the model client, the UI, the eval charts, and the
# libraries of paths an ask does not take (other file formats, wordy date filters, fitting the answer model).
NOT_FOR_AN_OFFLINE_ASK = ("openai", "gradio", "matplotlib", "trafilatura", "pypdf", "dateparser", "sklearn")
IMPORTED = """
import sys
def imported(*names): return sorted(n for n in names if n in sys.modules)
import rag.cli
print("after import rag.cli:", imported("chromadb", "onnxruntime", "bm25s", *NOT_FOR_AN_OFFLINE_ASK))
code = rag.cli.main(["ask", "What does Goldman expect from the Russell 2000?"])
print("after ask:", code, imported("chromadb", *NOT_FOR_AN_OFFLINE_ASK))
"""


def test_an_offline_ask_imports_no_model_client_and_no_ui(index_copy: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OPENAI_", "RAG_LLM_"))}
    env.update(RAG_DATA_DIR=str(index_copy), RAG_CORPUS_DIR=str(CORPUS_DIR), RAG_SHOW_PROGRESS="0")
    script = f"NOT_FOR_AN_OFFLINE_ASK = {NOT_FOR_AN_OFFLINE_ASK!r}\n{IMPORTED}"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=PROJECT_DIR,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "after import rag.cli: []"  # the command reads its arguments before opening anything
    assert "Sources:" in out.stdout  # it answered
    assert lines[-1] == "after ask: 0 ['chromadb']"  # the index was opened; nothing else on the list came in


def test_a_model_reply_that_is_not_json_is_a_note_not_an_unexpected_error(
    index_copy: Path, openai_server: OpenAIServer
) -> None:
    openai_server.malformed()
    out = rag("ask", "Goldman Sachs sees what 12-month return for the Russell 2000?", data_dir=index_copy,
              OPENAI_BASE_URL=openai_server.url, RAG_LLM_MAX_RETRIES="0")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"Note: The model at {openai_server.url} did not answer (its reply was not valid JSON)." in out.stdout
    assert "15%" in out.stdout and "(extractive," in out.stdout
