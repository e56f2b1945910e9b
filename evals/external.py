"""Retrieval and answering on public benchmark sets (a measurement script, not a test).

    python -m evals.external scifact ../shared/bench/scifact [--as-files]
    python -m evals.external squad ../shared/bench/squad_v2 --sample 600 --seed 7
    python -m evals.external financebench ../shared/bench/financebench

The data stays outside the project: the command takes its folder. Each set is indexed
into its own Chroma collection in a temporary folder (or --data-dir to keep it).

SciFact (BEIR): nDCG@10 and recall@100 on the 300 test queries for dense, BM25 and
hybrid, next to the published BM25 (0.679) and all-MiniLM-L6-v2 (0.645) figures.
SQuAD 2.0: one chunk per paragraph, a seeded sample of questions stratified by
answerable/unanswerable; gold-paragraph hit@5, answers containing a gold answer,
refusal recall on unanswerable and false refusals on answerable, next to BERT's.
FinanceBench: one article per evidence page; page hit@5, answers holding the reference's
figure, and refusals (all 150 questions are answerable), next to plain BM25's page hit@5.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import string
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from tqdm import tqdm

from evals.metrics import EVIDENCE_K
from rag.assistant import Assistant
from rag.index.embeddings import LocalMiniLM
from rag.index.store import ChunkStore
from rag.ingest.pipeline import ChunkingSettings, ingest_articles
from rag.records import Article
from rag.retrieve.hybrid import MODES

# Published reference figures (see shared/bench/README.md); printed beside ours, never used in code paths.
SCIFACT_REFERENCE = {"BM25 (Anserini)": 0.679, "all-MiniLM-L6-v2 (MTEB)": 0.645, "BM25 + cross-encoder (BEIR)": 0.688}
FINANCEBENCH_REFERENCE = 0.47  # plain BM25 page hit@5 (shared/bench/README.md)
SQUAD_REFERENCE = {"BERT single: declines unanswerable": 0.823, "BERT single: wrongly declines answerable": 0.134}
LONG_CHUNKS = ChunkingSettings(max_tokens=512, overlap=0)  # one chunk per abstract or paragraph, as BEIR scores them


def build(name: str, articles: list[Article], data_dir: Path) -> Assistant:
    """Index `articles` into collection `name` and open an Assistant on it (no corpus folder)."""
    embedder = LocalMiniLM()
    store = ChunkStore.persistent(data_dir, name=name)
    started = time.perf_counter()
    report = ingest_articles(articles, store=store, embedder=embedder, chunking=LONG_CHUNKS)
    print(f"{name}: {report.chunks_total} chunks indexed ({report.chunks_embedded} embedded) in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    empty = data_dir / "no-corpus"
    empty.mkdir(exist_ok=True)
    return Assistant(data_dir=data_dir, corpus_dir=empty, collection=name, embedder=embedder, show_progress=False,
                     chunk_tokens=LONG_CHUNKS.max_tokens, chunk_overlap_sentences=0)  # fmt: skip


def build_from_files(name: str, articles: list[Article], data_dir: Path) -> Assistant:
    """Write `articles` as .txt files with a YAML header and ingest the folder as `rag ingest DIR` does."""
    folder = data_dir / f"{name}-files"
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        header = yaml.safe_dump({"title": article.title, "publisher": article.publisher}, allow_unicode=True)
        (folder / f"{article.id}.txt").write_text(f"---\n{header}---\n{article.body}\n", encoding="utf-8")
    started = time.perf_counter()
    assistant = Assistant(data_dir=data_dir, corpus_dir=data_dir / "no-corpus", collection=name, show_progress=False,
                          chunk_tokens=LONG_CHUNKS.max_tokens, chunk_overlap_sentences=0)  # fmt: skip
    report = assistant.ingest([folder], sync=True)
    print(f"{name}: {len(articles)} files; {report.summary()}; {time.perf_counter() - started:.0f} s")
    for skipped in report.skipped:
        print(f"  skipped: {skipped}")
    return assistant


# -- SciFact ---------------------------------------------------------------------------------------


def scifact(folder: Path, data_dir: Path, limit: int | None, as_files: bool = False) -> None:
    docs = [json.loads(line) for line in (folder / "corpus.jsonl").read_text().splitlines() if line.strip()]
    articles = [Article(id=d["_id"], title=d["title"], body=d["text"], publisher="SciFact") for d in docs]
    queries = {q["_id"]: q["text"] for q in map(json.loads, (folder / "queries.jsonl").read_text().splitlines())}
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, doc_id, score = line.split("\t")
        qrels[qid][doc_id] = int(score)
    test_ids = sorted(qrels, key=int)[:limit]
    if as_files:
        (data_dir / "no-corpus").mkdir(parents=True, exist_ok=True)
        assistant = build_from_files("scifact", articles, data_dir)
    else:
        assistant = build("scifact", articles, data_dir)
    path = "files, as `rag ingest DIR`" if as_files else "records"
    print(f"\nSciFact ({path}): {len(articles)} abstracts, {len(test_ids)} test queries")
    print(f"{'retriever':<10} {'nDCG@10':>8} {'recall@100':>11} {'ms/query':>9}")
    for mode in MODES:
        ndcg, recall, started = 0.0, 0.0, time.perf_counter()
        for qid in tqdm(test_ids, desc=mode, leave=False):
            hits = assistant.retrieve(queries[qid], k=150, mode=mode)
            ranked = list(dict.fromkeys(h.article_id for h in hits))[:100]  # documents, best chunk first
            ndcg += ndcg_at(ranked, qrels[qid], 10)
            recall += len(set(ranked) & set(qrels[qid])) / len(qrels[qid])
        ms = 1000 * (time.perf_counter() - started) / len(test_ids)
        print(f"{mode:<10} {ndcg / len(test_ids):>8.3f} {recall / len(test_ids):>11.3f} {ms:>9.1f}")
    for label, value in SCIFACT_REFERENCE.items():
        print(f"  published: {label}: nDCG@10 {value:.3f}")


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


# -- SQuAD 2.0 -------------------------------------------------------------------------------------


def squad_set(folder: Path) -> tuple[list[Article], list[tuple[dict, str]]]:
    """SQuAD 2.0's paragraphs as articles, and every question with its paragraph's id."""
    data = json.loads((folder / "dev-v2.0.half16.official-ids.json").read_text())["data"]
    articles, questions = [], []
    for doc in data:
        for i, paragraph in enumerate(doc["paragraphs"]):
            pid = f"{doc['title']}-{i}"
            articles.append(Article(id=pid, title=doc["title"].replace("_", " "), body=paragraph["context"]))
            for qa in paragraph["qas"]:
                questions.append((qa, pid))
    return articles, questions


def squad(folder: Path, data_dir: Path, sample: int, seed: int) -> dict[str, float]:
    """Ask a seeded sample of SQuAD 2.0 through `ask()`; print and return the figures."""
    articles, questions = squad_set(folder)
    rng = random.Random(seed)
    answerable = [q for q in questions if not q[0]["is_impossible"]]
    impossible = [q for q in questions if q[0]["is_impossible"]]
    chosen = rng.sample(answerable, min(sample // 2, len(answerable))) + rng.sample(
        impossible, min(sample // 2, len(impossible))
    )
    assistant = build("squad", articles, data_dir)
    print(f"\nSQuAD 2.0: {len(articles)} paragraphs; seeded sample of {len(chosen)} questions (seed {seed}), "
          f"half answerable")  # fmt: skip
    hit5 = contains = refused_impossible = refused_answerable = 0
    n_answerable = sum(not qa["is_impossible"] for qa, _ in chosen)
    for qa, pid in tqdm(chosen, desc="asking", leave=False):
        answer = assistant.ask(qa["question"])
        if qa["is_impossible"]:
            refused_impossible += answer.refused
            continue
        hit5 += any(h.article_id == pid for h in assistant.retrieve(qa["question"], k=EVIDENCE_K))
        refused_answerable += answer.refused
        golds = {_squad_norm(a["text"]) for a in qa["answers"]}
        contains += not answer.refused and any(g and g in _squad_norm(answer.text) for g in golds)
    n_impossible = len(chosen) - n_answerable
    figures = {
        "gold paragraph hit@5 (answerable)": hit5 / n_answerable,
        "answer contains a gold answer": contains / n_answerable,
        "refusal recall (unanswerable declined)": refused_impossible / n_impossible,
        "false refusals (answerable declined)": refused_answerable / n_answerable,
    }
    for label, value in figures.items():
        print(f"{label + ':':<42}{value:.3f}")
    for label, value in SQUAD_REFERENCE.items():
        print(f"  published: {label}: {value:.3f}")
    return figures


def _squad_norm(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(c for c in text.lower() if c not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


# -- FinanceBench ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceQuestion:
    question: str
    answer: str
    pages: frozenset[str]  # ids of the evidence pages (articles)


def financebench_set(folder: Path) -> tuple[list[Article], list[FinanceQuestion]]:
    """FinanceBench's evidence pages as articles (one per filing page), and its 150 questions."""
    rows = [json.loads(line) for line in (folder / "financebench_open_source.jsonl").read_text().splitlines() if line]
    pages: dict[str, Article] = {}
    questions = []
    for row in rows:
        ids = set()
        for evidence in row["evidence"]:
            page_id = f"{evidence['doc_name']}-p{evidence['evidence_page_num']}"
            ids.add(page_id)
            pages.setdefault(page_id, Article(
                id=page_id, title=f"{row['company']} {evidence['doc_name']} page {evidence['evidence_page_num']}",
                body=evidence["evidence_text_full_page"], publisher=row["company"]))  # fmt: skip
        questions.append(FinanceQuestion(row["question"], row["answer"], frozenset(ids)))
    return list(pages.values()), questions


def financebench(folder: Path, data_dir: Path) -> dict[str, float]:
    """Ask FinanceBench's 150 questions over its evidence pages through `ask()`; print and return the figures."""
    articles, questions = financebench_set(folder)
    assistant = build("financebench", articles, data_dir)
    print(f"\nFinanceBench: {len(articles)} evidence pages, {len(questions)} questions")
    hit5 = number = refused = 0
    for q in tqdm(questions, desc="asking", leave=False):
        answer = assistant.ask(q.question)
        hit5 += bool(q.pages & {h.article_id for h in assistant.retrieve(q.question, k=EVIDENCE_K)})
        refused += answer.refused
        figures = _answer_figures(q)
        number += not answer.refused and bool(figures) and bool(figures & _figures(answer.text))
    with_figures = sum(bool(_answer_figures(q)) for q in questions)
    figures = {
        "evidence page hit@5": hit5 / len(questions),
        "answer holds the reference's figure": number / max(with_figures, 1),
        "refused (every question is answerable)": refused / len(questions),
    }
    for label, value in figures.items():
        print(f"{label + ':':<42}{value:.3f}")
    print(f"  published: plain BM25 over the evidence pages: page hit@5 {FINANCEBENCH_REFERENCE:.3f}")
    return figures


def _answer_figures(q: FinanceQuestion) -> set[str]:
    """The reference answer's figures, without years and without numbers the question itself gives."""
    return {f for f in _figures(q.answer) - _figures(q.question) if not re.fullmatch(r"(?:19|20)\d\d", f)}


def _figures(text: str) -> set[str]:
    """The numbers in a text, without separators or a trailing .0: '$1,577.00' -> {'1577'}."""
    found = set()
    for raw in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
        value = raw.replace(",", "")
        found.add(value.rstrip("0").rstrip(".") if "." in value else value)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.external", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("dataset", choices=["scifact", "squad", "financebench"])
    parser.add_argument("folder", type=Path, help="the data set's folder, e.g. ../shared/bench/scifact")
    parser.add_argument("--data-dir", type=Path, help="keep the index here (default: a temporary folder)")
    parser.add_argument("--limit", type=int, help="SciFact: only the first N test queries")
    parser.add_argument("--sample", type=int, default=600, help="SQuAD: questions to ask (half unanswerable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-files", action="store_true", help="SciFact: ingest the abstracts as .txt files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        if args.dataset == "scifact":
            scifact(args.folder, data_dir, args.limit, as_files=args.as_files)
        elif args.dataset == "financebench":
            financebench(args.folder, data_dir)
        else:
            squad(args.folder, data_dir, args.sample, args.seed)


if __name__ == "__main__":
    main()
