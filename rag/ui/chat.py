"""One chat turn against the Assistant, as a stream of conversation states; no Gradio in here.

The conversation is a list of Turns, and the chat view, the sources panel and the
follow-up history are all drawn from it, so they cannot disagree:

    [Turn("What does Goldman expect?", answer=Answer(...)), Turn("And Yahoo?", partial="As of 2024-")]
    -> history [("What does Goldman expect?", "As of 2024-01-10, ...")] for the next question

`Assistant.stream` (text deltas, then the Answer) is used when the Assistant has it; else `ask`. Whether
those deltas are worth sending to the page one by one is `streams` (a model's are; the offline answerer
has its whole answer at once).
A RagError becomes its own message in the chat; anything else is logged and shown as a short
generic message, because a traceback helps nobody at the browser end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from rag.dates import read_bound
from rag.errors import InputError, RagError
from rag.records import Answer
from rag.retrieve.filters import Filters
from rag.ui.assistant import ChatAssistant
from rag.ui.render import answer_html, error_html, pending_html, streaming_html
from rag.ui.sources import sources_html
from rag.ui.text import flat_text

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on the server while answering. Try again; if it keeps happening, check the log."
MAX_HISTORY_TURNS = 6  # follow-ups need the recent exchange, not the whole session in every prompt


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer | None = None
    partial: str = ""  # text streamed so far, until the Answer arrives
    error: str = ""
    filters_active: bool = False

    @property
    def done(self) -> bool:
        return self.answer is not None or bool(self.error)


def make_filters(
    date_from: str | None, date_to: str | None, publishers: list[str] | None, known: Sequence[str] | None = None
) -> Filters:
    """Filters from the controls; empty controls filter nothing. Dates are read as people type them
    (rag/dates.py: "July 2024" from its first day, to its last). Raises InputError on a date it cannot
    read, a reversed range, and a publisher not among `known` (the indexed publishers), when given."""
    start = _bound("Published from", date_from, end=False)
    end = _bound("Published to", date_to, end=True)
    unknown = sorted(set(publishers or ()) - set(known)) if known is not None else []
    if unknown:
        raise InputError(
            f"No indexed article is from {', '.join(unknown)}; choose publishers from the list, or clear the field."
        )
    if start and end and start > end:
        raise InputError(f"The date range is reversed: 'from' {start} is after 'to' {end}. Swap or clear them.")
    return Filters(published_from=start, published_to=end, publishers=tuple(publishers or ()))


def date_feedback(text: str | None, *, end: bool) -> str:
    """What a date field will filter on, shown under it as it is typed: 'from 2024-07-01', or what is wrong."""
    try:
        day = read_bound(text or "", end=end)
    except InputError as exc:
        return f'<div class="field-error" role="alert">{flat_text(str(exc))}</div>'
    return f'<div class="field-note">{"to" if end else "from"} {day}</div>' if day else ""


def _bound(label: str, text: str | None, *, end: bool) -> str:
    try:
        return read_bound(text or "", end=end)
    except InputError as exc:
        raise InputError(f"{label}: {exc}") from exc


def history(turns: list[Turn]) -> list[tuple[str, str]]:
    """(question, answer text) of the recent answered turns, oldest first; failed turns are left out."""
    answered = [(t.question, t.answer.text) for t in turns if t.answer is not None]
    return answered[-MAX_HISTORY_TURNS:]


def messages(turns: list[Turn]) -> list[dict[str, str]]:
    """The chat view: a user and an assistant message per turn (no user bubble for an empty question)."""
    out = []
    for i, turn in enumerate(turns):
        if turn.question.strip():
            # Escaped like every reply: what a user pastes ("![x](http://...)") is shown, never rendered.
            out.append({"role": "user", "content": f'<div class="question">{flat_text(turn.question)}</div>'})
        out.append({"role": "assistant", "content": _reply_html(turn, i)})
    return out


def sources(turns: list[Turn]) -> str:
    return sources_html([(i, t.answer) for i, t in enumerate(turns) if t.answer is not None])


def respond(
    assistant: ChatAssistant, turns: list[Turn], question: str, *, k: int, filter_values: Callable[[], Filters]
) -> Iterator[list[Turn]]:
    """Add one turn and yield the conversation each time it changes: pending, each delta, then done.

    `filter_values` builds the Filters inside the error handling, so a bad date becomes a chat message.
    """
    turn = Turn(question=question or "")
    done = list(turns)
    yield [*done, turn]
    try:
        filters = filter_values()
        turn = replace(turn, filters_active=filters.active)
        for step in assistant.stream(question, history(done) or None, k=k, filters=filters):
            if isinstance(step, Answer):
                turn = replace(turn, answer=step)
            else:
                turn = replace(turn, partial=turn.partial + step)
            yield [*done, turn]
        if turn.answer is None:
            raise RuntimeError("the answer stream ended without an Answer")
    except RagError as exc:
        yield [*done, replace(turn, error=str(exc))]
    except Exception:
        log.exception("Answering %r failed", question)
        yield [*done, replace(turn, error=UNEXPECTED)]


def _reply_html(turn: Turn, index: int) -> str:
    if turn.error:
        return error_html(turn.error)
    if turn.answer is not None:
        return answer_html(turn.answer, turn=index, filters_active=turn.filters_active)
    return streaming_html(turn.partial) if turn.partial else pending_html()
