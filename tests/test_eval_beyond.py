"""The robustness rewrites and the report's section on what lies beyond the graded questions."""

from __future__ import annotations

from evals import robustness
from evals.beyond import markdown

QUESTION = "What did Orchard Capital expect for the Russell 2000 in March 2031?"


def test_each_rewrite_keeps_the_meaning_and_changes_the_typing() -> None:
    assert robustness.lower(QUESTION) == QUESTION.lower()
    assert robustness.no_punct("What's Orchard's view?") == "Whats Orchards view"
    typo = robustness.typo(QUESTION)
    assert typo != QUESTION and len(typo) == len(QUESTION) and sorted(typo) == sorted(QUESTION)
    assert robustness.typo(QUESTION) == typo  # seeded: the same typo every run
    assert "R2K" in robustness.abbrev(QUESTION) and "Russell 2000" not in robustness.abbrev(QUESTION)
    assert robustness.casual(QUESTION) == "Orchard Capital expect for the Russell 2000 in March 2031"
    assert robustness.clause(QUESTION) == "In March 2031, what did Orchard Capital expect for the Russell 2000?"


def test_the_report_shows_each_figure_beside_the_baseline() -> None:
    beyond = {"robustness": {"all": 0.9}, "squad_v2": {"answer contains a gold answer": 0.777}}
    lines = markdown(beyond, {"robustness": {"all": 0.85}})
    assert "| robustness | all | 0.900 (0.850) |" in lines
    assert "| squad_v2 | answer contains a gold answer | 0.777 (-) |" in lines
