"""Near-duplicates: MinHash itself, the threshold measured on republished copies, and what ingest and retrieval do.

A republished copy is made from a corpus article the way another outlet republishes a
story: a new headline, other page chrome around it, a few words changed, another
publisher and date. The five corpus articles are all about small caps, so they are the
hard negatives: the same topic, different stories.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from rag import Assistant
from rag.index.embeddings import LocalMiniLM
from rag.ingest.articles import to_article
from rag.ingest.documents import read_document
from rag.ingest.duplicates import (
    THRESHOLD,
    Duplicate,
    decode,
    encode,
    find_duplicates,
    shingles,
    signature,
    similarity,
)

from .conftest import CORPUS_DIR
from .fakes import HashingEmbedder

GOLDMAN = "000_c205bd33b4339b3e"  # Moomoo News Global, 2024-01-10
YAHOO = "003_d3c5feed74245123"  # Yahoo Finance, 2024-01-22

OTHER_CHROME_TOP = ["Skip to main content", "Markets | Economy | Tech | Opinion", "Sign In",
                    "By Staff Writer, Other Wire", "Updated 3 hours ago"]  # fmt: skip
OTHER_CHROME_END = ["Share this article", "Related: Five small caps to watch this week",
                    "This story was originally published elsewhere and is republished with permission.",
                    "Copyright 2024 Other Wire. All rights reserved."]  # fmt: skip
SWAPS = ["notably", "sharply", "roughly", "indeed", "fairly"]


def republished(
    article_id: str, *, title: str = "Small caps tipped to beat big caps", publisher: str = "Other Wire",
    published: str = "2024-02-01", changed_words: int = 5,
) -> str:  # fmt: skip
    """The article's file as another outlet would publish it: new headline and chrome, `changed_words` words changed."""
    text = (CORPUS_DIR / f"{article_id}.txt").read_text()
    body = text.split("\n---\n", 1)[1]
    lines = body.splitlines()
    prose = [i for i, line in enumerate(lines) if len(line.split()) > 15]
    for n in range(changed_words):  # spread over the article: word 7 of every few prose lines
        i = prose[(n * len(prose)) // changed_words]
        words = lines[i].split()
        words[min(7, len(words) - 1)] = SWAPS[n % len(SWAPS)]
        lines[i] = " ".join(words)
    header = f"---\ntitle: {title}\npublisher: {publisher}\npublished: {published}\n---\n"
    return header + "\n".join(OTHER_CHROME_TOP + lines + OTHER_CHROME_END) + "\n"


def body_of(path: Path) -> str:
    return to_article(read_document(path)).body


def corpus_bodies() -> dict[str, str]:
    return {p.stem: body_of(p) for p in sorted(CORPUS_DIR.glob("0*.txt"))}


# -- MinHash ---------------------------------------------------------------------------------------------


def test_shingles_are_runs_of_five_words_ignoring_case_and_punctuation() -> None:
    assert shingles("Small caps rallied on Tuesday, as rates fell.") == {
        "small caps rallied on tuesday",
        "caps rallied on tuesday as",
        "rallied on tuesday as rates",
        "on tuesday as rates fell",
    }
    assert shingles("Too short.") == {"too short"}
    assert shingles("  ...  ") == set()


def test_estimated_similarity_tracks_exact_jaccard() -> None:
    # Oracle: the exact Jaccard similarity of the shingle sets, on pairs from identical to unrelated.
    bodies = list(corpus_bodies().values())
    words = bodies[0].split()
    pairs = [(bodies[0], bodies[0]), (bodies[0], " ".join(words[: len(words) // 2])), (bodies[0], bodies[1])]
    for a, b in pairs:
        exact = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
        assert similarity(signature(a), signature(b)) == pytest.approx(exact, abs=0.12)


def test_signatures_are_stable_and_survive_the_round_trip_through_metadata() -> None:
    sig = signature("Regional banks led small caps higher on Thursday.")
    assert sig.dtype == np.uint32 and len(sig) == 128
    assert np.array_equal(decode(encode(sig)), sig)
    # Stored in the index: the same text must give the same signature in every process, on every run (no
    # Python hash()), and a change of the hashing must come with a PIPELINE_VERSION bump, which this pins.
    assert encode(sig)[:24] == "hoXgvZWI8Dz9y5QcB9CXF6sY"
    assert decode("") is None and decode("not base64!") is None and decode(encode(sig[:10])) is None
    empty = signature("")
    assert similarity(empty, empty) == 0.0  # texts without words are never duplicates of each other


# -- the threshold, measured ----------------------------------------------------------------------------


def test_threshold_separates_republished_copies_from_different_stories(tmp_path: Path) -> None:
    """The measurement behind THRESHOLD (0.5): copies score 0.7+, the corpus articles 0.05 at most against each other.

    (On public text the unrelated side stays low too: no two of the 5,183 SciFact abstracts or the 646 SQuAD
    paragraphs reach 0.22; see rag/ingest/duplicates.py.)
    """
    bodies = corpus_bodies()
    copies = {}
    for article_id in bodies:
        path = tmp_path / f"copy-of-{article_id}.txt"
        path.write_text(republished(article_id, changed_words=5))
        copies[article_id] = similarity(signature(bodies[article_id]), signature(body_of(path)))
    heavier = {}
    for article_id in bodies:  # twenty words changed: more than "light edits", still caught
        path = tmp_path / f"edited-{article_id}.txt"
        path.write_text(republished(article_id, changed_words=20))
        heavier[article_id] = similarity(signature(bodies[article_id]), signature(body_of(path)))
    different = {
        (a, b): similarity(signature(bodies[a]), signature(bodies[b])) for a, b in itertools.combinations(bodies, 2)
    }
    assert min(copies.values()) >= 0.75, copies
    assert min(heavier.values()) >= 0.6, heavier
    assert max(different.values()) <= 0.05, different
    assert max(different.values()) < THRESHOLD < min(heavier.values()) <= min(copies.values())


def test_find_duplicates_files_every_copy_under_the_first_of_its_story() -> None:
    story = " ".join(f"word{i}" for i in range(300))
    edited = story.replace("word10 ", "changed ").replace("word200 ", "altered ")
    other = " ".join(f"token{i}" for i in range(300))
    found = find_duplicates(
        [("first", signature(story)), ("other", signature(other)), ("copy", signature(edited)),
         ("copy2", signature(edited + " word300 word301"))]
    )  # fmt: skip
    assert set(found) == {"copy", "copy2"}
    assert found["copy"].duplicate_of == "first" and found["copy2"].duplicate_of == "first"
    article_id, duplicate_of, estimated = found["copy"]  # a (article_id, duplicate_of, similarity) tuple
    assert (article_id, duplicate_of) == ("copy", "first") and 0.8 < estimated < 1.0


# -- ingest and retrieval -------------------------------------------------------------------------------


def make(data_dir: Path, corpus: Path, embedder: HashingEmbedder | None = None) -> Assistant:
    return Assistant(data_dir=data_dir, corpus_dir=corpus, embedder=embedder or HashingEmbedder(), show_progress=False)


def story_of(a: Assistant) -> dict[str, str]:
    """article id -> duplicate_of, as stored in the chunks."""
    return {c.metadata.article_id: c.metadata.duplicate_of for c, _ in a._store.chunks()}


def test_the_corpus_has_no_near_duplicates(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    assert set(story_of(a).values()) == {""}
    report = a.ingest([corpus_copy], sync=True, rebuild=True)
    assert report.duplicates == [] and len(report.updated) == 5


def test_a_republished_copy_is_reported_and_shown_once_in_answers(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    (corpus_copy / "wire-copy.txt").write_text(republished(GOLDMAN))
    report = a.ingest([corpus_copy], sync=True)
    assert report.added == ["wire-copy"]
    assert [(d.article_id, d.duplicate_of) for d in report.duplicates] == [("wire-copy", GOLDMAN)]
    assert report.duplicates[0].similarity >= 0.75
    assert any("near-duplicate: wire-copy repeats 000_c205bd33b4339b3e" in line for line in report.details())
    assert story_of(a)["wire-copy"] == GOLDMAN and story_of(a)[GOLDMAN] == ""

    question = "How much does Goldman Sachs see the Russell 2000 returning in the coming year?"
    for mode in ("hybrid", "dense", "bm25"):
        hits = a.retrieve(question, k=10, mode=mode)
        articles = {h.article_id for h in hits}
        assert GOLDMAN in articles and "wire-copy" not in articles, mode
        assert len(hits) == 10  # the dropped copies' places are filled from further down
    # With only the copy allowed by the filters, the copy is what answers.
    from rag import Filters

    only_wire = a.retrieve(question, k=5, filters=Filters(publishers=("Other Wire",)))
    assert only_wire and {h.article_id for h in only_wire} == {"wire-copy"}


def test_an_earlier_copy_becomes_canonical_without_re_embedding_the_original(tmp_path: Path, corpus_copy: Path) -> None:
    embedder = HashingEmbedder()
    a = make(tmp_path / "idx", corpus_copy, embedder)
    vectors_before = {c.id: v for c, v in a._store.chunks(with_embeddings=True) if c.metadata.article_id == YAHOO}
    (corpus_copy / "early-wire.txt").write_text(republished(YAHOO, published="2024-01-21"))
    calls = embedder.calls
    report = a.ingest([corpus_copy], sync=True)
    assert report.added == ["early-wire"] and report.updated == []
    assert [(d.article_id, d.duplicate_of) for d in report.duplicates] == [(YAHOO, "early-wire")]
    assert story_of(a)[YAHOO] == "early-wire" and story_of(a)["early-wire"] == ""
    assert embedder.calls == calls + 1  # one batch, for the new article's chunks only
    after = {c.id: v for c, v in a._store.chunks(with_embeddings=True) if c.metadata.article_id == YAHOO}
    assert after.keys() == vectors_before.keys()
    assert all(np.allclose(after[cid], vectors_before[cid]) for cid in after)
    hits = a.retrieve("small caps left behind record highs Wall Street loves this trade", k=10)
    assert "early-wire" in {h.article_id for h in hits} and YAHOO not in {h.article_id for h in hits}

    # When the canonical copy goes away, the original stands for its story again.
    (corpus_copy / "early-wire.txt").unlink()
    report = a.ingest([corpus_copy], sync=True)
    assert report.removed == ["early-wire"] and report.duplicates == []
    assert story_of(a)[YAHOO] == ""
    assert YAHOO in {h.article_id for h in a.retrieve("small caps left behind record highs", k=10)}


def test_same_day_copies_keep_the_one_indexed_first(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    (corpus_copy / "a-same-day.txt").write_text(republished(YAHOO, published="2024-01-22"))
    report = a.ingest([corpus_copy], sync=True)
    assert report.duplicates == [Duplicate("a-same-day", YAHOO, report.duplicates[0].similarity)]


def test_re_ingesting_reports_no_duplicates_again(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    (corpus_copy / "wire-copy.txt").write_text(republished(GOLDMAN))
    assert a.ingest([corpus_copy], sync=True).duplicates
    again = a.ingest([corpus_copy], sync=True)
    assert not again.changed and again.duplicates == []
    assert story_of(a)["wire-copy"] == GOLDMAN


def test_the_minhash_is_stored_once_per_article(tmp_path: Path, corpus_copy: Path) -> None:
    a = make(tmp_path / "idx", corpus_copy)
    stored = [c.metadata for c, _ in a._store.chunks()]
    with_hash = [m for m in stored if m.minhash]
    assert len(with_hash) == 5 and all(m.position == 0 for m in with_hash)
    assert all(re.fullmatch(r"[A-Za-z0-9+/=]{684}", m.minhash) for m in with_hash)


@pytest.mark.slow  # ingests several corpora
def test_a_copy_dated_in_another_period_takes_no_rank_from_that_periods_chunks(
    tmp_path: Path, corpus_copy: Path, local_embedder: LocalMiniLM
) -> None:
    # A July wire copy of January's Goldman story is dropped from the hits in favour of the original, but
    # counted before it was dropped, it took July's top ranks, and July's own evidence fell out of the top 5.
    question = "Goldman called small caps cheap in January 2024; were they still inexpensive in July 2024?"
    (corpus_copy / "july-wire.txt").write_text(republished(GOLDMAN, published="2024-07-20"))
    a = Assistant(data_dir=tmp_path / "idx", corpus_dir=corpus_copy, embedder=local_embedder, show_progress=False)
    with_copy = a.retrieve(question, k=5)
    assert "july-wire" not in {h.article_id for h in with_copy}
    assert any("15th percentile" in h.text for h in with_copy if h.published == "2024-07-18")
