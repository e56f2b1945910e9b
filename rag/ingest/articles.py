"""From a file on disk to a clean Article: read -> strip page chrome (unless the reader did) -> check text is left."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.clean import clean_article, normalise_lines
from rag.ingest.documents import RawDocument, read_document
from rag.records import Article


def load_article(path: Path, overrides: Mapping[str, str] | None = None) -> tuple[Article, list[str]]:
    """The cleaned article and any warnings about its metadata; `overrides` win over the file's own."""
    raw = read_document(path, overrides)
    return to_article(raw), raw.warnings


def to_article(raw: RawDocument) -> Article:
    if raw.chrome_removed:
        body = "\n".join(normalise_lines(raw.text))
    else:
        body = clean_article(raw.text, raw.title, raw.publisher, raw.published).body
    if not body:
        raise DocumentError(
            f"{raw.path}: no article text was left after removing page boilerplate; "
            "check that the file holds the article itself."
        )
    return Article(
        id=raw.id,
        title=raw.title,
        body=body,
        publisher=raw.publisher,
        author=raw.author,
        published=raw.published,
        url=raw.url,
        source_path=str(raw.path.resolve()),
        fingerprint=raw.fingerprint,
    )
