"""Typos in questions, corrected against the words the indexed articles themselves use (symspellpy).

    correct("goldmen's outlok on the russel 2000") -> "goldman's outlook on the russell 2000"

Only a word that is neither in the index nor among the 20,000 commonest English words is
changed: into the nearest word of the index within one edit for words of up to 6 letters
and two for longer ones, or failing that into an English word one edit away (symspellpy's
frequency list, shipped in its wheel). Short words (up to 3 letters), numbers, short forms the glossary knows and
words written in capitals ("NVDA") or with capitals inside ("iShares") are left alone. A word
with no close match stays as typed, so "bitcoin" over small-cap news is still a word the
articles do not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources

from symspellpy import SymSpell, Verbosity

MIN_LETTERS = 4
COMMON_ENGLISH_WORDS = 20_000  # never corrected: "what" is not a typo of an index word "that"
ENGLISH_WORDS = 60_000  # rarer words than this are more often names than corrections
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
            common, english = _english()
            if (len(word) < MIN_LETTERS or lower in self._known or lower in common or is_short_form(word)
                    or _looks_like_a_name(word)):  # fmt: skip
                return typed
            edits = max_edits(lower)
            found = self._symspell.lookup(lower, Verbosity.TOP, max_edit_distance=edits) or english.lookup(
                lower,
                Verbosity.TOP,
                max_edit_distance=1,  # two edits from English reach too far: bitcoin -> bitching
            )
            if not found:
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
def _english() -> tuple[frozenset[str], SymSpell]:
    """The commonest English words (left alone), and a corrector over the first ENGLISH_WORDS of them."""
    lines = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text().splitlines()
    ranked = [(word, int(count)) for word, count in (line.split() for line in lines[:ENGLISH_WORDS])]
    return frozenset(w for w, _ in ranked[:COMMON_ENGLISH_WORDS]), _symspell(ranked)


def _looks_like_a_name(word: str) -> bool:
    """'NVDA', 'iShares': a ticker or a brand is written that way on purpose."""
    return word.isupper() or any(c.isupper() for c in word[1:])
