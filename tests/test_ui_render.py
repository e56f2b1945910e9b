"""The UI's HTML helpers, without Gradio: links, highlighting, escaping, collapsed extras, status."""

from __future__ import annotations

import inspect
import re
import sys
import unicodedata

import pytest

from rag.errors import ConfigError
from rag.ui import parse_auth
from rag.ui.catalog import Catalog, status_html
from rag.ui.render import answer_html, backend_label, error_html, link_markers, meta_line, streaming_html
from rag.ui.sources import EMPTY_PANEL, highlight, sources_html
from rag.ui.text import one_line
from tests.ui_helpers import CHUNK_TEXT, MODEL_USAGE, QUOTE, answer, citation, hit


def test_markers_become_links_to_that_answers_sources() -> None:
    html = answer_html(answer(), turn=3)
    assert re.search(r'<a class="cite" href="#src-3-1"[^>]*>\[1\]</a>', html)
    assert "[1]</a>" in html and html.count("[1]") == 1


def test_marker_without_a_citation_stays_text() -> None:
    assert link_markers("Claim [2].", [citation(1)], turn=0) == "Claim [2]."


def test_grouped_markers_become_one_link_each() -> None:
    cites = [citation(1), citation(2, hit("c2"))]
    html = link_markers("Both agree [1, 2].", cites, turn=0)
    assert 'href="#src-0-1"' in html and 'href="#src-0-2"' in html and "[1, 2]" not in html


def test_answer_text_and_titles_are_escaped() -> None:
    evil = hit(title='<img src=x onerror="alert(1)">', text="<script>alert(1)</script> Goldman expects 15%.")
    a = answer(
        text="<b>bold</b> claim [1]",
        citations=[citation(1, evil, quote="Goldman expects 15%.")],
        hits=[evil],
    )
    html = answer_html(a, turn=0) + sources_html([(0, a)])
    assert "<script>" not in html and "<img" not in html and "<b>bold" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_highlight_marks_the_quote_inside_the_escaped_chunk() -> None:
    text = "Stocks rose. Goldman <expects> 15%. Bonds fell."
    assert highlight(text, "Goldman <expects> 15%.") == (
        "Stocks rose. <mark>Goldman &lt;expects&gt; 15%.</mark> Bonds fell."
    )


def test_highlight_tolerates_whitespace_and_marks_sentences_found_apart() -> None:
    text = "First point.\nMiddle.   Second   point here."
    html = highlight(text, "Second point here. First point.")  # a quote of two sentences, in another order
    assert html == "<mark>First point.</mark><br>Middle.   <mark>Second   point here.</mark>"


def test_highlight_without_a_match_marks_nothing() -> None:
    assert highlight("a & b", "zzz") == "a &amp; b"


def test_sources_panel_lists_each_cited_article_with_byline_and_marked_quote() -> None:
    html = sources_html([(0, answer())])
    source = re.search(r'<article class="source" id="src-0-1">.*?</article>', html).group(0)
    assert "Russell 2000 set to beat S&amp;P 500" in source
    assert "Moomoo News Global · 2024-01-10" in source
    assert f"<mark>{QUOTE}</mark>" in source
    assert "score 0.0328 · dense #1 · BM25 #2" in source


def test_uncited_chunks_are_collapsed_with_their_scores() -> None:
    html = sources_html([(0, answer())])
    uncited = re.search(r'<details class="uncited">.*</details>', html).group(0)
    assert '<details class="uncited" open' not in html
    assert "1 more retrieved passage, not cited" in uncited
    assert "Fed outlook" in uncited and "Rates may fall in 2024." in uncited
    assert "dense – · BM25 #4" in uncited  # not found by the dense retriever
    assert 'id="src-0-2"' not in html


def test_scores_and_ranks_are_folded_behind_details_in_every_card_and_uncited_passage() -> None:
    html = sources_html([(0, answer(hits=[hit(), hit("c2", title="Fed outlook", time_rank=3)]))])
    folded = re.findall(r'<details class="source-details"><summary>Details</summary>.*?</details>', html)
    assert len(folded) == 2  # the cited card's, and the uncited passage's
    assert "score 0.0328 · dense #1 · BM25 #2</div>" in folded[0]
    assert "score 0.0328 · dense #1 · BM25 #2 · period #3</div>" in folded[1]
    shown = re.sub(r'<details class="source-details">.*?</details>', "", html)
    assert "score" not in shown and "BM25" not in shown and "dense" not in shown


def test_newest_answer_first_and_open_earlier_ones_folded() -> None:
    html = sources_html([(0, answer(question="first?")), (1, answer(question="second?"))])
    assert html.index("second?") < html.index("first?")
    assert '<details class="turn" data-turn="1" open>' in html
    assert '<details class="turn" data-turn="0">' in html
    assert 'id="src-0-1"' in html and 'id="src-1-1"' in html


def test_empty_conversation_shows_the_hint() -> None:
    assert sources_html([]) == EMPTY_PANEL


def test_quote_not_in_chunk_is_still_shown() -> None:
    a = answer(citations=[citation(1, quote="A paraphrase the model wrote.")])
    html = sources_html([(0, a)])
    assert "<mark>A paraphrase the model wrote.</mark>" in html and "Small caps lagged in 2023." in html


def test_unsupported_sentences_and_notice_are_shown() -> None:
    a = answer(unsupported=["Small caps will double <soon>."], notice="The model was unreachable; this is extractive.")
    html = answer_html(a, turn=0)
    assert "Small caps will double &lt;soon&gt;." in html and 'class="unsupported"' in html
    assert 'class="notice"' in html and "The model was unreachable" in html


def test_refusal_is_styled_and_suggests_widening_filters_only_when_filtered() -> None:
    refused = answer(text="The articles do not say.", refused=True, citations=[])
    assert 'class="answer refused"' in answer_html(refused, turn=0)
    assert "widen the date and publisher filters" in answer_html(refused, turn=0, filters_active=True)
    assert "widen" not in answer_html(refused, turn=0)


def test_meta_line_shows_latency_and_adds_tokens_and_cost_for_a_model() -> None:
    assert meta_line(answer()) == "offline extractive · 0.40 s · 1 source"
    model = answer(backend="openai:gpt-4o-mini", usage=MODEL_USAGE, seconds=1.234)
    assert meta_line(model) == "openai:gpt-4o-mini · 1.23 s · 812 + 96 tokens · $0.0002 · 1 source"


def test_backend_label() -> None:
    assert backend_label("extractive") == "offline extractive"
    assert backend_label("gpt-4o-mini") == "gpt-4o-mini"


def test_no_newlines_in_chat_html() -> None:
    # A blank line would end the HTML block and let the chat's markdown rewrite the rest.
    a = answer(text="One [1]\n\nTwo [1]\nthree", unsupported=["x"], notice="n")
    for html in (answer_html(a, turn=0), streaming_html("a\n\nb [1]\nc"), error_html("bad\nthing")):
        assert "\n\n" not in html


LEAK = "![x](http://127.0.0.1:9/leak)"  # as markdown, an image the browser would fetch
# Each ends a line before the chat's markdown reads the message: "\r" in the browser (marked), the rest
# on Gradio's server (inspect.cleandoc splits as str.splitlines); the last are controls that end no line.
BREAKS = ["\r\r", "\r\n\r\n", "\n\n", "\x0b\x0b", "\x0c\x0c", "\x1c\x1d\x1e", "\x85\x85", "\u2028\u2028",
          "\u2029\u2029", "\x00\x08\x1b\x7f\x9b"]  # fmt: skip
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_markdown_line(html: str) -> bool:
    """Whether `html` reaches the browser's markdown as a single line, hence as one HTML block, inert inside."""
    return len(inspect.cleandoc(html).splitlines()) == 1 and not CONTROL.search(html)


@pytest.mark.parametrize("brk", BREAKS, ids=ascii)
@pytest.mark.parametrize("where", ["text", "title", "publisher", "passage", "notice", "rewritten", "unsupported"])
def test_no_text_from_an_article_or_a_model_can_end_the_answers_html(where: str, brk: str) -> None:
    evil = f"Goldman expects 15%.{brk}{LEAK}"
    h = hit(**{"title": {"title": evil}, "publisher": {"publisher": evil},
               "passage": {"text": f"{CHUNK_TEXT}{brk}{LEAK}"}}.get(where, {}))  # fmt: skip
    said = {"text": {"text": f"{evil} [1]"}, "notice": {"notice": evil}, "rewritten": {"rewritten_question": evil},
            "unsupported": {"unsupported": [evil]}}.get(where, {})  # fmt: skip
    a = answer(citations=[citation(1, h)], hits=[h], **said)

    html = answer_html(a, turn=0)
    assert html.startswith('<div class="answer">') and one_markdown_line(html)
    assert re.search(r'<a class="cite" href="#src-0-1"[^>]*>\[1\]</a>', html)  # the citation is still a link
    assert one_markdown_line(sources_html([(0, a)]))


@pytest.mark.parametrize("brk", BREAKS, ids=ascii)
def test_streamed_text_and_errors_stay_on_one_line(brk: str) -> None:
    streamed = streaming_html(f"Goldman expects{brk}{LEAK} [1")
    assert streamed.startswith("<div") and one_markdown_line(streamed)
    assert one_markdown_line(error_html(f"The model at http://localhost:11434 failed:{brk}{LEAK}"))


def test_one_line_blanks_exactly_the_characters_that_can_end_a_line_or_control() -> None:
    # Oracle: Unicode's own classes, controls (Cc) and line and paragraph separators (Zl, Zp), and str.splitlines.
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    lined = one_line(everything)
    assert len(lined) == len(everything) and len(lined.splitlines()) == 1
    changed = {c for c, kept in zip(everything, lined) if c != kept}
    assert changed == {c for c in everything if unicodedata.category(c) in ("Cc", "Zl", "Zp")}


def test_streaming_text_is_escaped_and_marked_as_in_progress() -> None:
    html = streaming_html("Goldman <says> [1")
    assert "Goldman &lt;says&gt; [1" in html and 'class="caret"' in html


def test_status_says_ready_with_counts_and_what_answers() -> None:
    ready = status_html(Catalog(5, 27, ["A"], "2023-12-26", "2024-12-03"), "extractive")
    assert "Index ready" in ready and "5 articles, 27 passages, 2023-12-26 to 2024-12-03" in ready
    assert "offline extractive" in ready
    assert "Index empty" in status_html(Catalog(), "gpt-4o-mini")


def test_parse_auth() -> None:
    assert parse_auth("") is None
    assert parse_auth("ana:s3:cret") == ("ana", "s3:cret")
    for bad in ("nopassword", ":pw", "user:"):
        with pytest.raises(ConfigError, match="user:password"):
            parse_auth(bad)
