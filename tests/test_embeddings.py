"""The local embedding model: verified before use, and batching never changes a vector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.errors import AuthError, BackendError, ConfigError
from rag.index.embeddings import MAX_INPUTS_PER_REQUEST, LocalMiniLM, OpenAIEmbedder
from tests.openai_server import OpenAIServer


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


def test_openai_embeddings_are_requested_in_parts_the_server_accepts(openai_server: OpenAIServer) -> None:
    # Ingest embeds a batch's chunks with all their sentences in one call: often more texts than a server
    # takes in one request (OpenAI: 2,048). The loopback server refuses more than it is told to take.
    openai_server.max_embedding_inputs = MAX_INPUTS_PER_REQUEST
    embedder = OpenAIEmbedder(model="text-embedding-3-small", api_key="sk-test", base_url=openai_server.url)
    texts = [f"sentence {i}" for i in range(2 * MAX_INPUTS_PER_REQUEST + 3)]
    vectors = embedder.embed(texts)
    sizes = [len(r.body["input"]) for r in openai_server.requests]
    assert sizes == [MAX_INPUTS_PER_REQUEST, MAX_INPUTS_PER_REQUEST, 3]
    assert vectors.shape == (len(texts), 8)
    one_by_one = np.vstack([embedder.embed([t]) for t in (texts[0], texts[-1])])
    assert np.allclose(vectors[[0, -1]], one_by_one)  # in the caller's order
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_openai_embedding_errors_are_ours_and_never_quote_the_key(openai_server: OpenAIServer) -> None:
    openai_server.required_key = "sk-right"
    embedder = OpenAIEmbedder(model="text-embedding-3-small", api_key="sk-wrong-secret", base_url=openai_server.url,
                              endpoint="http://127.0.0.1")  # fmt: skip
    with pytest.raises(AuthError, match=r"refused the API key \(401\)") as caught:
        embedder.embed(["a sentence"])
    assert "sk-wrong-secret" not in str(caught.value) and caught.value.__cause__ is None


def test_a_request_the_embedding_server_rejects_is_a_backend_error(openai_server: OpenAIServer) -> None:
    openai_server.max_embedding_inputs = 0  # every request gets a 400
    embedder = OpenAIEmbedder(model="text-embedding-3-small", api_key="sk-test", base_url=openai_server.url)
    with pytest.raises(BackendError, match=r"rejected the request \(400\)"):
        embedder.embed(["a sentence"])
