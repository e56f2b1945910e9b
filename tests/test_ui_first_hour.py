"""The first hour in headless Chromium, past the source cards (tests/test_ui_cards.py): what a new user
types into the date fields, what they upload, and how an answer from one source reads.

Each test runs on its own copy of the index and corpus, since uploads write to both.
Screenshots go to test-output/first-hour-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import Assistant
from tests.ui_helpers import OUTPUT_DIR, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 30_000
UPLOAD_TIMEOUT_MS = 120_000
# An invented note with no header: its first line reads as a headline.
HEADLESS_NOTE = """Harbor Street regional lenders lift small caps in a quiet week

Regional lenders in the Harbor Street survey raised credit lines to small manufacturers by 4% last month.
Quillon Partners said the Zephyr small-cap basket gained 3.1% as those loans reached factories.
"""


@pytest.fixture
def page(browser: Any, index_copy: Path, corpus_copy: Path, local_embedder: Any) -> Iterator[Any]:
    """A 1440 x 900 page of the app over private copies of the index and corpus."""
    assistant = Assistant(data_dir=index_copy, corpus_dir=corpus_copy, embedder=local_embedder, show_progress=False)
    app, url = serve(assistant)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()
    app.close()


def ask(page: Any, question: str) -> Any:
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat .answer:not(.pending):not(.streaming) .meta", timeout=ANSWER_TIMEOUT_MS)
    return page.locator("#chat .answer").last


def type_date(page: Any, label: str, text: str) -> None:
    """Type into a date field as a user does, then leave it (the note is written on change)."""
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Tab")


def shot(page: Any, name: str) -> None:
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / name), full_page=True)


def test_dates_as_people_type_them_are_read_shown_and_obeyed(page: Any) -> None:
    type_date(page, "Published from", "July 2024")
    type_date(page, "Published to", "jul 2024")
    page.wait_for_function("document.querySelector('#to-note').innerText.includes('2024-07-31')")
    assert "2024-07-01" in page.locator("#from-note").inner_text()
    answer = ask(page, "How far did the Russell 2000 jump?")
    shot(page, "first-hour-dates.png")
    cited = page.locator("#sources-panel .source").all_inner_texts()
    assert cited and all("2024-07-18" in card for card in cited), "only the July article is in range"
    assert "The articles do not say" not in answer.inner_text()


def test_a_date_it_cannot_read_is_named_next_to_the_field(page: Any) -> None:
    type_date(page, "Published from", "Julyy 2024")
    page.wait_for_function("document.querySelector('#from-note').innerText.toLowerCase().includes('julyy')")
    note = page.locator("#from-note").inner_text()
    shot(page, "first-hour-bad-date.png")
    assert "julyy 2024" in note.lower() and "July 2024" in note  # what was typed, and an example of what works
    assert "Traceback" not in page.content()


def test_a_headless_upload_takes_its_headline_and_a_bad_one_is_explained_without_paths(
    page: Any, tmp_path: Path
) -> None:
    note = tmp_path / "harbor_note.md"
    note.write_text(HEADLESS_NOTE, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(note))
    page.wait_for_function(
        "document.querySelector('#upload-report').innerText.includes('added')", timeout=UPLOAD_TIMEOUT_MS
    )
    report = page.locator("#upload-report").inner_text()
    assert "Harbor Street regional lenders lift small caps in a quiet week" in report  # the title, with a warning
    answer = ask(page, "How much did the Zephyr small-cap basket gain, according to Quillon Partners?")
    assert "3.1%" in answer.inner_text()
    card = page.locator("#sources-panel .source").first.inner_text()
    assert "Harbor Street regional lenders lift small caps" in card
    shot(page, "first-hour-upload.png")

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a PDF at all")
    page.locator("#upload input[type=file]").set_input_files(str(broken))
    page.wait_for_function(
        "document.querySelector('#upload-report').innerText.includes('broken.pdf')", timeout=UPLOAD_TIMEOUT_MS
    )
    report = page.locator("#upload-report").inner_text()
    shot(page, "first-hour-bad-upload.png")
    for leak in (str(tmp_path), "/tmp", "Traceback", "run it again"):
        assert leak not in report


def test_two_sentences_from_one_source_carry_one_attribution(page: Any) -> None:
    answer = ask(page, "What did UBS and Citi say about the rotation into small caps in July 2024?")
    text = answer.inner_text()
    shot(page, "first-hour-attribution.png")
    for source in {card.split("\n")[1] for card in page.locator("#sources-panel .source").all_inner_texts()}:
        publisher = source.split(" · ")[0]
        assert text.count(f"{publisher} reported") <= 1, text
