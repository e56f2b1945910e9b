"""Reading HTML pages and PDFs: text without page chrome, metadata from the page or the PDF, bad files, overrides.

The fixtures are made here: a page with meta tags and chrome (as a string), and PDFs
written byte by byte (one Helvetica page of text), then given metadata or a password
by pypdf's public writer.
"""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from rag import Assistant
from rag.errors import DocumentError, InputError
from rag.ingest.articles import to_article
from rag.ingest.documents import find_documents, read_document
from rag.ingest.readers.pdf import join_lines

from .fakes import HashingEmbedder

PARAGRAPHS = [
    "Regional bank shares led small caps higher on Thursday after two lenders reported deposits that held up "
    "better than analysts had feared.",
    "The KBW Regional Banking Index rose 4.1%, its best day since March, while the Russell 2000 added 1.8% and "
    "the S&P 500 gained 0.4%.",
    "Funding costs",
    "Executives at both banks said the cost of keeping deposits has stopped climbing, which eases the squeeze on "
    "the margins that small lenders earn between loans and deposits.",
    "Analysts cautioned that commercial property loans remain the sector's main risk, because many of them must be "
    "refinanced at higher rates over the next two years.",
]


def article_html(
    *, title: str = "Regional banks lead small caps higher", meta: bool = True, paragraphs: list[str] = PARAGRAPHS
) -> str:
    """A saved news page: meta tags in the head; nav, share buttons, a newsletter box and a footer around the story.

    Without `meta`, the page has neither meta tags nor a dated byline.
    """
    head = (
        f'<meta property="og:title" content="{title}">'
        '<meta property="og:site_name" content="Harbor Street Journal">'
        '<meta property="og:url" content="https://harbor.example/markets/regional-banks">'
        '<meta name="author" content="Dana Whitfield">'
        '<meta property="article:published_time" content="2024-05-02T14:05:00Z">'
        if meta
        else ""
    )
    body = "".join(f"<h2>{p}</h2>" if len(p.split()) < 4 else f"<p>{p}</p>" for p in paragraphs)
    byline = '<div class="byline">By Dana Whitfield | May 2, 2024</div>' if meta else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Harbor Street Journal</title>{head}</head>
<body>
<header><nav><a href="/">Home</a> <a href="/markets">Markets</a> <a href="/tech">Tech</a> <a href="/login">Sign in</a>
<a href="/subscribe">Subscribe for $1 a week</a></nav></header>
<main><article>
<h1>{title}</h1>
{byline}
{body}
<div class="share"><button>Share on X</button><button>Share on Facebook</button><button>Copy link</button></div>
</article>
<aside class="newsletter"><h3>Get the Morning Brief</h3><p>Sign up for our free newsletter and never miss a market move again.</p></aside>
</main>
<footer><p>Terms of Use | Privacy Policy | Cookie Settings</p><p>© 2024 Harbor Street Media LLC. All rights reserved.</p></footer>
</body></html>"""


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with these lines of text (Helvetica, Latin-1), written with a correct cross-reference table."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    stream = "\n".join(ops + ["ET"]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_pdf(lines: list[str], *, metadata: dict[str, str] | None = None, password: str | None = None) -> bytes:
    """pdf_bytes, then document information and encryption added through pypdf's writer."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(lines)))
    if metadata:
        writer.add_metadata(metadata)
    if password is not None:
        # RC4 needs no crypto library; AES would need `cryptography`, which this project does not install.
        writer.encrypt(user_password=password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# The article as a PDF lays it out: lines wrapped at about 80 characters, a heading, a hyphenated break.
PDF_LINES = [
    "Regional bank shares led small caps higher on Thursday after two lenders reported",
    "deposits that held up better than analysts had feared. The KBW Regional Banking",
    "Index rose 4.1%, its best day since March.",
    "Funding costs",
    "Executives at both banks said the cost of keeping deposits has stopped climbing, and",
    "that lower funding costs should lift the margins of small lenders with floating-",
    "rate loans over the rest of the year.",
    "3",
]
PDF_INFO = {"/Title": "Regional banks lead small caps higher", "/Author": "Dana Whitfield",
            "/CreationDate": "D:20240502141500Z"}  # fmt: skip


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# -- HTML ----------------------------------------------------------------------------------------------


def test_html_page_gives_its_article_text_and_meta_tag_metadata(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "banks.html", article_html()))
    assert (doc.id, doc.title, doc.publisher, doc.author, doc.published, doc.url) == (
        "banks",
        "Regional banks lead small caps higher",
        "Harbor Street Journal",
        "Dana Whitfield",
        "2024-05-02",
        "https://harbor.example/markets/regional-banks",
    )
    assert doc.warnings == []
    body = to_article(doc).body  # and through rag/ingest/clean.py, like every format
    for paragraph in PARAGRAPHS:
        assert paragraph in body.splitlines()
    for chrome in ("Sign in", "Subscribe", "Share on", "Copy link", "newsletter", "Privacy Policy", "All rights",
                   "Morning Brief", "Home"):  # fmt: skip
        assert chrome not in body, chrome


def test_html_is_read_without_touching_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("reading a saved page must not open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert read_document(write(tmp_path / "banks.htm", article_html())).publisher == "Harbor Street Journal"


def test_html_without_meta_tags_falls_back_and_warns(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "plain.html", article_html(meta=False)))
    assert doc.title == "Regional banks lead small caps higher"  # from <title> or <h1>, without the site's suffix
    assert doc.published == "" and doc.publisher == ""
    assert "no 'published' date in the page's meta tags" in doc.warnings[0] and "--published" in doc.warnings[0]


def test_html_in_a_declared_legacy_charset_is_decoded(tmp_path: Path) -> None:
    page = article_html().replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    page = page.replace("held up", "held up \u2014 barely \u2014")
    doc = read_document(write(tmp_path / "legacy.html", page.encode("cp1252")))
    assert "held up \u2014 barely \u2014 better" in doc.text


@pytest.mark.parametrize(
    "content",
    [
        "",
        "<html><head><title>Markets</title></head><body><script>renderApp()</script></body></html>",
        "<html><body><nav><a href='/'>Home</a> <a href='/markets'>Markets</a></nav></body></html>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
    ids=["empty", "script-only", "navigation-only", "binary"],
)
def test_html_without_article_text_is_refused_with_what_to_do(tmp_path: Path, content: str | bytes) -> None:
    path = write(tmp_path / "page.html", content)
    with pytest.raises(DocumentError, match="page.html") as info:
        to_article(read_document(path))  # what ingest does: the reader, then rag/ingest/clean.py
    message = str(info.value)
    assert "no article text" in message or "not an HTML page" in message
    assert "save the article" in message or "check that the file holds the article itself" in message


# -- PDF -----------------------------------------------------------------------------------------------


def test_pdf_gives_its_text_as_paragraphs_and_its_document_information(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "banks.pdf", make_pdf(PDF_LINES, metadata=PDF_INFO)))
    assert (doc.id, doc.title, doc.author, doc.published) == (
        "banks",
        "Regional banks lead small caps higher",
        "Dana Whitfield",
        "2024-05-02",
    )
    assert doc.text.splitlines() == [
        "Regional bank shares led small caps higher on Thursday after two lenders reported deposits that held up "
        "better than analysts had feared. The KBW Regional Banking Index rose 4.1%, its best day since March.",
        "Funding costs",
        "Executives at both banks said the cost of keeping deposits has stopped climbing, and that lower funding "
        "costs should lift the margins of small lenders with floating-rate loans over the rest of the year.",
    ]
    # The date is when the PDF was made; the caller is told so, unless they gave the date themselves.
    assert any("creation date" in w and "--published" in w for w in doc.warnings)
    assert to_article(doc).body.splitlines() == doc.text.splitlines()  # the page number went with the page


def test_pdf_without_metadata_uses_the_file_name_and_warns(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "note.pdf", make_pdf(PDF_LINES)))
    assert doc.title == "note" and doc.published == ""
    assert any("no 'published' date in the PDF metadata" in w for w in doc.warnings)


def test_pdf_title_written_by_a_tool_is_ignored(tmp_path: Path) -> None:
    info = {"/Title": "Microsoft Word - banks_draft3.docx"}
    assert read_document(write(tmp_path / "banks.pdf", make_pdf(PDF_LINES, metadata=info))).title == "banks"


def test_pdf_that_only_restricts_copying_opens_with_the_empty_password(tmp_path: Path) -> None:
    data = make_pdf(PDF_LINES, password="")
    assert PdfReader(io.BytesIO(data)).is_encrypted
    assert "Funding costs" in read_document(write(tmp_path / "open.pdf", data)).text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (make_pdf(PDF_LINES, password="s3cret"), "is password-protected; open it, print or save it as an unprotected"),
        (make_pdf(PDF_LINES)[:400], "is not a readable PDF"),
        (b"%PDF-1.4\nthis is not really a pdf", "is not a readable PDF"),
        (b"just some text saved with the wrong extension", "is not a readable PDF"),
        (make_pdf([]), "has no text layer (a scanned image?); run it through OCR"),
    ],
    ids=["encrypted", "truncated", "garbage-after-header", "not-a-pdf", "no-text"],
)
def test_bad_pdfs_are_refused_with_what_to_do(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match="report.pdf") as info:
        read_document(write(tmp_path / "report.pdf", content))
    assert message in str(info.value)


def test_wrapped_lines_are_joined_into_paragraphs() -> None:
    lines = [
        "Small caps rallied as traders bet that the Fed would",
        "cut rates by summer.",
        "Debt costs",
        "Firms with floating-",
        "rate debt gain most.",
    ]
    assert join_lines(lines) == [
        "Small caps rallied as traders bet that the Fed would cut rates by summer.",
        "Debt costs",
        "Firms with floating-rate debt gain most.",
    ]
    assert join_lines(["One paragraph.", "", "Another paragraph."]) == ["One paragraph.", "Another paragraph."]
    assert join_lines(["", "  "]) == []


# -- metadata given by the caller ----------------------------------------------------------------------


def test_given_metadata_wins_over_the_files_own(tmp_path: Path) -> None:
    page = write(tmp_path / "banks.html", article_html())
    given = {"title": "Banks rally", "publisher": "Wire", "published": "2024-05-03", "author": "", "url": ""}
    doc = read_document(page, given)
    assert (doc.title, doc.publisher, doc.published, doc.author) == (
        "Banks rally",
        "Wire",
        "2024-05-03",
        "Dana Whitfield",  # an empty flag is no flag: the page's author stays
    )
    # The same file with other metadata is a changed article, so a re-ingest picks the change up.
    assert doc.fingerprint != read_document(page).fingerprint
    pdf = read_document(write(tmp_path / "b.pdf", make_pdf(PDF_LINES, metadata=PDF_INFO)), {"published": "2024-05-01"})
    assert pdf.published == "2024-05-01" and not any("creation date" in w for w in pdf.warnings)
    text = read_document(write(tmp_path / "t.txt", "Regional banks rallied on Thursday."), {"published": "2024-05-01"})
    assert text.warnings == [] and text.title == "t"


def test_a_given_date_must_be_iso(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--published '05/02/2024' is not YYYY-MM-DD"):
        read_document(write(tmp_path / "banks.html", article_html()), {"published": "05/02/2024"})


# -- folders and the whole ingest ----------------------------------------------------------------------


def test_folders_pick_up_html_and_pdf_even_inside_a_hidden_parent(tmp_path: Path) -> None:
    folder = tmp_path / ".config" / "corpus"  # a hidden folder above the corpus must not hide its files
    folder.mkdir(parents=True)
    for name, content in (("a.html", "x"), ("b.htm", "x"), ("c.pdf", b"x"), ("d.txt", "x"), ("e.docx", b"x"),
                          (".f.pdf", b"x")):  # fmt: skip
        write(folder / name, content)
    assert [p.name for p in find_documents([folder])] == ["a.html", "b.htm", "c.pdf", "d.txt"]


def test_html_and_pdf_articles_are_ingested_and_retrieved_with_their_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write(folder / "banks.html", article_html())
    write(folder / "funding.pdf", make_pdf(PDF_LINES, metadata={**PDF_INFO, "/Title": "Deposit costs stop rising"}))
    empty = tmp_path / "corpus"
    empty.mkdir()
    a = Assistant(data_dir=tmp_path / "idx", corpus_dir=empty, embedder=HashingEmbedder(), show_progress=False)
    report = a.ingest([folder], sync=True)
    assert sorted(report.added) == ["banks", "funding"]
    hits = a.retrieve("regional banks deposits funding costs", k=10)
    by_article = {h.article_id: h for h in hits}
    assert by_article["banks"].publisher == "Harbor Street Journal" and by_article["banks"].published == "2024-05-02"
    assert by_article["funding"].title == "Deposit costs stop rising"
    assert any("floating-rate loans" in h.text for h in hits if h.article_id == "funding")
