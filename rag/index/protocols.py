"""What the other stages need of the chunk store, as Protocols: ChunkStore (Chroma) is the one implementation,
and tests/test_store_contract.py the contract it is held to.

    SearchableStore   what retrieval reads: the live generation, its chunks, a dense query
    WritableStore     what ingest also needs: the writer lock, and an atomic swap to a new generation

Typed here, apart from rag/index/store.py, so a reader of the retriever or the pipeline sees
the store's whole surface in one screen, and so neither imports Chroma to name it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from rag.index.store import DenseMatch, StoredChunk
    from rag.index.writer_lock import WriterLock


class SearchableStore(Protocol):
    def generation(self) -> str | None:
        """The live generation's name; None for an empty index."""
        ...

    def check_model(self, model_id: str) -> None:
        """Raise EmbeddingMismatch when the index was embedded by another model."""
        ...

    def chunks(
        self, *, with_embeddings: bool = False, generation: str | None = None
    ) -> Iterator[tuple[StoredChunk, np.ndarray | None]]: ...

    def query(
        self, vector: np.ndarray, *, n: int, where: dict[str, Any] | None, generation: str | None = None
    ) -> list[DenseMatch]: ...


class WritableStore(SearchableStore, Protocol):
    @property
    def writer(self) -> WriterLock: ...

    def live_model(self) -> str | None: ...

    def count(self) -> int: ...

    def swap_in(
        self,
        *,
        keep_ids: set[str],
        new_chunks: list[StoredChunk],
        new_vectors: np.ndarray,
        model_id: str,
        duplicate_of: Mapping[str, str] | None = None,
    ) -> None: ...

    def remove_leftovers(self) -> None: ...
