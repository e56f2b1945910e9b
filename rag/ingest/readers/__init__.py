"""Format readers: each turns a file's bytes into its text and the metadata the format carries.

    .txt .md     YAML front matter above the text         rag.ingest.readers.text
    .html .htm   the page's meta tags; page chrome gone   rag.ingest.readers.html  (trafilatura; no further cleaning)
    .pdf         the PDF's document information           rag.ingest.readers.pdf   (pypdf)

Every reader returns an Extracted, and rag.ingest.documents makes the RawDocument from it the same
way for every format (id, title fallback, CLI overrides, warnings), so a reader holds only
what is particular to its format:

    reader_for(Path("a.html"))(b"<html><head><meta property='og:title' content='Caps rally'>...", Path("a.html"))
    -> Extracted(text="Small caps rallied on Tuesday...", metadata={"title": "Caps rally", ...},
                 source="the page's meta tags")

The HTML and PDF libraries are imported only when such a file is read, so text-only
ingests and `rag --help` do not pay for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

_MODULES = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}
SUFFIXES = tuple(_MODULES)
METADATA_FIELDS = ("title", "publisher", "author", "published", "url")  # what a file or the caller may set


@dataclass(frozen=True)
class Extracted:
    """What one reader found in a file: text not yet cleaned, and metadata (empty values left out)."""

    text: str
    metadata: dict[str, str | dt.date]  # keys among id, title, publisher, author, published, url
    source: str  # where the metadata came from, for warnings ("the header"); "" when the file has none
    caveats: dict[str, str] = field(default_factory=dict)  # field -> why its value may be wrong
    chrome_removed: bool = False  # the reader already took the article out of its page (HTML)


Reader = Callable[[bytes, Path], Extracted]


def reader_for(path: Path) -> Reader:
    """The read function for this file's type; KeyError for a type no reader handles."""
    module = import_module(f"rag.ingest.readers.{_MODULES[path.suffix.lower()]}")
    read: Reader = module.read
    return read
