"""Context packing: best chunks first, neighbours merged without repeats, whole sentences, within budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from rag import Assistant, ConfigError, Hit
from rag.answer.packing import pack
from rag.answer.prompts import format_sources
from rag.ingest.chunking import chunk_article
from rag.records import Article
from rag.text.sentences import split_sentences
from rag.text.tokens import count_tokens

BODY = (
    "Alpha rose 2% on Monday. Beta fell 1% the same day. Gamma was flat.\n"
    "Delta gained 4% after earnings. Epsilon lost 3% on a downgrade. Zeta doubled its dividend."
)


def article_hits(body: str = BODY, *, max_tokens: int = 20, overlap: int = 1, article_id: str = "a") -> list[Hit]:
    """Real chunks of a small article (each shares `overlap` sentences with the next), as hits in article order."""
    article = Article(id=article_id, title=f"Title {article_id}", body=body, publisher="P", published="2024-02-01")
    chunks = chunk_article(article, max_tokens=max_tokens, overlap=overlap)
    return [Hit(chunk_id=f"{article_id}{c.position}", article_id=article_id, title=article.title, publisher="P",
                published="2024-02-01", text=c.text, position=c.position, score=1.0) for c in chunks]  # fmt: skip


def test_neighbours_merge_without_repeating_their_shared_sentences() -> None:
    hits = article_hits()
    assert len(hits) >= 3 and all(split_sentences(a.text)[-1] == split_sentences(b.text)[0]
                                  for a, b in zip(hits, hits[1:]))  # fmt: skip
    (source,) = pack(list(reversed(hits)), budget=10_000)
    assert source.text == BODY  # every sentence once, paragraphs kept
    assert [h.position for h in source.hits] == [h.position for h in hits]


def test_separate_runs_stay_separate_sources_ordered_by_rank() -> None:
    a, b = article_hits(), article_hits(article_id="b")
    ranked = [b[2], a[0], b[0], a[1]]  # b[0] and b[2] are not neighbours
    sources = pack(ranked, budget=10_000)
    assert [(s.n, s.article_id, [h.position for h in s.hits]) for s in sources] == [
        (1, "b", [2]),
        (2, "a", [0, 1]),
        (3, "b", [0]),
    ]


def test_the_budget_is_kept_and_no_sentence_is_cut() -> None:
    hits = article_hits(max_tokens=30, overlap=0)
    sentences = set(split_sentences(BODY))
    for budget in range(40, 200, 7):
        sources = pack(hits, budget=budget)
        assert count_tokens(format_sources(sources)) <= budget
        assert all(s in sentences for source in sources for s in split_sentences(source.text))


def test_a_chunk_too_big_is_cut_back_to_whole_leading_sentences() -> None:
    (hit,) = article_hits(max_tokens=1000)
    first_two = " ".join(split_sentences(BODY)[:2])
    budget = count_tokens(format_sources(pack([replace(hit, text=first_two)], budget=10_000)))
    (source,) = pack([hit], budget=budget)  # room for two sentences and their block, not three
    assert source.text == first_two


def test_a_later_smaller_chunk_can_still_fit() -> None:
    big = replace(article_hits(max_tokens=1000)[0], text="Word " * 300 + "end.")
    small = article_hits(article_id="s")[0]
    sources = pack([big, small], budget=count_tokens(format_sources(pack([small], budget=10_000))))
    assert [s.article_id for s in sources] == ["s"]


def test_real_corpus_hits_fit_the_context_window(make_llm_assistant: Callable[..., Assistant]) -> None:
    assistant = make_llm_assistant()
    hits = assistant.retrieve("What does Goldman Sachs expect from the Russell 2000?", k=10)
    sources = pack(hits, budget=800)
    assert count_tokens(format_sources(sources)) <= 800 and sources
    assert hits[0] in sources[0].hits  # source [1] holds the best chunk
    for source in sources:
        sentences = split_sentences(source.text)
        assert len(sentences) == len(set(sentences))  # merged neighbours repeat nothing


def test_a_window_too_small_for_any_source_names_the_settings(
    make_llm_assistant: Callable[..., Assistant],
) -> None:
    assistant = make_llm_assistant(llm_context_tokens=900, llm_answer_tokens=600)
    with pytest.raises(ConfigError, match="RAG_LLM_CONTEXT_TOKENS=900.*RAG_LLM_ANSWER_TOKENS=600"):
        assistant.ask("What does Goldman Sachs expect from the Russell 2000?")
