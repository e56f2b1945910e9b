"""The sources panel: for each answer, its cited passages with the quoted sentences marked, then the rest collapsed.

    highlight("Stocks rose. Goldman expects 15%. Bonds fell.", "Goldman expects 15%.")
    -> 'Stocks rose. <mark>Goldman expects 15%.</mark> Bonds fell.'

Article text keeps its paragraphs as <br> and is otherwise put on one line and escaped
(rag.ui.text), like everything else from an article.

A card is written for a reader: title, publisher and date, then the passage. How the passage
was retrieved (fused score, rank in each retriever) is for whoever tunes the search, so it sits
behind a "Details" toggle inside the card.

The newest answer's sources are open; earlier answers' are folded into <details>, and
a click on an old [n] opens them (see assets.CITE_JS). Every id is per answer
(render.source_anchor), so [1] of the first answer never points at [1] of the second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.markers import marker
from rag.records import Answer, Citation, Hit
from rag.text.sentences import split_sentences
from rag.ui.render import source_anchor
from rag.ui.text import escape_text, flat_text

EMPTY_PANEL = (
    '<div class="sources-empty">Ask a question: the passages behind each answer appear here, '
    "with the quoted sentences highlighted.</div>"
)


def highlight(text: str, quote: str) -> str:
    """`text` as _passage writes it, with each place `quote` (or, failing that, each of its sentences) in <mark>.

    Whitespace may differ between the two (a quote joins sentences with one space).
    """
    spans = _find(text, quote)
    if not spans:
        spans = [span for sentence in split_sentences(quote) for span in _find(text, sentence)]
    out, at = [], 0
    for start, end in _merge(spans):
        out.append(_passage(text[at:start]))
        out.append(f"<mark>{_passage(text[start:end])}</mark>")
        at = end
    out.append(_passage(text[at:]))
    return "".join(out)


def sources_html(answers: Sequence[tuple[int, Answer]]) -> str:
    """The panel for a whole conversation: (turn, answer) pairs, oldest first; the newest is shown open."""
    if not answers:
        return EMPTY_PANEL
    blocks = [_turn_block(turn, answer, newest=i == len(answers) - 1) for i, (turn, answer) in enumerate(answers)]
    return '<div class="sources">' + "".join(reversed(blocks)) + "</div>"


def citation_html(citation: Citation, hit: Hit | None, *, turn: int) -> str:
    """One cited passage: number, title, publisher and date, then the chunk with the quote marked."""
    if hit is not None and _find_any(hit.text, citation.quote):
        passage = highlight(hit.text, citation.quote)
    else:
        # The quote is not in the chunk (a model paraphrased it): show both rather than mark nothing.
        chunk = f"<div class='passage-context'>{_passage(hit.text)}</div>" if hit else ""
        passage = f"<mark>{_passage(citation.quote)}</mark>{chunk}"
    return (
        f'<article class="source" id="{source_anchor(turn, citation.n)}">'
        f'<div class="source-head"><span class="source-n">{marker(citation.n)}</span>'
        f'<span class="source-title">{flat_text(citation.title or "Untitled article")}</span>'
        '<span class="cited-here">Cited here</span></div>'
        f'<div class="source-meta">{_byline(citation.publisher, citation.published)}</div>'
        f'<blockquote class="passage">{passage}</blockquote>'
        f"{_details(hit) if hit else ''}"
        "</article>"
    )


def uncited_html(hits: Sequence[Hit]) -> str:
    """Retrieved passages no sentence cites, folded away; each opens to its text, its scores behind Details."""
    if not hits:
        return ""
    items = "".join(
        f'<details class="hit"><summary><span class="hit-title">{flat_text(h.title or "Untitled article")}</span>'
        f'<span class="hit-meta">{_byline(h.publisher, h.published)}</span></summary>'
        f'<div class="passage">{_passage(h.text)}</div>{_details(h)}</details>'
        for h in hits
    )
    plural = "s" if len(hits) != 1 else ""
    return (
        f'<details class="uncited"><summary>{len(hits)} more retrieved passage{plural}, not cited</summary>'
        f"{items}</details>"
    )


def _turn_block(turn: int, answer: Answer, *, newest: bool) -> str:
    hits = {h.chunk_id: h for h in answer.hits}
    cited_ids = {c.chunk_id for c in answer.citations}
    cited = "".join(citation_html(c, hits.get(c.chunk_id), turn=turn) for c in answer.citations)
    if not answer.citations:
        cited = '<div class="sources-none">No passage was cited for this answer.</div>'
    uncited = uncited_html([h for h in answer.hits if h.chunk_id not in cited_ids])
    question = f'<span class="turn-label">Sources for</span> “{flat_text(answer.question)}”'
    return (
        f'<details class="turn" data-turn="{turn}"{" open" if newest else ""}>'
        f"<summary>{question}</summary>{cited}{uncited}</details>"
    )


def _byline(publisher: str, published: str) -> str:
    parts = [flat_text(publisher) or "Unknown publisher", flat_text(published) or "undated"]
    return f'<span class="byline">{" · ".join(parts)}</span>'


def _details(hit: Hit) -> str:
    """The retrieval figures, folded: 'score 0.0328 · dense #1 · BM25 #2', and what they mean in words."""
    dense = f"#{hit.dense_rank}" if hit.dense_rank else "–"
    bm25 = f"#{hit.bm25_rank}" if hit.bm25_rank else "–"
    period = f" · period #{hit.time_rank}" if hit.time_rank else ""
    # In words rather than a tooltip: a phone shows no tooltips.
    return (
        '<details class="source-details"><summary>Details</summary>'
        f'<div class="scores">score {hit.score:.4f} · dense {dense} · BM25 {bm25}{period}</div>'
        '<div class="scores-note">Reciprocal-rank fusion score, and the rank in each retriever (–: not found by it; '
        "BM25 counts only its strong matches; for a question about several periods, fusion counts ranks within "
        "each period).</div></details>"
    )


def _passage(text: str) -> str:
    """Article text escaped, its paragraphs (one a line) as <br>: "A.\\nB.\\r\\x85C." -> "A.<br>B.  C."."""
    return "<br>".join(escape_text(line) for line in text.split("\n"))


def _find(text: str, quote: str) -> list[tuple[int, int]]:
    words = quote.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [m.span() for m in re.finditer(pattern, text)]


def _find_any(text: str, quote: str) -> bool:
    return bool(_find(text, quote) or any(_find(text, s) for s in split_sentences(quote)))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
