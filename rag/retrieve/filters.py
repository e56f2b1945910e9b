"""Which chunks a question may retrieve: a published-date range and a set of publishers.

Its own module, apart from rag/retrieve/hybrid.py, so that the CLI can read `--from`/`--to`/`--publisher`
without importing the retriever (and with it Chroma and BM25) before the index is opened.

    Filters(published_from="2024-07-01", publishers=("Reuters",)).where()
    -> {"$and": [{"published_int": {"$gte": 20240701}}, {"publisher": {"$in": ["Reuters"]}}]}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rag.errors import InputError

if TYPE_CHECKING:
    from rag.records import ChunkMeta


@dataclass(frozen=True)
class Filters:
    """Which chunks may be retrieved: a published-date range (inclusive) and a set of publishers."""

    published_from: str = ""  # 'YYYY-MM-DD'
    published_to: str = ""
    publishers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for value in (self.published_from, self.published_to):
            if value:
                try:
                    dt.date.fromisoformat(value)
                except ValueError as exc:
                    raise InputError(f"Date filter {value!r} is not YYYY-MM-DD (e.g. 2024-01-22).") from exc

    @property
    def active(self) -> bool:
        return bool(self.published_from or self.published_to or self.publishers)

    def where(self) -> dict[str, Any] | None:
        """The same conditions as a Chroma `where` clause (dates compare as YYYYMMDD integers).

        An undated article (published_int 0) is outside every date range, as in `admits`.
        """
        clauses: list[dict[str, Any]] = []
        if self.published_from or self.published_to:
            clauses.append({"published_int": {"$gte": _as_int(self.published_from) if self.published_from else 1}})
        if self.published_to:
            clauses.append({"published_int": {"$lte": _as_int(self.published_to)}})
        if self.publishers:
            clauses.append({"publisher": {"$in": list(self.publishers)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def admits(self, metadata: ChunkMeta) -> bool:
        date = metadata.published_int
        if (self.published_from or self.published_to) and date <= 0:
            return False
        if self.published_from and date < _as_int(self.published_from):
            return False
        if self.published_to and date > _as_int(self.published_to):
            return False
        return not self.publishers or metadata.publisher in self.publishers


def _as_int(iso: str) -> int:
    return int(iso.replace("-", ""))
