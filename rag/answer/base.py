"""What every answerer does: turn a question and its retrieved chunks into a cited Answer."""

from __future__ import annotations

from typing import Protocol

from rag.records import Answer, Hit

# The one sentence every answerer gives when the articles do not answer the question.
REFUSAL = "The articles do not say."


class Answerer(Protocol):
    name: str  # what `Answer.backend` reports, e.g. "extractive" or "openai:gpt-4o-mini"

    def answer(self, question: str, hits: list[Hit]) -> Answer: ...
