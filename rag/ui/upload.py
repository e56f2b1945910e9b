"""Documents added from the page: staged, ingested, then moved into the corpus folder; no Gradio in here.

The corpus folder is what the index is built from (a new index ingests it, `rag ingest`
syncs it), so an upload kept only in the index would be lost, or removed, by the next
sync. An upload is first copied into a hidden staging folder inside the corpus folder
(`corpus/.incoming/<id>/`, which a folder ingest skips), ingested together with the rest
of the folder, and each accepted file is moved into the corpus folder only after the
ingest succeeded. A crash at any point leaves, at worst, a staging folder that nothing
reads (removed by a later upload), never an unindexed file in the corpus folder:

    add_documents(assistant, ["/tmp/gradio/ab12/rally.html"], Path("corpus"))
    -> IngestReport(added=["rally"], unchanged=[...5 ids], duplicates=[...])   # corpus/rally.html now exists

Uploads never replace an article: a file whose name is taken by a different file, or
whose id another file already has ("a.pdf" beside "a.txt"), is refused before anything
is copied; replacing an article is for whoever runs the server (edit the corpus folder,
run `rag ingest`). A file that cannot be read is reported as not added; the other files
of the same upload are added. Size and passage limits keep one upload from occupying
the server (RAG_UPLOAD_MAX_MB, RAG_UPLOAD_MAX_CHUNKS).
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import time
import uuid
from collections.abc import Sequence
from html import escape
from pathlib import Path

from rag.errors import DocumentError, InputError, RagError
from rag.ingest.documents import SUPPORTED_SUFFIXES, is_article_file
from rag.ingest.pipeline import IngestReport
from rag.ui.assistant import ChatAssistant

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on the server while adding the files; nothing was added. Check the log."
STAGING_DIR = ".incoming"
STALE_STAGING_SECONDS = 3600.0  # an upload's staging folder older than this was left by a crash


def add_documents(
    assistant: ChatAssistant,
    files: Sequence[str | Path],
    corpus_dir: Path,
    *,
    max_mb: float | None = None,
    max_chunks: int | None = None,
) -> IngestReport:
    """Stage `files`, ingest them with the corpus folder, and move those accepted into the folder."""
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
    if max_mb is not None:
        for source in sources:
            size = source.stat().st_size
            if size > max_mb * 1_000_000:
                raise DocumentError(
                    f"{source.name}: not added; it is {size / 1_000_000:.1f} MB and an upload may be at most "
                    f"{max_mb:g} MB a file (RAG_UPLOAD_MAX_MB). Split it, or have it ingested from the command line."
                )
    corpus_dir.mkdir(parents=True, exist_ok=True)
    _check_nothing_is_replaced(sources, corpus_dir)
    _check_ids_are_free(names, corpus_dir)
    _remove_stale_staging(corpus_dir)
    staging = corpus_dir / STAGING_DIR / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        new = [source for source in sources if not (corpus_dir / source.name).exists()]  # the rest: same bytes
        staged = [staging / source.name for source in new]
        for source, target in zip(new, staged):
            shutil.copyfile(source, target)
        report: IngestReport = assistant.ingest([corpus_dir, *staged], sync=True, max_new_chunks=max_chunks)
        skipped = {s.path.resolve() for s in report.skipped}
        for target in staged:
            if target.resolve() not in skipped:
                target.replace(corpus_dir / target.name)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):  # left when another upload is staging
            staging.parent.rmdir()


def _check_nothing_is_replaced(sources: list[Path], corpus_dir: Path) -> None:
    """The same bytes again is a no-op; different bytes under a name already in the folder are refused."""
    for source in sources:
        target = corpus_dir / source.name
        if target.exists() and target.read_bytes() != source.read_bytes():
            raise DocumentError(
                f"{source.name}: not added; a different file of this name is already in the collection, and "
                "uploads never replace an article. Rename the file to add it as a new article."
            )


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


def _remove_stale_staging(corpus_dir: Path) -> None:
    """Staging folders a crashed upload left behind (a running upload's is younger)."""
    incoming = corpus_dir / STAGING_DIR
    if not incoming.is_dir():
        return
    for place in incoming.iterdir():
        if time.time() - place.stat().st_mtime > STALE_STAGING_SECONDS:
            shutil.rmtree(place, ignore_errors=True)


def add_documents_html(
    assistant: ChatAssistant,
    files: Sequence[str | Path] | None,
    corpus_dir: Path,
    *,
    max_mb: float | None = None,
    max_chunks: int | None = None,
) -> str:
    """add_documents, its outcome as HTML for the page: the summary, or the error that says what to do."""
    try:
        report = add_documents(assistant, files or [], corpus_dir, max_mb=max_mb, max_chunks=max_chunks)
    except RagError as exc:
        return _box("error", "Nothing was added.", [_without_folders(line) for line in str(exc).splitlines()])
    except OSError as exc:
        log.warning("Adding %s failed: %s", files, exc)
        return _box("error", "Nothing was added.", ["The collection's folder cannot be written on the server."])
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
