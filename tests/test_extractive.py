"""The offline answerer's decisions on invented text, with a fixed model of our own (not the fitted one).

The fixed model scores a sentence by its coverage of the question's terms alone, and answers when
the best coverage reaches 0.3, so each test controls what wins by the words it uses.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from rag.answer.answer_model import QUESTION_FEATURES, AnswerModel, Logistic, default_model
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.quotes import compose
from rag.answer.sentence_features import FEATURES, QuestionSignals, candidates, features, read_question
from rag.index.bm25 import KeywordIndex
from rag.question.glossary import Glossary
from rag.records import Hit
from rag.ui.render import answer_html
from rag.ui.sources import sources_html
from tests.fakes import HashingEmbedder


def one_hot(names: tuple[str, ...], name: str, weight: float) -> np.ndarray:
    return np.array([weight if n == name else 0.0 for n in names])


def fixed_model(threshold: float = 0.5) -> AnswerModel:
    """Sentence score = 2 x coverage; answerable probability = sigmoid(20 x (best coverage - 0.3))."""
    sentence = Logistic(FEATURES, one_hot(FEATURES, "coverage", 2.0), 0.0, np.zeros(len(FEATURES)),
                        np.ones(len(FEATURES)))  # fmt: skip
    answerable = Logistic(QUESTION_FEATURES, one_hot(QUESTION_FEATURES, "best_coverage", 20.0), -6.0,
                          np.zeros(len(QUESTION_FEATURES)), np.ones(len(QUESTION_FEATURES)))  # fmt: skip
    return AnswerModel(sentence, answerable, threshold, {})


def hit(text: str, *, chunk: str = "c1", published: str = "2031-03-02", publisher: str = "Daily Ledger") -> Hit:
    return Hit(chunk_id=chunk, article_id=f"a-{chunk}", title="t", publisher=publisher, published=published,
               text=text, position=0, score=1.0)  # fmt: skip


def answerer(*texts: str) -> ExtractiveAnswerer:
    vocabulary = KeywordIndex([f"v{i}" for i in range(len(texts))], list(texts))
    glossary = Glossary({"ZQX": ("Zephyr Quartz Index",)})
    return ExtractiveAnswerer(HashingEmbedder(), lambda: vocabulary, model=fixed_model(), glossary=glossary)


def test_the_best_covering_sentence_is_quoted_with_its_source_and_date() -> None:
    text = "Orchard Capital expects the Zephyr Quartz Index to gain 12% next year. Weather was mild in March."
    answer = answerer(text).answer("What gain does Orchard Capital expect for the Zephyr Quartz Index?", [hit(text)])
    assert not answer.refused
    assert answer.text == (
        "As of 2031-03-02, Daily Ledger reported: Orchard Capital expects the Zephyr Quartz Index to gain 12% "
        "next year. [1]"
    )
    assert [c.n for c in answer.citations] == [1] and answer.citations[0].chunk_id == "c1"


def test_too_little_evidence_is_refused() -> None:
    text = "Orchard Capital expects the Zephyr Quartz Index to gain 12% next year."
    answer = answerer(text).answer("What dividend did Pelican Mills pay in 2030?", [hit(text)])
    assert answer.refused and answer.citations == []


def test_a_sentence_leaning_on_the_one_before_comes_with_it() -> None:
    text = "Mara Quill of Orchard Capital is upbeat. She sees the Zephyr Quartz Index at 900. Rates matter."
    found = candidates([hit(text)])
    assert [c.text for c in found] == [
        "Mara Quill of Orchard Capital is upbeat.",
        "Mara Quill of Orchard Capital is upbeat. She sees the Zephyr Quartz Index at 900.",
    ]  # "Rates matter." is too short to answer anything


def test_headings_are_not_candidates() -> None:
    found = candidates([hit("Analysts weigh in on the quartz rally\nThe rally has further to run, brokers said.")])
    assert [c.sentence for c in found] == ["The rally has further to run, brokers said."]


def test_a_sentence_announcing_what_follows_brings_it() -> None:
    text = ("The quartz rally in Zephyr stems from two key elements. Cheaper credit reached miners in spring. "
            "Demand from glassworks doubled.")  # fmt: skip
    answer = answerer(text).answer("What does the quartz rally in Zephyr stem from?", [hit(text)])
    assert "two key elements. Cheaper credit reached miners in spring. [1]" in answer.text


def test_the_sentence_after_the_best_comes_when_it_carries_on_with_what_was_asked() -> None:
    text = ("Orchard Capital says the Zephyr Quartz Index still looks cheap. It trades at 11 times earnings, "
            "near its lows. Weather was mild in March.")  # fmt: skip
    answer = answerer(text).answer("Does Orchard Capital think the Zephyr Quartz Index looks cheap?", [hit(text)])
    assert "looks cheap. It trades at 11 times earnings, near its lows. [1]" in answer.text
    assert "Weather" not in answer.text  # shares no question term and holds no asked kind of answer


def test_a_sentence_brought_along_is_not_quoted_twice() -> None:
    # The announced sentence answers best on its own; its announcer, second, brings it along again.
    text = ("The quartz rally in Zephyr stems from two key elements. Cheap credit fuelled the quartz rally. "
            "Demand from glassworks doubled.")  # fmt: skip
    answer = answerer(text).answer("What fuelled the quartz rally in Zephyr, cheap credit?", [hit(text)])
    assert answer.text.count("Cheap credit") == 1
    assert "two key elements. Cheap credit fuelled the quartz rally. " in answer.text  # in the passage's order


def test_quotes_of_one_passage_that_touch_are_joined_in_order() -> None:
    text = ("Orchard Capital sees the Zephyr Quartz Index at 900. Pelican Mills sees it at 700. "
            "Both cite cheaper credit.")  # fmt: skip
    question = "Where do Orchard Capital and Pelican Mills see the Zephyr Quartz Index?"
    answer = answerer(text).answer(question, [hit(text)])
    assert answer.text.count("Pelican Mills") == 1 and answer.text.count("[1]") == 1
    assert "at 900. Pelican Mills sees it at 700." in answer.text


def test_a_second_sentence_is_quoted_only_when_it_adds_what_was_asked() -> None:
    first = "Orchard Capital sees the Zephyr Quartz Index rising 12% on strong glass demand."
    echo = "Orchard Capital sees the Zephyr Quartz Index rising on demand."  # close, but adds nothing asked
    adds = "Pelican Mills sees the Zephyr Quartz Index rising 8%."  # adds "Pelican Mills"
    question = "How much do Orchard Capital and Pelican Mills see the Zephyr Quartz Index rising?"
    a = answerer(first, echo, adds)
    one = a.answer(question, [hit(first), hit(echo, chunk="c2")])
    two = a.answer(question, [hit(first), hit(adds, chunk="c2", publisher="Port Gazette")])
    assert len(one.citations) == 1
    assert len(two.citations) == 2 and {c.publisher for c in two.citations} == {"Daily Ledger", "Port Gazette"}


@pytest.mark.parametrize(
    ("march", "july", "question"),
    [
        ("In March 2031 the Zephyr Quartz Index rose 4% as miners hired.",
         "In July 2031 the Zephyr Quartz Index rose 9% after the merger.",
         "How did the Zephyr Quartz Index move in March 2031 and in July 2031?"),
        # The July sentence holds few of the question's words, but it is the only July source.
        ("In March 2031 the Zephyr Quartz Index rose 4% as Orchard Capital and Pelican Mills miners hired.",
         "Prices in July 2031 climbed.",
         "How did the Zephyr Quartz Index, Orchard Capital and Pelican Mills fare in March 2031 vs July 2031?"),
    ],
)  # fmt: skip
def test_a_question_about_two_periods_gets_a_sentence_about_each(march: str, july: str, question: str) -> None:
    hits = [hit(march, published="2031-04-02"), hit(july, chunk="c2", published="2031-08-01")]
    answer = answerer(march, july).answer(question, hits)
    assert {c.published for c in answer.citations} == {"2031-04-02", "2031-08-01"}


def test_a_period_the_best_quote_already_speaks_of_brings_no_other_source() -> None:
    both = "The Zephyr Quartz Index rose 4% in March 2031 and 9% in July 2031."
    march = "In March 2031 miners hired again."
    question = "How did the Zephyr Quartz Index move in March 2031 and in July 2031?"
    hits = [hit(both, published="2031-08-01"), hit(march, chunk="c2", published="2031-04-02")]
    answer = answerer(both, march).answer(question, hits)
    assert [c.chunk_id for c in answer.citations] == ["c1"]


def test_a_short_form_counts_as_its_phrase() -> None:
    text = "The Zephyr Quartz Index closed at a record on Friday."
    a = answerer(text)
    asked = read_question("Where did the ZQX close on Friday?", KeywordIndex(["v"], [text]), Glossary(
        {"ZQX": ("Zephyr Quartz Index",)}))  # fmt: skip
    row = features(asked, candidates([hit(text)]), np.array([0.5]))[0]
    assert row[FEATURES.index("names_found")] == 1.0  # "ZQX" found as "Zephyr Quartz Index"
    assert a.knows("ZQX") and not a.knows("QQZ")


def test_a_short_form_and_its_spelled_out_phrase_count_once_whichever_a_sentence_uses() -> None:
    short = "Orchard flagged weak quartz demand, per the OQC."
    spelled = "Orchard flagged weak quartz demand, per the Oslo Quartz Council."
    glossary = Glossary({"OQC": ("Oslo Quartz Council",)})
    vocabulary = KeywordIndex(["a", "b", "c"], [short, spelled, "Quartz prices were flat."])
    asked = read_question(glossary.expand("what did the oqc say about quartz demand?"), vocabulary, glossary)
    table = features(asked, candidates([hit(short), hit(spelled, chunk="c2")]), np.array([0.5, 0.5]))
    coverage, names_found = FEATURES.index("coverage"), FEATURES.index("names_found")
    assert table[0][coverage] == table[1][coverage] == 1.0  # three words counted apart would favour the phrase
    assert table[0][names_found] == table[1][names_found] == 1.0
    # Part of a phrase is part of the concept: "Quartz Council" without "Oslo" covers less than either form.
    partial = features(asked, candidates([hit("Orchard flagged weak quartz demand, per the Quartz Council.")]),
                       np.array([0.5]))  # fmt: skip
    assert 0.0 < partial[0][coverage] < 1.0 and partial[0][names_found] == 0.0


def test_coverage_weighs_each_concept_by_its_rarest_form_once() -> None:
    gold, bofa = (frozenset({"gold"}),), (frozenset({"bofa"}), frozenset({"bank", "america"}))
    idf = {"gold": 2.0, "bofa": 3.0, "bank": 1.0, "america": 1.0}
    asked = QuestionSignals("q", idf, [gold, bofa], [], None)
    # "gold" weighs 2; the BofA concept weighs its commoner form's 2 (bank + america), not 3 + 1 + 1.
    assert asked.coverage(set()) == 0.0
    assert asked.coverage({"gold"}) == 0.5
    assert asked.coverage({"bank"}) == 0.25  # half of the phrase: half of the concept
    assert asked.coverage({"gold", "bofa"}) == asked.coverage({"gold", "bank", "america"}) == 1.0
    assert QuestionSignals("q", {}, [], [], None).coverage({"gold"}) == 0.0


def test_a_sentence_quoted_with_its_antecedent_holds_the_name_the_antecedent_gives() -> None:
    text = (
        "Orchard Capital's chief strategist, Mira Solberg, spoke on Friday. She expects the Zephyr index to reach 900."
    )
    asked = read_question("Who expects the Zephyr index to reach 900?", KeywordIndex(["v"], [text]), Glossary({}))
    found = candidates([hit(text)])
    assert found[1].text == text  # "She ..." is quoted with the sentence that says who she is
    table = features(asked, found, np.array([0.5, 0.5]))
    assert table[1][FEATURES.index("answer_type_fit")] == 1.0


def test_a_name_the_source_carries_in_its_title_or_publisher_counts_as_found() -> None:
    text = "Capital spending rose to 4.1 billion in the year as the quartz plant opened."
    question = "What did Zephyr Holdings spend on capital in 2031?"
    a = answerer(text)
    ranked = a.rank_sentences(question, [hit(text, publisher="Zephyr Holdings")])
    anonymous = a.rank_sentences(question, [hit(text, publisher="Daily Ledger")])
    names = QUESTION_FEATURES.index("names_found")
    assert a.question_features(question, ranked)[names] > a.question_features(question, anonymous)[names]


def test_the_features_are_on_their_documented_scales() -> None:
    text = "Orchard Capital expects the Zephyr Quartz Index to gain 12% in March 2031. Other news followed today."
    asked = read_question("What gain for the Zephyr Quartz Index in March 2031?", KeywordIndex(["v"], [text]),
                          Glossary({}))  # fmt: skip
    found = candidates([hit(text, published="2031-03-05")])
    table = features(asked, found, np.array([0.8, 0.2]))
    best = dict(zip(FEATURES, table[0]))
    assert best["similarity"] == 0.8 and best["similarity_gap"] == 0.0 and table[1][1] == pytest.approx(-0.6)
    assert best["coverage"] == 1.0 and best["coverage_gap"] == 0.0 and best["retrieval_rank"] == 1.0
    assert best["names_found"] == 1.0 and best["answer_type_fit"] == 1.0 and best["period_fit"] == 1.0
    assert best["period_in_sentence"] == 1.0 and table[1][FEATURES.index("period_in_sentence")] == 0.0
    assert all(0.0 <= table[1][i] <= 1.0 for i in (0, 2, 4, 5, 6, 7, 8, 9, 10, 11))


def test_a_sentence_naming_the_month_in_another_year_is_not_in_the_period() -> None:
    text = "The Zephyr Quartz Index ended November up 11%. The index is near its November 2029 high of 950."
    asked = read_question("zqx gain in november 2031", KeywordIndex(["v"], [text]), Glossary({}))
    table = features(asked, candidates([hit(text, published="2031-12-03")]), np.array([0.5, 0.5]))
    column = FEATURES.index("period_in_sentence")
    assert [row[column] for row in table] == [1.0, 0.0]  # typed in lower case, still a period


def test_the_shipped_model_matches_the_features_and_says_what_it_was_trained_on() -> None:
    model = default_model()
    assert model.sentence.features == FEATURES and model.answerable.features == QUESTION_FEATURES
    assert "SQuAD 2.0" in model.record["sentence"]["trained_on"]
    assert "test split is never used" in model.record["answerable"]["trained_on"]
    assert 0.0 < model.threshold < 1.0 and model.record["answerable"]["trade_off"]


def test_composing_groups_quotes_by_source() -> None:
    a = answerer("x")
    text = "Orchard Capital expects a 12% gain in quartz. Pelican Mills expects 8% in quartz."
    ranked = a.rank_sentences("What gain do Orchard Capital and Pelican Mills expect in quartz?", [hit(text)])
    body, citations = compose(ranked[:2])
    assert body.count("Daily Ledger reported") == 1 and body.count("[1]") == 2 and len(citations) == 1


def test_two_passages_of_one_article_share_one_attribution() -> None:
    a = answerer("x")
    first = hit("Orchard Capital expects a 12% gain in quartz this year.", chunk="c1")
    second = replace(hit("Pelican Mills expects an 8% gain in quartz this year.", chunk="c2"), article_id="a-c1")
    ranked = a.rank_sentences("What gain do Orchard Capital and Pelican Mills expect in quartz?", [first, second])
    body, citations = compose(ranked[:2])
    assert body.count("Daily Ledger reported") == 1 and "[1]" in body and "[2]" in body and len(citations) == 2


def test_a_sources_own_bracketed_numbers_are_quoted_as_text_never_as_citations() -> None:
    # An article's own "[2]" (a footnote), quoted, would otherwise link to our source 2: another outlet's passage.
    first = "Orchard Capital sees the Zephyr Quartz Index rising 12% on strong glass demand [2]."
    adds = "Pelican Mills sees the Zephyr Quartz Index rising 8%, as its note [1] says."
    question = "How much do Orchard Capital and Pelican Mills see the Zephyr Quartz Index rising?"
    hits = [hit(first), hit(adds, chunk="c2", publisher="Port Gazette [1]")]
    answer = answerer(first, adds).answer(question, hits)

    number = {c.chunk_id: c.n for c in answer.citations}  # which one comes first is the ranking's business
    assert set(number) == {"c1", "c2"}
    assert f"glass demand (2). [{number['c1']}]" in answer.text and "Port Gazette (1) reported" in answer.text
    assert f"as its note (1) says. [{number['c2']}]" in answer.text
    html = answer_html(answer, turn=0)
    assert sorted(re.findall(r'<a class="cite" href="#(src-0-\d+)"', html)) == ["src-0-1", "src-0-2"]  # ours only
    # The citation keeps the quote as the article has it, so the sources panel still finds and marks it.
    assert "glass demand [2].</mark>" in sources_html([(0, answer)])


def test_this_year_counts_as_the_year_of_publication() -> None:
    text = "The Zephyr Quartz Index is up 9% this year. The Zephyr Quartz Index rose 2% in 2029."
    asked = read_question("zqx gain in 2031", KeywordIndex(["v"], [text]), Glossary({}))
    table = features(asked, candidates([hit(text, published="2031-07-18")]), np.array([0.5, 0.5]))
    column = FEATURES.index("names_found")
    assert table[0][column] > table[1][column]


def test_following_coverage_counts_the_question_terms_of_the_next_sentence() -> None:
    text = "Orchard Capital still likes quartz miners. Its target for the Zephyr index is 900."
    asked = read_question("Orchard Capital target for the Zephyr index?", KeywordIndex(["v"], [text]), Glossary({}))
    first = features(asked, candidates([hit(text)]), np.array([0.5, 0.5]))[0]
    assert first[FEATURES.index("following_coverage")] == 1.0 > first[FEATURES.index("coverage")]
