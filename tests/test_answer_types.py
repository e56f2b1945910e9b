"""What kind of answer a question asks for, and whether a sentence holds one."""

from __future__ import annotations

from rag.answer.answer_types import holds, wanted


def test_question_wording_sets_the_kind() -> None:
    assert wanted("By how much did the Dow rise in May 2019?") == "number"
    assert wanted("What's the Stoxx 600's trailing price-to-earnings ratio?") == "number"
    assert wanted("whats the stoxx 600 yield") == "number"  # typed without the apostrophe
    assert not holds("number", "The Stoxx 600 rose 3% on the week.", "whats the stoxx 600 yield")  # not a yield
    assert wanted("On what day did the ECB hike?") == "date"
    assert wanted("Who is the Fundstrat strategist?") == "name"
    assert wanted("Which Citi analyst wrote the note?") == "name"
    assert wanted("What sparked the change in mood?") is None
    # The answer is in the question: any sentence may settle it.
    assert wanted("Who sees deeper cuts, Barclays or UBS?") is None


def test_figures_do_not_count_when_they_are_part_of_an_index_name() -> None:
    question = "At what forward P/E is the S&P 600 priced?"
    assert not holds("number", "The S&P 600 – S&P 500 forward P/E spread is in the bottom decile.", question)
    assert holds("number", "The Russell 2000 trades at 27.23 times earnings.", question)


def test_dates_need_a_day_a_weekday_or_a_month_and_year() -> None:
    question = "What day was the poll taken?"
    assert holds("date", "A survey conducted from Jan. 5-11 showed it.", question)
    assert holds("date", "The Fed met on Wednesday.", question)
    assert not holds("date", "The Fed plans to cut rates in 2024.", question)


def test_names_must_be_new_to_the_question() -> None:
    question = "Which Citi analyst penned the memo?"
    assert not holds("name", "But the valuation gap remains significant, Citi analysts noted.", question)
    assert holds("name", "Citi's Scott Chronert wrote the note.", question)
    assert holds(None, "anything at all", question)


def test_months_weekdays_and_i_are_not_names() -> None:
    question = "who said the Zephyr Quartz Index could double?"
    assert not holds("name", "The Zephyr Quartz Index rose 9% in December and again on Monday.", question)
    assert not holds("name", "“And I think the Zephyr Quartz Index could double,” the note said.", question)
    assert holds("name", "In March, Orla Penn said the Zephyr Quartz Index could double.", question)


def test_a_figure_counts_only_when_its_sentence_names_the_measure_asked_for() -> None:
    question = "What P/E did the Vanguard Small-Cap ETF trade at in March 2023?"
    assert not holds("number", "The Russell 2000 is still about 20% off its all-time highs.", question)
    assert holds("number", "The PE ratio of the Vanguard Small-Cap ETF is 19.4 times.", question)
    price = "What was ether's price when the Dow neared 40,000?"
    assert not holds("number", "The Dow came close to its high at 39,812.5 points.", price)
    assert holds("number", "Ether traded at $3,100.", price)
    # An index's price is its level; whose price it is matters only when the question says.
    assert holds("number", "It came close to its high at 2,442.74 points.", "What price did the Russell 2000 reach?")
    # Measures that prose often leaves unsaid are not required: "rose to 91.9" is a reading.
    assert holds("number", "The NFIB index rose to 91.9 in December.", "What was the NFIB optimism reading?")


def test_measure_questions_in_other_spellings() -> None:
    pe = "Currently, the PE ratio of the Vanguard Small-Cap ETF is 19.4 times."
    assert holds("number", pe, "What's the PE ratio of the Vanguard Small-Cap ETF?")  # "What" is nobody's owner
    assert holds("number", pe, "What’s the Vanguard Small-Cap ETF’s P/E ratio?")
    assert not holds("number", "The Russell 2000 is up only 10.5% this year.", "What’s the price of gold?")
    # An owner ending in a full stop is still found in the sentence.
    assert holds("number", "U.S. crude traded at $80 a barrel.", "What is the price of U.S. crude?")
    assert holds("number", "Silver traded at $24.", "What is the price of silver.")
    # A letter that case-folds to ASCII is not read as a measure (it once raised KeyError).
    assert holds("number", "Gold is up 10.5%.", "What is the prİce of gold?")
