"""Reading article files: metadata headers and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import DocumentError
from rag.ingest.documents import find_documents, read_document


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_front_matter_fills_the_metadata(tmp_path: Path) -> None:
    doc = read_document(
        write(
            tmp_path / "a.md",
            "---\ntitle: Caps\npublisher: Wire\nauthor: Ann\npublished: 2024-02-01\n---\nBody text.\n",
        )
    )
    assert (doc.id, doc.title, doc.publisher, doc.author, doc.published, doc.url) == (
        "a",
        "Caps",
        "Wire",
        "Ann",
        "2024-02-01",
        "",
    )
    assert doc.text == "Body text.\n"
    assert doc.warnings == []


def test_no_header_uses_the_file_name_and_warns(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "note.txt", "Just the article text here."))
    assert doc.title == "note" and doc.published == ""
    assert "no metadata header" in doc.warnings[0]


def test_id_in_header_overrides_the_file_name(tmp_path: Path) -> None:
    assert read_document(write(tmp_path / "x.txt", "---\nid: custom\n---\nText.")).id == "custom"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "has no article text"),
        (b"   \n\t\n", "has no article text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "looks binary"),
        ("café".encode("latin-1"), "not UTF-8"),
        (b"---\ntitle: [unclosed\n---\nBody", "not valid YAML at header line"),
        (b"---\ntitle: x\nBody without a closing line", "never closed"),
        (b"---\n- a list\n---\nBody", "'key: value' lines"),
        (b"---\npublished: 22/01/2024\n---\nBody", "is not YYYY-MM-DD"),
        (b"---\nsource: somewhere\n---\nBody", "unknown metadata field(s) source"),
        (b"---\ntitle: Only a header\n---\n", "has no article text"),
    ],
)
def test_bad_files_get_a_message_that_says_what_to_do(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path / "bad.txt", content)
    with pytest.raises(DocumentError, match="bad.txt") as info:
        read_document(path)
    assert message in str(info.value)


def test_folders_expand_to_supported_files_only(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "A.")
    write(tmp_path / "b.md", "B.")
    write(tmp_path / "README.md", "notes")
    write(tmp_path / "image.png", b"\x00")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden" / "c.txt", "C.")
    assert [p.name for p in find_documents([tmp_path])] == ["a.txt", "b.md"]


def test_unsupported_or_missing_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="unsupported file type .png"):
        find_documents([write(tmp_path / "x.png", b"1")])
    with pytest.raises(DocumentError, match="no such file"):
        find_documents([tmp_path / "missing.txt"])
