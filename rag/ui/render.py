"""Answers as HTML for the chat: escaped text, [n] markers as links to their sources, notices, a meta line.

Everything that came from an article or a model is put on one line and escaped before any
markup is added (rag.ui.text), so a headline such as "<script>" shows as text. Markers become
links to the sources panel:

    answer_html(answer, turn=2): "... 15% over the next twelve months. [1]"
    -> '... 15% over the next twelve months. <a class="cite" href="#src-2-1" ...>[1]</a>'

The HTML has no line breaks of any kind: the chat treats its messages as markdown, and a blank
line would end the HTML block and let markdown rewrite the rest (see rag.ui.text).
"""

from __future__ import annotations

import re

from rag.answer.markers import MARKER, marker, marker_numbers
from rag.records import Answer, Citation, Usage
from rag.ui.text import escape_text, flat_text

EXTRACTIVE_BACKEND = "extractive"


def source_anchor(turn: int, n: int) -> str:
    """The element id of source [n] of turn `turn` in the sources panel: one id per answer, so old links still work."""
    return f"src-{turn}-{n}"


def backend_label(backend: str) -> str:
    """What answers, in words: "extractive" -> "offline extractive"; a model's name is shown as is."""
    return "offline extractive" if backend == EXTRACTIVE_BACKEND else backend


def answer_html(answer: Answer, *, turn: int, filters_active: bool = False) -> str:
    """The whole reply bubble: text with citation links, then any notice, unsupported sentences and the meta line."""
    parts = [f'<div class="answer{" refused" if answer.refused else ""}">']
    if answer.notice:
        parts.append(f'<div class="notice" role="status">{flat_text(answer.notice)}</div>')
    parts.append(_paragraphs(answer, turn))
    if answer.refused:
        hint = "Try rephrasing, or widen the date and publisher filters." if filters_active else "Try rephrasing."
        parts.append(f'<div class="hint">None of the retrieved passages answers this. {hint}</div>')
    if answer.unsupported:
        items = "".join(f"<li>{flat_text(sentence)}</li>" for sentence in answer.unsupported)
        parts.append(
            '<div class="unsupported"><div class="unsupported-title">Not backed by the cited sources '
            f"(check before relying on these):</div><ul>{items}</ul></div>"
        )
    # A follow-up is searched as a standalone question; show it, so a wrong rewrite is visible.
    rewritten = getattr(answer, "rewritten_question", "")
    if rewritten:
        parts.append(f'<div class="rewritten">Searched as: “{flat_text(rewritten)}”</div>')
    parts.append(f'<div class="meta">{flat_text(meta_line(answer))}</div>')
    parts.append("</div>")
    return "".join(parts)


def streaming_html(partial: str) -> str:
    """Text still arriving: escaped, markers shown plainly (their sources are not known yet), and a caret."""
    body = "<br><br>".join(escape_text(paragraph) for paragraph in partial.split("\n\n"))
    return f'<div class="answer streaming"><p>{body}<span class="caret"></span></p></div>'


def pending_html() -> str:
    return '<div class="answer pending"><span class="spinner"></span>Searching the articles…</div>'


def error_html(message: str) -> str:
    return f'<div class="answer error" role="alert"><strong>Could not answer.</strong> {flat_text(message)}</div>'


def meta_line(answer: Answer) -> str:
    """'offline extractive · 0.40 s', plus tokens and cost when a model answered."""
    parts = [backend_label(answer.backend), f"{answer.seconds:.2f} s"]
    if _model_used(answer.usage):
        u = answer.usage
        parts.append(f"{u.prompt_tokens:,} + {u.completion_tokens:,} tokens")
        parts.append(f"${u.cost_usd:.4f}")
    if answer.citations:
        parts.append(f"{len(answer.citations)} source{'s' if len(answer.citations) != 1 else ''}")
    return " · ".join(parts)


def link_markers(escaped_text: str, citations: list[Citation], *, turn: int) -> str:
    """Replace [n] in already-escaped text by links; a marker with no citation stays plain text.

    Every [n] in an answer's text is the answerer's own: text it quotes from a source has had its
    bracketed numbers defused (rag.answer.markers), so a source cannot forge a link to another source.
    """
    by_n = {c.n: c for c in citations}

    def link(match: re.Match[str]) -> str:
        numbers = marker_numbers(match.group(1))
        if not all(n in by_n for n in numbers):
            return match.group(0)
        return "".join(_cite_link(by_n[n], turn) for n in numbers)

    return MARKER.sub(link, escaped_text)


def _cite_link(citation: Citation, turn: int) -> str:
    tooltip = " · ".join(p for p in (citation.publisher, citation.published, citation.title) if p)
    href = f"#{source_anchor(turn, citation.n)}"
    return f'<a class="cite" href="{href}" title="{flat_text(tooltip)}">{marker(citation.n)}</a>'


def _paragraphs(answer: Answer, turn: int) -> str:
    paragraphs = [p.strip() for p in answer.text.split("\n\n") if p.strip()] or [""]
    html = []
    for paragraph in paragraphs:
        html.append(f"<p>{link_markers(flat_text(paragraph), answer.citations, turn=turn)}</p>")
    return "".join(html)


def _model_used(usage: Usage) -> bool:
    return bool(usage.prompt_tokens or usage.completion_tokens or usage.cost_usd)
