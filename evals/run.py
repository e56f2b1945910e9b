"""Run the graded questions through the Python API and score every answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from tqdm import tqdm

from evals import metrics as m
from evals.dataset import Question
from evals.judge import FaithfulnessJudge
from rag.assistant import Assistant
from rag.retrieve.hybrid import Mode
from rag.settings import DEFAULT_TOP_K


@dataclass
class QuestionResult:
    id: str
    type: str
    split: str
    question: str
    expected: str
    answer: str
    refused: bool
    backend: str
    cited: list[str]
    evidence_hit: bool | None
    reciprocal_rank: float | None
    ndcg10: float | None
    fact_recall: float | None
    citation_valid: bool
    citation_recall: float | None
    citation_precision: float | None
    seconds: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    notice: str
    unsupported: int = 0  # answer sentences that no cited source backs (rag/answer/citations.py)
    failure: str = ""
    faithfulness: float | None = None  # model-judged, only with --judge
    judge_tokens: int = 0
    judge_cost_usd: float = 0.0


@dataclass
class RunResult:
    config: dict[str, Any]
    summary: dict[str, float]
    by_type: dict[str, dict[str, float]]
    questions: list[QuestionResult] = field(default_factory=list)
    by_split: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"config": self.config, "summary": self.summary, "by_type": self.by_type, "by_split": self.by_split,
                "questions": [asdict(q) for q in self.questions]}  # fmt: skip


def run_eval(
    assistant: Assistant,
    questions: list[Question],
    *,
    k: int = DEFAULT_TOP_K,
    mode: Mode = "hybrid",
    progress: bool = True,
    judge: FaithfulnessJudge | None = None,
) -> RunResult:
    results = [
        score_question(assistant, q, k=k, mode=mode, judge=judge)
        for q in tqdm(questions, desc=f"Evaluating ({mode})", unit="q", disable=not progress, leave=False)
    ]
    config = {"k": k, "mode": mode, "backend": assistant.backend, "questions": len(questions),
              "judge": judge.model.name if judge else None}  # fmt: skip
    summary = summarise(results)
    if judge:
        summary.update(judged_summary(results))
    return RunResult(config=config, summary=summary, by_type=by_type(results), questions=results,
                     by_split=by_split(results))  # fmt: skip


def score_question(
    assistant: Assistant, q: Question, *, k: int, mode: Mode, judge: FaithfulnessJudge | None = None
) -> QuestionResult:
    ranked = assistant.retrieve(q.question, k=max(k, 10), mode=mode)
    answer = assistant.ask(q.question, k=k, mode=mode)
    # On a top EVIDENCE_K of its own: a top k is not the first k of a longer list, since the best text
    # matches stay in the top k whatever the periods say (rag/retrieve/hybrid.py, TEXT_KEEP).
    evidence_k = m.evidence_k(k)
    evidence_hits = answer.hits if k == evidence_k else assistant.retrieve(q.question, k=evidence_k, mode=mode)
    hits_by_id = {h.chunk_id: h for h in answer.hits}
    cited = [(c.article_id, hits_by_id[c.chunk_id].text) for c in answer.citations if c.chunk_id in hits_by_id]
    relevant_total = sum(m.is_evidence(h.text, h.article_id, q) for h in assistant.retrieve(q.question, k=50))
    r = QuestionResult(
        id=q.id, type=q.type, split=q.split, question=q.question, expected=q.answer, answer=answer.text,
        refused=answer.refused, backend=answer.backend,
        cited=[f"[{c.n}] {c.publisher} {c.published} {c.article_id}" for c in answer.citations],
        evidence_hit=m.evidence_hit(q, evidence_hits, evidence_k) if q.answerable else None,
        reciprocal_rank=m.reciprocal_rank(q, ranked) if q.answerable else None,
        ndcg10=m.ndcg_at_10(q, ranked, relevant_total) if q.answerable else None,
        fact_recall=m.key_fact_recall(q, answer) if q.answerable else None,
        citation_valid=m.citation_valid(answer),
        citation_recall=m.citation_recall(q, answer, [t for _, t in cited]) if q.answerable else None,
        citation_precision=m.citation_precision(q, cited) if q.answerable else None,
        seconds=answer.seconds, prompt_tokens=answer.usage.prompt_tokens,
        completion_tokens=answer.usage.completion_tokens, cost_usd=answer.usage.cost_usd, notice=answer.notice,
        unsupported=len(answer.unsupported),
    )  # fmt: skip
    judgement = judge.judge(answer) if judge else None
    if judgement:
        r.faithfulness = judgement.faithfulness
        r.judge_tokens = judgement.usage.prompt_tokens + judgement.usage.completion_tokens
        r.judge_cost_usd = judgement.usage.cost_usd
    r.failure = failure_reason(q, r)
    return r


def failure_reason(q: Question, r: QuestionResult) -> str:
    reasons = []
    if not r.citation_valid:
        reasons.append("citation markers do not match the sources")
    if not q.answerable:
        return "; ".join(reasons + ([] if r.refused else ["answered an unanswerable question"]))
    if r.refused:
        reasons.append("refused an answerable question")
    if not r.evidence_hit:
        reasons.append("gold evidence not in top k")
    missing = [fact[0] for fact, ok in zip(q.key_facts, m.facts_in(r.answer, q)) if not ok]
    if missing and not r.refused:
        reasons.append("missing " + ", ".join(repr(f) for f in missing))
    if r.faithfulness is not None and r.faithfulness < 1.0:
        reasons.append(f"judge: {r.faithfulness:.0%} of sentences supported")
    return "; ".join(reasons)


def _mean(values: Iterable[float | None]) -> float:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else 0.0


def summarise(results: list[QuestionResult]) -> dict[str, float]:
    answerable = [r for r in results if r.type != "unanswerable"]
    unanswerable = [r for r in results if r.type == "unanswerable"]
    seconds = [r.seconds for r in results]
    answered = [r for r in results if not r.refused]
    return {
        "evidence_hit_at_k": _mean(r.evidence_hit for r in answerable),
        "mrr": _mean(r.reciprocal_rank for r in answerable),
        "ndcg_at_10": _mean(r.ndcg10 for r in answerable),
        "key_fact_recall": _mean(r.fact_recall for r in answerable),
        "answers_with_all_facts": _mean(float(r.fact_recall == 1.0) for r in answerable),
        "citation_validity": _mean(float(r.citation_valid) for r in results),
        "citation_recall": _mean(r.citation_recall for r in answerable),
        "citation_precision": _mean(r.citation_precision for r in answerable),
        "refusal_recall": _mean(float(r.refused) for r in unanswerable),
        "false_refusals": float(sum(r.refused for r in answerable)),
        "false_refusal_rate": _mean(float(r.refused) for r in answerable),
        "answers_with_unsupported": _mean(float(r.unsupported > 0) for r in answered),
        "latency_p50_ms": 1000 * m.percentile(seconds, 50),
        "latency_p95_ms": 1000 * m.percentile(seconds, 95),
        "prompt_tokens": float(sum(r.prompt_tokens for r in results)),
        "completion_tokens": float(sum(r.completion_tokens for r in results)),
        "cost_usd": sum(r.cost_usd for r in results),
    }


def judged_summary(results: list[QuestionResult]) -> dict[str, float]:
    """The judge's figures, apart from the answering cost: faithfulness over the answers it judged."""
    return {
        "faithfulness": _mean(r.faithfulness for r in results),
        "answers_judged": float(sum(r.faithfulness is not None for r in results)),
        "judge_tokens": float(sum(r.judge_tokens for r in results)),
        "judge_cost_usd": sum(r.judge_cost_usd for r in results),
    }


def by_type(results: list[QuestionResult]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for kind in sorted({r.type for r in results}):
        group = [r for r in results if r.type == kind]
        if kind == "unanswerable":
            table[kind] = {"n": len(group), "refusal_recall": _mean(float(r.refused) for r in group)}
        else:
            table[kind] = {
                "n": len(group),
                "evidence_hit_at_k": _mean(r.evidence_hit for r in group),
                "key_fact_recall": _mean(r.fact_recall for r in group),
                "false_refusal_rate": _mean(float(r.refused) for r in group),
            }
    return table


def by_split(results: list[QuestionResult]) -> dict[str, dict[str, float]]:
    """The summary of each split the run holds: the dev questions calibrate, the test ones only measure."""
    return {split: summarise([r for r in results if r.split == split]) for split in sorted({r.split for r in results})}
