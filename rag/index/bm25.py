"""BM25 over the live chunks, held in memory and rebuilt when the live generation changes.

Chroma has no keyword ranking, so bm25s scores the chunks' header + text. The index
is derived data: it is built from the chunks Chroma holds (in either store mode),
so it can never disagree with the dense side for longer than one rebuild.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np

from rag.text.terms import terms

# bm25s logs every index build at DEBUG through a logger it sets up itself.
logging.getLogger("bm25s").setLevel(logging.WARNING)

DF_FILE = "df.json"
BM25_DIR = "bm25"
VERSION_FILE = "version"
# Bump when what a saved index holds changes: terms() (rag/text/terms.py), the text indexed (rag/retrieve/hybrid.py)
# or bm25s's parameters. Copies saved before have another version, and are rebuilt (rag/index/view_cache.py).
# 1: the copies written before the version was recorded; 2: "P/E" read as "pe".
INDEX_VERSION = 2


def saved_version(folder: Path) -> int:
    """The INDEX_VERSION an index was saved with (1 for copies saved before versions were recorded)."""
    try:
        return int((folder / VERSION_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 1


class KeywordIndex:
    def __init__(self, ids: list[str], texts: list[str]) -> None:
        tokenized = [terms(t) or ["\x00"] for t in texts]  # bm25s rejects an empty token list
        bm25 = bm25s.BM25()
        if ids:
            bm25.index(tokenized, show_progress=False)
        self._setup(ids, bm25, Counter(term for doc in tokenized for term in set(doc)))

    def _setup(self, ids: list[str], bm25: bm25s.BM25, df: Counter[str]) -> None:
        self.ids = ids
        self._position = {cid: i for i, cid in enumerate(ids)}
        self._bm25 = bm25
        self._df = df

    def save(self, folder: Path) -> None:
        """Write the index to `folder` (rag/index/view_cache.py); the chunk ids are the caller's to keep, in order."""
        (folder / VERSION_FILE).write_text(str(INDEX_VERSION), encoding="utf-8")
        (folder / DF_FILE).write_text(json.dumps(self._df), encoding="utf-8")
        if self.ids:
            self._bm25.save(str(folder / BM25_DIR), show_progress=False)

    @classmethod
    def load(cls, folder: Path, ids: list[str]) -> KeywordIndex:
        """The index `save` wrote, for the chunk ids in the order it was built with. The caller checks
        `saved_version(folder)` first (rag/index/view_cache.py): an index of another INDEX_VERSION reads words
        otherwise."""
        index = cls.__new__(cls)
        df = Counter(json.loads((folder / DF_FILE).read_text(encoding="utf-8")))
        bm25 = bm25s.BM25.load(str(folder / BM25_DIR), show_progress=False) if ids else bm25s.BM25()
        index._setup(ids, bm25, df)
        return index

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
