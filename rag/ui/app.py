"""The chat page: Gradio components wired to rag.ui.chat, and how it is served.

The page draws everything from one per-session list of Turns (gr.State): the chat,
the sources panel and the history for follow-ups. Event handlers are thin; the work
is in chat.respond and upload.add_documents, and the HTML in render and sources, which
are tested without Gradio.

Documents uploaded in the left column go into the corpus folder and the index; the status
line, publisher list and date hint then show the new index, here and on every page loaded after.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import ConfigError
from rag.ingest.documents import SUPPORTED_SUFFIXES
from rag.retrieve.filters import Filters
from rag.settings import Settings
from rag.ui.assets import CSS, HEAD, IS_PHONE_JS, SHOW_PENDING, THEME
from rag.ui.assistant import ChatAssistant
from rag.ui.catalog import Catalog, LiveCatalog, status_html
from rag.ui.chat import Turn, date_feedback, make_filters, messages, respond, sources
from rag.ui.sources import EMPTY_PANEL
from rag.ui.text import flat_text
from rag.ui.upload import add_documents_html

log = logging.getLogger(__name__)

TITLE = "Small-cap news analyst"
SUBTITLE = "Answers from the indexed financial news articles only, every claim linked to the passage it comes from."
EXAMPLE_QUESTIONS = (
    "Which Goldman Sachs analyst spoke to Yahoo Finance about small caps?",
    "What did UBS's Jonathan Golub find about unprofitable Russell 2000 companies?",
    "Where does Goldman Sachs see the Fed's target range ending up in 2025?",
    "Why are small-cap stocks so sensitive to interest rates?",
)
MAX_K = 20
# Answering is CPU-bound (embedding, sentence scoring); a few at once keeps every request moving
# on a small machine while the queue holds the rest.
CONCURRENCY = 4
# A model's answers mostly wait on the model; well under Gradio's 40 worker threads, so that page loads
# and uploads still find one when a model hangs.
MODEL_CONCURRENCY = 16


def build_app(
    assistant: ChatAssistant, *, catalog: Catalog | None = None, examples: tuple[str, ...] = EXAMPLE_QUESTIONS
) -> gr.Blocks:
    """The page for one Assistant; the upload box is there when uploads are on (RAG_UPLOADS)."""
    accepts_uploads = assistant.settings.uploads
    live = LiveCatalog(assistant, catalog)
    catalog = live.current()
    demo = gr.Blocks(title=TITLE, analytics_enabled=False)
    with demo:
        turns = gr.State([])
        header = gr.HTML(_header(catalog, assistant.backend), elem_id="app-header", js_on_load=None)
        # On a phone the columns stack chat, sources, settings (assets.CSS), and the settings start folded
        # (fold_on_phone below): someone there came to ask, and the filters would push the chat off screen.
        with gr.Row(equal_height=False, elem_id="layout"):
            with gr.Column(scale=3, min_width=250, elem_id="controls"):
                with gr.Accordion("Search settings", open=True, elem_id="search-settings") as search_settings:
                    # Text, not a date picker: people type "July 2024" or "2024"; a picker drops what it cannot read.
                    date_from = gr.Textbox(label="Published from", placeholder="2024-07-01, July 2024, 2024",
                                           max_lines=1)  # fmt: skip
                    from_note = gr.HTML("", elem_id="from-note", js_on_load=None)
                    date_to = gr.Textbox(label="Published to", placeholder="2024-12-31, Dec 2024, last 6 months",
                                         max_lines=1)  # fmt: skip
                    to_note = gr.HTML("", elem_id="to-note", js_on_load=None)
                    publishers = gr.Dropdown(
                        # Filled when a signed-in page loads: a login page embeds the initial values in its API
                        # schema. So any value is accepted here and checked against the index in make_filters.
                        choices=[],
                        allow_custom_value=True,
                        multiselect=True,
                        label="Publishers",
                        info="Leave empty to search all of them.",
                    )
                    k = gr.Slider(
                        1,
                        MAX_K,
                        value=min(assistant.settings.top_k, MAX_K),
                        step=1,
                        label="Sources (k)",
                        info="Passages retrieved per question.",
                    )
                    hint = gr.HTML(_date_hint(catalog), js_on_load=None)
                if accepts_uploads:
                    with gr.Accordion("Add documents", open=True, elem_id="add-documents") as add_documents:
                        files = gr.File(
                            file_count="multiple",
                            file_types=list(SUPPORTED_SUFFIXES),
                            type="filepath",
                            show_label=False,
                            height=130,
                            elem_id="upload",
                        )
                        upload_report = gr.HTML("", elem_id="upload-report", js_on_load=None)
            with gr.Column(scale=7, min_width=420, elem_id="chat-column"):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    show_label=False,
                    height=600,
                    latex_delimiters=[],  # "$Russell 2000 Index(.RUT.US)$" in an article is not maths
                    feedback_options=None,
                    buttons=["copy"],
                    examples=[{"text": q} for q in examples],
                    placeholder="Ask about small-cap stocks in the indexed news, or start from an example.",
                )
                question = gr.Textbox(
                    elem_id="question",
                    show_label=False,
                    placeholder="Ask a question about the articles…",
                    submit_btn="Ask",
                    autofocus=True,
                    max_lines=6,
                )
                with gr.Row():
                    clear = gr.Button("Clear chat", elem_id="clear", variant="secondary", size="sm", scale=0)
            with gr.Column(scale=5, min_width=340, elem_id="sources-column"):
                gr.HTML('<div class="panel-title">Sources</div>', js_on_load=None)
                panel = gr.HTML(EMPTY_PANEL, elem_id="sources-panel", js_on_load=None)

        def turn_states(
            text: str, state: list[Turn], start: str | None, end: str | None, chosen: list[str] | None, top_k: float
        ) -> Iterator[list[Turn]]:
            def filter_values() -> Filters:
                return make_filters(start, end, chosen, known=live.current().publishers)

            return respond(assistant, state, text, k=int(top_k), filter_values=filter_values)

        # Named parameters, not *values: they name the /ask endpoint's parameters in its API page.
        def answer_at_once(
            text: str, state: list[Turn], start: str | None, end: str | None, chosen: list[str] | None, top_k: float
        ) -> tuple[Any, ...]:
            """One update, the answer. The offline answerer has it at once, so respond's pending state would only
            flash by (the page draws its own: assets.SHOW_PENDING), and each update costs the server a pass of
            postprocessing and a message, and the page as much to read."""
            *_, current = turn_states(text, state, start, end, chosen, top_k)
            return "", current, messages(current), sources(current)

        def answer_streamed(
            text: str, state: list[Turn], start: str | None, end: str | None, chosen: list[str] | None, top_k: float
        ) -> Iterator[tuple[Any, ...]]:
            for i, current in enumerate(turn_states(text, state, start, end, chosen, top_k)):
                # Empty the box once, at the start (the pending state, sent while the model is asked): later it
                # may hold the next question being typed.
                box = "" if i == 0 else gr.skip()
                # The panel changes only when an answer completes; re-sending it with every delta is waste.
                panel_update = sources(current) if current[-1].done else gr.skip()
                yield box, current, messages(current), panel_update

        for field, note, end in ((date_from, from_note, False), (date_to, to_note, True)):
            field.change(partial(date_feedback, end=end), inputs=field, outputs=note, api_visibility="private",
                         show_progress="hidden", queue=False)  # fmt: skip

        if assistant.streams:
            # A model's answer spends its time waiting on the model, not on this machine's CPU: its own group,
            # so that a model that hangs holds up to MODEL_CONCURRENCY questions, not the CPU-bound slots.
            answer: Callable[..., Any] = answer_streamed
            limit, group = MODEL_CONCURRENCY, "model"
        else:
            answer = answer_at_once
            limit, group = CONCURRENCY, "answer"
        inputs = [question, turns, date_from, date_to, publishers, k]
        outputs = [question, turns, chatbot, panel]
        pending: dict[str, Any] = {"fn": None, "inputs": [question, chatbot], "outputs": chatbot, "js": SHOW_PENDING,
                   "show_progress": "hidden", "api_visibility": "private"}  # fmt: skip
        answering: dict[str, Any] = {"fn": answer, "inputs": inputs, "outputs": outputs, "concurrency_limit": limit,
                     "concurrency_id": group, "show_progress": "hidden"}  # fmt: skip
        asking = question.submit(**pending).then(**answering, api_name="ask")
        # Typed and example questions share one concurrency group.
        from_example = (
            chatbot.example_select(_example_text, outputs=question, api_visibility="private")
            .then(**pending)
            .then(**answering, api_visibility="private")
        )
        clear.click(
            lambda: ("", [], [], EMPTY_PANEL),
            outputs=outputs,
            cancels=[asking, from_example],
            api_visibility="private",
        )

        def index_view() -> tuple[str, Any, str]:
            now = live.current()
            return _header(now, assistant.backend), gr.Dropdown(choices=now.publishers), _date_hint(now)

        # A page loaded after an upload (here or in another tab) shows the index as it is now.
        demo.load(index_view, outputs=[header, publishers, hint], api_visibility="private", show_progress="hidden")

        # Gradio draws an accordion open or shut from the server's value, and the server does not know the
        # screen; so the page says, as it loads, whether it is a phone's, and the answer folds the settings
        # there. Gradio's own update, not a click from a script: nothing can race it or undo it.
        on_phone = gr.Checkbox(visible=False)
        folded = [search_settings, add_documents] if accepts_uploads else [search_settings]

        def fold_on_phone(phone: bool) -> list[Any]:
            return [gr.Accordion(open=False) if phone else gr.skip() for _ in folded]

        demo.load(fold_on_phone, inputs=on_phone, outputs=folded, js=IS_PHONE_JS, api_visibility="private",
                  show_progress="hidden")  # fmt: skip
        if accepts_uploads:

            def upload(paths: list[str] | None) -> tuple[Any, ...]:
                settings = assistant.settings
                report = add_documents_html(assistant, paths, Path(settings.corpus_dir), max_mb=settings.upload_max_mb,
                                            max_chunks=settings.upload_max_chunks)  # fmt: skip
                return (None, report, *index_view())

            files.upload(
                upload,
                inputs=files,
                outputs=[files, upload_report, header, publishers, hint],
                api_name="upload",
                # One ingest at a time: two at once would each swap in an index without the other's files.
                concurrency_limit=1,
                concurrency_id="ingest",
            )
        # The chat's own bin icon empties only the chat; forget the turns and sources with it.
        chatbot.clear(
            lambda: ([], EMPTY_PANEL), outputs=[turns, panel], cancels=[asking, from_example], api_visibility="private"
        )
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, prevent_thread_lock: bool = False, quiet: bool = False) -> str:
    """Serve the page on settings.host:port, never through a public share link; returns the local URL."""
    # Gradio's analytics and Hugging Face's telemetry would try the network as the server starts, and this
    # product runs offline. Forced, not defaulted: no environment should turn them on here. Set here, not
    # when rag.ui is imported: importing a module changes nothing outside it. Gradio reads its setting when
    # it launches; the page's Blocks are built with analytics_enabled=False besides.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    demo.queue(default_concurrency_limit=CONCURRENCY)
    _, local_url, _ = demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,  # explicit, so GRADIO_SHARE in the environment cannot open a public tunnel
        auth=login_check(settings.auth),
        auth_message=f"Sign in to {TITLE}.",
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,  # errors are chat messages (rag.ui.chat); never send exception text to the page
        quiet=quiet,
        footer_links=[],
        theme=THEME,
        css=CSS,
        head=HEAD,
    )
    return local_url


FAILED_LOGIN_DELAY_SECONDS = 1.0  # each wrong password costs the guesser a second


def login_check(value: str, *, pause: Callable[[float], None] = time.sleep) -> Callable[[str, str], bool] | None:
    """RAG_AUTH as Gradio's login check: constant-time comparison, every failure logged and slowed down
    (`pause`, FAILED_LOGIN_DELAY_SECONDS each)."""
    pair = parse_auth(value)
    if pair is None:
        return None
    user, password = pair

    def check(given_user: str, given_password: str) -> bool:
        ok = hmac.compare_digest(given_user.encode(), user.encode())
        ok &= hmac.compare_digest(given_password.encode(), password.encode())
        if not ok:
            log.warning("Failed login to the UI as %r.", given_user[:64])
            pause(FAILED_LOGIN_DELAY_SECONDS)
        return ok

    return check


def parse_auth(value: str) -> tuple[str, str] | None:
    """RAG_AUTH "user:password" -> ("user", "password"); "" -> None (no login). The password may hold ':'."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise ConfigError("RAG_AUTH must look like 'user:password' (both parts non-empty), or be unset for no login.")
    return user.strip(), password


def _example_text(event: gr.SelectData) -> str:
    return event.value.get("text", "") if isinstance(event.value, dict) else str(event.value)


def _date_hint(catalog: Catalog) -> str:
    span = f"Indexed articles run from {catalog.first} to {catalog.last}." if catalog.first else ""
    hint = f"Dates: a day, a month (July 2024), a year or 'last 6 months', inclusive; empty for no limit. {span}"
    return f'<div class="control-hint">{flat_text(hint)}</div>'


def _header(catalog: Catalog, backend: str) -> str:
    return f'<h1>{TITLE}</h1><div class="subtitle">{SUBTITLE}</div>{status_html(catalog, backend)}'
