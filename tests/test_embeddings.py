"""The local embedding model: verified before use, and batching never changes a vector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.embeddings import LocalMiniLM
from rag.errors import ConfigError


@pytest.fixture(scope="module")
def model() -> LocalMiniLM:
    return LocalMiniLM()


def test_batched_vectors_equal_one_by_one_and_keep_the_callers_order(model: LocalMiniLM) -> None:
    texts = [
        "short",
        "a much longer sentence about the Russell 2000 and rate cuts by the Fed in 2024",
        "mid-sized text",
    ] * 25
    together = model.embed(texts)
    alone = np.vstack([model.embed([t]) for t in texts])
    assert together.shape == (75, 384)
    np.testing.assert_allclose(together, alone, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_meaning_drives_similarity(model: LocalMiniLM) -> None:
    q, near, far = model.embed(
        ["What will small caps return?", "Small-cap stocks could gain 15%.", "The recipe needs two eggs."]
    )
    assert q @ near > q @ far + 0.2


def test_a_model_file_with_the_wrong_hash_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ConfigError, match="sha256"):
        LocalMiniLM(model_path=fake)
