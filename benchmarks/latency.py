"""Ingest time and warm `ask` latency on this machine (a benchmark: it prints figures, asserts nothing).

    python benchmarks/latency.py [--repeats 5]
Builds a fresh index of corpus/ in a temporary folder (cold: model load + embedding +
Chroma writes), then asks every question of evals/questions.jsonl `repeats` times
after one warm-up pass, and prints p50/p95 per stage of the pipeline.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import tracemalloc

from evals.dataset import load_questions
from evals.metrics import percentile
from rag.assistant import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    questions = [q.question for q in load_questions()]
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        started = time.perf_counter()
        assistant = Assistant(data_dir=tmp, show_progress=False, openai_api_key="", openai_base_url="")
        build = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        report = assistant.ingest([assistant.settings.corpus_dir], sync=True, rebuild=True)
        rebuild = time.perf_counter() - started
        print(f"first start (load model + ingest {report.chunks_total} chunks): {build:.2f} s, "
              f"Python heap peak {peak / 2**20:.0f} MiB")  # fmt: skip
        print(f"re-ingest (re-embed all, warm model): {rebuild:.2f} s, {report.chunks_total / rebuild:.0f} chunks/s")

        for q in questions:  # warm-up: caches, lazy imports, onnxruntime arenas
            assistant.ask(q)
        timings: dict[str, list[float]] = {"retrieve": [], "ask": []}
        for repeat in range(args.repeats):
            # A new wording each pass, so no question embedding comes from a cache: "... (pass 2)".
            for q in (f"{q} (pass {repeat + 1})" for q in questions):
                t0 = time.perf_counter()
                assistant.retrieve(q, k=assistant.settings.top_k)
                t1 = time.perf_counter()
                assistant.ask(f"{q}.")
                t2 = time.perf_counter()
                timings["retrieve"].append(t1 - t0)
                timings["ask"].append(t2 - t1)
        for name, values in timings.items():
            ms = [v * 1000 for v in values]
            print(f"warm {name:<8} n={len(ms):>4}  p50 {percentile(ms, 50):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms"
                  f"  mean {statistics.mean(ms):6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
