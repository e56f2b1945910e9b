"""The optional model-judged faithfulness score, against the loopback OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evals.__main__ import main as eval_main
from evals.dataset import Question
from evals.judge import FaithfulnessJudge, claims, count_supported
from evals.run import run_eval
from rag import Assistant
from tests.openai_server import OpenAIServer

GOLDMAN = Question(
    id="g1", split="dev", type="number", question="What does Goldman Sachs expect from the Russell 2000?",
    answer="About 15% over twelve months.", key_facts=(("15%",),), gold_articles=("000_c205bd33b4339b3e",),
    evidence=("15% over the next twelve months",),
)  # fmt: skip


def test_verdicts_are_counted_once_per_sentence_and_missing_ones_count_against() -> None:
    assert count_supported("1: supported\n2: unsupported", 2) == 1
    assert count_supported("1. Supported\n2) supported", 2) == 2
    # A repeated number keeps its first verdict; numbers beyond the answer are ignored.
    assert count_supported("1: supported\n1: unsupported\n9: supported", 3) == 1
    assert count_supported("The answer looks fine to me.", 2) == 0


def test_the_judge_reads_the_cited_sources_and_scores_each_sentence(
    openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]
) -> None:
    assistant = make_llm_assistant()
    judge = FaithfulnessJudge.from_settings(assistant.settings)
    openai_server.reply(
        "Goldman expects a 15% return over twelve months [1]. It also sees bitcoin at 1 million [1].",
        prompt_tokens=300,
        completion_tokens=20,
    )
    openai_server.reply("1: supported\n2: unsupported", prompt_tokens=700, completion_tokens=9)

    run = run_eval(assistant, [GOLDMAN], progress=False, judge=judge)

    (result,) = run.questions
    assert result.faithfulness == 0.5 and "judge: 50% of sentences supported" in result.failure
    assert run.summary["faithfulness"] == 0.5 and run.summary["answers_judged"] == 1
    assert run.summary["judge_tokens"] == 709
    judged = openai_server.requests[1].prompt
    assert "1. Goldman expects a 15% return over twelve months [1]." in judged
    assert "2. It also sees bitcoin at 1 million [1]." in judged
    assert '<source id="1"' in judged and GOLDMAN.question in judged
    # The answer's own token counts stay apart from the judge's.
    assert (result.prompt_tokens, result.completion_tokens, result.judge_tokens) == (300, 20, 709)


def test_a_refusal_is_not_judged(openai_server: OpenAIServer, make_llm_assistant: Callable[..., Assistant]) -> None:
    assistant = make_llm_assistant()
    judge = FaithfulnessJudge.from_settings(assistant.settings)
    unanswerable = Question(id="u1", split="dev", type="unanswerable", question="What did Tesla deliver in Q2 2024?",
                            answer="", key_facts=(), gold_articles=(), evidence=())  # fmt: skip

    openai_server.reply("The articles do not say.")

    run = run_eval(assistant, [unanswerable], progress=False, judge=judge)

    assert run.questions[0].refused and run.questions[0].faithfulness is None
    assert len(openai_server.requests) == 1  # the model refused, and its refusal was not judged


def test_judging_without_a_model_says_how_to_configure_one(
    openai_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture has cleared OPENAI_API_KEY and OPENAI_BASE_URL.
    assert eval_main(["--judge", "--quiet"]) == 1
    assert "--judge needs a model: set OPENAI_API_KEY" in capsys.readouterr().err


def test_markers_after_a_full_stop_stay_with_their_sentence() -> None:
    text = "As of 2024-01-10, Moomoo reported: Up 15%. [1] Small caps lead. [1]\n\nAs of 2024-01-22, Yahoo reported: Down 3%. [2]"
    assert claims(text) == [
        "As of 2024-01-10, Moomoo reported: Up 15%. [1]",
        "Small caps lead. [1]",
        "As of 2024-01-22, Yahoo reported: Down 3%. [2]",
    ]
