"""The periods a question names, and which publication dates report on them."""

from __future__ import annotations

from rag.question.periods import (
    NOT_YET,
    nearest_period,
    periods,
    relative_years,
    spell_out_fiscal_years,
    spell_out_year_ranges,
)


def spans(text: str) -> list[tuple[str, int, int, int, int, int | None]]:
    return [(p.text, p.first_month, p.first_day, p.last_month, p.last_day, p.year) for p in periods(text)]


def test_months_parts_of_months_and_days() -> None:
    assert spans("What happened in July 2024?") == [("July 2024", 7, 1, 7, 31, 2024)]
    assert spans("How big was the move in mid-July 2023?") == [("mid-July 2023", 7, 11, 7, 20, 2023)]
    assert spans("between late January and early March") == [
        ("late January", 1, 21, 1, 31, None),
        ("early March", 3, 1, 3, 10, None),
    ]
    assert spans("In a January 10, 2024 note") == [("January 10, 2024", 1, 10, 1, 10, 2024)]


def test_parts_of_years_and_quarters() -> None:
    assert spans("from late 2023 to mid-2024") == [("late 2023", 9, 1, 12, 31, 2023), ("mid-2024", 5, 1, 8, 31, 2024)]
    assert spans("ahead of Q2 2024 earnings") == [("Q2 2024", 4, 1, 6, 31, 2024)]
    assert spans("for the second quarter of 2022")[0][1:] == (4, 1, 6, 31, 2022)
    assert spans("During the first weeks of 2023")[0][1:] == (1, 1, 2, 31, 2023)
    assert spans("Come the end of 2022, what were traders pricing?")[0][1:] == (12, 1, 12, 31, 2022)


def test_months_typed_in_lower_case() -> None:
    assert spans("r2k gain in october 2031") == [("october 2031", 10, 1, 10, 31, 2031)]
    assert spans("what happened mid-july") == [("mid-july", 7, 11, 7, 20, None)]
    assert spans("jobs data dec 2030 vs jan 2031")[1] == ("jan 2031", 1, 1, 1, 31, 2031)
    # Months that are everyday words count only with a day or year beside them.
    assert spans("will it march higher or mar the rally, or may it fade") == []
    assert spans("small caps in may 2031") == [("may 2031", 5, 1, 5, 31, 2031)]
    # as question reading leaves it, a short form spelled out in brackets
    assert spans("r2k in nov (November) 2031") == [("nov (November) 2031", 11, 1, 11, 31, 2031)]


def test_years_typed_short_after_an_apostrophe() -> None:
    assert spans("rates dec '30 vs jul ’31") == [("dec '30", 12, 1, 12, 31, 2030), ("jul ’31", 7, 1, 7, 31, 2031)]
    assert spans("R2K at the end of '30") == [("end of '30", 12, 1, 12, 31, 2030)]
    assert periods("rock n' roll 23 times") == []


def test_a_month_and_a_number_that_may_be_a_year_is_the_whole_month() -> None:
    # "jul 31" may be the 31st or July 2031 typed short: the month of any year holds both readings.
    assert spans("small caps in jul 31") == [("jul 31", 7, 1, 7, 31, None)]
    assert spans("what happened on July 24th") == [("July 24th", 7, 24, 7, 24, None)]  # a day, plainly
    assert spans("as of dec 3") == [("dec 3", 12, 3, 12, 3, None)]  # no year: the 3rd
    assert spans("on jul 24, 2031") == [("jul 24, 2031", 7, 24, 7, 24, 2031)]


def test_words_that_are_not_periods() -> None:
    assert periods("Small caps may lag if the market marches on; what about 2024?") == []
    # A forecast's deadline is not when the news was reported.
    assert periods("Could small caps reach 3,500 by the end of 2025?") == []
    assert periods("Where was it trading by early December 2023?") == []


def test_a_period_covers_news_published_during_it_or_within_a_month_after() -> None:
    (december,) = periods("the NFIB reading for December 2023")
    assert december.covers("2023-12-26") and december.covers("2024-01-10")
    assert not december.covers("2024-02-15") and not december.covers("2023-11-30")
    assert not december.covers("") and not december.covers("not a date")
    (late_january,) = periods("in late January")  # no year: any year
    assert late_january.covers("2024-01-22") and late_january.covers("2019-02-10")
    assert not late_january.covers("2024-07-18")


def test_a_text_mentions_a_month_by_name_and_a_part_of_a_year_by_its_year() -> None:
    (january,) = periods("the P/E in January 2024")
    assert january.mentioned_in("the P/E fell in January") and january.mentioned_in("a Jan. 5-11 survey")
    assert not january.mentioned_in("the P/E is currently 27.23 times")
    (late,) = periods("rates in late 2023")
    assert late.mentioned_in("a 22-year high in 2023") and not late.mentioned_in("rates in 2024")
    # A month named with another year is another time.
    assert not january.mentioned_in("the S&P 500 is 1% behind its January 2022 record")
    assert january.mentioned_in("its January 2024 low") and january.mentioned_in("since January 5, 2024")


def test_news_recalls_a_named_month_by_name_for_a_year_after_it() -> None:
    (november,) = periods("the NFIB reading in November 2023")
    recalled = "The NFIB index rose to 91.9 in December from November's 90.6."
    assert november.recalled_in(recalled, "2024-01-10") and not november.covers("2024-01-10")
    assert not november.recalled_in(recalled, "2025-01-10")  # over a year on: another November
    assert not november.recalled_in(recalled, "2023-10-30")  # before it
    assert not november.recalled_in("The NFIB index rose to 91.9.", "2024-01-10")
    (early,) = periods("in early 2024")
    assert not early.recalled_in("small caps in 2024", "2024-07-18")  # any "2024" would count


def test_quarters_are_read_in_any_case() -> None:
    (q1,) = periods("First quarter of 2024")
    assert (q1.first_month, q1.last_month, q1.year) == (1, 3, 2024)
    (q2,) = periods("over the Second Quarter of 2022")  # a capitalised ordinal once raised KeyError
    assert (q2.first_month, q2.last_month) == (4, 6)


def test_a_years_last_trading_day_is_its_last_weekday() -> None:
    assert spans("Where did it end up on the final trading day of 2024?") == [
        ("final trading day of 2024", 12, 31, 12, 31, 2024)
    ]
    assert spans("on the final trading session of 2023") == [("final trading session of 2023", 12, 29, 12, 29, 2023)]


def test_a_source_about_several_periods_speaks_for_the_nearest() -> None:
    december, january = periods("in late December 2023 compared with late January 2024")
    assert january.lag("2024-01-22") == 0 and december.lag("2024-01-22") == 22
    # Published just after late December and during late January: it reports on late January.
    assert nearest_period([december, january], "Small caps fell.", "2024-01-22") == january
    assert nearest_period([december, january], "Small caps fell.", "2024-01-10") == december
    assert nearest_period([december, january], "Small caps fell.", "2024-07-18") is None
    (mid_july,) = periods("in mid-July")  # no year: the latest mid-July begun by the date
    assert mid_july.lag("2024-07-18") == 0 and mid_july.lag("2024-08-20") == 31


def test_a_last_trading_day_is_a_weekday_and_after_by_it_is_a_deadline() -> None:
    assert spans("Last trading day of 2023") == [("Last trading day of 2023", 12, 29, 12, 29, 2023)]  # a Friday
    assert periods("Will it reach 2,500 by the final trading day of 2025?") == []


def test_lag_nesting_and_impossible_days() -> None:
    (day,) = periods("its last trading session of 2023")
    assert day.lag("2023-12-01") == NOT_YET and day.lag("undated") == NOT_YET
    quarter, december = periods("in Q4 2024, especially December 2024")
    assert nearest_period([quarter, december], "Small caps rose.", "2024-12-10") == december  # the more specific
    (leap,) = periods("on February 29")
    assert leap.covers("2023-03-01")  # no February 29 in 2023: its last day stands in, no ValueError


def test_this_year_in_news_names_the_year_it_was_published() -> None:
    assert relative_years("up 10% this year after a flat last year; next year looks better", "2031-07-18") == {
        2031, 2030, 2032}  # fmt: skip
    assert relative_years("up 10% this year", "") == set()  # undated: no year to count from
    (late,) = periods("the rally in late 2031")
    assert late.mentioned_in("The index is up 10% this year.", "2031-10-02")
    assert not late.mentioned_in("The index is up 10% this year.", "2032-01-05")
    assert not late.mentioned_in("The index is up 10% this year.")


def test_a_quarter_without_a_year_is_those_months_of_any_year() -> None:
    (q3,) = periods("how did zephyr miners do in q3")
    assert (q3.first_month, q3.last_month, q3.year) == (7, 9, None)
    assert periods("the third quarter") == [q3] and periods("the third quarter of 2031")[0].year == 2031
    assert q3.covers("2031-08-15") and not q3.covers("2031-05-15")
    assert q3.mentioned_in("third-quarter sales fell") and q3.mentioned_in("Q3 2030 sales")
    assert not q3.mentioned_in("Q2 sales fell") and not q3.mentioned_in("sales fell in 2031")
    assert periods("sales should recover by Q3") == []  # a deadline, not the time of the news


def test_a_range_of_two_years_typed_short_is_spelled_out() -> None:
    assert spell_out_year_ranges("the 2031-32 outlook, 2031/33 too") == "the 2031-2032 outlook, 2031-2033 too"
    assert spell_out_year_ranges("data for 2031-12 and 2031-02") == "data for 2031-12 and 2031-02"  # months


def test_a_fiscal_year_typed_as_one_word_gets_its_year_beside_it() -> None:
    assert spell_out_fiscal_years("Zephyr's FY2031 capex vs fy32") == "Zephyr's FY2031 (2031) capex vs fy32 (2032)"
    assert spell_out_fiscal_years("in Q3FY31?") == "in Q3FY31 (2031)?"
    assert spell_out_fiscal_years("FY 2031, SFY2031, FY2031-32") == "FY 2031, SFY2031, FY2031-32"  # as typed


def test_a_month_named_alone_in_news_is_its_nearest_one() -> None:
    (nov_2030,) = periods("in November 2030")
    (nov_2031,) = periods("in November 2031")
    (mar_2031,) = periods("in March 2031")
    looking_back = "The Zephyr pivot began in November."
    assert nov_2030.mentioned_in(looking_back, "2031-01-10") and not nov_2031.mentioned_in(looking_back, "2031-01-10")
    assert mar_2031.mentioned_in("Traders bet on a cut in March.", "2031-01-10")  # ahead: the coming March
    assert nov_2031.mentioned_in("It ended November up 4%.", "2031-12-03")
    assert nov_2031.mentioned_in(looking_back)  # undated: any year's November
