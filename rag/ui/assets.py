"""Look and behaviour of the page: theme, CSS, the script that makes [n] open its source, the one that folds
the settings on a phone, and the one that shows a question as sent before the server has it.

They live in Python strings rather than files so that they ship with the package as it is
built (pyproject's package-data lists only the model files).
"""

from __future__ import annotations

import json

import gradio as gr

from rag.ui.render import pending_html

# Gradio's bundled fonts (LocalFont) are served by the app itself: the page loads nothing from elsewhere.
# Its Source Sans Pro SemiBold (600) is a stub of a few glyphs, so semibold text came out in a patchwork of
# fonts ("Roaring Back" with a thin "B"); offering 400 and 700 only, the browser draws 600 with the Bold file.
THEME = gr.themes.Default(
    font=(gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"),
    primary_hue=gr.themes.colors.blue,
    secondary_hue=gr.themes.colors.slate,
    neutral_hue=gr.themes.colors.slate,
    radius_size=gr.themes.sizes.radius_sm,
    text_size=gr.themes.sizes.text_md,
).set(
    body_background_fill="#f6f7f9",
    block_border_width="1px",
    block_shadow="none",
    button_primary_background_fill="#1d4ed8",
    button_primary_background_fill_hover="#1e40af",
)

# Capture phase, on the document: it runs before the chat's own link handling (which opens a new tab),
# and it survives Gradio re-rendering the messages, since nothing is attached to them.
# The card clicked is marked three ways: .selected for the eye, aria-current for a screen reader, and the
# focus, so that reading (or tabbing) goes on from the card; only one card is marked at a time.
CITE_JS = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a.cite, a[href^='#src-']") : null;
  if (!link) return;
  const source = document.getElementById((link.getAttribute("href") || "").slice(1));
  event.preventDefault();
  event.stopPropagation();
  if (!source) return;
  for (let el = source.parentElement; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") el.open = true;
  }
  document.querySelectorAll(".source.selected").forEach((el) => {
    el.classList.remove("selected");
    el.removeAttribute("aria-current");
  });
  source.classList.add("selected");
  source.setAttribute("aria-current", "true");
  source.setAttribute("tabindex", "-1");
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  source.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "nearest" });
  source.focus({ preventScroll: true });
}, true);
</script>
"""

# The width below which the columns stack (CSS: PHONE_MEDIA) and the settings start folded.
PHONE_MEDIA = "(max-width: 767px)"
DESKTOP_MEDIA = "(min-width: 768px)"

# Run in the browser as the page loads: is this a phone's screen? (rag.ui.app folds the settings there.)
IS_PHONE_JS = f"() => window.matchMedia({json.dumps(PHONE_MEDIA)}).matches"

# What the page's <head> gets: the citation script above, which loads nothing.
HEAD = CITE_JS

# Run in the browser when a question is sent (an event with no server function): the question and a
# "Searching" reply appear at once, also while the question waits in the server's queue, and for an
# offline answer the server sends one update, the answer, instead of a pending state first. The server's
# reply replaces the whole chat, so this only has to look like rag.ui.chat.messages: the question as
# flat_text makes it (on one line, escaped), no bubble for an empty one, then render.pending_html.
SHOW_PENDING = r"""
(question, chat) => {
  const flat = (question || "").replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").trim().split(/\s+/).join(" ");
  const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
  const escaped = flat.replace(/[&<>"']/g, (c) => entities[c]);
  const bubble = (role, html) => ({ role: role, content: [{ type: "text", text: html }] });
  const asked = escaped ? [bubble("user", `<div class="question">${escaped}</div>`)] : [];
  return [[...(chat || []), ...asked, bubble("assistant", PENDING_HTML)]];
}
""".replace("PENDING_HTML", json.dumps(pending_html()))

CSS = """
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; }
footer { opacity: 0.6; }

/* Header */
#app-header { padding: 4px 2px 0; }
#app-header h1 { font-size: 1.35rem; font-weight: 600; margin: 0; color: #0f172a; letter-spacing: -0.01em; }
#app-header .subtitle { color: #475569; font-size: 0.92rem; margin: 2px 0 8px; }
.status { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 0.85rem; color: #334155; }
.status .badge { display: inline-block; padding: 1px 9px; border-radius: 999px; background: #e2e8f0; color: #1e293b;
  font-weight: 600; font-size: 0.78rem; margin-right: 6px; }
.status .status-text { margin-right: 10px; }
.status .badge.ok { background: #dcfce7; color: #166534; }
.status .badge.warn { background: #fef3c7; color: #92400e; }

/* Controls: in a narrow column the date picker's button would stick out of its box */
#controls .timebox { display: flex; min-width: 0; }
#controls .timebox input { flex: 1 1 auto; min-width: 0; width: 100%; }
#controls .timebox button.calendar { flex: 0 0 auto; }

/* Adding documents: the upload box, then what the ingest did */
#upload-report:empty { display: none; }
.ingest-report { font-size: 0.82rem; border-radius: 4px; padding: 6px 10px; line-height: 1.4; overflow-wrap: anywhere; }
.ingest-report.ok { background: #f0fdf4; border: 1px solid #bbf7d0; color: #14532d; }
.ingest-report.error { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; }
.ingest-report .ingest-title { font-weight: 600; }
.ingest-report ul { margin: 4px 0 0 16px; padding: 0; }

/* Chat */
#question .submit-button { background: #1d4ed8; color: #fff; font-weight: 600; padding: 0 16px; }
#question .submit-button:hover { background: #1e40af; }
#chat .message-wrap { font-size: 0.95rem; }
.answer p { margin: 0 0 0.6em; line-height: 1.55; }
.answer p:last-of-type { margin-bottom: 0.4em; }
.answer a.cite { text-decoration: none; font-weight: 600; font-size: 0.8em; vertical-align: super; line-height: 0;
  color: #1d4ed8; padding: 0 1px; cursor: pointer; }
.answer a.cite:hover { text-decoration: underline; }
.answer .meta { margin-top: 6px; font-size: 0.78rem; color: #64748b; font-variant-numeric: tabular-nums; }
.answer .rewritten { margin-top: 6px; font-size: 0.8rem; color: #475569; }
.answer.refused p { color: #475569; font-style: italic; }
.answer .hint { font-size: 0.85rem; color: #64748b; }
.field-note { font-size: 0.8rem; color: #64748b; margin-top: -6px; }
.field-error { font-size: 0.8rem; color: #b91c1c; margin-top: -6px; }
.answer .notice { background: #fffbeb; border: 1px solid #fde68a; color: #92400e; border-radius: 4px;
  padding: 6px 10px; margin-bottom: 8px; font-size: 0.88rem; }
.answer .unsupported { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; border-radius: 4px;
  padding: 6px 10px; margin-top: 6px; font-size: 0.88rem; }
.answer .unsupported ul { margin: 4px 0 0 18px; padding: 0; }
.answer.error { color: #991b1b; }
.answer.pending { color: #64748b; }
.answer .caret { display: inline-block; width: 7px; height: 1em; margin-left: 2px; vertical-align: text-bottom;
  background: #94a3b8; animation: blink 1s steps(2, start) infinite; }
.spinner { display: inline-block; width: 12px; height: 12px; margin-right: 8px; vertical-align: -1px;
  border: 2px solid #cbd5e1; border-top-color: #1d4ed8; border-radius: 50%; animation: spin 0.8s linear infinite; }
@keyframes blink { to { visibility: hidden; } }
@keyframes spin { to { transform: rotate(360deg); } }

/* Sources panel */
/* As tall as its cards: a fixed height cut the last card off, and a reader had to find a second scrollbar.
   A click on [n] scrolls the page to its card instead (CITE_JS). Gradio sets overflow inline, hence !important. */
#sources-panel { background: #ffffff; border: 1px solid #e2e8f0; border-radius: 6px; padding: 10px 12px;
  overflow: visible !important; }
.control-hint { font-size: 0.78rem; color: #64748b; line-height: 1.4; padding: 0 4px; }
.panel-title { font-weight: 600; color: #0f172a; font-size: 0.95rem; margin: 0 0 6px; }
.sources-empty, .sources-none { color: #64748b; font-size: 0.9rem; padding: 6px 0; }
.sources details.turn { border-bottom: 1px solid #e2e8f0; padding: 4px 0 8px; }
.sources details.turn > summary { cursor: pointer; font-size: 0.85rem; color: #334155; padding: 4px 0; }
.sources details.turn:not([open]) > summary { color: #64748b; }
.turn-label { text-transform: uppercase; font-size: 0.7rem; letter-spacing: 0.05em; color: #64748b; margin-right: 4px; }
/* A long URL or ticker list in a passage wraps rather than widening the card past the panel */
.source { border: 1px solid #e2e8f0; border-left: 3px solid #cbd5e1; border-radius: 4px; padding: 8px 10px;
  margin: 8px 0; background: #fff; transition: background 0.3s, border-color 0.3s, box-shadow 0.3s;
  scroll-margin: 12px; overflow-wrap: anywhere; min-width: 0; }
.source.selected { border-color: #1d4ed8; border-left: 5px solid #1d4ed8; background: #eff6ff;
  box-shadow: 0 0 0 3px rgba(29, 78, 216, 0.25); outline: none; }
.source:focus { outline: none; }
.source-head { display: flex; gap: 6px; align-items: baseline; }
.source-n { flex: 0 0 auto; font-weight: 700; color: #1d4ed8; font-size: 0.85rem; }
.source-title { font-weight: 600; color: #0f172a; font-size: 0.9rem; line-height: 1.3; flex: 1 1 auto; }
.cited-here { display: none; flex: 0 0 auto; font-size: 0.7rem; font-weight: 600; color: #fff; background: #1d4ed8;
  border-radius: 999px; padding: 1px 8px; white-space: nowrap; }
.source.selected .cited-here { display: inline-block; }
.source-meta, .hit-meta { font-size: 0.8rem; color: #475569; margin: 2px 0 6px; display: flex; flex-wrap: wrap;
  gap: 2px 12px; }
details.source-details { margin-top: 6px; font-size: 0.78rem; color: #64748b; }
details.source-details > summary { cursor: pointer; width: max-content; }
details.source-details .scores { margin-top: 2px; font-variant-numeric: tabular-nums; color: #334155; }
details.source-details .scores-note { margin-top: 2px; line-height: 1.4; }
.passage { margin: 0; padding: 6px 10px; border-left: 2px solid #e2e8f0; color: #334155; font-size: 0.86rem;
  line-height: 1.5; white-space: pre-line; background: #f8fafc; }
.passage mark { background: #fde68a; color: #0f172a; padding: 0 1px; border-radius: 2px; }
.passage-context { margin-top: 6px; color: #64748b; }
details.uncited { margin-top: 8px; font-size: 0.85rem; }
details.uncited > summary { cursor: pointer; color: #475569; }
details.hit { margin: 6px 0 6px 12px; }
details.hit > summary { cursor: pointer; }
.hit-title { color: #1e293b; font-weight: 500; }
.hit-meta { display: inline-flex; margin-left: 8px; }
details.hit details.source-details { margin: 4px 0 0 0; }

/* Side by side, the chat stays pinned while the page scrolls down a long list of sources (a click on [n]
   scrolls the page to its card), so the answer and its card are read together. */
@media DESKTOP_MEDIA {
  #layout > #chat-column { position: sticky; top: 8px; align-self: flex-start; }
}
/* Gradio's overflow: hidden here would make the container the sticky chat's scroller, which never scrolls;
   clip cuts the same overflow without being one. (Outside the @media: Gradio scopes the rules inside one under
   this container, where this selector would match nothing.) */
.gradio-container { overflow: clip !important; }

/* Phone: the chat first, then its sources, then the settings (folded by rag.ui.app) */
@media PHONE_MEDIA {
  #layout { flex-direction: column; }
  #layout > #chat-column { order: 1; }
  #layout > #sources-column { order: 2; }
  #layout > #controls { order: 3; }
  #layout > .column { min-width: 100% !important; }
  /* Short enough that the question box shows without scrolling under the header (Gradio sets the height inline) */
  #chat { height: 60vh !important; min-height: 320px; }
}
""".replace("PHONE_MEDIA", PHONE_MEDIA).replace("DESKTOP_MEDIA", DESKTOP_MEDIA)
