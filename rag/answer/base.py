"""What every answerer does: turn a question and its retrieved chunks into a cited Answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from rag.records import Answer, Hit

# The one sentence every answerer gives when the articles do not answer the question.
REFUSAL = "The articles do not say."


class Answerer(Protocol):
    name: str  # what `Answer.backend` reports, e.g. "extractive" or "openai:gpt-4o-mini"

    def answer(self, question: str, hits: list[Hit]) -> Answer: ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer whose answer arrives in pieces (a model writing it): text deltas, then the Answer."""

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Answer]: ...
