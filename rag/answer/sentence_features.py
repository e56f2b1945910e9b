"""What the offline answerer knows about each candidate sentence, as numbers a fitted model weighs.

Candidates are the sentences of the retrieved chunks. Each gets the signals the pipeline
already has (FEATURES), all on a 0..1 scale or a difference of two such:

    similarity        cosine of the question's vector and the sentence's (embedded alone, at ingest)
    similarity_gap    similarity minus the best candidate's (0 for the best)
    coverage          share of the question's terms in the sentence, each weighted by its rarity (idf); a short
                      form and the phrase spelled out beside it ("bofa (Bank of America)") are one term,
                      found in either form
    coverage_gap      coverage minus the best candidate's
    context_coverage  coverage of the sentence together with the one before it
    following_coverage  coverage of the sentence together with the one after it (news states a point,
                      then its figure or reason, and the answer quotes that one too when it carries on)
    chunk_coverage    coverage of the whole chunk
    retrieval_rank    1 / the chunk's rank among the hits
    names_found       share of the question's names, figures and months ("Goldman", "2025", "R2K", "october")
                      in the sentence
    answer_type_fit   1 when the sentence as quoted (with the one before it when it leans on that one) holds
                      the kind of answer asked for (a figure, a date, a name)
    period_fit        1 when the question names no period, or the chunk reports on or mentions one it names
    period_in_sentence  1 when the question names no period, or the sentence (with the one before it) names
                      one it names: of a chunk about November 2024, "It ended November up 11%" does, and
                      "its November 2021 high" does not

rag/answer/answer_model.py turns them into a probability that the sentence answers the question,
with weights fitted by evals/fit_answer_model.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rag.answer import answer_types
from rag.index.bm25 import KeywordIndex
from rag.question.glossary import Glossary
from rag.question.periods import periods, relative_years
from rag.records import Hit
from rag.text.months import MONTH_NUMBERS
from rag.text.sentences import split_sentences
from rag.text.terms import QUESTION_TERMS, names, term_set, terms

FEATURES = (
    "similarity", "similarity_gap", "coverage", "coverage_gap", "context_coverage", "chunk_coverage",
    "retrieval_rank", "names_found", "answer_type_fit", "period_fit", "period_in_sentence", "following_coverage",
)  # fmt: skip
MIN_SENTENCE_WORDS = 4  # headings ("Debt Issue") are not answers
ENDS_LIKE_PROSE = re.compile(r"[.!?:;][\"'”’)\]]*$|[\"”’]$")  # "Analysts weigh in on the rally" is a heading
# A sentence opening with one of these leans on the one before ("It ended November with an 11% increase"),
# so it is read and quoted together with it.
LEANS_ON_PREVIOUS = re.compile(r"^(?:He|She|It|They|This|That|These|Those|Its|Their|His|Her)\b")


@dataclass(frozen=True)
class Candidate:
    text: str  # as quoted: with the sentence before it when it leans on that one
    sentence: str  # the sentence alone
    hit: Hit
    rank: int  # the chunk's rank among the hits, 1-based
    index: int  # the sentence's position in its chunk: its row among the chunk's stored sentence vectors
    previous: str  # the sentence before it in the chunk, "" for the first
    following: str  # the sentence after it, "" for the last
    chunk_sentences: int  # how many sentences its chunk splits into: as many as the chunk's stored vectors
    first: int  # the first of the chunk's sentences `text` quotes: index, or the one before when it leans on it
    last: int  # the last of them: index, until the quote is widened to what follows


def candidates(hits: list[Hit]) -> list[Candidate]:
    """The prose sentences of the hits, best hit first; one quoted twice by overlapping chunks is kept once."""
    seen: set[tuple[str, str]] = set()
    found = []
    for rank, hit in enumerate(hits, start=1):
        sentences = split_sentences(hit.text)
        for i, sentence in enumerate(sentences):
            previous = sentences[i - 1] if i else ""
            quoted = f"{previous} {sentence}" if previous and LEANS_ON_PREVIOUS.match(sentence) else sentence
            key = (hit.article_id, quoted)
            if key in seen or len(sentence.split()) < MIN_SENTENCE_WORDS or not ENDS_LIKE_PROSE.search(sentence):
                continue
            seen.add(key)
            following = sentences[i + 1] if i + 1 < len(sentences) else ""
            first = i - 1 if quoted != sentence else i
            found.append(Candidate(quoted, sentence, hit, rank, i, previous, following, len(sentences), first, i))
    return found


# One thing the question asks about, as each way of writing it: ("r2k",) or ("russel", "2000").
Concept = tuple[frozenset[str], ...]


@dataclass(frozen=True)
class QuestionSignals:
    """What is read from the question once, whatever the candidates."""

    question: str
    idf: dict[str, float]  # its content terms and their idf
    concepts: list[Concept]  # its content terms, a short form and the phrase spelled out beside it as one
    names: list[Concept]  # its names, figures and months, each found when any way of writing it is
    kind: answer_types.AnswerType | None

    def coverage(self, found: set[str] | frozenset[str]) -> float:
        """The idf-weighted share of the question's concepts in `found`, each by its best-covered form.

        A short form and its phrase count once: "bofa (Bank of America)" is covered as much by "BofA"
        as by "Bank of America", where counted as three terms it would favour the spelled-out form.
        """
        words, phrases, total = self._weighted_concepts
        if not total:
            return 0.0
        covered = sum(weight for word, weight in words if word in found)
        for weight, forms in phrases:
            covered += weight * max(
                (sum(idf for t, idf in form if t in found) / summed if summed else 0.0) for form, summed in forms
            )
        return covered / total

    @cached_property
    def _weighted_concepts(
        self,
    ) -> tuple[list[tuple[str, float]], list[tuple[float, list[tuple[list[tuple[str, float]], float]]]], float]:
        """The question's concepts weighted, worked out once since `coverage` reads them for every candidate:
        those written as one word, as (word, idf); the others with their forms as (term, idf) pairs beside their
        summed idf; and the weights' total.

        A concept is as common as its most common form: weighted by the lowest of its forms' summed idf.
        """
        words, phrases = [], []
        for forms in self.concepts:
            if len(forms) == 1 and len(forms[0]) == 1:
                (word,) = forms[0]
                words.append((word, self.idf[word]))
                continue
            pairs = [[(t, self.idf[t]) for t in sorted(form)] for form in forms]
            summed = [sum(idf for _, idf in form) for form in pairs]
            phrases.append((min(summed), list(zip(pairs, summed))))
        return words, phrases, sum(w for _, w in words) + sum(w for w, _ in phrases)

    def names_found(self, found: set[str] | frozenset[str]) -> float:
        """The share of the question's names that `found` holds in one of their forms (1 when it names none)."""
        return (
            sum(any(form <= found for form in forms) for forms in self.names) / len(self.names) if self.names else 1.0
        )


def read_question(question: str, vocabulary: KeywordIndex, glossary: Glossary) -> QuestionSignals:
    content = set(terms(question)) - QUESTION_TERMS
    concepts: list[Concept] = []
    names_as: dict[str, Concept] = {}  # a name word of a spelled-out short form -> the concept it is part of
    # The words outside the spelled-out short forms are concepts of their own.
    spelled, rest = glossary.split_spelled_out(question)
    for typed, phrase in spelled:
        written = (frozenset(terms(typed)) & content, frozenset(terms(phrase)) & content)
        forms = tuple(dict.fromkeys(form for form in written if form))
        if not forms:
            continue  # "% (percent)": a word that shapes the question, not one to look for
        concepts.append(forms)
        for word in (typed, *phrase.split()):
            names_as[word] = forms
    concepts += [(frozenset({t}),) for t in sorted(set(terms(rest)) - QUESTION_TERMS)]
    named: list[Concept] = []
    for name in names(question) + _timeterm_set(question):
        if name in names_as:
            named.append(names_as[name])
        elif glossary.phrases(name) and not all(vocabulary.knows(t) for t in terms(name)):
            named.append((frozenset(terms(glossary.phrases(name)[0])),))  # "R2K" is found as "Russell 2000"
        elif terms(name):
            named.append((frozenset(terms(name)),))
    named = list(dict.fromkeys(n for n in named if all(n)))
    idf = {t: vocabulary.idf(t) for t in content}
    return QuestionSignals(question, idf, concepts, named, answer_types.wanted(question))


def _timeterm_set(question: str) -> list[str]:
    """Month names and quarters typed in lower case, which names() misses: "r2k in october 2024" -> ["october"]."""
    return [w for w in re.findall(r"[a-z]+\d?", question) if w in TIME_WORDS]


# "may" is left out: in lower case it is more often the verb.
TIME_WORDS = frozenset(set(MONTH_NUMBERS) - {"may"} | {"q1", "q2", "q3", "q4", "h1", "h2"})


def features(
    asked: QuestionSignals,
    found: list[Candidate],
    similarity: np.ndarray,
) -> np.ndarray:
    """One row of FEATURES per candidate; `similarity` holds each candidate's cosine with the question."""
    if not found:
        return np.zeros((0, len(FEATURES)))
    named = periods(asked.question)
    rows = []
    # A chunk's coverage and period fit are the same for every candidate of the chunk: computed once each.
    chunk_facts: dict[str, tuple[float, bool]] = {}
    for c in found:
        published = c.hit.published
        # "this year" in news of 2024 names 2024, as a question typed later would.
        sentence_terms = term_set(c.sentence) | {str(y) for y in relative_years(c.sentence, published)}
        if c.hit.chunk_id not in chunk_facts:
            in_period = not named or any(p.covers(published) or p.mentioned_in(c.hit.text, published) for p in named)
            chunk_facts[c.hit.chunk_id] = (asked.coverage(term_set(c.hit.text)), in_period)
        chunk_coverage, in_period = chunk_facts[c.hit.chunk_id]
        in_sentence = not named or any(p.mentioned_in(c.text, published) for p in named)
        rows.append([
            0.0, 0.0,  # similarity and its gap, filled below
            asked.coverage(sentence_terms), 0.0,
            asked.coverage(sentence_terms | term_set(c.previous)),
            chunk_coverage,
            1.0 / c.rank,
            asked.names_found(sentence_terms),
            float(answer_types.holds(asked.kind, c.text, asked.question)),
            float(in_period),
            float(in_sentence),
            asked.coverage(sentence_terms | term_set(c.following)),
        ])  # fmt: skip
    table = np.array(rows, dtype=np.float64)
    table[:, 0] = similarity
    table[:, 1] = similarity - similarity.max()
    table[:, 3] = table[:, 2] - table[:, 2].max()
    return table


def similarities(
    question_vector: np.ndarray,
    found: list[Candidate],
    stored: Callable[[str], np.ndarray | None],
    embed: Callable[[list[str]], np.ndarray],
) -> np.ndarray:
    """Each candidate's cosine with the question, from the vectors kept at ingest; others embedded now.

    A chunk from an index built before sentence vectors were kept has none, and one whose stored
    rows do not match its sentences one to one (split another way by an older release) cannot be
    read row by row; their sentences are embedded here, in one batch.
    """
    result = np.zeros(len(found))
    missing = []
    for i, c in enumerate(found):
        rows = stored(c.hit.chunk_id)  # usable only when its rows match the chunk's sentences one to one
        if rows is not None and rows.shape == (c.chunk_sentences, question_vector.shape[0]):
            result[i] = float(rows[c.index].astype(np.float32) @ question_vector)
        else:
            missing.append(i)
    if missing:
        vectors = embed([found[i].sentence for i in missing])
        result[missing] = vectors @ question_vector
    return result
