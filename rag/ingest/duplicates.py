"""Near-duplicate articles: the same story republished by another outlet, found by MinHash.

Two bodies are near-duplicates when the Jaccard similarity of their sets of word
shingles (runs of SHINGLE_WORDS words) is at least THRESHOLD. A republished copy
keeps most runs of five words even with a new headline and a few words changed;
two different stories on the same topic share almost none:

    "small caps rallied on tuesday as rates fell" -> {"small caps rallied on tuesday",
        "caps rallied on tuesday as", "rallied on tuesday as rates", "on tuesday as rates fell"}

MinHash keeps, for each of NUM_HASHES hash functions, the smallest hash over an article's
shingles. Two signatures agree in a position with probability equal to the Jaccard
similarity, so the share of agreeing positions estimates it (standard error about 0.04 at
0.5 with 128 hashes) from 512 bytes per article, without the article text:

    agree in 110 of 128 positions -> estimated similarity 0.86

Finding pairs uses locality-sensitive hashing: signatures are cut into BANDS bands, and
only articles that share a whole band are compared, so an ingest never compares every
pair. Both the signature and its parameters are stored in the index: changing
SHINGLE_WORDS, NUM_HASHES or SEED needs a PIPELINE_VERSION bump (rag/ingest/pipeline.py).

A small module rather than `datasketch`: this is about 100 lines of numpy we already
depend on, and the signature is stored in the index, so its format is ours to keep stable.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

SHINGLE_WORDS = 5
NUM_HASHES = 128
BANDS = 64  # 2 hashes a band: pairs at similarity 0.5 share a band with p > 0.9999, at 0.3 0.998, at 0.02 0.03
SEED = 20240122
# Between the lowest similarity of a republished copy (edited, cut short) and the highest of two different
# stories, measured on the corpus and on SciFact, SQuAD and FinanceBench (docs/experiments.md). Text that
# is mostly a shared form (10-K cover pages) comes closest.
THRESHOLD = 0.5
SIGNATURE_BLOCK = 4096  # shingles hashed at once: 4 MB of working memory whatever the text's size

_WORD = re.compile(r"\w+")
_rng = np.random.default_rng(SEED)
# Multiply-shift hashing: h(x) = ((a * x + b) mod 2**64) >> 32, with a odd; numpy's uint64 wraps mod 2**64.
_A = _rng.integers(1, 2**63, size=NUM_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 2**63, size=NUM_HASHES, dtype=np.uint64)
_EMPTY = np.full(NUM_HASHES, 0xFFFFFFFF, dtype=np.uint32)


class Duplicate(NamedTuple):
    """`article_id` is a near-duplicate of the canonical `duplicate_of`, with this estimated similarity."""

    article_id: str
    duplicate_of: str
    similarity: float


def shingles(text: str) -> set[str]:
    """Lower-cased runs of SHINGLE_WORDS words; punctuation and spacing do not count."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(text: str) -> np.ndarray:
    """NUM_HASHES uint32 minimums; a text without words gets a signature that matches nothing."""
    found = shingles(text)
    if not found:
        return _EMPTY.copy()
    keys = np.array(
        [int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little") for s in found],
        dtype=np.uint64,
    )
    # A block of shingles at a time: all at once, a 5 MB text's (shingles x NUM_HASHES) matrix takes gigabytes.
    minimum = np.full(NUM_HASHES, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(keys), SIGNATURE_BLOCK):
        block = keys[start : start + SIGNATURE_BLOCK]
        hashed = (block[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)  # (block, NUM_HASHES), < 2**32
        minimum = np.minimum(minimum, hashed.min(axis=0))
    return minimum.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    if (a == _EMPTY).all() or (b == _EMPTY).all():
        return 0.0
    return float(np.mean(a == b))


def encode(sig: np.ndarray) -> str:
    """A signature as text, for chunk metadata (Chroma stores strings, not arrays): 684 characters."""
    return base64.b64encode(sig.astype("<u4").tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray | None:
    """The signature `encode` wrote; None for "" or anything else (an index from before signatures)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32) if len(raw) == NUM_HASHES * 4 else None


def find_duplicates(
    articles: Sequence[tuple[str, np.ndarray]], *, threshold: float = THRESHOLD
) -> dict[str, Duplicate]:
    """For articles in canonical order (the one to keep first), each later copy -> the first of its story.

    An article that matches a copy is filed under that copy's canonical, so a story has one
    canonical however many times it was republished:

        [("a", sig), ("b", sig≈a), ("c", sig≈b)] -> {"b": Duplicate("b", "a", ...), "c": Duplicate("c", "a", ...)}
    """
    rows = NUM_HASHES // BANDS
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    found: dict[str, Duplicate] = {}
    canonical: list[int] = []  # index of each article's canonical article
    for i, (article_id, sig) in enumerate(articles):
        candidates: set[int] = set()
        band_keys = [(band, sig[band * rows : (band + 1) * rows].tobytes()) for band in range(BANDS)]
        for key in band_keys:
            candidates.update(buckets[key])
        scores = [(similarity(sig, articles[j][1]), j) for j in candidates]
        matches = [(score, -j) for score, j in scores if score >= threshold]
        best = -max(matches)[1] if matches else -1  # the most similar; of equals, the earliest
        canonical.append(canonical[best] if best >= 0 else i)
        if best >= 0:
            root = canonical[best]
            found[article_id] = Duplicate(article_id, articles[root][0], round(similarity(sig, articles[root][1]), 3))
        if not (sig == _EMPTY).all():
            for key in band_keys:
                buckets[key].append(i)
    return found
