"""PDF files: the text of every page by pypdf, and title, author and date from the document information.

A PDF stores lines, not paragraphs. Lines are joined back into paragraphs so that a
sentence wrapped across lines stays one sentence for chunking: a line that runs (nearly)
the full width of the text continues on the next; a short line (a heading, the end of a
paragraph) ends its paragraph. A line ending in a hyphen is joined without a space and
keeps the hyphen, which is right for "floating-rate" and merely odd for "compa-nies":

    ["Small caps rallied as traders bet that the Fed would", "cut rates by summer.", "Debt costs",
     "Firms with floating-", "rate debt gain most."]
    -> ["Small caps rallied as traders bet that the Fed would cut rates by summer.", "Debt costs",
        "Firms with floating-rate debt gain most."]

A page number alone on the last line of a page ("3", "Page 2 of 9") is left out.

The date is the PDF's creation date, which is when the file was made: for a page saved
as PDF that is the day it was saved, so the caller is warned to check it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import statistics
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from rag.errors import DocumentError
from rag.ingest.readers import Extracted

FULL_LINE = 0.8  # a line at least this share of the typical full line length continues its paragraph
# Titles that tools write for you, not the article's: "Microsoft Word - draft.docx", "untitled", "page.html".
_HYPHEN_END = re.compile(r"\w-$")  # "floating-" but not a dash standing alone: "rates -"
_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s+of\s+\d{1,4})?", re.IGNORECASE)
_TOOL_TITLE = re.compile(r"(microsoft \w+ - .*|untitled.*|.*\.(docx?|pdf|html?|txt|indd|pages))", re.IGNORECASE)


def read(data: bytes, path: Path) -> Extracted:
    encrypted = f"{path}: is password-protected; open it, print or save it as an unprotected PDF, and ingest that copy."
    try:
        reader = PdfReader(io.BytesIO(data))
        # Many "encrypted" PDFs only restrict printing or copying and open with an empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(encrypted)
        pages = [without_page_number(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
    except (FileNotDecryptedError, DependencyError) as exc:  # DependencyError: AES without a crypto library
        raise DocumentError(encrypted) from exc
    except DocumentError:
        raise
    except Exception as exc:
        # pypdf signals a damaged file with many kinds of exception (PdfReadError, KeyError, ValueError,
        # struct.error, ...); any of them here means this file cannot be read.
        raise DocumentError(
            f"{path}: is not a readable PDF ({exc.__class__.__name__}: {exc}); "
            "re-download or re-export it, or paste its text into a .txt file."
        ) from exc
    text = "\n".join(join_lines("\n".join(pages).splitlines()))
    if not text.strip():
        raise DocumentError(
            f"{path}: has no text layer (a scanned image?); run it through OCR or paste its text into a .txt file."
        )
    metadata: dict[str, str | dt.date] = {}
    caveats: dict[str, str] = {}
    if info is not None:
        title = (info.title or "").strip()
        if title and not _TOOL_TITLE.fullmatch(title):
            metadata["title"] = title
        author = (info.author or "").strip()
        if author:
            metadata["author"] = author
        try:
            created = info.creation_date  # parses "D:20240305093000Z"; malformed dates raise
        except (ValueError, TypeError):
            created = None
        if created is not None:
            metadata["published"] = created.date()
            caveats["published"] = "the PDF's creation date, which may be when it was saved rather than published"
    return Extracted(text, metadata, "the PDF metadata", caveats)


def without_page_number(page: str) -> str:
    """The page's text without a page number on its last line: 'Text.\n3' -> 'Text.'; 'Page 2 of 9' goes too."""
    lines = page.rstrip().splitlines()
    if lines and _PAGE_NUMBER.fullmatch(lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def join_lines(lines: list[str]) -> list[str]:
    """Lines as a PDF lays them out -> paragraphs, one per item (see the module docstring)."""
    lines = [" ".join(line.split()) for line in lines]
    lengths = [len(line) for line in lines if line]
    if not lengths:
        return []
    # The typical full line: most lines of running text are full, so a high quantile finds their length.
    full = statistics.quantiles(lengths, n=10)[-1] if len(lengths) > 1 else lengths[0]
    paragraphs: list[str] = []
    open_paragraph = False
    for line in lines:
        if not line:
            open_paragraph = False
            continue
        if open_paragraph:
            glue = "" if _HYPHEN_END.search(paragraphs[-1]) else " "
            paragraphs[-1] += glue + line
        else:
            paragraphs.append(line)
        open_paragraph = len(line) >= FULL_LINE * full or bool(_HYPHEN_END.search(line))
    return paragraphs
