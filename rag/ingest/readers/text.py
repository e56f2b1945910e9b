"""Text and Markdown files: an optional YAML front matter block, then the article as captured.

    ---
    title: Small caps left behind as stocks hit record highs
    publisher: Yahoo Finance
    published: 2024-01-22
    ---
    <the article as captured, boilerplate and all>

Every field is optional. A file without the block has no metadata of its own, except that its
first line is its title when that line reads as a headline (rag/ingest/headline.py); a warning says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from rag.errors import DocumentError
from rag.ingest.headline import headline_of
from rag.ingest.readers import METADATA_FIELDS, Extracted

FRONT_MATTER_FIELDS = ("id", *METADATA_FIELDS)
# The warning reads: 'note.txt: title "Banks rally" is the file's first line, taken as ...; a 'title:' line ...'.
FIRST_LINE_CAVEAT = "the file's first line, taken as its headline because the file has no header"


def read(data: bytes, path: Path) -> Extracted:
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
    if header is None:
        title = headline_of(body)
        if title:  # the caveat becomes the warning that tells the user where the title came from
            return Extracted(body, {"title": title}, source="", caveats={"title": FIRST_LINE_CAVEAT})
        return Extracted(body, {}, source="")
    return Extracted(body, parse_front_matter(header, path), source="the header")


def split_front_matter(text: str, path: Path) -> tuple[str | None, str]:
    """('title: x', 'body') for a file that starts with a --- block; (None, text) otherwise."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise DocumentError(f"{path}: the metadata header opened with '---' is never closed; add a closing '---' line.")


def parse_front_matter(header: str, path: Path) -> dict[str, str | dt.date]:
    """The fields of the block; a date YAML already parsed (published: 2024-01-22) stays a date."""
    try:
        data = yaml.safe_load(header) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at header line {where.line + 1}" if where else ""
        raise DocumentError(f"{path}: the metadata header is not valid YAML{line}; fix it or remove it.") from exc
    except ValueError as exc:  # YAML reads 2024-13-45 as a date and fails building it
        raise DocumentError(
            f"{path}: the metadata header holds an impossible date ({exc}); write it as YYYY-MM-DD, e.g. 2024-01-22."
        ) from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: the metadata header must be 'key: value' lines.")
    unknown = set(map(str, data)) - set(FRONT_MATTER_FIELDS)
    if unknown:
        raise DocumentError(
            f"{path}: unknown metadata field(s) {', '.join(sorted(unknown))}; "
            f"use only {', '.join(FRONT_MATTER_FIELDS)}."
        )
    return {
        str(key): value if isinstance(value, dt.date) else str(value).strip()
        for key, value in data.items()
        if value is not None
    }
