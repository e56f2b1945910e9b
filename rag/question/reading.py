"""What a question is searched and answered as: typos corrected, then short forms spelled out (finance terms,
year ranges such as "2024-25", fiscal years such as "FY2022").

    read("goldmen's r2k forcast?") -> "goldman's r2k (Russell 2000) forecast?"

Both steps are heuristics with a switch (RAG_READ_QUESTIONS, on by default), so they can be
measured and turned off: the spelling corrector knows only the indexed articles' own words
(rag/question/spelling.py), the glossary only finance short forms (rag/question/glossary.py).
"""

from __future__ import annotations

from collections.abc import Callable

from rag.question.glossary import Glossary
from rag.question.periods import spell_out_fiscal_years, spell_out_year_ranges
from rag.question.spelling import SpellingCorrector


class QuestionReader:
    def __init__(self, glossary: Glossary, spelling: Callable[[], SpellingCorrector]) -> None:
        self._glossary = glossary
        self._spelling = spelling  # the live index's vocabulary, which changes with each ingest

    def read(self, question: str) -> str:
        corrected = self._spelling().correct(question, is_short_form=self._glossary.is_short_form)
        return self._glossary.expand(spell_out_year_ranges(spell_out_fiscal_years(corrected)))
