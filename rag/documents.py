"""Read article files: optional YAML front matter for metadata, then the raw page text.

    ---
    title: Small caps left behind as stocks hit record highs
    publisher: Yahoo Finance
    author: Josh Schafer
    published: 2024-01-22
    ---
    <the article as captured, boilerplate and all>

Every field is optional. Without a header the title is the file name and there is
no date; the caller is warned so the gap is visible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from rag.errors import DocumentError

SUPPORTED_SUFFIXES = (".txt", ".md")
METADATA_FIELDS = ("id", "title", "publisher", "author", "published", "url")


@dataclass(frozen=True)
class RawDocument:
    """A file as read from disk: metadata from its header and the text below it, not yet cleaned."""

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


def find_documents(paths: list[Path]) -> list[Path]:
    """Expand folders into the supported files inside them (sorted, recursive)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and _wanted(p))
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


def _wanted(path: Path) -> bool:
    # README files and hidden files in a corpus folder are notes, not articles.
    hidden = any(part.startswith(".") for part in path.parts)
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not hidden and path.stem.upper() != "README"


def read_document(path: Path) -> RawDocument:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror}); check the path and permissions.") from exc
    if b"\x00" in data:
        raise DocumentError(f"{path}: looks binary, not text; save the article as UTF-8 text or Markdown.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{path}: is not UTF-8 text (bad byte at offset {exc.start}); re-save it with UTF-8 encoding."
        ) from exc
    header, body = split_front_matter(text, path)
    if not body.strip():
        raise DocumentError(f"{path}: has no article text; add the text below the header or remove the file.")
    metadata = parse_metadata(header, path) if header is not None else {}
    warnings = []
    if header is None:
        warnings.append(f"{path.name}: no metadata header; using the file name as title and no date.")
    elif not metadata.get("published"):
        warnings.append(f"{path.name}: no 'published' date in the header; date filters will skip it.")
    return RawDocument(
        id=metadata.get("id") or path.stem,
        path=path,
        text=body,
        fingerprint=hashlib.sha256(data).hexdigest()[:16],
        title=metadata.get("title") or path.stem,
        publisher=metadata.get("publisher", ""),
        author=metadata.get("author", ""),
        published=metadata.get("published", ""),
        url=metadata.get("url", ""),
        warnings=warnings,
    )


def split_front_matter(text: str, path: Path) -> tuple[str | None, str]:
    """('title: x', 'body') for a file that starts with a --- block; (None, text) otherwise."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise DocumentError(f"{path}: the metadata header opened with '---' is never closed; add a closing '---' line.")


def parse_metadata(header: str, path: Path) -> dict[str, str]:
    try:
        data = yaml.safe_load(header) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at header line {where.line + 1}" if where else ""
        raise DocumentError(f"{path}: the metadata header is not valid YAML{line}; fix it or remove it.") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: the metadata header must be 'key: value' lines.")
    unknown = set(map(str, data)) - set(METADATA_FIELDS)
    if unknown:
        raise DocumentError(
            f"{path}: unknown metadata field(s) {', '.join(sorted(unknown))}; use only {', '.join(METADATA_FIELDS)}."
        )
    metadata = {key: "" if value is None else str(value).strip() for key, value in data.items()}
    if "published" in data and data["published"] is not None:
        metadata["published"] = _iso_date(data["published"], path)
    return metadata


def _iso_date(value: object, path: Path) -> str:
    # YAML already turns an unquoted 2024-01-10 into a date; a quoted one arrives as a string.
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise DocumentError(f"{path}: published date {value!r} is not YYYY-MM-DD (e.g. 2024-01-22).") from exc
