"""Adding documents from the page, over real HTTP with gradio_client, on a private corpus folder and index.

Each test serves the app over its own copy of the corpus and a fresh data dir, uploads
files made here (an HTML page, a PDF, a republished copy of a corpus article, broken
files) and checks what the page shows, what the folder holds and what the index answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from rag import Assistant
from rag.errors import DocumentError
from rag.ui.upload import add_documents
from tests.test_duplicates import GOLDMAN, republished
from tests.test_formats import PDF_INFO, PDF_LINES, article_html, make_pdf
from tests.ui_helpers import CORPUS_QUESTION, serve

from .fakes import HashingEmbedder

TIMEOUT = 120  # seconds for one upload: it reads the folder and embeds the new chunks


@pytest.fixture
def served(corpus_copy: Path, tmp_path: Path, local_embedder: Any) -> Iterator[tuple[str, Assistant]]:
    """The app over a private corpus copy and a fresh index; (url, assistant)."""
    assistant = Assistant(
        data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder=local_embedder, show_progress=False
    )
    app, url = serve(assistant)
    yield url, assistant
    app.close()


def client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def upload(c: Client, *paths: Path) -> dict[str, Any]:
    """Upload through the page's own endpoint; what each output of the event became."""
    box, report, header, publishers, hint = c.predict([handle_file(str(p)) for p in paths], api_name="/upload")
    choices = [value for value, _ in publishers["choices"]] if isinstance(publishers, dict) else None
    return {"box": box, "report": report, "header": header, "publishers": choices, "hint": hint}


def ask(c: Client, question: str, publishers: list[str]) -> str:
    _, _, panel = c.submit(question, None, None, publishers, 5, api_name="/ask").result(timeout=TIMEOUT)
    return panel


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_uploaded_html_and_pdf_are_indexed_shown_and_kept(served: tuple[str, Assistant], tmp_path: Path) -> None:
    url, assistant = served
    corpus = Path(assistant.settings.corpus_dir)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "banks.html").write_text(article_html())
    (uploads / "funding.pdf").write_bytes(make_pdf(PDF_LINES, metadata={**PDF_INFO, "/Title": "Deposit costs stop"}))
    c = client(url)

    out = upload(c, uploads / "banks.html", uploads / "funding.pdf")

    assert out["box"] is None  # the box is emptied for the next upload
    report = out["report"]
    assert 'class="ingest-report ok"' in report and "2 added, 0 updated, 0 removed, 5 unchanged" in report
    assert "<li>added: banks</li>" in report and "<li>added: funding</li>" in report
    assert "warning: funding.pdf: published &quot;2024-05-02&quot; is the PDF&#x27;s creation date" in report
    assert "7 articles" in out["header"] and "Index ready" in out["header"]
    assert out["publishers"] is not None and "Harbor Street Journal" in out["publishers"]
    assert "2023-12-26 to 2024-12-03" in out["hint"]
    # Copied into the corpus folder, so a restart (even with a lost index) has them.
    assert (corpus / "banks.html").read_text() == article_html() and (corpus / "funding.pdf").exists()
    # The new publisher is in this page's filter, and answers come from the new article.
    panel = ask(c, "How did regional bank shares do on Thursday?", ["Harbor Street Journal"])
    bylines = re.findall(r'<span class="byline">(.*?)</span>', panel)
    assert bylines and set(bylines) == {"Harbor Street Journal · 2024-05-02"}

    restarted = Assistant(
        data_dir=tmp_path / "new-data", corpus_dir=corpus, embedder=HashingEmbedder(), show_progress=False
    )
    found = {h.article_id for h in restarted.retrieve("regional banks deposits funding costs", k=20)}
    assert {"banks", "funding"} <= found


def test_an_upload_never_replaces_an_article_and_the_same_file_again_changes_nothing(
    served: tuple[str, Assistant], tmp_path: Path
) -> None:
    url, assistant = served
    corpus = Path(assistant.settings.corpus_dir)
    page = tmp_path / "banks.html"
    page.write_text(article_html())
    c = client(url)
    upload(c, page)
    assert "0 added, 0 updated, 0 removed, 6 unchanged" in upload(c, page)["report"]  # the same bytes: a no-op
    page.write_text(article_html(title="Regional banks rally as deposits hold"))
    out = upload(c, page)
    assert "Nothing was added." in out["report"] and "uploads never replace an article" in out["report"]
    assert (corpus / "banks.html").read_text() == article_html()
    assert sorted(p.name for p in corpus.iterdir() if p.name.startswith(".")) == []  # no staging left behind


def test_a_republished_copy_is_reported_and_answers_show_the_story_once(
    served: tuple[str, Assistant], tmp_path: Path
) -> None:
    url, _ = served
    copy = tmp_path / "wire-copy.txt"
    copy.write_text(republished(GOLDMAN))
    c = client(url)
    report = upload(c, copy)["report"]
    assert "1 added" in report
    assert re.search(
        r"near-duplicate: wire-copy repeats 000_c205bd33b4339b3e \(estimated similarity 0\.[89]\d\)", report
    )
    panel = ask(c, CORPUS_QUESTION, [])
    assert "Moomoo News Global" in panel and "Other Wire" not in panel


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.pdf", make_pdf(PDF_LINES)[:500], "broken.pdf: is not a readable PDF"),
        ("locked.pdf", make_pdf(PDF_LINES, password="s3cret"), "locked.pdf: is password-protected"),
        ("menu.html", "<html><body><nav><a href='/'>Home</a></nav></body></html>", "menu.html: no article text"),
    ],
    ids=["corrupt-pdf", "encrypted-pdf", "no-text-html"],
)
def test_a_bad_file_in_an_upload_is_refused_with_what_to_do_and_the_good_one_is_added(
    served: tuple[str, Assistant], tmp_path: Path, name: str, content: bytes | str, message: str
) -> None:
    url, assistant = served
    corpus = Path(assistant.settings.corpus_dir)
    before = files_in(corpus)
    good = tmp_path / "banks.html"
    good.write_text(article_html())
    bad = tmp_path / name
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())

    out = upload(client(url), good, bad)

    assert 'class="ingest-report error"' in out["report"] and "1 added" in out["report"]
    assert "1 not added" in out["report"] and f"not added: {message}" in out["report"]
    assert "Traceback" not in out["report"] and str(tmp_path) not in out["report"]
    after = files_in(corpus)
    assert set(after) == set(before) | {"banks.html"}  # the bad file did not stay
    assert all(after[name] == content for name, content in before.items())
    assert "6 articles" in out["header"] and "Harbor Street Journal" in out["publishers"]
    assert "banks" in {h.article_id for h in assistant.retrieve("regional banks deposits", k=20)}


def test_an_upload_taking_another_articles_id_is_refused_and_changes_nothing(
    served: tuple[str, Assistant], tmp_path: Path
) -> None:
    url, assistant = served
    corpus = Path(assistant.settings.corpus_dir)
    before = files_in(corpus)
    clash = tmp_path / "000_c205bd33b4339b3e.pdf"
    clash.write_bytes(make_pdf(PDF_LINES))
    out = upload(client(url), clash)
    assert "Nothing was added." in out["report"]
    assert "its article id &#x27;000_c205bd33b4339b3e&#x27; is used by 000_c205bd33b4339b3e.txt" in out["report"]
    assert files_in(corpus) == before
    goldman = assistant.retrieve("Goldman Sachs Russell 2000 twelve months", k=3)
    assert goldman[0].article_id == "000_c205bd33b4339b3e" and goldman[0].publisher == "Moomoo News Global"


def test_two_files_claiming_one_id_are_both_skipped_and_the_indexed_one_stays(
    tmp_path: Path, corpus_copy: Path
) -> None:
    assistant = Assistant(
        data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False
    )
    (corpus_copy / "000_c205bd33b4339b3e.md").write_text("Someone else's text, filed under the same id, here.\n")
    report = assistant.ingest([corpus_copy], sync=True)
    assert sorted(s.path.name for s in report.skipped) == ["000_c205bd33b4339b3e.md", "000_c205bd33b4339b3e.txt"]
    assert report.removed == [] and report.updated == []
    hit = assistant.retrieve("Goldman Sachs Russell 2000", k=1)[0]
    assert hit.article_id == "000_c205bd33b4339b3e" and "Someone else" not in hit.text


@pytest.mark.slow  # embeds an upload up to its limit
def test_an_upload_over_its_limits_is_refused_before_anything_is_embedded(tmp_path: Path, corpus_copy: Path) -> None:
    embedder = HashingEmbedder()
    assistant = Assistant(data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder=embedder, show_progress=False)
    before, calls = files_in(corpus_copy), embedder.calls
    big = tmp_path / "big.txt"
    big.write_text(" ".join(f"Small caps rallied {i} points as traders bet on cuts." for i in range(45_000)))
    with pytest.raises(DocumentError, match=r"big.txt: not added; it is 2\.\d MB.*at most 1 MB"):
        add_documents(assistant, [big], corpus_copy, max_mb=1)
    with pytest.raises(DocumentError, match="passages to index; one upload may add at most 50"):
        add_documents(assistant, [big], corpus_copy, max_mb=10, max_chunks=50)
    assert files_in(corpus_copy) == before and embedder.calls == calls


def test_a_crash_during_an_upload_leaves_no_unindexed_file_in_the_corpus_folder(
    tmp_path: Path, corpus_copy: Path
) -> None:
    class Crashing(HashingEmbedder):
        def embed(self, texts: list[str]) -> Any:
            raise KeyboardInterrupt  # as a kill would stop it, mid-ingest

    assistant = Assistant(data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder=HashingEmbedder(),
                          show_progress=False)  # fmt: skip
    assistant._embedder = Crashing()
    page = tmp_path / "banks.html"
    page.write_text(article_html())
    before = files_in(corpus_copy)
    with pytest.raises(KeyboardInterrupt):
        add_documents(assistant, [page], corpus_copy)
    assert files_in(corpus_copy) == before  # nothing for every later upload to trip over


def test_files_the_folder_would_skip_are_refused_before_anything_is_copied(tmp_path: Path, corpus_copy: Path) -> None:
    # Checked by the upload module itself: the browser filters file types, a script calling the API does not.
    assistant = Assistant(
        data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False
    )
    before = files_in(corpus_copy)
    for name in ("notes.docx", "README.md", ".hidden.txt"):
        path = tmp_path / name
        path.write_text("Regional bank shares led small caps higher on Thursday.")
        with pytest.raises(DocumentError, match=re.escape(name)):
            add_documents(assistant, [path], corpus_copy)
    with pytest.raises(DocumentError, match="chosen twice"):
        (tmp_path / "a").mkdir()
        (tmp_path / "a" / "x.txt").write_text("One.")
        add_documents(assistant, [tmp_path / "a" / "x.txt", tmp_path / "a" / "x.txt"], corpus_copy)
    assert files_in(corpus_copy) == before
