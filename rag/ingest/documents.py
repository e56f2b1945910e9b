"""Read document files into RawDocuments: text not yet cleaned, plus metadata from wherever it can be found.

A reader per format (rag.ingest.readers) finds the text and the file's own metadata: YAML front
matter in .txt/.md, meta tags in .html, document information in .pdf. Metadata given by
the caller (the CLI's --title, --published, ...) wins over the file's own:

    page.html with og:title "Caps rally" and no date, read_document(path, {"published": "2024-03-05"})
    -> RawDocument(id="page", title="Caps rally", published="2024-03-05", ...)

Every field is optional. Without a title the title is the file name (or, for a text file
without a header, its first line when that reads as a headline: rag/ingest/headline.py); without a
date the caller is warned, so the gap is visible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import DocumentError, InputError
from rag.ingest.readers import METADATA_FIELDS, SUFFIXES, reader_for

SUPPORTED_SUFFIXES = SUFFIXES
OVERRIDABLE_FIELDS = METADATA_FIELDS


@dataclass(frozen=True)
class RawDocument:
    """A file as read from disk: its metadata and its text, not yet cleaned."""

    id: str
    path: Path
    text: str
    fingerprint: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    warnings: list[str] = field(default_factory=list)
    chrome_removed: bool = False  # the reader took the article out of its page already (HTML)


def find_documents(paths: list[Path]) -> list[Path]:
    """Expand folders into the supported files inside them (sorted, recursive)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and is_article_file(p.relative_to(path)))
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise DocumentError(
                    f"{path}: unsupported file type {path.suffix or '(none)'}; "
                    f"use one of {', '.join(SUPPORTED_SUFFIXES)}."
                )
            found.append(path)
        else:
            raise DocumentError(f"{path}: no such file or folder.")
    return found


def is_article_file(path: Path) -> bool:
    """Whether a folder ingest takes this file (a path inside the folder): a supported type, not a note.

    README files and hidden files in a corpus folder are notes, not articles.
    """
    hidden = any(part.startswith(".") for part in path.parts)
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not hidden and path.stem.upper() != "README"


def check_overrides(overrides: Mapping[str, str]) -> dict[str, str]:
    """Caller-given metadata, stripped, empty values dropped, the date checked: {"published": "2024-3-5"} raises."""
    unknown = set(overrides) - set(OVERRIDABLE_FIELDS)
    if unknown:
        fields = ", ".join(OVERRIDABLE_FIELDS)
        raise InputError(f"Unknown metadata field(s) {', '.join(sorted(unknown))}; use {fields}.")
    checked = {key: value.strip() for key, value in overrides.items() if value and value.strip()}
    if "published" in checked:
        try:
            checked["published"] = dt.date.fromisoformat(checked["published"]).isoformat()
        except ValueError as exc:
            raise InputError(f"--published {checked['published']!r} is not YYYY-MM-DD (e.g. 2024-01-22).") from exc
    return checked


def read_document(path: Path, overrides: Mapping[str, str] | None = None) -> RawDocument:
    """Read one file of a supported type; `overrides` (title, publisher, author, published, url) win."""
    given = check_overrides(overrides or {})
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror}); check the path and permissions.") from exc
    try:
        read = reader_for(path)
    except KeyError:
        raise DocumentError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}."
        ) from None
    except ImportError as exc:  # the HTML and PDF libraries are imported on first use
        raise DocumentError(
            f"{path}: reading {path.suffix} files needs the Python package {exc.name or 'behind it'}, which is "
            f"missing or broken ({exc}); reinstall this package's dependencies (pip install -e .)."
        ) from exc
    extracted = read(data, path)
    metadata = {key: _as_text(key, value, path, extracted.source) for key, value in extracted.metadata.items()}
    metadata = {key: value for key, value in metadata.items() if value} | given
    # The flags are part of what was ingested: the same file with another --title is a changed article.
    fingerprint = hashlib.sha256(data + (repr(sorted(given.items())).encode() if given else b"")).hexdigest()[:16]
    return RawDocument(
        id=metadata.get("id") or path.stem,
        path=path,
        text=extracted.text,
        fingerprint=fingerprint,
        title=metadata.get("title") or path.stem,
        publisher=metadata.get("publisher", ""),
        author=metadata.get("author", ""),
        published=metadata.get("published", ""),
        url=metadata.get("url", ""),
        warnings=_warnings(path, metadata, extracted.source, given, extracted.caveats),
        chrome_removed=extracted.chrome_removed,
    )


def _warnings(
    path: Path, metadata: dict[str, str], source: str, given: dict[str, str], caveats: Mapping[str, str]
) -> list[str]:
    warnings = []
    if not source and not metadata.get("title") and not metadata.get("published"):
        warnings.append(f"{path.name}: no metadata header; using the file name as title and no date.")
    elif not metadata.get("published"):
        where = source or "the file"
        warnings.append(
            f"{path.name}: no 'published' date in {where}; date filters will skip it "
            f"({_how_to_set('published', path)})."
        )
    for key, why in caveats.items():
        if key in metadata and key not in given:
            warnings.append(
                f'{path.name}: {key} "{metadata[key]}" is {why}; {_how_to_set(key, path)} if that is wrong.'
            )
    return warnings


def _how_to_set(key: str, path: Path) -> str:
    """How a user, at the command line or in the UI, gives a file's metadata field a value."""
    value = "YYYY-MM-DD" if key == "published" else "..."
    if path.suffix.lower() in {".txt", ".md"}:  # the text reader reads a front-matter header
        return f"a '{key}: {value}' line in a header at the top of the file sets it"
    return f"`rag ingest {path.name} --{key} {value}` sets it"


def _as_text(key: str, value: object, path: Path, source: str) -> str:
    if key != "published":
        return str(value).strip()
    # YAML turns an unquoted 2024-01-10 into a date and pypdf gives a datetime; a quoted one is a string.
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise DocumentError(
            f"{path}: published date {value!r} in {source or 'the file'} is not YYYY-MM-DD (e.g. 2024-01-22); "
            "fix it there or give the date with --published."
        ) from exc
