"""BM25 over the live chunks, held in memory and rebuilt when the live generation changes.

Chroma has no keyword ranking, so bm25s scores the chunks' header + text. The index
is derived data: it is built from the chunks Chroma holds (in either store mode),
so it can never disagree with the dense side for longer than one rebuild.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

import bm25s
import numpy as np

from rag.terms import terms

# bm25s logs every index build at DEBUG through a logger it sets up itself.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class KeywordIndex:
    def __init__(self, ids: list[str], texts: list[str]) -> None:
        self.ids = ids
        self._position = {cid: i for i, cid in enumerate(ids)}
        self._bm25 = bm25s.BM25()
        tokenized = [terms(t) or ["\x00"] for t in texts]  # bm25s rejects an empty token list
        self._df = Counter(term for doc in tokenized for term in set(doc))
        if ids:
            self._bm25.index(tokenized, show_progress=False)

    def knows(self, term: str) -> bool:
        return term in self._df

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; a term no chunk contains gets the highest value."""
        n = max(len(self.ids), 1)
        return math.log(1 + (n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5))

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, *, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Best `n` (chunk id, score) pairs with a positive score; only ids in `allowed` when given."""
        if not self.ids:
            return []
        query_terms = [t for t in terms(query) if t in self._bm25.vocab_dict]
        if not query_terms:
            return []
        scores = self._bm25.get_scores(query_terms)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self._position[c] for c in allowed if c in self._position]] = True
            scores = np.where(mask, scores, 0.0)
        n = min(n, len(self.ids))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
