from rag.text.sentences import split_sentences


def test_keeps_abbreviations_initials_and_decimals_whole() -> None:
    text = "The U.S. index rose 2.5%. A survey ran Jan. 5-11. J. Smith agreed. It helped!"
    assert split_sentences(text) == [
        "The U.S. index rose 2.5%.",
        "A survey ran Jan. 5-11.",
        "J. Smith agreed.",
        "It helped!",
    ]


def test_splits_after_closing_quotes() -> None:
    assert split_sentences("“We expect a good backdrop.” Snider said so. “Yes,” he added.") == [
        "“We expect a good backdrop.”",
        "Snider said so.",
        "“Yes,” he added.",
    ]


def test_lines_are_paragraphs() -> None:
    assert split_sentences("Debt Issue\nRates matter. A lot.") == ["Debt Issue", "Rates matter.", "A lot."]


def test_lowercase_after_period_does_not_split() -> None:
    assert split_sentences("often seen asTechnical analysisThe barrier. ok then") == [
        "often seen asTechnical analysisThe barrier. ok then"
    ]
