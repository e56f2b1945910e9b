"""Typos in questions, corrected against the words the indexed articles themselves use (symspellpy).

    correct("goldmen's view on the small-cap valutions") -> "goldman's view on the small-cap valuations"

A word changes only when it is in neither the index nor English (symspellpy's frequency list of
82,765 words, shipped in its wheel), and only into a word of the index: within one edit for words
of up to 6 letters, two for longer ones. So "bullish", "crypto" or "reits" stay as typed even
over articles that never use them, and a correction always brings a word the search can find.
Short words (up to 3 letters), glossary short forms and names are left alone: a word in capitals
("NVDA"), with capitals inside ("iShares"), or capitalised after the first word ("Ms Yellen").
A word with no close match stays as typed, so "bitcoin" over small-cap news is still a word the
articles do not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources

from symspellpy import SymSpell, Verbosity

MIN_LETTERS = 4
_WORD = re.compile(r"(?<![\w&/])[A-Za-z]+(?:'[a-z]+)?(?![\w&/])")


def max_edits(word: str) -> int:
    return 1 if len(word) <= 6 else 2


class SpellingCorrector:
    def __init__(self, words: Iterable[str]) -> None:
        counts: dict[str, int] = {}
        for word in words:
            counts[word] = counts.get(word, 0) + 1
        self._known = counts
        self._symspell = _symspell(counts.items())

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> SpellingCorrector:
        """The vocabulary of some texts: their words, lower-cased."""
        return cls(w.lower() for text in texts for w in re.findall(r"[A-Za-z]+", text))

    def correct(self, question: str, *, is_short_form: Callable[[str], bool] = lambda _: False) -> str:
        def fix(match: re.Match[str]) -> str:
            typed = match.group(0)
            word, _, suffix = typed.partition("'")
            lower = word.lower()
            first = match.start() == len(question) - len(question.lstrip())
            if (len(word) < MIN_LETTERS or lower in self._known or lower in english_words() or is_short_form(word)
                    or _looks_like_a_name(word, first=first)):  # fmt: skip
                return typed
            found = self._symspell.lookup(lower, Verbosity.TOP, max_edit_distance=max_edits(lower))
            if not found or _one_extends_the_other(lower, found[0].term):
                return typed
            fixed = found[0].term
            fixed = fixed.capitalize() if word[0].isupper() else fixed
            return f"{fixed}'{suffix}" if suffix else fixed

        return _WORD.sub(fix, question)


def _symspell(counts: Iterable[tuple[str, int]]) -> SymSpell:
    symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    for word, count in counts:
        symspell.create_dictionary_entry(word, count)
    return symspell


@cache
def english_words() -> frozenset[str]:
    """The words of symspellpy's English frequency list: never corrected."""
    lines = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text().splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip())


def _one_extends_the_other(typed: str, known: str) -> bool:
    """'crypto' and 'crypt', 'quants' and 'quanta': a word and a longer or shorter one are two words, not a typo."""
    shorter, longer = sorted((typed, known), key=len)
    return longer.startswith(shorter[:-1]) and len(longer) > len(shorter) or typed[:-1] == known[:-1]


def _looks_like_a_name(word: str, *, first: bool) -> bool:
    """'NVDA', 'iShares', and 'Yellen' after the first word: written that way on purpose."""
    return word.isupper() or any(c.isupper() for c in word[1:]) or (word[0].isupper() and not first)
