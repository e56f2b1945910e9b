"""Words as both keyword retrieval and answer scoring see them: lowercased, stemmed, no stopwords.

    terms("The Russell 2000's P/E rose to 27.23 times") -> ["russel", "2000", "p", "e", "rose", "27.23", "time"]
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
_STOPWORDS = frozenset(STOPWORDS_EN)
_stemmer = Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]
    return [_stem(w) for w in words]


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return word if word[0].isdigit() else _stemmer.stemWord(word)
