"""The offline answerer: quote the retrieved sentences that answer the question, with sources.

    question + hits -> candidate sentences and their features (rag/answer/sentence_features.py)
                    -> each one's score as an answer (rag/answer/answer_model.py, fitted on SQuAD 2.0)
                    -> answer or refuse (the same file's answerable model, fitted on the dev questions)
                    -> the best sentence, and what it needs to read as an answer (rag/answer/quotes.py)

An answer reads as one: a sentence that announces what follows ("The rally rests on two
pillars:") brings the sentence after it, and so does the best sentence when the next one carries
on with what was asked; a sentence that opens with a pronoun comes with the
one before it (sentence_features.LEANS_ON_PREVIOUS); a second sentence is quoted only when it
scores near the best (RIVAL_CHANCE) and adds question terms the first lacks; a question about several periods
gets the best sentence about each. Every quote is attributed to its source and date, because
outlooks in these articles go stale ("As of 2024-12-03, Golden10 Data reported: ...").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rag.answer.answer_model import QUESTION_FEATURES, AnswerModel, default_model
from rag.answer.base import REFUSAL
from rag.answer.quotes import ScoredSentence, compose, joined, with_what_follows_on, with_what_it_announces
from rag.answer.sentence_features import (
    FEATURES,
    Candidate,
    QuestionSignals,
    candidates,
    features,
    read_question,
    similarities,
)
from rag.index.bm25 import KeywordIndex
from rag.index.embeddings import Embedder, VectorCache
from rag.question.glossary import Glossary, default_glossary
from rag.question.periods import nearest_period, periods
from rag.records import Answer, Hit
from rag.text.terms import QUESTION_TERMS, term_set, terms

# Sentences quoted at most: the best, and those that rival it and add what was asked (docs/experiments.md).
MAX_SENTENCES = 3
# A further sentence is quoted when, by the sentence model, it is at least this likely to be the answer
# rather than the best one (sigmoid of the difference of their scores; the best against itself is 0.5).
RIVAL_CHANCE = 0.3
# A question naming several periods asks about each: the best sentence about another period is quoted unless
# it is hopeless as an answer, at least this likely (the values tried: docs/experiments.md).
PERIOD_CHANCE = 0.1


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        vocabulary: Callable[[], KeywordIndex],
        *,
        sentence_vectors: Callable[[str], np.ndarray | None] = lambda _: None,
        embed_question: Callable[[str], np.ndarray] | None = None,
        model: AnswerModel | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        self._model = model
        self._embedder = embedder
        self._vocabulary = vocabulary
        self._sentence_vectors = sentence_vectors  # chunk id -> its sentences' vectors, kept at ingest
        self._glossary = glossary or default_glossary()
        self._vectors = VectorCache(embedder, max_items=20_000)
        self._embed_question = embed_question or (lambda q: self._vectors.embed([q])[0])
        self._last_signals: tuple[str, KeywordIndex, QuestionSignals] | None = None

    @property
    def model(self) -> AnswerModel:
        """The fitted model, read on first use (evals/fit_answer_model.py computes features before one exists)."""
        if self._model is None:
            self._model = default_model()
        return self._model

    @model.setter
    def model(self, model: AnswerModel) -> None:
        self._model = model

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        chosen = self.choose(question, self.rank_sentences(question, hits))
        if not chosen:
            return Answer(question=question, text=REFUSAL, refused=True, citations=[], hits=hits, backend=self.name)
        text, citations = compose(chosen)
        return Answer(question=question, text=text, refused=False, citations=citations, hits=hits, backend=self.name)

    def rank_sentences(self, question: str, hits: list[Hit]) -> list[ScoredSentence]:
        """Every candidate sentence with its score, best first."""
        found, table = self.candidate_features(question, hits)
        if not found:
            return []
        scores = self.model.sentence.score(table)
        ranked = [ScoredSentence(c, float(score), tuple(row)) for c, score, row in zip(found, scores, table)]
        # Features summed over sets of words differ in their last bits from run to run (string hashing is
        # randomised); rounded, such ties go to the better-retrieved sentence, so answers are reproducible.
        return sorted(ranked, key=lambda s: (-round(s.score, 9), s.candidate.rank, s.candidate.index))

    def candidate_features(self, question: str, hits: list[Hit]) -> tuple[list[Candidate], np.ndarray]:
        """The candidate sentences of the hits, and a row of FEATURES for each."""
        found = candidates(hits)
        if not found:
            return [], np.zeros((0, len(FEATURES)))
        cosines = similarities(self._embed_question(question), found, self._sentence_vectors, self._vectors.embed)
        return found, features(self._signals(question), found, cosines)

    def answerable_probability(self, question: str, ranked: list[ScoredSentence]) -> float:
        if not ranked:
            return 0.0
        return float(self.model.answerable.probability(np.array([self.question_features(question, ranked)]))[0])

    def question_features(self, question: str, ranked: list[ScoredSentence]) -> list[float]:
        """QUESTION_FEATURES for a question whose candidates are `ranked` (best first)."""
        best = ranked[0]
        asked = self._signals(question)
        names_found = asked.names_found(term_set(best.hit.text) | term_set(f"{best.hit.title} {best.hit.publisher}"))
        values = {
            "best_score": best.score,
            "best_similarity": max(s.feature("similarity") for s in ranked),
            "best_coverage": max(s.feature("coverage") for s in ranked),
            "names_found": max(names_found, best.feature("names_found")),
            "unknown_share": self._unknown_share(question),
            "period_fit": best.feature("period_fit"),
            "answer_type_fit": best.feature("answer_type_fit"),
            "period_in_sentence": best.feature("period_in_sentence"),
        }
        return [values[name] for name in QUESTION_FEATURES]

    def choose(self, question: str, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        """The sentences to quote, best first; [] means refuse."""
        if not ranked or self.answerable_probability(question, ranked) < self.model.threshold:
            return []
        best = ranked[0]
        chosen = [best, *self._one_per_period(question, best, ranked)]
        asked = self._signals(question)
        covered = set().union(*(terms(s.text) for s in chosen))
        for s in ranked[1:]:
            if len(chosen) >= MAX_SENTENCES or not _rivals(s, best):
                break
            adds = set(terms(s.text)) - covered
            if not any(_overlaps(s, c) for c in chosen) and asked.coverage(adds) > 0:
                chosen.append(s)
                covered |= adds
        chosen[0] = with_what_follows_on(chosen[0], ranked)
        return joined([with_what_it_announces(s) for s in chosen])

    def _one_per_period(
        self, question: str, best: ScoredSentence, ranked: list[ScoredSentence]
    ) -> list[ScoredSentence]:
        """For a question naming several periods, the best sentence about each one `best` does not speak of."""
        named = periods(question)
        if len(named) < 2:
            return []
        period_of = {s.hit.chunk_id: nearest_period(named, s.hit.text, s.hit.published) for s in ranked}
        # A period the best quote already speaks of ("rose in December from November's 90.6") needs no other.
        spoken = {p for p in named if p.mentioned_in(best.text, best.hit.published)}
        chosen, seen = [], {period_of[best.hit.chunk_id], *spoken}
        for s in ranked:
            period = period_of[s.hit.chunk_id]
            if period is None or period in seen or not _rivals(s, best, PERIOD_CHANCE):
                continue
            seen.add(period)
            chosen.append(s)
        return chosen

    def knows(self, word: str) -> bool:
        """Whether the indexed articles use `word` (a word or a term), a glossary short form read as its phrase."""
        return self._knows_short_form(word) or all(self._knows(t) for t in terms(word) or [word])

    def _unknown_share(self, question: str) -> float:
        content = set(terms(question)) - QUESTION_TERMS
        return sum(not self._knows(t) for t in content) / len(content) if content else 0.0

    def _signals(self, question: str) -> QuestionSignals:
        """The question as read against the live index; ranking, deciding and choosing one answer share it."""
        vocabulary = self._vocabulary()
        last = self._last_signals
        if last is None or last[0] != question or last[1] is not vocabulary:
            last = (question, vocabulary, read_question(question, vocabulary, self._glossary))
            self._last_signals = last  # one assignment: a thread reading it sees the old tuple or the new one
        return last[2]

    def _knows(self, term: str) -> bool:
        return self._vocabulary().knows(term) or self._knows_short_form(term)

    def _knows_short_form(self, word: str) -> bool:
        """'R2K' is known when the articles know 'Russell 2000'; 'BTC' is not when none says 'bitcoin'."""
        vocabulary = self._vocabulary()
        return any(all(vocabulary.knows(t) for t in terms(p)) for p in self._glossary.phrases(word))


def _rivals(s: ScoredSentence, best: ScoredSentence, chance: float = RIVAL_CHANCE) -> bool:
    """Whether `s` is at least `chance` likely to answer rather than `best` (Bradley-Terry, as fitted)."""
    return bool(1.0 / (1.0 + np.exp(best.score - s.score)) >= chance)


def _overlaps(a: ScoredSentence, b: ScoredSentence) -> bool:
    """Whether one quotes the other ("A" and "A. It ...", which carries A as its antecedent)."""
    return a.text in b.text or b.text in a.text
