"""Per-question scores, all deterministic string checks against the graded set.

- evidence hit@k: every gold article has a chunk among the top k that contains one of
  its evidence sentences; MRR and nDCG@10 rank those evidence chunks (binary relevance).
- key-fact recall: the share of key facts that appear in the answer (any variant).
- citation validity: every [n] marker has a citation and every citation is used.
- citation recall / precision, after ALCE (Gao et al., 2023) but judged without a model:
  recall = share of the key facts in the answer that some cited chunk also contains;
  precision = share of citations whose chunk holds a key fact or an evidence sentence.
"""

from __future__ import annotations

import math

from evals.dataset import Question
from rag.answer.markers import cited_numbers
from rag.records import Answer, Hit
from rag.text.sentences import split_sentences


def norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def evidence_pieces(q: Question) -> list[str]:
    """Evidence split into sentences, since a chunk boundary may fall inside a multi-sentence line."""
    return [norm(s) for e in q.evidence for s in split_sentences(e) if len(s.split()) >= 4]


def is_evidence(hit_text: str, article_id: str, q: Question) -> bool:
    text = norm(hit_text)
    return article_id in q.gold_articles and any(piece in text for piece in evidence_pieces(q))


# Retrieval is judged on the top 5, the k its targets are set at, whatever number of passages the answer reads.
EVIDENCE_K = 5


def evidence_k(k: int) -> int:
    """The top k that evidence is judged in when answers read k passages: EVIDENCE_K, or k when fewer."""
    return min(k, EVIDENCE_K)


def evidence_hit(q: Question, hits: list[Hit], k: int) -> bool:
    found = {h.article_id for h in hits[:k] if is_evidence(h.text, h.article_id, q)}
    return set(q.gold_articles) <= found


def reciprocal_rank(q: Question, hits: list[Hit]) -> float:
    for rank, h in enumerate(hits, start=1):
        if is_evidence(h.text, h.article_id, q):
            return 1.0 / rank
    return 0.0


def ndcg_at_10(q: Question, hits: list[Hit], relevant_total: int) -> float:
    gains = [1.0 if is_evidence(h.text, h.article_id, q) else 0.0 for h in hits[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(max(relevant_total, 1), 10)))
    return dcg / ideal


def facts_in(text: str, q: Question) -> list[bool]:
    t = norm(text)
    return [any(norm(v) in t for v in fact) for fact in q.key_facts]


def key_fact_recall(q: Question, answer: Answer) -> float:
    present = facts_in(answer.text, q)
    return sum(present) / len(present) if present else 0.0


def citation_valid(answer: Answer) -> bool:
    used = set(cited_numbers(answer.text))
    listed = [c.n for c in answer.citations]
    return used == set(listed) and sorted(listed) == list(range(1, len(listed) + 1))


def citation_recall(q: Question, answer: Answer, cited_texts: list[str]) -> float | None:
    in_answer = [fact for fact, ok in zip(q.key_facts, facts_in(answer.text, q)) if ok]
    if not in_answer:
        return None
    cited = norm(" ".join(cited_texts))
    return sum(any(norm(v) in cited for v in fact) for fact in in_answer) / len(in_answer)


def citation_precision(q: Question, cited: list[tuple[str, str]]) -> float | None:
    """cited: (article_id, chunk text) for each citation."""
    if not cited:
        return None
    good = sum(is_evidence(text, art, q) or any(facts_in(text, q)) for art, text in cited)
    return good / len(cited)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[index]
