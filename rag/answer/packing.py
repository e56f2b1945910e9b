"""Fit the retrieved chunks into the model's context window as numbered sources.

Chunks are taken best first while the sources, as written into the prompt, stay
within `budget` tokens (rag.text.tokens.count_tokens). A chunk that does not fit whole is
cut back to its leading whole sentences that fit, or dropped: a sentence is never
cut in half. Smaller chunks further down may still fit after one is dropped.

Neighbouring chunks of one article share whole sentences (the chunker overlaps them),
so they merge into one source without repeating those sentences:

    position 3: "A. B. C."   position 4: "C. D."   ->   one source "A. B. C. D."

Sources are numbered 1..N by their best chunk's rank, so the model reads the most
relevant source first and [1] is the best evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from rag.answer.prompts import format_sources
from rag.records import Hit
from rag.text.sentences import split_sentences
from rag.text.tokens import count_tokens

Unit = tuple[str, bool]  # (sentence, starts a new paragraph)


@dataclass(frozen=True)
class Source:
    """One numbered source in a prompt: one chunk, or a run of neighbouring chunks of one article."""

    n: int
    hits: tuple[Hit, ...]  # in article order
    text: str

    @property
    def article_id(self) -> str:
        return self.hits[0].article_id

    @property
    def title(self) -> str:
        return self.hits[0].title

    @property
    def publisher(self) -> str:
        return self.hits[0].publisher

    @property
    def published(self) -> str:
        return self.hits[0].published


def pack(hits: list[Hit], *, budget: int, measure: Callable[[str], int] = count_tokens) -> list[Source]:
    """The best hits (in rank order) that fit in `budget` tokens, merged and numbered."""
    taken: list[Hit] = []
    for hit in hits:
        if _fits(taken + [hit], budget, measure):
            taken.append(hit)
            continue
        trimmed = _longest_fitting_start(hit, taken, budget, measure)
        if trimmed:
            taken.append(trimmed)
    return sources(taken)


def sources(hits: list[Hit]) -> list[Source]:
    """Merge neighbouring chunks that share sentences; number the results by their best hit's rank."""
    rank = {h.chunk_id: i for i, h in enumerate(hits)}
    runs: list[list[Hit]] = []
    for hit in sorted(hits, key=lambda h: (h.article_id, h.position)):
        last = runs[-1][-1] if runs else None
        if last and last.article_id == hit.article_id and last.position + 1 == hit.position and _overlap(last, hit):
            runs[-1].append(hit)
        else:
            runs.append([hit])
    runs.sort(key=lambda run: min(rank[h.chunk_id] for h in run))
    return [Source(n=i, hits=tuple(run), text=_merge(run)) for i, run in enumerate(runs, start=1)]


def _longest_fitting_start(hit: Hit, taken: list[Hit], budget: int, measure: Callable[[str], int]) -> Hit | None:
    """The hit cut to as many leading whole sentences as fit (binary search: more sentences, more tokens)."""
    units = _units(hit.text)
    best, low, high = None, 1, len(units) - 1
    while low <= high:
        middle = (low + high) // 2
        trimmed = replace(hit, text=_join(units[:middle]))
        if _fits(taken + [trimmed], budget, measure):
            best, low = trimmed, middle + 1
        else:
            high = middle - 1
    return best


def _fits(hits: list[Hit], budget: int, measure: Callable[[str], int]) -> bool:
    return measure(format_sources(sources(hits))) <= budget


def _merge(run: list[Hit]) -> str:
    units = _units(run[0].text)
    for hit in run[1:]:
        following = _units(hit.text)
        units += following[_shared(units, following) :]
    return _join(units)


def _overlap(first: Hit, second: Hit) -> bool:
    return _shared(_units(first.text), _units(second.text)) > 0


def _shared(before: list[Unit], after: list[Unit]) -> int:
    """How many sentences end `before` and also start `after`: ["A","B","C"], ["C","D"] -> 1."""
    for k in range(min(len(before), len(after)), 0, -1):
        if [s for s, _ in before[-k:]] == [s for s, _ in after[:k]]:
            return k
    return 0


def _units(text: str) -> list[Unit]:
    """The sentences of a chunk, remembering paragraph breaks (a chunk keeps one paragraph per line)."""
    units: list[Unit] = []
    for line in text.splitlines():
        units += [(s, i == 0 and bool(units)) for i, s in enumerate(split_sentences(line))]
    return units


def _join(units: list[Unit]) -> str:
    return "".join(("\n" if new_paragraph else " ") + s if i else s for i, (s, new_paragraph) in enumerate(units))
