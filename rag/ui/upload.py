"""Documents added from the page: copied into the corpus folder, then that folder ingested; no Gradio in here.

The corpus folder is what the index is built from (a new index ingests it, `rag ingest`
syncs it), so an upload kept only in the index would be lost, or removed, by the next
sync. Ingesting the whole folder rather than only the new files also checks them against
the rest: a new file whose id is already used by another file is refused, instead of
leaving a folder that the next sync would refuse. Unchanged articles are not re-embedded.

    add_documents(assistant, ["/tmp/gradio/ab12/rally.html"], Path("corpus"))
    -> IngestReport(added=["rally"], unchanged=[...5 ids], duplicates=[...])   # corpus/rally.html now exists

When the ingest fails, the folder is put back as it was (new files removed, replaced ones
restored), so a bad upload leaves nothing behind. An uploaded file the ingest skipped (it
cannot be read, or nothing is left after cleaning) is taken back out the same way and
reported as not added; the good files of the same upload are added.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from rag.documents import SUPPORTED_SUFFIXES, is_article_file
from rag.errors import DocumentError, InputError, RagError
from rag.ingest import IngestReport

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on the server while adding the files; nothing was added. Check the log."


def add_documents(assistant: Any, files: Sequence[str | Path], corpus_dir: Path) -> IngestReport:
    """Copy `files` into `corpus_dir` (a file of the same name is replaced) and sync the index with the folder."""
    sources = [Path(f) for f in files]
    if not sources:
        raise InputError(f"No files were given; choose {', '.join(SUPPORTED_SUFFIXES)} files.")
    names = [s.name for s in sources]
    for name in names:
        if not is_article_file(Path(name)):
            raise DocumentError(
                f"{name}: not added; upload {', '.join(SUPPORTED_SUFFIXES)} files (README and hidden files are "
                "notes that an ingest of the folder skips)."
            )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DocumentError(f"{', '.join(repeated)}: chosen twice; upload each file once.")
    _check_ids_are_free(names, corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    replaced: dict[Path, bytes] = {}
    copied: list[Path] = []
    try:
        for source in sources:
            target = corpus_dir / source.name
            if target.exists():
                replaced[target] = target.read_bytes()
            shutil.copyfile(source, target)
            copied.append(target)
        report: IngestReport = assistant.ingest([corpus_dir], sync=True)
    except BaseException:
        _put_back(copied, replaced)
        raise
    skipped = {s.path.resolve() for s in report.skipped}
    _put_back([t for t in copied if t.resolve() in skipped], replaced)
    return report


def _check_ids_are_free(names: list[str], corpus_dir: Path) -> None:
    """An upload may replace a file of its own name, but not take another file's article id ("a.pdf" vs "a.txt")."""
    if not corpus_dir.is_dir():
        return
    existing = {p.name: p.stem for p in corpus_dir.iterdir() if p.is_file() and is_article_file(Path(p.name))}
    for name in names:
        taken = sorted(other for other, stem in existing.items() if stem == Path(name).stem and other != name)
        if taken:
            raise DocumentError(
                f"{name}: not added; its article id {Path(name).stem!r} is used by {taken[0]}, already in the "
                "collection. Rename the file to add it as a new article."
            )


def _put_back(targets: list[Path], replaced: dict[Path, bytes]) -> None:
    for target in targets:
        if target in replaced:
            target.write_bytes(replaced[target])
        else:
            target.unlink(missing_ok=True)


def add_documents_html(assistant: Any, files: Sequence[str | Path] | None, corpus_dir: Path) -> str:
    """add_documents, its outcome as HTML for the page: the summary, or the error that says what to do."""
    try:
        report = add_documents(assistant, files or [], corpus_dir)
    except RagError as exc:
        return _box("error", "Nothing was added.", str(exc).splitlines())
    except OSError as exc:
        return _box("error", "Nothing was added.", [f"The corpus folder {corpus_dir} cannot be written: {exc}"])
    except Exception:
        log.exception("Adding %s failed", files)
        return _box("error", "Nothing was added.", [UNEXPECTED])
    return report_html(report, uploaded={Path(f).name for f in files or []})


def report_html(report: IngestReport, uploaded: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """The ingest summary: counts, then each skipped file, change, near-duplicate and warning on its own line.

    Files are named without the server's folders: the page is for readers, not for the server's operator.
    """
    skipped = [
        f"{'not added' if s.path.name in uploaded else 'skipped'}: {s.path.name}: {_without_folders(s.reason)}"
        for s in report.skipped
    ]
    lines = skipped + report.details() + [f"warning: {_without_folders(w)}" for w in report.warnings]
    counts = (
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged"
    )
    if report.skipped:
        counts += f", {len(report.skipped)} not added"
    return _box("error" if report.skipped else "ok", counts, lines)


def _without_folders(text: str) -> str:
    """'also used by /srv/app/corpus/a.txt; ...' -> 'also used by a.txt; ...'."""
    return re.sub(r"(?<![\w.])(?:[A-Za-z]:)?(?:[\\/][^\s\\/:;,]+)+[\\/]([^\s\\/:;,]+)", r"\1", text)


def _box(kind: str, title: str, lines: list[str]) -> str:
    items = "".join(f"<li>{escape(line.strip())}</li>" for line in lines if line.strip())
    return (
        f'<div class="ingest-report {kind}" role="status"><div class="ingest-title">{escape(title)}</div>'
        f"{f'<ul>{items}</ul>' if items else ''}</div>"
    )
