"""Answers written by a language model, cited and checked.

LLMAnswerer  question + hits -> no evidence at all? refuse without a call (rag/answer/evidence_gate.py)
             -> pack sources into the context window -> prompt -> model (rag/answer/chat_client.py)
             -> renumber and check citations.
             The model decides what the articles say: it answers or refuses as the prompt tells it.
             When it fails (UnavailableError: down, too slow, or skipped by the circuit breaker), the
             fallback answerer (the offline one) stands in, with a notice. A reply the model did not finish
             (a deadline, the size cap, the server hanging up) is shown with a notice saying it was cut off.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from rag.answer.base import REFUSAL, Answerer
from rag.answer.chat_client import ChatModel, Completion, count_messages
from rag.answer.citations import resolve
from rag.answer.evidence_gate import DEFAULT_MIN_EVIDENCE, has_evidence
from rag.answer.markers import MARKER, marker
from rag.answer.packing import Source, pack
from rag.answer.prompts import Prompts
from rag.errors import ConfigError, UnavailableError
from rag.index.embeddings import Embedder, VectorCache
from rag.records import Answer, Hit, Usage


def is_refusal(text: str) -> bool:
    """The model's answer is the refusal sentence, give or take quotes, markers and the full stop."""

    def bare(s: str) -> str:
        return " ".join(MARKER.sub(" ", s).split()).strip("\"'“”. ").casefold()

    return bare(text) == bare(REFUSAL)


class LLMAnswerer:
    """Cited answers from a ChatModel, which decides whether the sources answer; `fallback` stands in when it fails."""

    def __init__(
        self,
        model: ChatModel,
        *,
        fallback: Answerer,
        embedder: Embedder,
        prompts: Prompts,
        context_tokens: int,
        answer_tokens: int,
        min_evidence: float = DEFAULT_MIN_EVIDENCE,
    ) -> None:
        self.model = model
        self.name = model.name
        self._fallback = fallback
        self._min_evidence = min_evidence
        self._prompts = prompts
        self._context_tokens = context_tokens
        self._answer_tokens = answer_tokens
        self._vectors = VectorCache(embedder, max_items=20_000)

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        return next(item for item in self._run(question, hits, streaming=False) if isinstance(item, Answer))

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Answer]:
        """Text deltas as the model writes them, then the Answer (markers renumbered: show its text at the end)."""
        return self._run(question, hits, streaming=True)

    def _run(self, question: str, hits: list[Hit], *, streaming: bool) -> Iterator[str | Answer]:
        # Only when retrieval found nothing about the question is the model not asked.
        if not has_evidence(hits, self._min_evidence):
            refusal = Answer(question=question, text=REFUSAL, refused=True, citations=[], hits=hits, backend=self.name)
            said: list[str | Answer] = [refusal.text, refusal] if streaming else [refusal]
            yield from said
            return
        sources = self._pack(question, hits)
        messages = self._prompts.answer_messages(question, sources)
        started, streamed = time.perf_counter(), False
        completion = Completion("")
        try:
            if streaming:
                for item in self.model.stream(messages, max_tokens=self._answer_tokens):
                    if isinstance(item, Completion):
                        completion = item
                    else:
                        streamed = True
                        yield item
            else:
                completion = self.model.complete(messages, max_tokens=self._answer_tokens)
        except UnavailableError as exc:
            completion, notice = Completion("", Usage(model_seconds=time.perf_counter() - started)), str(exc)
        else:
            notice = "" if completion.text.strip() else f"The model at {self.model.endpoint} sent no text."
        if notice:
            answer = self._stand_in(question, hits, notice, completion.usage)
        else:
            answer = self._finish(question, hits, sources, completion)
        if streaming and not streamed:
            yield answer.text
        yield answer

    def _pack(self, question: str, hits: list[Hit]) -> list[Source]:
        fixed = count_messages(self._prompts.answer_messages(question, []))
        budget = self._context_tokens - self._answer_tokens - fixed
        sources = pack(hits, budget=budget)
        if hits and not sources:
            raise ConfigError(
                f"RAG_LLM_CONTEXT_TOKENS={self._context_tokens} leaves no room for any source after the prompt "
                f"({fixed} tokens) and the answer (RAG_LLM_ANSWER_TOKENS={self._answer_tokens}); raise the first "
                "or lower the second."
            )
        return sources

    def _finish(self, question: str, hits: list[Hit], sources: list[Source], completion: Completion) -> Answer:
        if is_refusal(completion.text):
            return Answer(question=question, text=REFUSAL, refused=True, citations=[], hits=hits, backend=self.name,
                          usage=completion.usage)  # fmt: skip
        resolved = resolve(completion.text, sources, self._embed)
        notices = []
        if resolved.dropped:
            markers = ", ".join(marker(n) for n in resolved.dropped)
            notices.append(f"Removed citation {markers}: the model cited a source it was not given.")
        if not resolved.citations:
            notices.append("The model cited none of the sources; check this answer against them.")
        if completion.truncated:
            notices.append(f"The answer was cut off at {self._answer_tokens} tokens (RAG_LLM_ANSWER_TOKENS).")
        if completion.cut_off:
            notices.append(f"The model's answer was cut off {completion.cut_off}; it may be incomplete.")
        return Answer(
            question=question,
            text=resolved.text,
            refused=False,
            citations=resolved.citations,
            hits=hits,
            backend=self.name,
            unsupported=resolved.unsupported,
            notice=" ".join(notices),
            usage=completion.usage,
            dropped_citations=resolved.dropped,
        )

    def _stand_in(self, question: str, hits: list[Hit], notice: str, usage: Usage) -> Answer:
        answer = self._fallback.answer(question, hits)
        notice = f"{notice} This answer is {self._fallback.name}."
        return replace(answer, notice=" ".join(n for n in (notice, answer.notice) if n), usage=usage)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self._vectors.embed(texts)
