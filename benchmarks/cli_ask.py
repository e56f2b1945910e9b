"""Where the wall time of one `rag ask` goes: a new process, a warm index (prints figures, asserts nothing).

    python benchmarks/cli_ask.py                      # index corpus/ into a temporary folder, 7 runs
    python benchmarks/cli_ask.py --runs 11 --data-dir index/   # an index already built
    python benchmarks/cli_ask.py --against ../old-checkout     # and plain runs of another version, alternating

Each run starts `python -c PROBE` with no model configured (OPENAI_* and RAG_LLM_* removed), as the
console command would start: PROBE wraps the pipeline's stages in timers and calls `rag.cli.main`
as the `rag` command does. A stage's time excludes the timed stages inside it, so the lines add up
to the wall time, but for the embedder's, which loads in a thread beside the imports. Then as many
`python -X importtime -m rag.cli ask ...` runs say which packages the imports are spent in (with
importtime's own overhead), each import counted under the outermost package that pulled it in:
pydantic, imported by chromadb, is chromadb's. Figures are medians over the runs; each stage's
median is taken alone, so the medians need not add up exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What does Goldman expect from the Russell 2000?"

# Runs in the child. Each timer is (module, attribute, stage); the wrappers keep a stack per thread, so
# an outer stage is charged only for the time outside the stages it calls. The embedder loads in a thread
# beside the imports (rag/cli.py), so its stage is not part of the main thread's sum. rag.assistant must
# not be imported before `main` imports it (that would undo the overlap): a finder times its import and
# puts the timers in as soon as it is loaded.
PROBE = """
import time; START = time.time(); t0 = time.perf_counter()
import importlib.util, json, sys, threading
times, local = {}, threading.local()
def add(stage, took): times[stage] = times.get(stage, 0.0) + took
def timed(stage, fn):
    def run(*args, **kwargs):
        stack = local.__dict__.setdefault("stack", [])
        stack.append(0.0); began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            took = time.perf_counter() - began; inner = stack.pop()
            add(stage, took - inner)
            if stack: stack[-1] += took
    return run
import rag.cli
add("import rag.cli", time.perf_counter() - t0); t1 = time.perf_counter()
import rag.index.embeddings
add("import rag.index.embeddings (numpy)", time.perf_counter() - t1)
EMBEDDER = "load the embedder (in a thread, beside the imports)"
rag.index.embeddings.make_embedder = timed(EMBEDDER, rag.index.embeddings.make_embedder)
def instrument(A):
    import rag.answer.extractive, rag.retrieve.hybrid, rag.question.spelling
    R = rag.retrieve.hybrid.HybridRetriever
    for owner, name, stage in [
        (A, "make_store", "open the index (Chroma)"), (A.Assistant, "_is_new_index", "open the index (Chroma)"),
        (A, "default_glossary", "load the glossary"), (R, "refresh", "load chunk table + BM25 (view cache)"),
        (rag.question.spelling.SpellingCorrector, "from_texts", "build the spelling corrector"),
        (A.Assistant, "read", "read the question"), (R, "retrieve", "retrieve"),
        (rag.answer.extractive.ExtractiveAnswerer, "answer", "answer"),
    ]:
        setattr(owner, name, timed(stage, getattr(owner, name)))
class TimeTheImport:
    def find_spec(self, name, path, target=None):
        if name != "rag.assistant":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(module):
            began = time.perf_counter(); load(module)
            add("import the pipeline (rag.assistant: Chroma, BM25)", time.perf_counter() - began); instrument(module)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, TimeTheImport())
t2 = time.perf_counter()
code = rag.cli.main(sys.argv[2:])
outside = ("import rag.cli", "import rag.index.embeddings (numpy)", EMBEDDER)
inside = sum(v for k, v in times.items() if k not in outside)
add("the rest (settings, waiting for the embedder, printing)", time.perf_counter() - t2 - inside)
with open(sys.argv[1], "w") as out:
    json.dump({"start": START, "times": times, "code": code, "end": time.time()}, out)
"""


def child_env(root: Path = ROOT) -> dict[str, str]:
    """That checkout first on the path, no model configured: the offline `rag ask` a new user runs first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_LLM_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    return env


def ask_args(data_dir: Path, question: str) -> list[str]:
    return ["--data-dir", str(data_dir), "ask", question]


def timed_run(data_dir: Path, question: str) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.time()
        subprocess.run([sys.executable, "-c", PROBE, report.name, *ask_args(data_dir, question)], check=True,
                       env=child_env(), cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
        ended = time.time()
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        probe = json.loads(Path(report.name).read_text())
    if probe["code"] != 0:
        raise SystemExit(f"rag ask exited {probe['code']}")
    cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    return {"Python start (interpreter, site)": probe["start"] - began, **probe["times"],
            "exit (interpreter shutdown)": ended - probe["end"], "total wall": ended - began,
            "CPU time (user + system, all threads)": cpu}  # fmt: skip


def plain_run(root: Path, data_dir: Path, question: str) -> float:
    """The wall time of `python -m rag.cli ask` from the checkout at `root`, nothing wrapped."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rag.cli", *ask_args(data_dir, question)], check=True,
                   env=child_env(root), cwd=root, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - began


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)")


def import_groups(data_dir: Path, question: str) -> Counter[str]:
    """Seconds of import per package, from one `-X importtime` run of the real command."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rag.cli", *ask_args(data_dir, question)],
                          env=child_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=True)  # fmt: skip
    groups: Counter[str] = Counter()
    chain: list[str] = []  # the importing modules of the current line, outermost first
    # Lines come children first; read backwards, each line's parent has been seen already.
    for line in reversed(done.stderr.splitlines()):
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        depth = len(match.group(2)) // 2
        chain[depth:] = [match.group(3).split(".")[0]]
        groups[group_of(chain)] += int(match.group(1)) / 1e6
    return groups


def group_of(chain: list[str]) -> str:
    """['rag', 'chromadb', 'pydantic'] -> 'chromadb'; ['rag', 'json'] -> 'standard library'; ['rag'] -> 'rag'."""
    outside = [top for top in chain if top != "rag"]
    if not outside:
        return "rag (own modules)"
    return "standard library" if outside[0] in sys.stdlib_module_names else outside[0]


def build_index(data_dir: Path) -> None:
    print(f"indexing {ROOT / 'corpus'} into {data_dir} ...", flush=True)
    subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(data_dir), "--corpus-dir",
                    str(ROOT / "corpus"), "ingest"], env={**child_env(), "RAG_SHOW_PROGRESS": "0"}, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="an index already built (default: corpus/ indexed afresh)")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="also time plain runs from another checkout (say, of the commit before), alternating "
                        "with this one's run by run, so both meet the same conditions")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "index"
        if args.data_dir is None:
            build_index(data_dir)
        timed_run(data_dir, args.question)  # warm-up: the OS file cache, the index's view cache
        print(f"{os.cpu_count()} cores, Python {platform.python_version()}, load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
        runs = [timed_run(data_dir, args.question) for _ in range(args.runs)]
        imports = [import_groups(data_dir, args.question) for _ in range(args.runs)]
        pairs = [(plain_run(args.against, data_dir, args.question), plain_run(ROOT, data_dir, args.question))
                 for _ in range(args.runs if args.against else 0)]  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nrag ask, cold process, warm index: median of {args.runs} runs")
    for stage in runs[0]:
        values = [run.get(stage, 0.0) for run in runs]
        print(f"  {stage:<56} {statistics.median(values) * 1000:7.0f} ms   "
              f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})")  # fmt: skip
    print(f"\nimports by package (-X importtime, median of {args.runs} runs; its overhead included)")
    names = sorted({name for run in imports for name in run}, key=lambda n: -statistics.median(r[n] for r in imports))
    for name in names[:12]:
        print(f"  {name:<56} {statistics.median(r[name] for r in imports) * 1000:7.0f} ms")
    rest = [sum(r[n] for n in names[12:]) for r in imports]
    print(f"  {'others':<56} {statistics.median(rest) * 1000:7.0f} ms")
    print(f"  {'all imports':<56} {statistics.median(sum(r.values()) for r in imports) * 1000:7.0f} ms")
    if pairs:
        print(f"\nplain `python -m rag.cli ask`, runs alternating, median of {args.runs} (min, max)")
        for label, values in ((str(args.against), [p[0] for p in pairs]), (str(ROOT), [p[1] for p in pairs])):
            print(f"  {label:<56} {statistics.median(values) * 1000:7.0f} ms   "
                  f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
