"""Model-judged faithfulness (optional): does each sentence of an answer follow from the sources it cites?

Secondary to the deterministic metrics, and only when a model is configured
(`python -m evals --judge`). The judge is the configured chat model, asked with
prompts/judge.txt: it reads the cited sources, the question and the answer's sentences,
numbered, and replies with a verdict per sentence:

    1: supported
    2: unsupported

    faithfulness = sentences judged supported / sentences in the answer

A sentence the reply gives no verdict for counts as unsupported, so a judge that rambles
cannot raise the score. Refusals and answers that cite nothing are not judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

from rag.answer.chat_client import ChatModel
from rag.answer.markers import LEADING
from rag.answer.packing import Source
from rag.answer.prompts import Message, escape_source_text, format_sources, load_template
from rag.records import Answer, Usage
from rag.settings import Settings
from rag.text.sentences import split_sentences

JUDGE_TOKENS = 400  # a verdict line per sentence; answers are a few sentences
_VERDICT = re.compile(r"^\W*(\d+)\W+(supported|unsupported)\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Judgement:
    supported: int
    sentences: int
    usage: Usage

    @property
    def faithfulness(self) -> float:
        return self.supported / self.sentences


class FaithfulnessJudge:
    def __init__(self, model: ChatModel, template: Template) -> None:
        self.model = model
        self._template = template

    @classmethod
    def from_settings(cls, settings: Settings) -> FaithfulnessJudge:
        """The configured model, reading the project's judge prompt (prompts/judge.txt)."""
        return cls(ChatModel(settings), load_template(settings.prompts_dir, "judge"))

    def judge(self, answer: Answer) -> Judgement | None:
        """The verdicts on `answer`, or None when there is nothing to judge (a refusal, no citations)."""
        sentences = claims(answer.text)
        if answer.refused or not answer.citations or not sentences:
            return None
        completion = self.model.complete(self.messages(answer, sentences), max_tokens=JUDGE_TOKENS)
        return Judgement(count_supported(completion.text, len(sentences)), len(sentences), completion.usage)

    def messages(self, answer: Answer, sentences: list[str]) -> list[Message]:
        # Each citation names a retrieved chunk; the judge reads that whole chunk, numbered as cited.
        hits = {h.chunk_id: h for h in answer.hits}
        sources = [Source(c.n, (hits[c.chunk_id],), hits[c.chunk_id].text) for c in answer.citations]
        numbered = "\n".join(f"{i}. {escape_source_text(s)}" for i, s in enumerate(sentences, start=1))
        question = escape_source_text(answer.question)
        prompt = self._template.safe_substitute(sources=format_sources(sources), question=question, claims=numbered)
        return [{"role": "user", "content": prompt}]


def claims(text: str) -> list[str]:
    """The answer's sentences, each with the markers that follow it.

    Sentence splitting leaves a marker written after the full stop at the start of the next piece
    ("... 15%. [1] As of ..."), or alone; it belongs to the sentence before:

        claims("Up 15%. [1]  As of 2024-01-22, Yahoo reported: Down 3%. [2]")
        -> ["Up 15%. [1]", "As of 2024-01-22, Yahoo reported: Down 3%. [2]"]
    """
    found: list[str] = []
    for piece in split_sentences(text):
        markers = LEADING.match(piece)
        if markers and found:
            found[-1] = f"{found[-1]} {markers.group(0).strip()}"
            piece = piece[markers.end() :]
        if piece.strip():
            found.append(piece.strip())
    return found


def count_supported(reply: str, sentences: int) -> int:
    """Sentences the reply calls supported; the first verdict per number counts, numbers out of range do not.

    count_supported("1: supported\\n2: unsupported\\n2: supported\\n7: supported", 3) -> 1
    """
    verdicts: dict[int, bool] = {}
    for number, verdict in _VERDICT.findall(reply):
        if 1 <= int(number) <= sentences:
            verdicts.setdefault(int(number), verdict.lower() == "supported")
    return sum(verdicts.values())
