"""Source cards in headless Chromium, as a reader meets them: what a card shows, what it keeps folded,
that none is cut off, what a click on [n] does, and the page on a phone.

The question has two sources in the corpus, and the second card starts below the fold of a
1440 x 900 window, so a click on [2] has to scroll. Screenshots go to test-output/ui-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui_helpers import OUTPUT_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Two periods, each reported by its own article: the answer quotes the best sentence about each.
TWO_SOURCES_QUESTION = "How did the Russell 2000 move in December 2023 and in November 2024?"
ANSWER_TIMEOUT_MS = 30_000
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15 in portrait
SCORES = re.compile(r"^score 0\.\d{4} · dense (#\d+|–) · BM25 (#\d+|–)( · period #\d+)?$")

# The parts of an element's box that no ancestor clips: its box cut by every ancestor whose overflow is not
# visible. A card shown whole keeps its whole box, and its own content fits it (nothing scrolls inside it).
UNCLIPPED = """
(el) => {
  const box = el.getBoundingClientRect();
  let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === "visible" && style.overflowY === "visible") continue;
    const r = a.getBoundingClientRect();
    left = Math.max(left, r.left); right = Math.min(right, r.right);
    top = Math.max(top, r.top); bottom = Math.min(bottom, r.bottom);
  }
  return { box: [box.left, box.top, box.right, box.bottom], shown: [left, top, right, bottom],
           overflows: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1 };
}
"""
IN_VIEW = """
(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }
"""


@pytest.fixture
def open_page(browser: Any, ui_url: str) -> Iterator[Any]:
    """open_page(viewport) -> a fresh page of the app in a window that size; closed after the test."""
    contexts: list[Any] = []

    def open_(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.goto(ui_url)
        page.wait_for_selector("#question textarea")
        return page

    yield open_
    for context in contexts:
        context.close()


def ask(page: Any, question: str = TWO_SOURCES_QUESTION) -> Any:
    """Ask, wait for the answer and its cards; returns the answer's [n] links."""
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat .answer:not(.pending):not(.streaming) .meta", timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector("#sources-panel .source")
    links = page.locator("#chat .answer").last.locator("a.cite")
    assert links.count() == 2, "the question is chosen to have two sources"
    return links


def card_for(page: Any, link: Any) -> Any:
    return page.locator(f"#sources-panel {link.get_attribute('href')}")


def shot(page: Any, name: str, **kw: Any) -> None:
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / name), **kw)


def test_a_card_shows_title_publisher_date_and_the_quote_marked(open_page: Any) -> None:
    page = open_page(DESKTOP)
    links = ask(page)
    reply = page.locator("#chat .answer").last.inner_text()
    for i in range(links.count()):
        link = links.nth(i)
        card = card_for(page, link)
        # Oracle: the link's tooltip, written from the same Citation by another function (render._cite_link).
        publisher, published, title = link.get_attribute("title").split(" · ", 2)
        assert card.locator(".source-title").inner_text() == title
        assert card.locator(".byline").inner_text() == f"{publisher} · {published}"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", published)
        marked = " ".join(card.locator(".passage mark").all_inner_texts())
        assert marked and " ".join(marked.split()) in " ".join(reply.split())  # the answer quotes what is marked
        assert card.locator(".passage mark").first.is_visible()

    # The title is drawn in one font (Gradio's semibold file lacks most letters: assets.THEME).
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    title_node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#sources-panel .source-title"})
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": title_node["nodeId"]})["fonts"]
    assert len(fonts) == 1, fonts

    # Desktop: settings open on the left, the chat in the middle, the sources on the right.
    assert page.get_by_label("Published from").is_visible()
    left = [page.locator(s).bounding_box()["x"] for s in ("#controls", "#chat-column", "#sources-column")]
    assert left == sorted(left)
    shot(page, "ui-cards-desktop.png", full_page=True)


def test_ranks_and_scores_stay_behind_details_until_opened(open_page: Any) -> None:
    page = open_page(DESKTOP)
    ask(page)
    panel = page.locator("#sources-panel")
    for text in ("score", "dense", "BM25"):
        assert text not in panel.inner_text()  # not in a card, nor in the folded uncited list

    card = panel.locator(".source").first
    assert not card.locator(".scores").is_visible()
    card.locator("details.source-details > summary").click()
    scores = card.locator(".scores")
    scores.wait_for(state="visible")
    assert SCORES.match(scores.inner_text()), scores.inner_text()
    assert "rank in each retriever" in card.locator(".scores-note").inner_text()
    assert not panel.locator(".source").nth(1).locator(".scores").is_visible()  # only the card opened
    card.scroll_into_view_if_needed()
    shot(page, "ui-card-details.png")

    # An uncited passage, opened to read it, still keeps its figures folded.
    panel.locator("details.uncited > summary").click()
    hit = panel.locator("details.hit").first
    hit.locator("summary").first.click()
    assert hit.locator(".passage").is_visible() and not hit.locator(".scores").is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_card_is_shown_whole(open_page: Any, viewport: dict[str, int]) -> None:
    page = open_page(viewport)
    ask(page)
    page.locator("#sources-panel .source-details > summary").first.click()  # an opened card is whole too
    cards = page.locator("#sources-panel .source")
    assert cards.count() == 2
    for i in range(cards.count()):
        seen = cards.nth(i).evaluate(UNCLIPPED)
        assert seen["shown"] == seen["box"], f"card {i + 1} is clipped: {seen}"
        assert not seen["overflows"], f"card {i + 1} scrolls inside itself"
        passage = cards.nth(i).locator(".passage").evaluate(UNCLIPPED)
        assert passage["shown"] == passage["box"] and not passage["overflows"]
    # Nor does the page scroll sideways to show them.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]


def test_a_click_on_n_brings_its_card_into_view_and_marks_it_alone(open_page: Any) -> None:
    page = open_page(DESKTOP)
    links = ask(page)
    first, second = card_for(page, links.nth(0)), card_for(page, links.nth(1))
    assert not second.evaluate(IN_VIEW)  # below the fold: the click has to scroll

    links.nth(0).click()
    page.wait_for_selector(f"#sources-panel #{first.get_attribute('id')}.selected")
    assert first.get_attribute("aria-current") == "true" and first.locator(".cited-here").is_visible()
    assert len(page.context.pages) == 1  # in place, not in a new tab

    links.nth(1).click()
    second.wait_for(state="visible")
    page.wait_for_function(f"({IN_VIEW})(document.getElementById('{second.get_attribute('id')}'))")
    assert "selected" in second.get_attribute("class") and second.get_attribute("aria-current") == "true"
    assert second.locator(".cited-here").inner_text() == "Cited here" and second.locator(".cited-here").is_visible()
    assert page.evaluate("document.activeElement.id") == second.get_attribute("id")
    # The mark moved: the first card is plain again.
    assert "selected" not in first.get_attribute("class") and first.get_attribute("aria-current") is None
    assert not first.locator(".cited-here").is_visible()
    assert page.locator("#sources-panel .source.selected").count() == 1
    page.wait_for_timeout(400)  # the smooth scroll settles before the picture
    # The page scrolled down to the card, and the chat came along: the answer and its card are both in view.
    assert page.evaluate("window.scrollY") > 0
    assert links.nth(1).evaluate(IN_VIEW) and page.locator("#question textarea").evaluate(IN_VIEW)
    shot(page, "ui-card-clicked.png")

    links.nth(0).click()  # back up the page
    page.wait_for_function(f"({IN_VIEW})(document.getElementById('{first.get_attribute('id')}'))")
    assert page.locator("#sources-panel .source.selected").get_attribute("id") == first.get_attribute("id")


def test_on_a_phone_the_chat_comes_first_then_sources_and_the_settings_are_folded(open_page: Any) -> None:
    page = open_page(PHONE)
    page.wait_for_function(  # both accordions there, and both shut
        "(t => t.length == 2 && t.every(b => !b.classList.contains('open')))"
        "([...document.querySelectorAll('#controls button.label-wrap')])"
    )
    assert not page.get_by_label("Published from").is_visible()
    question = page.locator("#question textarea").bounding_box()
    assert question["y"] + question["height"] <= PHONE["height"]  # ask without scrolling first

    ask(page)
    chat = page.locator("#chat").bounding_box()
    sources = page.locator("#sources-panel").bounding_box()
    settings = page.locator("#controls").bounding_box()
    assert chat["y"] + chat["height"] <= sources["y"] < settings["y"]
    assert page.locator("#search-settings > button").inner_text().startswith("Search settings")
    shot(page, "ui-phone.png", full_page=True)

    page.locator("#search-settings > button").click()  # still there for whoever wants the filters
    page.get_by_label("Published from").wait_for(state="visible")
