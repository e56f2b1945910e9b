"""Fakes of our own interfaces (never of a library): deterministic and fast."""

from __future__ import annotations

import hashlib

import numpy as np

from rag.records import Answer, Citation, Hit
from rag.text.terms import terms


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


class ScriptedAnswerer:
    """An answerer that says `text` whatever is asked, citing the best retrieved passage as [1].

    The rest of the pipeline is real (retrieval, the chat page), so a test controls exactly what
    an answer says, as a model could say it, without a model.
    """

    name = "scripted"

    def __init__(self, text: str, *, title: str | None = None, notice: str = "") -> None:
        self.text, self.title, self.notice = text, title, notice

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        best = hits[0]
        cited = Citation(n=1, article_id=best.article_id, title=best.title if self.title is None else self.title,
                         publisher=best.publisher, published=best.published, chunk_id=best.chunk_id,
                         quote=best.text)  # fmt: skip
        return Answer(question=question, text=self.text, refused=False, citations=[cited], hits=hits,
                      backend=self.name, notice=self.notice)  # fmt: skip
