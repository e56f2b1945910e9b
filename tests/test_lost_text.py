"""No sentence of public text nobody here wrote is lost between its file and the chunks (evals/lost_text.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.lost_text import SETS, measure, reached

from .conftest import BENCH_DIR, needs_shared

SAMPLE = 120  # documents per set: the full sets are measured by the script, in docs/ingest.md


@pytest.mark.slow  # samples of the public benchmark sets
@pytest.mark.parametrize("name", sorted(SETS))
def test_a_sample_of_each_public_set_loses_no_sentence(name: str, tmp_path: Path, local_embedder) -> None:
    every = list(SETS[name](needs_shared(BENCH_DIR)))
    documents = every[:: max(1, len(every) // SAMPLE)][:SAMPLE]
    outcome = measure(documents, tmp_path, local_embedder._inner)
    assert outcome.documents == len(documents) >= 100 and outcome.sentences > 500
    assert outcome.skipped == [] and outcome.lost == [] and outcome.oversized_chunks == 0


def test_a_sentence_counts_as_reached_only_when_it_is_really_there() -> None:
    chunks = "Title | Wire\nSmall caps rose on Friday. Rates fell.\nTitle | Wire\nBanks led the rally in March."
    assert reached("Small caps rose on Friday.", chunks)
    assert not reached("Small caps fell on Monday.", chunks)  # its words are there, the sentence is not
    long = "one two three four five six seven eight nine ten"
    assert reached(long, "A | B\none two three four five six\nA | B\nseven eight nine ten")  # cut between chunks
    assert not reached(long, "A | B\none two three four five six\nA | B\nseven eight ten")
