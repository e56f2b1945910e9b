"""Each chunk's sentences, embedded one by one at ingest and kept in the chunk's metadata.

A chunk's vector is the mean of about 200 tokens on several topics, so a question about one of
its sentences can land far from it. The dense retriever therefore also scores each candidate chunk
by its best sentence (rag/retrieve/hybrid.py), and the offline answerer reads these vectors to score the
sentences it may quote (rag/answer/sentence_features.py) instead of embedding them per question. Each
sentence is embedded alone: behind the chunk's header, every sentence of an article shared the
title's words, and how close a sentence came to the question it answers was drowned by them.

Chroma metadata holds strings, not arrays, so the vectors are stored as their width and their
float16 bytes in base64, "384:AAA8..." (1,024 characters a sentence at 384 dimensions). Kept there,
they travel with their chunk: an ingest that keeps a chunk copies them with it, and a Chroma server
shares them with every reader.
"""

from __future__ import annotations

import base64

import numpy as np

from rag.records import Chunk
from rag.text.sentences import split_sentences


def indexed_sentences(chunk: Chunk) -> list[str]:
    """The texts embedded for `chunk`'s sentences: each sentence alone (the whole chunk when it has none)."""
    return split_sentences(chunk.text) or [chunk.indexed_text]


def encode(vectors: np.ndarray) -> str:
    """A (sentences, dimensions) array as metadata text."""
    packed = base64.b64encode(np.ascontiguousarray(vectors, dtype="<f2").tobytes()).decode("ascii")
    return f"{vectors.shape[1]}:{packed}"


def decode(text: object) -> np.ndarray | None:
    """The float16 array `encode` wrote; None for anything else (a chunk indexed before they were kept)."""
    width, _, packed = text.partition(":") if isinstance(text, str) else ("", "", "")
    try:
        dimensions = int(width)
        raw = base64.b64decode(packed.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    if dimensions <= 0 or not raw or len(raw) % (2 * dimensions):
        return None
    return np.frombuffer(raw, dtype="<f2").reshape(-1, dimensions)
