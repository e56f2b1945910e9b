"""Saved web pages: the article's text without the page around it, and metadata from the meta tags.

trafilatura finds the article body (menus, share buttons, footers and comment threads go)
and reads the metadata publishers put in the page head:

    <meta property="og:title" content="Small caps rally">           -> title
    <meta property="og:site_name" content="Example News">            -> publisher
    <meta name="author" content="Jane Doe">                          -> author
    <meta property="article:published_time" content="2024-03-05T09:30:00Z"> -> published 2024-03-05
    <meta property="og:url" content="https://...">  (or <link rel="canonical">) -> url

Its text is the article as indexed: the page-chrome rules for captured text (rag.ingest.clean)
do not run again over it. It is given the file's bytes, never a URL, so nothing is fetched. The date is read from
the page's markup only (htmldate's extensive search, which guesses from any date in the
text, is off): a wrong date silently breaks date filters, a missing one is warned about.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import trafilatura
from lxml.etree import LxmlError
from trafilatura.settings import Document, set_date_params

from rag.errors import DocumentError
from rag.ingest.clean import is_prose
from rag.ingest.readers import Extracted


def read(data: bytes, path: Path) -> Extracted:
    try:
        # load_html decodes the bytes itself, honouring the page's declared charset.
        tree = trafilatura.load_html(data)
        page = None
        if tree is not None:
            page = trafilatura.bare_extraction(
                tree,
                with_metadata=True,
                include_comments=False,
                include_tables=True,
                date_extraction_params=set_date_params(extensive=False),
            )
    except (LxmlError, ValueError) as exc:
        raise DocumentError(f"{path}: cannot be parsed as HTML ({exc}); save the page again from the browser.") from exc
    if tree is None:
        raise DocumentError(f"{path}: is not an HTML page; save the article's page from the browser as HTML.")
    text = (page.text or "").strip() if isinstance(page, Document) else ""  # a Document unless as_dict is asked
    if not isinstance(page, Document) or not any(is_prose(line) for line in text.splitlines()):
        # a menu or a button row is not an article
        raise DocumentError(
            f"{path}: no article text was found in this page (an index page, a login wall or a page drawn by "
            "scripts?); save the article's own page after it has loaded, or paste its text into a .txt file."
        )
    metadata = {
        "title": page.title,
        "publisher": page.sitename,
        "author": page.author,
        "published": page.date,
        "url": page.url,
    }
    found: dict[str, str | dt.date] = {k: v.strip() for k, v in metadata.items() if v and v.strip()}
    return Extracted(text, found, "the page's meta tags", chrome_removed=True)
