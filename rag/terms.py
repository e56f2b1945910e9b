"""Words as both keyword retrieval and answer scoring see them: lowercased, stemmed, no stopwords.

terms("The Russell 2000's P/E rose to 27.23 times") -> ["russel", "2000", "p", "e", "rose", "27.23", "time"]
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
# The common English function words (NLTK's list, plus question words). bm25s's own list has only
# 33 words; "what", "how" or "did" left in are rare in news prose, so their high idf pulled in noise.
_STOPWORDS = frozenset(
    """
a about above after again against all am an and any are aren as at be because been before being below
between both but by can could couldn d did didn do does doesn doing don down during each few for from
further had hadn has hasn have haven having he her here hers herself him himself his how i if in into is
isn it its itself just ll m ma me might mightn more most must mustn my myself needn no nor not now o of
off on once only or other our ours ourselves out over own re s same shan she should shouldn so some such
t than that the their theirs them themselves then there these they this those through to too under
until up ve very was wasn we were weren what when where which while who whom why will with won would
wouldn y you your yours yourself yourselves whose
""".split()
)
_stemmer = Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]
    return [_stem(w) for w in words]


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return word if word[0].isdigit() else _stemmer.stemWord(word)
