"""Measure retrieval on the question set for several chunk sizes and overlaps (a benchmark, not a test).

    python -m evals.chunk_sweep            # prints one row per setting
Each setting gets its own temporary index; the figures are evidence hit@k, MRR and nDCG@10.
"""

from __future__ import annotations

import argparse
import tempfile

from evals import metrics as m
from evals.dataset import load_questions
from rag.assistant import Assistant

SIZES = (96, 128, 160, 200, 256, 320)
OVERLAPS = (0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    args = parser.parse_args()
    questions = [q for q in load_questions() if q.answerable and args.split in ("all", q.split)]
    print(f"{'tokens':>6} {'overlap':>7} {'chunks':>6} {'hit@k':>6} {'mrr':>5} {'ndcg10':>6}")
    for size in SIZES:
        for overlap in OVERLAPS:
            with tempfile.TemporaryDirectory() as tmp:
                a = Assistant(data_dir=tmp, chunk_tokens=size, chunk_overlap_sentences=overlap, show_progress=False)
                n_chunks = sum(1 for _ in a.retrieve("small caps", k=1000))
                hits = [a.retrieve(q.question, k=max(args.k, 10)) for q in questions]
                hit = sum(m.evidence_hit(q, h, args.k) for q, h in zip(questions, hits)) / len(questions)
                mrr = sum(m.reciprocal_rank(q, h) for q, h in zip(questions, hits)) / len(questions)
                rel = [sum(m.is_evidence(x.text, x.article_id, q) for x in a.retrieve(q.question, k=1000))
                       for q in questions]  # fmt: skip
                ndcg = sum(m.ndcg_at_10(q, h, r) for q, h, r in zip(questions, hits, rel)) / len(questions)
                print(f"{size:>6} {overlap:>7} {n_chunks:>6} {hit:>6.3f} {mrr:>5.3f} {ndcg:>6.3f}", flush=True)


if __name__ == "__main__":
    main()
