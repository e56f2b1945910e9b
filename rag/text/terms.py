"""Words as both keyword retrieval and answer scoring see them: lowercased, stemmed, no stopwords.

terms("The Russell 2000's P/E rose to 27.23 times") -> ["russel", "2000", "pe", "rose", "27.23", "time"]
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

# A change to terms() must bump INDEX_VERSION in rag/index/bm25.py: BM25 indexes kept on disk used the old one.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
# "P/E", "P/Es", "P/B": letters joined by a slash are one abbreviation, written "PE" as often ("the PE
# ratio"). So are "m/m" and "y/y", which become the terms "mm" and "yy".
_SLASHED_LETTERS = re.compile(r"\b([a-z])/([a-z])s?\b")
SLASHED_ABBREVIATION = r"[A-Za-z]/[A-Za-z]s?\b"  # the same, as names() and the follow-up rewriter see words
_WORD = re.compile(rf"{SLASHED_ABBREVIATION}|[A-Za-z][\w&-]*|\d[\d.,]*\d|\d")
# The common English function words (NLTK's list, plus question words). bm25s's own list has only
# 33 words; "what", "how" or "did" left in are rare in news prose, so their high idf pulled in noise.
STOPWORDS = frozenset(
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
    words = [w for w in _TOKEN.findall(_SLASHED_LETTERS.sub(r"\1\2", text.lower())) if w not in STOPWORDS]
    return [_stem(w) for w in words]


@lru_cache(maxsize=20_000)
def term_set(text: str) -> frozenset[str]:
    """A text's terms as a set, split once: answer scoring reads the same passages and sentences question after
    question, and a sentence again as its neighbours' previous and following one."""
    return frozenset(terms(text))


def names(text: str) -> list[str]:
    """Words that name something: capitalised after the first word, acronyms, and numbers.

    names("What did Tesla deliver in Q2 2024, per the ECB?") -> ["Tesla", "Q2", "2024", "ECB"]
    names("Is the P/E high?") -> ["P/E"]
    """
    words = _WORD.findall(text)
    return [w for i, w in enumerate(words) if w[0].isdigit() or w.isupper() or (i > 0 and w[0].isupper())]


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    # "2,500" and "2500" are one number; a decimal point stays ("2.2").
    return re.sub(r",(?=\d{3}\b)", "", word) if word[0].isdigit() else _stemmer.stemWord(word)


# Words that shape a question but carry no content to look for in the answer.
QUESTION_TERMS = frozenset(
    terms(
        "what which who whom whose when where why how does do did much many say said says tell "
        "according article articles report reported mention mentioned expect per cent percent"
    )
)
