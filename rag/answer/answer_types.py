"""What kind of answer a question asks for, and whether a sentence holds one.

A sentence can share every word of a question and still not answer it: "At what forward P/E
is the S&P 600 priced?" is not answered by "the S&P 600 – S&P 500 forward P/E
spread remains in the bottom decile", which has no figure, only index names.

    wanted("How far did micro-caps climb in March 2023?") -> "number"
    holds("number", "It ended March with an 11% increase.", question) -> True
    holds("number", "Forward multiples show a similar trend for the S&P 600.", question) -> False

A figure must also measure what was asked: "What P/E ...?" is not answered by "20% off its
all-time highs" (`_names_measure`).

Only questions whose wording settles the type get one; "What sparked the turn?" gets None
and any sentence may answer it.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.text.months import MONTH_NAME

AnswerType = Literal["number", "date", "name"]

_NUMBER_QUESTION = re.compile(
    r"\b(?:how (?:much|many|high|low|far|big|large|fast|deep)|by how|what(?:['’]?s)? (?:[\w/&'’.-]+ ){0,6}?"
    r"(?:percentage|percent|share|return|rate|level|price|p/e|ratio|multiple|reading|target|figure|yield|gain"
    r"|growth rate|value|number|total|odds))\b",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(r"\b(?:on what (?:date|day)|what (?:date|day|month|year))\b", re.IGNORECASE)
_NAME_QUESTION = re.compile(
    r"^(?:who|whose)\b|\b(?:which|what) (?:[\w&.'’-]+ ){0,2}?(?:analyst|strategist|economist|official|person|firm|bank"
    r"|company)\b"
    r"|\bname of\b",
    re.IGNORECASE,
)
_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)  # "UBS or Barclays?": the answer is in the question

# Numbers that are part of a name, not a figure: "Russell 2000", "S&P 500", "Nasdaq 100", "Q2".
_NAMED_NUMBER = re.compile(r"(?:Russell|S&P|Nasdaq-?|Dow|FTSE|Stoxx|Nikkei|Q)\s*\d+", re.IGNORECASE)
_FIGURE = re.compile(r"\d")
_DAY = re.compile(
    rf"\b{MONTH_NAME} \d{{1,2}}\b|\b\d{{1,2}} {MONTH_NAME}"
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    rf"|\b{MONTH_NAME} (?:19|20)\d{{2}}\b|\b(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}\b"
)
_CAPITALISED = re.compile(r"\b[A-Z][\w&.'-]*")
# Capitalised words that never answer "who" or "which firm": months, weekdays, "I".
_NOT_NAMES = re.compile(rf"^(?:{MONTH_NAME}|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|I)$")

# A figure answers "What P/E ...?" only when its sentence says what it measures: "20% off its highs" is
# not a P/E. Only measures a sentence names in so many words; "reading" or "share" often go unsaid.
_PE = r"\bp/?e\b|price[- ]to[- ]earnings|times (?:\w+ )?earnings|earnings multiple"
_RATIO = rf"{_PE}|\bratio|\bmultiple|\btimes\b"
_MEASURES = {
    "p/e": _PE,
    "price-to-earnings": _PE,
    "ratio": _RATIO,
    "multiple": _RATIO,
    # An index's price is its level: "2,442.74 points".
    "price": r"\bpric(?:e|ed|es|ing)\b|\$\s?\d|\btrad(?:es|ed|ing) at\b|\bpoints?\b|\blevel",
    "yield": r"\byield",
}
# ASCII case folding only: "prİce" must not match "price" and then miss its key in _MEASURES.
_MEASURE_QUESTION = re.compile(
    r"\bwhat(?:['’]?s)? (?P<words>(?:[\w/&'’.-]+ ){0,6}?)(?P<measure>" + "|".join(map(re.escape, _MEASURES)) + r")"
    r"(?![\w/-])",
    re.IGNORECASE | re.ASCII,
)
# Whose measure: "bitcoin's price", "the ETF's P/E" (the word before the possessive), "the price of gold".
_OWNER = re.compile(r"([\w&.-]+)['’]s\b")
_OF_OWNER = re.compile(r" of (?:the |an? )?([\w&.-]+)", re.IGNORECASE)


def wanted(question: str) -> AnswerType | None:
    if _CHOICE.search(question):
        return None
    if _DATE_QUESTION.search(question):
        return "date"
    if _NAME_QUESTION.search(question):
        return "name"
    if _NUMBER_QUESTION.search(question):
        return "number"
    return None


def holds(kind: AnswerType | None, sentence: str, question: str) -> bool:
    """Whether `sentence` contains an answer of that kind (always, when the kind is None)."""
    if kind == "number":
        return bool(_FIGURE.search(_NAMED_NUMBER.sub(" ", sentence))) and _names_measure(sentence, question)
    if kind == "date":
        return bool(_DAY.search(sentence))
    if kind == "name":
        asked = {w.lower() for w in _CAPITALISED.findall(question)}
        words = _CAPITALISED.findall(sentence.lstrip("“\"'‘ "))[1:]  # the first word is capitalised anyway
        return any(w.lower() not in asked and not _NOT_NAMES.match(w.rstrip(".")) for w in words)
    return True


def _names_measure(sentence: str, question: str) -> bool:
    """Whether the sentence names the measure the question asks for, and whose it is when the question
    says so ("bitcoin's price" is not "2,442.74 points" of the Russell 2000); true when it asks for none."""
    asked = _MEASURE_QUESTION.search(question)
    if not asked:
        return True
    if not re.search(_MEASURES[asked.group("measure").lower()], sentence, re.IGNORECASE):
        return False
    owner = _OWNER.search(asked.group("words")) or _OF_OWNER.match(question, asked.end())
    name = owner.group(1).rstrip(".-") if owner else ""  # "the price of gold." asks about gold
    return not name or re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, re.IGNORECASE) is not None
