"""The Python API as outside callers use it, offline, with the extractive answerer."""

from __future__ import annotations

import re

import pytest

from rag import REFUSAL, Assistant, InputError, RagError
from rag.records import Hit
from rag.sentences import split_sentences


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
        "How did the Russell 2000 do in December 2023 compared with the S&P 500?",
        "What are Fed rate expectations for 2025 according to CME, Morgan Stanley and Goldman?",
    ]:
        ans = assistant.ask(question)
        first_use = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", ans.text)))
        assert first_use == list(range(1, len(first_use) + 1))
        assert [c.n for c in ans.citations] == first_use


def test_answers_name_the_source_and_its_date(assistant: Assistant) -> None:
    ans = assistant.ask("What is the PE ratio of the iShares Russell 2000 ETF?")
    assert "27.23" in ans.text
    assert "As of 2024-12-03, Golden10 Data reported" in ans.text


def test_questions_the_articles_cannot_answer_are_refused(assistant: Assistant) -> None:
    for question in ["What did Tesla deliver in the second quarter?", "What will US growth be in 2026?"]:
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
    assert len({m["article_id"] for m in chunks}) == 5 and all(m["published"] for m in chunks)
    before = a.generation()
    a.ingest(corpus_copy, sync=True)
    assert a.generation() == before  # nothing changed, nothing swapped
    (corpus_copy / "004_08cc9ec9aa65f3ce.txt").unlink()
    a.ingest(corpus_copy, sync=True)
    assert a.generation() != before and len({m["article_id"] for m in a.indexed_chunks()}) == 4


def test_a_sentence_leaning_on_the_one_before_is_read_and_quoted_with_it(assistant: Assistant) -> None:
    text = "Tom Lee of Fundstrat is optimistic. He envisions the Russell 2000 at 3,000. Rates matter a lot."
    hit = Hit(chunk_id="c", article_id="a", title="t", publisher="p", published="2023-12-26", text=text, position=0,
              score=1.0)  # fmt: skip
    ranked = assistant.answerer.rank_sentences("What level did Tom Lee target for the Russell 2000?", [hit])
    # "He envisions ... 3,000" alone would not say who; read with the sentence before, it covers "Tom Lee".
    assert ranked[0].text == "Tom Lee of Fundstrat is optimistic. He envisions the Russell 2000 at 3,000."
    assert "Rates matter a lot." in {s.text for s in ranked}


def test_headings_are_not_quoted_as_answers(assistant: Assistant) -> None:
    ans = assistant.ask("What did analysts say about the rally in small caps in July 2024?")
    assert "Analysts weigh in on the rally in small-caps [" not in ans.text


def test_news_from_just_after_a_period_answers_for_it(assistant: Assistant) -> None:
    ans = assistant.ask("Where did the NFIB index stand in December 2023?")
    assert not ans.refused and "91.9" in ans.text and ans.citations[0].published == "2024-01-10"


def test_a_month_is_answered_from_later_news_that_names_it(assistant: Assistant) -> None:
    ans = assistant.ask("What was the NFIB reading in November 2023?")
    assert not ans.refused and "90.6" in ans.text and ans.citations[0].published == "2024-01-10"


def test_a_sentence_dated_to_other_months_does_not_answer_for_the_asked_one(assistant: Assistant) -> None:
    # "rose to 91.9 in December from November's 90.6" was published in January 2024, but is not about it.
    assert assistant.ask("What did the NFIB optimism index read in January 2024?").refused


def test_evidence_from_another_time_or_without_the_wanted_answer_is_refused(assistant: Assistant) -> None:
    for question in [
        "What was the iShares Russell 2000 ETF's P/E in February 2024?",  # the only P/E is from December
        "Which Citi analyst wrote the July 2024 note on small-cap valuations?",  # "Citi analysts noted", no name
        "What forward P/E does the S&P 600 trade at?",  # only a spread "in the bottom decile"
    ]:
        assert assistant.ask(question).refused, question


def test_a_question_about_two_periods_is_answered_from_each(assistant: Assistant) -> None:
    ans = assistant.ask("How had the Russell 2000's performance this year changed from late January to mid-July?")
    assert {"2024-01-22", "2024-07-18"} <= {c.published for c in ans.citations}


def test_a_figure_must_measure_what_was_asked(assistant: Assistant) -> None:
    # The January articles hold figures ("about 20% off its all-time highs"), none of them a P/E or a price.
    assert assistant.ask(
        "What was the price-to-earnings ratio of the iShares Russell 2000 ETF in January 2024?"
    ).refused
    assert assistant.ask("What was the price of gold when the Russell 2000 neared 2,500?").refused
    assert assistant.ask("What was gold's price in December 2024?").refused  # the Russell 2000's points are not gold's
    assert "2,442.74" in assistant.ask("What price did the Russell 2000 reach in November 2024?").text
    ans = assistant.ask("What is the iShares Russell 2000 ETF's P/E ratio?")
    assert not ans.refused and "27.23" in ans.text


def test_news_published_before_a_day_does_not_report_it(assistant: Assistant) -> None:
    # The latest article is of 2024-12-03: the year's last close is after every source.
    assert assistant.ask("What level did the Russell 2000 finish at on the final trading day of 2024?").refused


def test_each_period_is_answered_with_the_measure_asked_for(assistant: Assistant) -> None:
    ans = assistant.ask("What price did the Russell 2000 reach in November 2024 versus July 2024?")
    assert "2,442.74 points" in ans.text and "up only 10.5% this year" not in ans.text  # July's sentence is no price


def test_impossible_days_are_refused_not_raised(assistant: Assistant) -> None:
    assert assistant.ask("What happened to small caps on February 30, 2024?").refused


def test_a_short_question_is_answered_from_its_one_telling_word(assistant: Assistant) -> None:
    answer = assistant.ask("Are small caps cheap?")
    assert "cheap valuations" in answer.text and answer.citations[0].publisher == "Moomoo News Global"


def test_a_slashed_abbreviation_finds_its_unslashed_spelling(assistant: Assistant) -> None:
    answer = assistant.ask("What is the P/E of the Russell 2000?")
    assert "27.23" in answer.text and not answer.refused
