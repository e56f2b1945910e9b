"""The offline answerer: quote the retrieved sentences that answer the question, with sources.

Each sentence of the top chunks gets a score from two signals:
- meaning: cosine similarity of its embedding to the question's;
- coverage: the share of the question's terms it contains, weighted by rarity (idf),
  so "Tom Lee" or "NFIB" count for more than "small caps". A term no article
  contains counts fully against coverage: that is how "bitcoin" questions get refused.

    score = meaning_weight * cosine + (1 - meaning_weight) * coverage

The best sentence must reach the refusal threshold (calibrated on the dev questions
by evals/calibrate.py), speak of the time the question asks about, and hold the kind of
answer it wants (rag/answer_types.py), else the answer is the fixed refusal. Up to
`max_sentences` sentences close to the best are quoted (or one per period, for a question
about more periods than that), each attributed to its source and date, because outlooks in these
articles go stale ("As of 2024-12-03, Golden10 Data reported: ...").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag import answer_types
from rag.answerer import REFUSAL
from rag.embeddings import Embedder, VectorCache
from rag.glossary import Glossary, default_glossary
from rag.keyword import KeywordIndex
from rag.records import Answer, Citation, Hit
from rag.sentences import split_sentences
from rag.terms import QUESTION_TERMS, names, terms
from rag.timeframes import Period, nearest_period, periods

MIN_SENTENCE_WORDS = 4  # headings ("Debt Issue") are not answers
ENDS_LIKE_PROSE = re.compile(r"[.!?:;][\"'”’)\]]*$|[\"”’]$")  # "Analysts weigh in on the rally" is a heading
# A sentence opening with one of these leans on the one before ("It ended November with an 11% increase"),
# so it is read and quoted together with it.
LEANS_ON_PREVIOUS = re.compile(r"^(?:He|She|It|They|This|That|These|Those|Its|Their|His|Her)\b")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


@dataclass(frozen=True)
class ExtractiveParams:
    """The answerer's knobs; the defaults come from evals/calibrate.py on the dev questions."""

    meaning_weight: float = 0.7
    refusal_threshold: float = 0.40
    # A question that names something no article mentions ("Tesla", "ECB") must clear a higher bar,
    # and so, less strictly, must one with a word no article uses ("bitcoin", "cushions").
    unknown_name_threshold: float = 0.465
    unknown_word_threshold: float = 0.345
    # When the question wants a figure, date or name, the best sentence holding one must score this share
    # of the best sentence overall: if the closest passage has none, the articles likely do not say.
    answer_type_ratio: float = 0.9
    max_sentences: int = 2
    keep_ratio: float = 0.7  # a further sentence must score (with its coverage bonus) this share of the best
    coverage_bonus: float = 0.0


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    hit: Hit
    meaning: float
    coverage: float
    score: float
    terms: frozenset[str]
    in_time: bool  # whether it speaks of the time the question asks about (`_source_in_time`, `_names_other_months`)
    period: Period | None = None  # which of the question's periods its source reports on (`nearest_period`)
    answers: bool = True  # whether it holds the kind of answer the question wants (`answer_types.holds`)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        vocabulary: Callable[[], KeywordIndex],
        params: ExtractiveParams | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        self.params = params or ExtractiveParams()
        self._glossary = glossary or default_glossary()
        self._embedder = embedder
        self._vocabulary = vocabulary
        self._vectors = VectorCache(embedder, max_items=50_000)

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        chosen = self.choose(question, self.rank_sentences(question, hits))
        if not chosen:
            return Answer(question=question, text=REFUSAL, refused=True, citations=[], hits=hits, backend=self.name)
        text, citations = compose(chosen)
        return Answer(question=question, text=text, refused=False, citations=citations, hits=hits, backend=self.name)

    def choose(self, question: str, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence, then others close to it that add question terms it lacks; [] means refuse.

        "How did tech, the S&P 500 and the Russell 2000 compare?" wants sentences
        about each index, so a second sentence can earn a bonus for the terms it adds
        (`coverage_bonus`, a knob calibration sets; 0 on the current dev questions).
        """
        p = self.params
        eligible = [s for s in ranked if s.in_time]
        threshold = max(
            p.refusal_threshold,
            p.unknown_name_threshold if self.unknown_names(question) else 0.0,
            p.unknown_word_threshold if self.unknown_words(question) else 0.0,
        )
        # Every quoted sentence holds the kind of answer asked for, not only the first.
        answering = [s for s in eligible if s.answers]
        best = answering[0] if answering else None
        if best is None or best.score < max(threshold, p.answer_type_ratio * eligible[0].score):
            return []
        chosen = [best] + self._one_per_period(best, answering)
        weights = self._term_weights(question)
        covered = set().union(*(s.terms for s in chosen))
        while len(chosen) < p.max_sentences:
            rest = [(s.score + p.coverage_bonus * _coverage(weights, s.terms - covered), s)
                    for s in answering if not any(_overlaps(s, c) for c in chosen)]  # fmt: skip
            if not rest:
                break
            value, best = max(rest, key=lambda pair: pair[0])
            if value < p.keep_ratio * chosen[0].score:
                break
            chosen.append(best)
            covered |= best.terms
        return chosen

    def _one_per_period(self, best: ScoredSentence, answering: list[ScoredSentence]) -> list[ScoredSentence]:
        """For a question about several periods, the best answering sentence of each period `best` is not from.

        "Was the Russell 2000 still missing out on record highs in December 2024, as it had
        been in January?" is answered by one January and one December source, not two of January.
        A question about more periods than `max_sentences` gets one sentence for each.
        """
        chosen: list[ScoredSentence] = []
        for period in dict.fromkeys(s.period for s in answering if s.period not in (None, best.period)):
            top = next(s for s in answering if s.period == period)
            if top.score >= self.params.keep_ratio * best.score and not _overlaps(top, best):
                chosen.append(top)
        return chosen

    def rank_sentences(self, question: str, hits: list[Hit]) -> list[ScoredSentence]:
        candidates = _unique_sentences(hits)
        if not candidates:
            return []
        # One model call for the question and every sentence not seen before (batching is what makes
        # this fast: at 1k chunks, one call per sentence spent 94% of a question's time here).
        vectors = self._vectors.embed([question] + [s for s, _ in candidates])
        question_vector, vectors = vectors[0], vectors[1:]
        meanings = vectors @ question_vector
        weights = self._term_weights(question)
        # Time and answer type are judged here, once per question, not in `choose`, which calibration calls
        # thousands of times.
        years, named, kind = set(YEAR.findall(question)), periods(question), answer_types.wanted(question)
        sources = {hit.chunk_id: hit for _, hit in candidates}.values()  # judged once each, not per sentence
        source_in_time = {hit.chunk_id: _source_in_time(hit, years, named) for hit in sources}
        source_period = {hit.chunk_id: nearest_period(named, hit.text, hit.published) for hit in sources}
        scored = []
        for (sentence, hit), meaning in zip(candidates, meanings):
            sentence_terms = frozenset(terms(sentence))
            coverage = _coverage(weights, sentence_terms)
            score = self.params.meaning_weight * float(meaning) + (1 - self.params.meaning_weight) * coverage
            in_time = source_in_time[hit.chunk_id] and not _names_other_months(sentence, named)
            answers = answer_types.holds(kind, sentence, question)
            scored.append(
                ScoredSentence(
                    sentence, hit, float(meaning), coverage, score, sentence_terms, in_time,
                    source_period[hit.chunk_id], answers,
                )
            )  # fmt: skip
        return sorted(scored, key=lambda s: -s.score)

    def unknown_names(self, question: str) -> list[str]:
        return [
            n for n in names(question) if not self._knows_short_form(n) and any(not self._knows(t) for t in terms(n))
        ]

    def unknown_words(self, question: str) -> list[str]:
        return [t for t in set(terms(question)) - QUESTION_TERMS if not self._knows(t)]

    def _knows(self, term: str) -> bool:
        return self._vocabulary().knows(term) or self._knows_short_form(term)

    def _knows_short_form(self, word: str) -> bool:
        """'R2K' is known when the articles know 'Russell 2000'; 'BTC' is not when none says 'bitcoin'."""
        vocabulary = self._vocabulary()
        return any(all(vocabulary.knows(t) for t in terms(p)) for p in self._glossary.phrases(word))

    def _term_weights(self, question: str) -> dict[str, float]:
        vocabulary = self._vocabulary()
        return {t: vocabulary.idf(t) for t in set(terms(question)) - QUESTION_TERMS}


def _overlaps(a: ScoredSentence, b: ScoredSentence) -> bool:
    """Whether one quotes the other ("A" and "A. It ...", which carries A as its antecedent)."""
    return a.text in b.text or b.text in a.text


def _source_in_time(hit: Hit, years: set[str], named: list[Period]) -> bool:
    """Whether a source speaks of the time the question asks about.

    Each year the question names must appear in the chunk or its date, or a named period of that
    year must cover the publication ("the December 2023 Fed meeting", reported on 2024-01-22) or
    be named in it as recent ("November's 90.6", reported on 2024-01-10).
    With named periods, the source must be published in or just after one, or mention it:
    "the P/E in January 2024" is not answered by a December 2024 "currently 27.23 times".
    """
    context_years = set(YEAR.findall(f"{hit.text} {hit.published}"))
    for year in years:
        if year in context_years:
            continue
        if not any(p.year == int(year) and p.about(hit.text, hit.published) for p in named):
            return False
    return not named or any(p.covers(hit.published) or p.mentioned_in(hit.text) for p in named)


def _names_other_months(sentence: str, named: list[Period]) -> bool:
    """Whether the sentence dates itself to other months than those the question names.

    "The NFIB index rose to 91.9 in December from November's 90.6" does not answer a
    question about January 2024, though it was published then. Only months without a year
    count: "20% below its November 2021 peak" speaks of now, measured from a past point.
    """
    asked = {p.first_month for p in named if p.is_month}
    if not asked:
        return False
    own = {p.first_month for p in periods(sentence) if p.is_month and p.year is None}
    return bool(own) and not asked & own


def _unique_sentences(hits: list[Hit]) -> list[tuple[str, Hit]]:
    """Sentences of the hits, best hit first; a sentence repeated by chunk overlap is kept once.

    A sentence that leans on the one before comes with it: "He envisions the Russell 2000 reaching
    as high as 3,000" is only an answer about Tom Lee when read after the sentence naming him.
    """
    seen: set[tuple[str, str]] = set()
    found = []
    for hit in hits:
        previous = ""
        for sentence in split_sentences(hit.text):
            quoted = f"{previous} {sentence}" if previous and LEANS_ON_PREVIOUS.match(sentence) else sentence
            previous = sentence
            key = (hit.article_id, quoted)
            if key not in seen and len(sentence.split()) >= MIN_SENTENCE_WORDS and ENDS_LIKE_PROSE.search(sentence):
                seen.add(key)
                found.append((quoted, hit))
    return found


def _coverage(weights: dict[str, float], sentence_terms: frozenset[str] | set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in sentence_terms) / total if total else 0.0


def compose(chosen: list[ScoredSentence]) -> tuple[str, list[Citation]]:
    """Group the quoted sentences by source; number sources 1..N in order of first use."""
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    for s in chosen:
        numbers.setdefault(s.hit.chunk_id, len(numbers) + 1)
        quotes.setdefault(s.hit.chunk_id, []).append(s.text)
    hits = {s.hit.chunk_id: s.hit for s in chosen}
    parts = []
    for chunk_id, n in numbers.items():
        hit = hits[chunk_id]
        sentences = " ".join(f"{q} [{n}]" for q in quotes[chunk_id])
        parts.append(f"{attribution(hit)}: {sentences}")
    citations = [
        Citation(n=n, article_id=hits[c].article_id, title=hits[c].title, publisher=hits[c].publisher,
                 published=hits[c].published, chunk_id=c, quote=" ".join(quotes[c]))
        for c, n in numbers.items()
    ]  # fmt: skip
    return "\n\n".join(parts), citations


def attribution(hit: Hit) -> str:
    """'As of 2024-12-03, Golden10 Data reported' (or as much of that as the metadata allows)."""
    source = hit.publisher or f"“{hit.title}”"
    return f"As of {hit.published}, {source} reported" if hit.published else f"{source} reported (undated)"
