"""Ingest and query figures at several corpus sizes (a benchmark: it prints, it asserts nothing).

    python benchmarks/scale.py ../shared/bench --sizes 1000 10000 [--chroma-url http://127.0.0.1:8000]
    python benchmarks/scale.py ../shared/bench --sizes 100000 \
        --extra /usr/share/doc/python3.11/html /usr/share/doc/linux-doc-6.1/html --keep /tmp/scale
    chroma run --path /tmp/scale/100000 --port 8000 &
    python benchmarks/scale.py ../shared/bench --sizes 100000 --chroma-url http://127.0.0.1:8000 --query-only

Corpora of about N chunks are built from public text (SQuAD 2.0 paragraphs, then SciFact
abstracts, then the documents under --extra, read as `rag ingest` reads them), never from
copies of one article. The shared bench holds about 9k chunks; 100k needs --extra (Debian's
python3.11-doc and linux-doc-6.1 packages are about 18M tokens of HTML). For each size it
prints ingest throughput (and embedding alone), index size on disk, peak memory, warm
retrieve/ask p50/p95 on SciFact queries (each new to the caches), the time per pipeline
stage, and throughput with 8 concurrent askers.

--keep DIR leaves each size's embedded index in DIR/<size>, so a `chroma run` can serve it
and --query-only can measure server mode without embedding 100k chunks a second time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from evals.metrics import percentile
from rag.assistant import Assistant
from rag.errors import DocumentError
from rag.index.embeddings import LocalMiniLM
from rag.index.store import ChunkStore
from rag.index.view_cache import VIEWS_DIR
from rag.ingest.articles import to_article
from rag.ingest.chunking import chunk_article
from rag.ingest.documents import find_documents, read_document
from rag.ingest.pipeline import ChunkingSettings, ingest_articles
from rag.question.periods import periods
from rag.records import Article
from rag.retrieve.hybrid import _dense_ranking, strong_matches

CHUNKING = ChunkingSettings(max_tokens=200, overlap=1)  # the product's defaults


def public_articles(bench: Path) -> list[Article]:
    squad = json.loads((bench / "squad_v2" / "dev-v2.0.half16.official-ids.json").read_text())["data"]
    articles = [
        Article(id=f"squad-{d['title']}-{i}", title=d["title"].replace("_", " "), body=p["context"], publisher="SQuAD")
        for d in squad
        for i, p in enumerate(d["paragraphs"])
    ]
    for line in (bench / "scifact" / "corpus.jsonl").read_text().splitlines():
        doc = json.loads(line)
        articles.append(Article(id=f"scifact-{doc['_id']}", title=doc["title"], body=doc["text"], publisher="SciFact"))
    return articles


def extra_articles(folders: list[Path]) -> list[Article]:
    """Documents under `folders`, each with an id from its path (Sphinx folders repeat index.html)."""
    articles = []
    for folder in folders:
        for path in find_documents([folder]):
            try:
                article = to_article(read_document(path))
            except DocumentError:
                continue  # a page with no prose (a redirect, a search page) is skipped, as ingest would report
            articles.append(dataclasses.replace(article, id=f"{folder.name}/{path.relative_to(folder)}"))
    return articles


def take_chunks(articles: list[Article], target: int) -> list[Article]:
    chosen, total = [], 0
    for article in articles:
        if total >= target:
            break
        chosen.append(article)
        total += len(chunk_article(article, max_tokens=CHUNKING.max_tokens, overlap=CHUNKING.overlap))
    return chosen


def queries(bench: Path, n: int) -> list[str]:
    lines = (bench / "scifact" / "queries.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines[:n]]


def ms(values: list[float]) -> str:
    v = [x * 1000 for x in values]
    return f"p50 {percentile(v, 50):7.1f} ms  p95 {percentile(v, 95):7.1f} ms"


def measure_ingest(articles: list[Article], embedder: LocalMiniLM, store: ChunkStore, data_dir: Path) -> None:
    started = time.perf_counter()
    report = ingest_articles(articles, store=store, embedder=embedder, chunking=CHUNKING, progress=False)
    ingest_s = time.perf_counter() - started
    sample = [a.body[:1000] for a in articles[:256]]
    started = time.perf_counter()
    embedder.embed(sample)
    embed_rate = len(sample) / (time.perf_counter() - started)
    size = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) if data_dir.exists() else 0
    print(f"  ingest: {report.chunks_total} chunks in {ingest_s:.0f} s = {report.chunks_total / ingest_s:.1f} chunks/s "
          f"(embedding alone: {embed_rate:.1f} passages/s); index on disk {size / 2**20:.1f} MiB")  # fmt: skip


def measure_queries(qs: list[str], embedder: LocalMiniLM, store: ChunkStore, where: dict) -> None:
    """`where`: the Assistant settings that open the same store (data_dir, or chroma_url + collection)."""
    print(f"  index: {store.count()} chunks")
    empty = Path(tempfile.mkdtemp())
    shutil.rmtree(Path(where["data_dir"]) / VIEWS_DIR, ignore_errors=True)  # the first open finds no cache
    for how in ("chunks read from the store, BM25 built, both cached", "chunk table and BM25 from the local cache"):
        started = time.perf_counter()
        assistant = Assistant(corpus_dir=empty, embedder=embedder, show_progress=False,
                              openai_api_key="", openai_base_url="", **where)  # fmt: skip
        assistant.retrieve("warm up", k=assistant.settings.top_k)  # also loads the HNSW index, in this process or the server
        print(f"  open the index and a first retrieve ({how}): {time.perf_counter() - started:.1f} s")
    retriever, answerer = assistant._retriever, assistant.answerer
    stages: dict[str, list[float]] = {"embed question": [], "dense search": [], "bm25": [], "fusion": [], "answer": []}
    whole_ask, whole_retrieve = [], []
    half = len(qs) // 2
    for q in qs[:half]:
        view = retriever.refresh()  # a store round trip in server mode: not part of any stage below
        t0 = time.perf_counter()
        vector = retriever.embed_query(q)
        t1 = time.perf_counter()
        dense = store.query(vector, n=50, where=None)
        t2 = time.perf_counter()
        sparse = strong_matches(view.keyword.search(q, n=50))
        t3 = time.perf_counter()
        hits = retriever.fuse(view, _dense_ranking(dense, view.sentences, vector), sparse, 5, periods(q))
        t4 = time.perf_counter()
        answerer.answer(q, hits)
        t5 = time.perf_counter()
        for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            stages[name].append(seconds)
    for q in qs[half:]:
        t0 = time.perf_counter()
        assistant.retrieve(q, k=assistant.settings.top_k)
        t1 = time.perf_counter()
        assistant.ask(q + "?")  # a new string: its embedding is not cached
        whole_retrieve.append(t1 - t0)
        whole_ask.append(time.perf_counter() - t1)
    print(f"  warm retrieve: {ms(whole_retrieve)}   warm ask: {ms(whole_ask)}")
    total = sum(statistics.mean(v) for v in stages.values())
    print(
        "  where the time goes (mean per question): "
        + ", ".join(
            f"{name} {statistics.mean(v) * 1000:.1f} ms ({statistics.mean(v) / total:.0%})"
            for name, v in stages.items()
        )
    )

    asked = [f"{q} (concurrent)" for q in qs]
    latencies: list[float] = []

    def one(q: str) -> None:
        t = time.perf_counter()
        assistant.ask(q)
        latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, asked))
    wall = time.perf_counter() - started
    print(f"  8 concurrent askers: {len(asked) / wall:.1f} questions/s, latency {ms(latencies)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process so far (RSS): {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bench", type=Path, help="the shared bench folder (with squad_v2/ and scifact/)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--chroma-url", default="", help="measure against this Chroma server instead of embedded")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="folders of more public documents")
    parser.add_argument("--keep", type=Path, help="leave each size's embedded index in KEEP/<size>")
    parser.add_argument(
        "--query-only", action="store_true", help="measure questions on the index the server already holds"
    )
    args = parser.parse_args()
    if args.query_only and not args.chroma_url:
        parser.error("--query-only measures a server's index: give --chroma-url too")
    qs = queries(args.bench, args.queries)
    embedder = LocalMiniLM()
    pool = [] if args.query_only else public_articles(args.bench) + extra_articles(args.extra)
    for size in args.sizes:
        mode = f"server {args.chroma_url}" if args.chroma_url else "embedded"
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp)
            if args.keep and not args.chroma_url:
                data_dir = args.keep / str(size)
                data_dir.mkdir(parents=True, exist_ok=False)
            name = "articles" if args.query_only or not args.chroma_url else f"bench{size}"
            if args.chroma_url:
                where = {"chroma_url": args.chroma_url, "collection": name, "data_dir": tmp}
                store = ChunkStore.http(args.chroma_url, name=name)
            else:
                where = {"data_dir": data_dir}
                store = ChunkStore.persistent(data_dir, name=name)
            if args.query_only:
                print(f"\nthe index the server holds, {mode}:")
            else:
                articles = take_chunks(pool, size)
                print(f"\n~{size} chunks ({len(articles)} passages), {mode}:")
                measure_ingest(articles, embedder, store, data_dir)
            measure_queries(qs, embedder, store, where)


if __name__ == "__main__":
    main()
