"""Turn the model's [n] markers into citations, and check each cited sentence against its sources.

Markers may be written [1], [1, 2] or [1][2] (rag.answer.markers). A number that names no source
([9], [0], [-1]) is dropped and reported; the rest are renumbered 1..N in order of first use
and written one per bracket, so every [n] in the answer has exactly one Citation:

    sources 1..4;  "Up 15% [3]. Flat [3, 9]. Down [1]."
    -> "Up 15% [1]. Flat [1]. Down [2]."   citations: 1 = source 3, 2 = source 1   dropped: [9]

A cited sentence is supported when every number in it appears in the text it cites
(title, publisher and date included) and it shares its meaning with that text, by
either of two measures:
- lexical: the share of the sentence's content terms (rag.text.terms) found in the cited text;
- semantic: the best cosine between the sentence and any cited chunk, by the assistant's embedder.

A sentence with a figure and no citation is unsupported too: a figure needs a source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from rag.answer.markers import LEADING, MARKER, REPEATED, cited_numbers, marker, marker_numbers, without_markers
from rag.answer.packing import Source
from rag.records import Citation
from rag.text.sentences import split_sentences
from rag.text.terms import terms

# Between faithful paraphrases and claims about something else (tests/test_llm_citations.py; the scores:
# docs/experiments.md). A contradiction in the source's own words ("set to underperform") passes both:
# these checks catch drift and invented figures, not negation.
LEXICAL_SUPPORT = 0.6
SEMANTIC_SUPPORT = 0.55

_GROUP = re.compile(r"(\s*)" + MARKER.pattern)  # [3] or [1, 2], with the space before it
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words of attribution the model adds around a fact ("according to", "reported"): not content to look up.
_ATTRIBUTION_TERMS = frozenset(
    terms("according reported reports report says said say stated states noted notes wrote writes published "
          "article articles source sources")
)  # fmt: skip


@dataclass(frozen=True)
class Support:
    """How well one answer sentence is backed by the sources it cites."""

    sentence: str  # verbatim from the answer text
    cited: tuple[int, ...]  # citation numbers, after renumbering
    lexical: float = 0.0
    semantic: float = 0.0
    missing_numbers: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        if not self.cited or self.missing_numbers:
            return False
        return self.lexical >= LEXICAL_SUPPORT or self.semantic >= SEMANTIC_SUPPORT


@dataclass(frozen=True)
class Resolved:
    text: str
    citations: list[Citation]
    dropped: list[int] = field(default_factory=list)  # marker numbers that named no source, as the model wrote them
    checks: list[Support] = field(default_factory=list)

    @property
    def unsupported(self) -> list[str]:
        return [c.sentence for c in self.checks if not c.supported]


def resolve(text: str, sources: list[Source], embed: Callable[[list[str]], np.ndarray]) -> Resolved:
    """Renumber and verify the markers in `text`, whose [n] refer to `sources` (numbered by Source.n)."""
    by_number = {s.n: s for s in sources}
    renumbered: dict[int, int] = {}  # the model's number -> ours
    dropped: list[int] = []

    def rewrite(match: re.Match[str]) -> str:
        kept = []
        for n in marker_numbers(match.group(2)):
            if n not in by_number:
                dropped.append(n)
                continue
            kept.append(renumbered.setdefault(n, len(renumbered) + 1))
        if not kept:  # the whole marker goes, with the space before it, unless that space ends a paragraph
            return match.group(1) if "\n" in match.group(1) else ""
        return match.group(1) + "".join(marker(n) for n in dict.fromkeys(kept))

    text = REPEATED.sub(r"\1", _GROUP.sub(rewrite, text)).strip()  # "[1][1]" -> "[1]"
    cited = {ours: by_number[theirs] for theirs, ours in renumbered.items()}
    sentences = answer_sentences(text)
    checks = _check(sentences, cited, embed)
    citations = [_citation(n, source, [s for s, ns in sentences if n in ns]) for n, source in cited.items()]
    return Resolved(text=text, citations=citations, dropped=list(dict.fromkeys(dropped)), checks=checks)


def answer_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences with the markers that belong to them; a marker after the full stop belongs to the sentence before.

    "Up 15%. [1] Flat [2]." -> [("Up 15%.", (1,)), ("Flat [2].", (2,))]
    """
    pieces: list[tuple[str, list[int]]] = []
    for sentence in split_sentences(text):
        lead = LEADING.match(sentence)
        if lead and pieces:
            pieces[-1][1].extend(cited_numbers(lead.group()))
            sentence = sentence[lead.end() :]
        if sentence.strip():
            pieces.append((sentence, cited_numbers(sentence)))
    return [(s, tuple(dict.fromkeys(ns))) for s, ns in pieces]


def numbers(text: str) -> set[str]:
    """Figures in a comparable form: numbers("$5,100 (up 15.0%) on 2024-01-10") -> {"5100", "15", "2024", "1", "10"}."""
    found = set()
    for raw in _NUMBER.findall(text):
        value = re.sub(r",(?=\d{3}\b)", "", raw)
        whole, _, fraction = value.partition(".")
        whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
        found.add(f"{whole}.{fraction}" if fraction else whole)
    return found


def evidence(source: Source) -> str:
    """What a citation of `source` may rely on: its text plus the metadata the prompt showed the model."""
    date = source.published
    if date:
        day = dt.date.fromisoformat(date)
        date = f"{date} ({day:%B} {day.day}, {day.year})"
    return "\n".join((source.title, source.publisher, date, source.text))


def _check(
    sentences: list[tuple[str, tuple[int, ...]]], cited: dict[int, Source], embed: Callable[[list[str]], np.ndarray]
) -> list[Support]:
    checks = []
    to_embed: list[tuple[int, str, list[str]]] = []  # (index in checks, sentence, chunk texts it cites)
    for sentence, ns in sentences:
        claim = without_markers(sentence)
        if not ns:
            if numbers(claim):
                checks.append(Support(sentence, ()))
            continue
        sources = [cited[n] for n in ns]
        backing = "\n".join(evidence(s) for s in sources)
        claim_terms = set(terms(claim)) - _ATTRIBUTION_TERMS
        lexical = len(claim_terms & set(terms(backing))) / len(claim_terms) if claim_terms else 1.0
        missing = tuple(sorted(numbers(claim) - numbers(backing)))
        checks.append(Support(sentence, ns, lexical=lexical, missing_numbers=missing))
        to_embed.append((len(checks) - 1, claim, [h.text for s in sources for h in s.hits]))
    if to_embed:
        chunk_texts = list(dict.fromkeys(t for _, _, texts in to_embed for t in texts))
        vectors = embed([claim for _, claim, _ in to_embed] + chunk_texts)
        claim_vectors, chunk_vectors = vectors[: len(to_embed)], dict(zip(chunk_texts, vectors[len(to_embed) :]))
        for (i, _, texts), vector in zip(to_embed, claim_vectors):
            semantic = max(float(vector @ chunk_vectors[t]) for t in texts)
            checks[i] = replace(checks[i], semantic=semantic)
    return checks


def _citation(n: int, source: Source, sentences: list[str]) -> Citation:
    """Citation n of `source`, quoting the source sentence closest to each answer sentence that cites it."""
    own = [(s, hit) for hit in source.hits for s in split_sentences(hit.text)]
    quoted: dict[str, str] = {}  # sentence -> chunk id, in order of first use
    for sentence in sentences if own else []:
        claim = without_markers(sentence)
        claim_terms, claim_numbers = set(terms(claim)), numbers(claim)
        # Shared figures count twice over shared words: "3.25%" finds its sentence better than "rates" does.
        overlap, best, hit = max(
            ((len(claim_terms & set(terms(s))) + len(claim_numbers & numbers(s)), s, h) for s, h in own),
            key=lambda t: t[0],
        )
        if overlap:
            quoted.setdefault(best, hit.chunk_id)
    best_hit = max(source.hits, key=lambda h: h.score)
    chunk_id = next(iter(quoted.values()), best_hit.chunk_id)
    quote = " ".join(quoted) or (split_sentences(best_hit.text) or [best_hit.text])[0]
    return Citation(n=n, article_id=source.article_id, title=source.title, publisher=source.publisher,
                    published=source.published, chunk_id=chunk_id, quote=quote)  # fmt: skip
