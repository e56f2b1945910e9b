"""One contract for the chunk store, run against both places it can live: embedded (a folder) and a
real `chroma run` server on 127.0.0.1. Then what only a server has: other processes sharing it, and
the server going away and coming back.

Every server-mode test gets its own collection name on one session-wide server, so tests never see
each other's chunks; the tests that kill or stop a server start their own.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import Assistant, ConfigError, EmbeddingMismatch, IndexError_, IndexLost, StoreUnavailable
from rag.errors import GenerationReplaced
from rag.index.chroma_client import http_client, persistent_client
from rag.index.store import ChunkStore, StoredChunk
from rag.records import ChunkMeta
from rag.retrieve.hybrid import Filters, HybridRetriever
from tests.chroma_server import ChromaServer, finishes_within
from tests.dropping_proxy import DroppingProxy
from tests.fakes import HashingEmbedder
from tests.openai_server import OpenAIServer
from tests.ui_helpers import free_port

PROJECT_DIR = Path(__file__).resolve().parent.parent
HANG_GUARD_SECONDS = 60.0  # far above any call here; trips only if a call hangs


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A `chroma run` for one test, which may kill, pause or restart it."""
    server = ChromaServer(tmp_path / "chroma").start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Place:
    """Where one test's index lives: a folder of its own, or a collection name of its own on a server."""

    mode: str
    data_dir: Path
    collection: str
    url: str = ""

    def store(self) -> ChunkStore:
        if self.url:
            return ChunkStore.http(self.url, name=self.collection)
        return ChunkStore.persistent(self.data_dir, name=self.collection)

    def client(self) -> Any:
        """A plain Chroma client for the same place: to look behind the store's back, as another program would."""
        return http_client(self.url) if self.url else persistent_client(self.data_dir)

    def settings(self) -> dict[str, Any]:
        return {"data_dir": self.data_dir, "chroma_url": self.url, "collection": self.collection}

    def assistant(self, corpus: Path, embedder: HashingEmbedder | None = None) -> Assistant:
        return Assistant(**self.settings(), corpus_dir=corpus, embedder=embedder or HashingEmbedder(),
                         show_progress=False)  # fmt: skip


def place_for(mode: str, tmp_path: Path, server: ChromaServer | None) -> Place:
    collection = f"t-{uuid.uuid4().hex[:8]}"
    return Place(mode, tmp_path / "index", collection, server.url if server else "")


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.slow)])  # `chroma run`: slow
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    server = request.getfixturevalue("chroma_server") if request.param == "server" else None
    return place_for(request.param, tmp_path, server)


@pytest.fixture
def store(place: Place) -> ChunkStore:
    """The store under contract, once embedded and once on the server (parametrized through `place`)."""
    return place.store()


EMBEDDER = HashingEmbedder()


def chunks(*specs: tuple[str, str, str, int]) -> tuple[list[StoredChunk], np.ndarray]:
    """(id, text, publisher, published_int) -> chunks with the metadata retrieval filters on, and their vectors."""
    made = [StoredChunk(cid, text, ChunkMeta(article_id=cid, publisher=pub, published_int=date))
            for cid, text, pub, date in specs]  # fmt: skip
    return made, EMBEDDER.embed([c.text for c in made])


THREE = chunks(
    ("a", "Goldman expects the Russell 2000 to beat the S&P 500", "Moomoo", 20240110),
    ("b", "Small caps fell as bond yields rose in April", "Yahoo Finance", 20240415),
    ("c", "The Fed may cut rates twice in 2025, says Morgan Stanley", "Yahoo Finance", 20241203),
)


def swap(store: ChunkStore, new: tuple[list[StoredChunk], np.ndarray], keep: set[str] | None = None,
         model_id: str = EMBEDDER.model_id) -> None:  # fmt: skip
    store.swap_in(keep_ids=keep or set(), new_chunks=new[0], new_vectors=new[1], model_id=model_id)


def collection_names(place: Place) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in place.client().list_collections()}


# --- the contract -------------------------------------------------------------------------------------------


def test_an_empty_store_has_nothing_live(store: ChunkStore) -> None:
    assert store.generation() is None and store.live_model() is None
    assert store.count() == 0 and list(store.chunks()) == []
    assert store.query(EMBEDDER.embed(["rates"])[0], n=5, where=None) == []
    store.check_model("any-model")  # nothing indexed yet: any model may build it


def test_swapped_in_chunks_are_counted_read_and_queried_with_filters(store: ChunkStore) -> None:
    swap(store, THREE)
    assert store.count() == 3 and store.live_model() == EMBEDDER.model_id
    read = {c.id: (c, v) for c, v in store.chunks(with_embeddings=True)}
    assert read["b"][0].text == THREE[0][1].text and read["b"][0].metadata.publisher == "Yahoo Finance"
    assert np.allclose(read["c"][1], THREE[1][2], atol=1e-6)

    query = EMBEDDER.embed(["Russell 2000 Goldman"])[0]
    matches = store.query(query, n=10, where=None)
    assert [m.id for m in matches][0] == "a" and len(matches) == 3  # n is capped at the count
    assert matches[0].similarity == pytest.approx(float(query @ THREE[1][0]), abs=1e-5)
    yahoo = store.query(query, n=10, where={"publisher": {"$in": ["Yahoo Finance"]}})
    assert {m.id for m in yahoo} == {"b", "c"}
    spring = {"$and": [{"published_int": {"$gte": 20240401}}, {"published_int": {"$lte": 20240630}}]}
    assert [m.id for m in store.query(query, n=10, where=spring)] == ["b"]


UNDATED = chunks(("u", "Small caps and rates, an undated note from the desk", "Yahoo Finance", 0))


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(published_from="2024-04-01"),
        Filters(published_to="2024-06-30"),
        Filters(published_from="2024-01-01", published_to="2024-12-31"),
        Filters(publishers=("Yahoo Finance",)),
        Filters(published_to="2024-12-31", publishers=("Yahoo Finance",)),
    ],
    ids=["none", "from", "to", "from-to", "publisher", "to-publisher"],
)
def test_dense_search_and_bm25_admit_the_same_chunks_under_every_filter(store: ChunkStore, filters: Filters) -> None:
    """The store's `where` (dense side) and `Filters.admits` (BM25 side) must agree, undated chunks included."""
    swap(store, (THREE[0] + UNDATED[0], np.vstack([THREE[1], UNDATED[1]])))
    dense = {m.id for m in store.query(EMBEDDER.embed(["small caps"])[0], n=10, where=filters.where())}
    keyword = {c.id for c, _ in store.chunks() if filters.admits(c.metadata)}
    assert dense == keyword
    assert ("u" in dense) == (not filters.published_from and not filters.published_to)


def test_a_swap_keeps_the_chosen_chunks_with_their_vectors_and_adds_the_new(store: ChunkStore) -> None:
    swap(store, THREE)
    first = store.generation()
    swap(store, chunks(("d", "Micro caps lagged in January", "Me", 20250102)), keep={"a", "c"})
    assert store.generation() != first
    assert sorted(c.id for c, _ in store.chunks()) == ["a", "c", "d"]
    kept = dict((c.id, v) for c, v in store.chunks(with_embeddings=True))["a"]
    assert np.allclose(kept, THREE[1][0], atol=1e-6)


def test_a_reader_reads_the_generation_it_names_until_another_ingest_replaces_it(store: ChunkStore) -> None:
    swap(store, THREE)
    first = store.generation()
    query = EMBEDDER.embed(["Russell 2000 Goldman"])[0]
    assert {m.id for m in store.query(query, n=10, where=None, generation=first)} == {"a", "b", "c"}
    swap(store, chunks(("d", "Micro caps lagged in January", "Me", 20250102)), keep={"a"})
    # The first generation is gone: a reader still on it is told to read the new one, never given a mix.
    with pytest.raises(GenerationReplaced):
        store.query(query, n=10, where=None, generation=first)
    with pytest.raises(GenerationReplaced):
        list(store.chunks(generation=first))
    assert {m.id for m in store.query(query, n=10, where=None, generation=store.generation())} == {"a", "d"}


def test_a_write_that_fails_halfway_leaves_the_pointer_and_the_live_chunks_alone(
    store: ChunkStore, place: Place
) -> None:
    swap(store, THREE)
    live, before = store.generation(), collection_names(place)
    # The kept chunks are copied in first (64 dimensions); then the new ones, with 8, are refused by Chroma.
    bad = chunks(("d", "Micro caps lagged", "Me", 20250102))[0], np.ones((1, 8), dtype=np.float32)
    with pytest.raises(IndexError_):
        swap(store, bad, keep={"a", "b", "c"})
    assert store.generation() == live and store.count() == 3
    assert collection_names(place) == before  # the half-written generation was dropped


def test_leftovers_of_an_interrupted_ingest_are_removed_and_the_live_generation_kept(
    store: ChunkStore, place: Place
) -> None:
    swap(store, THREE)
    client = place.client()
    client.create_collection(f"{place.collection}-deadbeef", embedding_function=None)  # as a killed ingest leaves
    other = client.create_collection(f"x{place.collection}-cafe", embedding_function=None)  # not ours
    store.remove_leftovers()
    assert collection_names(place) >= {store.generation(), f"{place.collection}-state", other.name}
    assert f"{place.collection}-deadbeef" not in collection_names(place)
    assert store.count() == 3


def test_an_index_built_with_another_embedding_model_is_refused(store: ChunkStore, place: Place) -> None:
    swap(store, THREE, model_id="model-a")
    reopened = place.store()  # the model is recorded in the index, not in this object
    assert reopened.live_model() == "model-a"
    reopened.check_model("model-a")
    with pytest.raises(EmbeddingMismatch, match=r"built with embedding model model-a.*rag ingest --rebuild"):
        reopened.check_model("model-b")


def test_a_live_generation_that_is_missing_says_how_to_rebuild_and_a_rebuild_works(
    store: ChunkStore, place: Place
) -> None:
    swap(store, THREE)
    place.client().delete_collection(store.generation())
    with pytest.raises(IndexLost, match="which is missing, and no complete generation is left.*rag ingest --rebuild"):
        store.count()
    swap(store, THREE)  # what `rag ingest --rebuild` does: a new generation from nothing
    assert store.count() == 3


def test_a_pointer_to_a_missing_generation_reads_the_newest_complete_one_until_repaired(
    store: ChunkStore, place: Place, caplog: pytest.LogCaptureFixture
) -> None:
    swap(store, THREE)
    live = store.generation()
    state = place.client().get_collection(f"{place.collection}-state")
    state.modify(metadata={"live": f"{place.collection}-deadbeef", "embedding_model": EMBEDDER.model_id})
    reader = place.store()
    with caplog.at_level(logging.WARNING, logger="rag.index.store"):
        assert reader.generation() == live and reader.count() == 3
    assert "deadbeef, which is missing; reading" in caplog.text
    reader.remove_leftovers()  # what an ingest with nothing to change does: it writes the pointer again
    assert place.client().get_collection(f"{place.collection}-state").metadata["live"] == live


def test_the_files_of_dropped_generations_are_removed_from_the_folder(tmp_path: Path) -> None:
    store = ChunkStore.persistent(tmp_path / "index", name="t-disk")
    for i in range(4):
        swap(store, chunks(*[(f"c{i}-{j}", f"text {i} {j} small caps", "Wire", 20240101) for j in range(300)]))
    vector_folders = [p for p in (tmp_path / "index").iterdir() if p.is_dir()]
    assert len(vector_folders) == 1, vector_folders  # only the live generation's


@pytest.mark.slow  # a real `chroma run`
def test_a_lost_reply_to_the_pointer_switch_keeps_the_new_generation_live(
    chroma_server: ChromaServer, tmp_path: Path
) -> None:
    proxy = DroppingProxy(chroma_server.url).start()
    try:
        name = f"t-{uuid.uuid4().hex[:8]}"
        store = ChunkStore.http(proxy.url, name=name)
        swap(store, THREE)
        state_id = str(http_client(chroma_server.url).get_collection(f"{name}-state").id)
        proxy.drop_reply_to = lambda method, path: method == "PUT" and path.rstrip("/").endswith(state_id)
        new = chunks(("d", "Regional banks led small caps higher", "Reuters", 20240502))
        with contextlib.suppress(StoreUnavailable):  # the client may or may not hear of the lost reply
            store.swap_in(keep_ids={"a", "b", "c"}, new_chunks=new[0], new_vectors=new[1], model_id=EMBEDDER.model_id)
        assert proxy.dropped, "the pointer write was not intercepted"
        elsewhere = ChunkStore.http(chroma_server.url, name=name)  # another process, straight to the server
        assert elsewhere.count() == 4 and {c.id for c, _ in elsewhere.chunks()} == {"a", "b", "c", "d"}
    finally:
        proxy.stop()


def test_the_assistant_ingests_retrieves_and_answers(place: Place, corpus_copy: Path) -> None:
    a = place.assistant(corpus_copy)  # an empty index: the corpus is ingested on start
    hits = a.retrieve("Goldman Sachs Russell 2000 forecast", k=1000)
    assert {h.article_id for h in hits} == {p.stem for p in corpus_copy.glob("0*.txt")}
    assert all(h.dense_rank or h.bm25_rank for h in hits)
    answer = a.ask("What does Goldman expect from the Russell 2000?")
    assert not answer.refused and answer.citations and "Russell 2000" in answer.text
    assert not a.ingest([corpus_copy], sync=True).changed  # content-hashed: a second ingest is a no-op


def test_an_ingest_whose_embedder_fails_leaves_the_index_answering(place: Place, corpus_copy: Path) -> None:
    a = place.assistant(corpus_copy)
    generation, before = place.store().generation(), [h.chunk_id for h in a.retrieve("Goldman Sachs", k=5)]
    path = corpus_copy / "002_263abbe24ab8791b.txt"
    path.write_text(path.read_text().replace("Tom Lee", "Thomas Lee"))
    failing = place.assistant(corpus_copy, HashingEmbedder(fail_after_calls=0))
    with pytest.raises(RuntimeError, match="embedding service fell over"):
        failing.ingest([corpus_copy], sync=True)
    assert place.store().generation() == generation
    assert [h.chunk_id for h in place.assistant(corpus_copy).retrieve("Goldman Sachs", k=5)] == before


# --- several readers, one index: BM25 lives in each process and follows the pointer --------------------------


def add_article(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(f"---\ntitle: {name}\npublisher: Me\npublished: 2025-01-02\n---\n{body}\n")
    return path


def test_a_second_assistant_sees_an_ingest_by_the_first_on_its_next_retrieve(
    place: Place, corpus_copy: Path, tmp_path: Path
) -> None:
    writer, reader = place.assistant(corpus_copy), place.assistant(corpus_copy)
    assert not any(h.article_id == "quokka" for h in reader.retrieve("quokka", k=5, mode="bm25"))
    writer.ingest(add_article(tmp_path, "quokka", "Quokka Capital bought microcaps in January."))
    hits = reader.retrieve("Quokka Capital", k=5, mode="bm25")  # keyword-only: the reader's BM25 was rebuilt
    assert hits[0].article_id == "quokka"


@pytest.mark.slow  # a real `chroma run`
def test_another_process_ingest_is_seen_by_this_process_next_retrieve(
    chroma_server: ChromaServer, corpus_copy: Path, tmp_path: Path
) -> None:
    place = place_for("server", tmp_path, chroma_server)
    reader = place.assistant(corpus_copy)
    article = add_article(tmp_path, "wombat", "Wombat Partners sold regional banks in March.")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(PROJECT_DIR)!r})
        from rag import Assistant
        from tests.fakes import HashingEmbedder
        a = Assistant(chroma_url={place.url!r}, collection={place.collection!r}, corpus_dir={str(corpus_copy)!r},
                      embedder=HashingEmbedder(), show_progress=False)
        print(a.ingest({str(article)!r}).added)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "wombat" in done.stdout, done.stderr
    hits = reader.retrieve("Wombat Partners", k=5, mode="bm25")
    assert hits[0].article_id == "wombat"


class LandsAnIngestAfterLookup:
    """The real Chroma client, except that once, right after it looks up generation `name`, `ingest()` runs:
    another process's ingest landing between a reader's lookup of the live generation and its query,
    which drops the generation the reader is holding. Everything else goes straight to the client."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._armed: tuple[str, Callable[[], object]] | None = None

    def arm(self, name: str, ingest: Callable[[], object]) -> None:
        self._armed = (name, ingest)

    @property
    def fired(self) -> bool:
        return self._armed is None

    def get_collection(self, name: str, **kwargs: Any) -> Any:
        collection = self._client.get_collection(name, **kwargs)
        if self._armed and self._armed[0] == name:
            _, ingest = self._armed
            self._armed = None
            ingest()
        return collection

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._client, attribute)


def test_a_generation_dropped_under_a_reader_is_refreshed_not_fatal(place: Place, corpus_copy: Path) -> None:
    writer = place.assistant(corpus_copy)
    client = LandsAnIngestAfterLookup(place.client())
    reader = HybridRetriever(ChunkStore(client, name=place.collection, location=place.mode), HashingEmbedder(),
                             rrf_k=60)  # fmt: skip
    assert not any("Thomas Lee" in h.text for h in reader.retrieve("Thomas Lee Fundstrat", k=5))
    path = corpus_copy / "002_263abbe24ab8791b.txt"
    path.write_text(path.read_text().replace("Tom Lee", "Thomas Lee"))
    old = place.store().generation()
    client.arm(old, lambda: writer.ingest([corpus_copy], sync=True))
    hits = reader.retrieve("Thomas Lee Fundstrat", k=5)
    assert client.fired and place.store().generation() != old and old not in collection_names(place)
    assert any("Thomas Lee" in h.text for h in hits)


# --- a server that goes away, hangs, or was never there -------------------------------------------------------


@pytest.mark.slow  # a real `chroma run`
def test_a_server_down_mid_session_is_a_clear_error_and_service_resumes_when_it_returns(
    own_server: ChromaServer, corpus_copy: Path, tmp_path: Path
) -> None:
    a = place_for("server", tmp_path, own_server).assistant(corpus_copy)
    question = "What does Goldman expect from the Russell 2000?"
    assert a.ask(question).citations

    own_server.kill()
    with pytest.raises(StoreUnavailable) as info:
        finishes_within(HANG_GUARD_SECONDS, lambda: a.ask(question))
    assert str(info.value) == (
        f"The Chroma server at {own_server.url} is not answering (connection refused). Start it "
        f"(chroma run --path <index folder> --port {own_server.port}) or unset RAG_CHROMA_URL."
    )

    own_server.start()  # same path, same port
    assert finishes_within(HANG_GUARD_SECONDS, lambda: a.ask(question)).citations  # the same Assistant
    own_server.kill()
    own_server.start()  # a restart nobody noticed: pooled connections to the old process are dead
    assert a.ask(question).citations


@pytest.mark.slow  # a real `chroma run`
def test_a_hung_server_times_out_instead_of_hanging(chroma_server: ChromaServer, tmp_path: Path) -> None:
    store = ChunkStore.http(chroma_server.url, name=f"t-{uuid.uuid4().hex[:8]}", timeout=0.5)
    chroma_server.pause()  # the port still accepts connections; nothing answers
    try:
        with pytest.raises(StoreUnavailable, match=r"is not answering \(timed out\)"):
            finishes_within(HANG_GUARD_SECONDS, store.count)
    finally:
        chroma_server.resume()
    assert store.count() == 0


def test_no_server_at_the_url_is_store_unavailable_from_the_start(tmp_path: Path, corpus_copy: Path) -> None:
    port = free_port()
    with pytest.raises(StoreUnavailable, match=rf"http://127.0.0.1:{port} is not answering \(connection refused\)"):
        Assistant(chroma_url=f"http://127.0.0.1:{port}", corpus_dir=corpus_copy, embedder=HashingEmbedder())


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://127.0.0.1:8000", "http://:8000", "http://127.0.0.1:80a",
                                 "http://127.0.0.1:8000/chroma"])  # fmt: skip
def test_a_bad_url_is_a_config_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    with pytest.raises(ConfigError, match=r"RAG_CHROMA_URL=.*such as http://127.0.0.1:8000"):
        Assistant(embedder=HashingEmbedder())


def test_a_url_of_some_other_server_is_a_config_error(corpus_copy: Path) -> None:
    with OpenAIServer() as other, pytest.raises(ConfigError, match="RAG_CHROMA_URL=.*not as a Chroma server"):
        Assistant(chroma_url=other.url.removesuffix("/v1"), corpus_dir=corpus_copy, embedder=HashingEmbedder())
