"""What the chat page needs from the Assistant, as a Protocol: rag.assistant.Assistant is one, and the
tests' fakes (tests/ui_helpers.py) are others. The page calls these plainly; it probes for nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rag.answer.followups import History
    from rag.ingest.pipeline import IngestReport
    from rag.records import Answer, ChunkMeta
    from rag.retrieve.filters import Filters
    from rag.settings import Settings


class ChatAssistant(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def backend(self) -> str:
        """What answers, as Answer.backend names it ("extractive", "openai:gpt-4o-mini")."""
        ...

    @property
    def streams(self) -> bool:
        """Whether answers arrive in pieces worth showing as they come (a model's do; the offline answer is
        written all at once)."""
        ...

    def stream(
        self, question: str, history: History | None = None, *, k: int | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Text deltas, then the Answer; bad input raises before the first."""
        ...

    def generation(self) -> str | None: ...

    def indexed_chunks(self) -> list[ChunkMeta]: ...

    def ingest(
        self, paths: Sequence[str | Path], *, sync: bool = False, max_new_chunks: int | None = None
    ) -> IngestReport: ...
