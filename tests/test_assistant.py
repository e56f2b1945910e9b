"""The Python API as outside callers use it, offline, with the extractive answerer."""

from __future__ import annotations

import re

import pytest

from rag import REFUSAL, Assistant, InputError, RagError
from rag.text.sentences import split_sentences


def test_answer_has_the_documented_shape(assistant: Assistant) -> None:
    ans = assistant.ask("What does Goldman expect from the Russell 2000?")
    assert not ans.refused and ans.backend == "extractive"
    assert "15%" in ans.text
    for c in ans.citations:
        assert all((c.n, c.article_id, c.title, c.publisher, c.published, c.chunk_id, c.quote))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.published)
        chunk_text = next(h.text for h in ans.hits if h.chunk_id == c.chunk_id)
        assert all(sentence in chunk_text for sentence in split_sentences(c.quote))
    for h in ans.hits:
        assert (h.text, h.article_id, h.published) and isinstance(h.score, float)


def test_every_marker_has_one_citation_numbered_in_order_of_first_use(assistant: Assistant) -> None:
    for question in [
        "In December 2023, did the Russell 2000 beat the S&P 500? By how much?",
        "What are Fed rate expectations for 2025 according to CME, Morgan Stanley and Goldman?",
    ]:
        ans = assistant.ask(question)
        first_use = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", ans.text)))
        assert first_use == list(range(1, len(first_use) + 1))
        assert [c.n for c in ans.citations] == first_use


def test_answers_name_the_source_and_its_date(assistant: Assistant) -> None:
    ans = assistant.ask("iShares Russell 2000 ETF: what's its PE ratio?")
    assert "27.23" in ans.text
    assert "As of 2024-12-03, Golden10 Data reported" in ans.text


def test_questions_the_articles_cannot_answer_are_refused(assistant: Assistant) -> None:
    for question in ["How many cars did Tesla ship in Q2?", "Which team won the 1998 football world cup?"]:
        ans = assistant.ask(question)
        assert ans.refused and ans.text == REFUSAL and ans.citations == []
        assert ans.hits  # what was looked at is still shown


def test_bad_questions_are_input_errors_that_say_what_to_do(assistant: Assistant) -> None:
    with pytest.raises(InputError, match="empty"):
        assistant.ask("   \n ")
    with pytest.raises(InputError, match="RAG_MAX_QUESTION_CHARS"):
        assistant.ask("why " * 400)
    assert issubclass(InputError, RagError)


def test_keyword_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch, built_index, tmp_path) -> None:
    monkeypatch.setenv("RAG_TOP_K", "3")
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "unused"))
    a = Assistant(data_dir=built_index, show_progress=False)
    assert a.settings.top_k == 3 and a.settings.data_dir == built_index
    assert len(a.ask("Goldman Sachs small caps").hits) == 3


def test_the_index_can_be_listed_and_its_generation_follows_ingests(tmp_path, corpus_copy) -> None:
    from tests.fakes import HashingEmbedder

    a = Assistant(data_dir=tmp_path / "idx", corpus_dir=corpus_copy, embedder=HashingEmbedder(), show_progress=False)
    chunks = a.indexed_chunks()
    assert len({m.article_id for m in chunks}) == 5 and all(m.published for m in chunks)
    before = a.generation()
    a.ingest(corpus_copy, sync=True)
    assert a.generation() == before  # nothing changed, nothing swapped
    (corpus_copy / "004_08cc9ec9aa65f3ce.txt").unlink()
    a.ingest(corpus_copy, sync=True)
    assert a.generation() != before and len({m.article_id for m in a.indexed_chunks()}) == 4


def test_typed_questions_are_read_before_search(assistant: Assistant) -> None:
    # A typo and two short forms: corrected against the index's words, spelled out from the glossary.
    assert assistant.read("goldmen's r2k call") == "goldman's (Goldman Sachs) r2k (Russell 2000) call"
    assert assistant.read("r2k FY2024 vs FY2023") == "r2k (Russell 2000) FY2024 (2024) vs FY2023 (2023)"
    ans = assistant.ask("goldmen's 12 month r2k call?")
    assert ans.rewritten_question.startswith("goldman's (Goldman Sachs) 12 month r2k (Russell 2000)")
    assert not ans.refused and ans.citations


def test_question_reading_can_be_switched_off(built_index) -> None:
    a = Assistant(data_dir=built_index, show_progress=False, read_questions=False)
    assert a.read("goldmen's r2k call") == "goldmen's r2k call"


def test_an_off_topic_question_is_refused(assistant: Assistant) -> None:
    ans = assistant.ask("At what temperature does mercury boil?")
    assert ans.refused and ans.text == REFUSAL and ans.citations == []
