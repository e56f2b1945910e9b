"""What the offline answerer quotes: chosen sentences shaped into quotes that read as answers, then the text.

    [best, rival] -> each widened to what it needs (what it announces, what carries on after it)
                  -> quotes of one passage that touch joined, in the passage's order
                  -> "As of 2024-12-03, Golden10 Data reported: <quotes> [1]" with its citations

A quote is a run of one passage's sentences (`Candidate.first` .. `Candidate.last`), so two
quotes of one passage can be joined without repeating a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rag.answer.markers import defuse, marker
from rag.answer.sentence_features import FEATURES, Candidate
from rag.records import Citation, Hit
from rag.text.sentences import split_sentences

# "... stems from two key elements." / "... for three reasons:" announces the sentence that follows.
ANNOUNCES = re.compile(
    r":$|\b(?:two|three|four|several|a few|following)\s+(?:\w+\s+)?(?:reasons|factors|elements|drivers|things|"
    r"ways|points|risks|pillars|catalysts|headwinds|tailwinds)\b[^.]*\.?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScoredSentence:
    candidate: Candidate
    score: float  # how well it answers the question (the sentence model); only differences mean anything
    features: tuple[float, ...]  # as FEATURES

    @property
    def hit(self) -> Hit:
        return self.candidate.hit

    @property
    def text(self) -> str:
        return self.candidate.text

    def feature(self, name: str) -> float:
        return self.features[FEATURES.index(name)]


def joined(chosen: list[ScoredSentence]) -> list[ScoredSentence]:
    """Quotes of one passage that overlap or touch, joined into one: each sentence is quoted once, in order.

    "A. B." and "B. C." of one passage -> "A. B. C.", in the place of the first of them.
    """
    kept: list[ScoredSentence] = []
    for s in chosen:
        c = s.candidate
        joins = [k for k in kept if k.hit.chunk_id == s.hit.chunk_id
                 and k.candidate.first <= c.last + 1 and c.first <= k.candidate.last + 1]  # fmt: skip
        if not joins:
            kept.append(s)
            continue
        first = min([c.first] + [k.candidate.first for k in joins])
        last = max([c.last] + [k.candidate.last for k in joins])
        sentences = split_sentences(s.hit.text)
        text = " ".join(sentences[first : last + 1])
        place = kept.index(joins[0])
        kept[place] = replace(joins[0], candidate=replace(joins[0].candidate, text=text, first=first, last=last))
        kept = [k for k in kept if k not in joins[1:]]
    return kept


def with_what_it_announces(s: ScoredSentence) -> ScoredSentence:
    """'The rally rests on two pillars.' is quoted with the sentence after it, which names them."""
    c = s.candidate
    if not c.following or not ANNOUNCES.search(c.sentence):
        return s
    return _widened(s)


def with_what_follows_on(s: ScoredSentence, ranked: list[ScoredSentence]) -> ScoredSentence:
    """The best sentence with the one after it, when that one carries on with what was asked.

    News states a point, then its figure or reason: "Citi said the valuation gap remains wide. Small
    caps trade at the 20th percentile of their history." The next sentence carries on when it
    shares a question term or holds the kind of answer asked for.
    """
    c = s.candidate
    following = next((r for r in ranked if r.hit.chunk_id == s.hit.chunk_id and r.candidate.index == c.last + 1), None)
    if following is None or not (following.feature("coverage") > 0 or following.feature("answer_type_fit") > 0):
        return s
    return _widened(s)


def _widened(s: ScoredSentence) -> ScoredSentence:
    c = s.candidate
    return replace(s, candidate=replace(c, text=f"{c.text} {c.following}", following="", last=c.last + 1))


def compose(chosen: list[ScoredSentence]) -> tuple[str, list[Citation]]:
    """Group the quoted sentences by passage, and passages by article; number passages 1..N in order of first use.

    A quote's own bracketed numbers are defused ("see note [2]" -> "see note (2)"), so that every
    [n] in the text is a marker this function wrote; the citation keeps the quote as the source has it.
    """
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    for s in chosen:
        numbers.setdefault(s.hit.chunk_id, len(numbers) + 1)
        quotes.setdefault(s.hit.chunk_id, []).append(s.text)
    hits = {s.hit.chunk_id: s.hit for s in chosen}
    # One attribution per article, so two passages of one article read as one report, not a stutter.
    by_article: dict[str, tuple[Hit, list[str]]] = {}
    for chunk_id, n in numbers.items():
        hit = hits[chunk_id]
        quoted = " ".join(f"{defuse(q)} {marker(n)}" for q in quotes[chunk_id])
        by_article.setdefault(hit.article_id, (hit, []))[1].append(quoted)
    # defuse: a title may hold "[1]" too
    parts = [f"{defuse(attribution(hit))}: {' '.join(quoted)}" for hit, quoted in by_article.values()]
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
