"""Against the real OpenAI API (or whatever OPENAI_BASE_URL names): runs only when OPENAI_API_KEY is set.

OPENAI_API_KEY=sk-... pytest -m integration tests/test_llm_integration.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag import REFUSAL, Answer, Assistant
from tests.conftest import CORPUS_DIR

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="needs OPENAI_API_KEY (talks to the real API)"),
]


@pytest.fixture
def live(built_index: Path) -> Assistant:
    return Assistant(data_dir=built_index, corpus_dir=CORPUS_DIR, show_progress=False)


def test_a_corpus_question_gets_a_cited_answer(live: Assistant) -> None:
    answer = live.ask("What's Goldman's one-year return call on the Russell 2000?")
    assert answer.backend.startswith("openai:") and answer.notice == "", answer.notice
    assert not answer.refused and "15" in answer.text
    assert answer.citations and all(f"[{c.n}]" in answer.text for c in answer.citations)
    assert any("Goldman" in c.quote or "15%" in c.quote for c in answer.citations)
    assert answer.usage.prompt_tokens > 0 and answer.usage.completion_tokens > 0


def test_streaming_ends_with_the_answer(live: Assistant) -> None:
    *deltas, answer = live.stream("Why are small caps sensitive to interest rates?")
    assert isinstance(answer, Answer) and deltas and all(isinstance(d, str) for d in deltas)
    assert answer.refused or answer.citations


def test_an_off_corpus_question_is_refused(live: Assistant) -> None:
    answer = live.ask("What did the ECB decide about euro interest rates?")
    assert answer.refused and answer.text == REFUSAL
