"""Follow-up questions: turn "and what about in July?" into a question that stands alone, before retrieval.

History is a list of (user question, assistant answer) pairs of strings, oldest first:

    history = [("What does Goldman expect from the Russell 2000?", "As of 2024-01-10, ... [1]")]
    assistant.ask("And what about the S&P 500?", history=history)

(Gradio's "messages" history converts with
 `list(zip([m["content"] for m in h if m["role"] == "user"], [m["content"] for m in h if m["role"] == "assistant"]))`.)

Two rewriters with one method, `rewrite(question, history) -> Rewrite`:

- LLMRewriter asks the model (prompts/rewrite.txt) with the last MAX_TURNS turns; if the
  model is unavailable, or its rewrite was cut off, it falls back to the keyword rewriter and
  says so in the notice.
- KeywordRewriter is offline and deterministic. When the follow-up cannot stand alone (it starts
  with "and", "but", "what about"..., leans on a pronoun, or names nothing but a time: "July?"),
  it prepends the content words of the previous user question that the follow-up lacks. A short
  question with a subject of its own ("What did Citi say?") is a new question, not a follow-up:

      "and what about in July?" after "What does Goldman expect from the Russell 2000?"
      -> "Goldman Russell 2000 and what about in July?"

  Its limits: it reads only the previous user question (not the answers, not earlier turns),
  and it cannot tell which earlier word a pronoun means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from rag.answer.prompts import Prompts
from rag.errors import InputError, UnavailableError
from rag.records import Usage
from rag.text.terms import QUESTION_TERMS, SLASHED_ABBREVIATION, terms

if TYPE_CHECKING:  # rag.answer.chat_client imports openai, which the offline rewriter never needs
    from rag.answer.chat_client import ChatModel

YEAR = re.compile(r"(?:19|20)\d\d")
# Words that say when, not what: a question of only these ("July?", "in 2025?") has no subject of its own.
TIME_TERMS = frozenset(
    terms(
        "january february march april may june july august september october november december jan feb mar apr "
        "jun jul aug sep sept oct nov dec year years month months week weeks quarter q1 q2 q3 q4 h1 h2 today "
        "now then later earlier before after since last next this early mid late end start beginning"
    )
)

History = Sequence[tuple[str, str]]

MAX_TURNS = 4  # older turns rarely matter to what "it" means, and cost tokens
REWRITE_TOKENS = 100
CONNECTIVES = frozenset({"and", "but", "also", "then", "so", "or", "plus"})
OPENERS = frozenset({"what about", "how about", "and what", "what of"})
PRONOUNS = frozenset("it its they them their theirs that this those these he she him his her there same".split())
_WORD = re.compile(rf"{SLASHED_ABBREVIATION}|[A-Za-z][\w&'-]*|\d[\d.,]*\d|\d")  # "P/E" is one word


@dataclass(frozen=True)
class Rewrite:
    question: str  # the standalone question to retrieve and answer with
    usage: Usage = field(default_factory=Usage)
    notice: str = ""


class Rewriter(Protocol):
    def rewrite(self, question: str, history: History) -> Rewrite: ...


def check_history(history: Any) -> list[tuple[str, str]]:
    """The history as (user, assistant) pairs; an unfinished turn's None answer counts as ""."""
    if history is None:
        return []
    problem = InputError(
        "history must be a list of (user question, assistant answer) pairs of strings, oldest first, "
        'e.g. [("What does Goldman expect?", "A 15% gain [1].")].'
    )
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise problem
    pairs = []
    for turn in history:
        if not isinstance(turn, (tuple, list)) or len(turn) != 2:
            raise problem
        user, answer = turn[0], "" if turn[1] is None else turn[1]
        if not isinstance(user, str) or not isinstance(answer, str):
            raise problem
        pairs.append((user, answer))
    return pairs


class KeywordRewriter:
    def rewrite(self, question: str, history: History) -> Rewrite:
        if not history or not looks_elliptical(question):
            return Rewrite(question)
        present = set(terms(question))
        carried = [w for w in _WORD.findall(history[-1][0]) if _content(w) and not set(terms(w)) <= present]
        return Rewrite(" ".join([*dict.fromkeys(carried), question]))


def looks_elliptical(question: str) -> bool:
    """Whether the question leans on the conversation: a connective or "what about" first, a pronoun, or no subject.

    "and in 2025?", "What about them?", "Why did it fall?", "July?" -> True
    "What did Citi analysts say?" -> False: short, but it names what it is about
    """
    words = re.findall(r"[a-z']+", question.lower())
    if words and (words[0] in CONNECTIVES or " ".join(words[:2]) in OPENERS or PRONOUNS.intersection(words)):
        return True
    subject = set(terms(question)) - QUESTION_TERMS - TIME_TERMS
    return not {t for t in subject if not YEAR.fullmatch(t)}


def _content(word: str) -> bool:
    word_terms = terms(word)
    return bool(word_terms) and not set(word_terms) <= QUESTION_TERMS


class LLMRewriter:
    def __init__(self, model: ChatModel, prompts: Prompts, *, max_chars: int, fallback: Rewriter | None = None) -> None:
        self._model = model
        self._prompts = prompts
        self._max_chars = max_chars
        self._fallback = fallback or KeywordRewriter()

    def rewrite(self, question: str, history: History) -> Rewrite:
        if not history:
            return Rewrite(question)
        messages = self._prompts.rewrite_messages(question, history[-MAX_TURNS:])
        try:
            completion = self._model.complete(messages, max_tokens=REWRITE_TOKENS)
        except UnavailableError as exc:
            return self._instead(question, history, str(exc))
        if completion.cut_off:  # half a question would search for the wrong thing
            why = f"The model's rewrite was cut off {completion.cut_off}."
            return replace(self._instead(question, history, why), usage=completion.usage)
        standalone = _first_line(completion.text)[: self._max_chars] or question
        return Rewrite(standalone, completion.usage)

    def _instead(self, question: str, history: History, why: str) -> Rewrite:
        fallback = self._fallback.rewrite(question, history)
        return replace(fallback, notice=f"{why} The follow-up was rewritten by keywords instead.")


def _first_line(text: str) -> str:
    """'Standalone question: "What did X say?"\\n(explanation)' -> 'What did X say?'."""
    line = next((line for line in text.strip().splitlines() if line.strip()), "")
    line = re.sub(r"^\s*(?:standalone question|question|rewritten question)\s*:\s*", "", line, flags=re.IGNORECASE)
    return line.strip().strip("\"'“”`").strip()
