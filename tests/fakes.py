"""Fakes of our own interfaces (never of a library): deterministic and fast."""

from __future__ import annotations

import hashlib

import numpy as np

from rag.terms import terms


class HashingEmbedder:
    """Bag of stemmed words hashed into 64 dimensions: similar words -> similar vectors, no model needed."""

    model_id = "fake-hashing-64"

    def __init__(self, *, fail_after_calls: int | None = None) -> None:
        self.calls = 0
        self.fail_after_calls = fail_after_calls

    def fits(self, text: str) -> bool:
        return len(text.split()) <= 400

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_after_calls is not None and self.calls > self.fail_after_calls:
            raise RuntimeError("embedding service fell over")
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in terms(text) or ["empty"]:
                rows[i, int(hashlib.md5(term.encode()).hexdigest(), 16) % 64] += 1.0
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)
