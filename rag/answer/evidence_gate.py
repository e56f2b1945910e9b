"""Whether retrieval found anything worth showing a language model: a gate on retrieval scores alone.

The model path asks the model about every question whose hits could hold an answer, and lets
the model answer or refuse. It skips the call only when nothing retrieved is even about the
question, judged by one number: the best dense similarity among the hits (the chunk's cosine
blended with its best sentence's, rag/retrieve/hybrid.py).

    hits with best similarity 0.41 -> ask the model
    hits with best similarity 0.08 -> refuse at no cost ("What did the ECB decide on euro rates?")

The threshold is set low on purpose: `python -m evals.evidence_gate` measures, on the project's
questions, SQuAD 2.0 and FinanceBench, the best similarity of every answerable question, and the
default is the highest value that wrongly skips at most 1% of them in each set (docs/llm.md).
It is calibrated for the local MiniLM embeddings; another embedding model has another scale, so
RAG_LLM_MIN_EVIDENCE sets it (0 asks the model about every question).
"""

from __future__ import annotations

from rag.records import Hit

# Calibrated by evals/evidence_gate.py for the local MiniLM embeddings (docs/llm.md has the figures).
DEFAULT_MIN_EVIDENCE = 0.20


def best_similarity(hits: list[Hit]) -> float | None:
    """The highest dense similarity among the hits; None when no hit has one (BM25-only retrieval)."""
    scores = [h.dense_similarity for h in hits if h.dense_similarity is not None]
    return max(scores) if scores else None


def has_evidence(hits: list[Hit], min_similarity: float) -> bool:
    """Whether the hits are worth a model call: any hit at all, and (when scored) one at least `min_similarity`."""
    if not hits:
        return False
    best = best_similarity(hits)
    return best is None or best >= min_similarity
