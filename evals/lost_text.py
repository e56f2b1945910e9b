"""Does every sentence of a document reach a chunk? Measured on public text nobody here wrote.

    python -m evals.lost_text ../shared/bench            # SciFact, SQuAD 2.0 and FinanceBench, in full
    python -m evals.lost_text ../shared/bench --sample 200

Each document is written as a .txt file with a YAML header (title, publisher), then read,
cleaned and chunked by the ingest's own steps (rag.ingest.pipeline.load_articles, chunk_article with
the default chunk size and the local embedder's token limit); embedding is left out, as it
cannot drop text once every chunk fits the model. A sentence of the document (its lines,
split as the chunker splits them) has reached a chunk when it appears whole in one, or, for
a sentence too long for one chunk, when it is covered in order by runs of at least
MIN_RUN_WORDS words that each appear in a chunk.

Sentences the cleaner removed as copyright notices ("© 2013 Jane Doe.", "All rights
reserved.") are listed apart, for a person to check that they are notices. Everything else
that did not reach a chunk is a lost body sentence, printed with its document: the target is none.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from rag.index.embeddings import LocalMiniLM
from rag.ingest.chunking import chunk_article
from rag.ingest.clean import is_boilerplate_sentence, normalise_lines
from rag.ingest.documents import find_documents
from rag.ingest.pipeline import load_articles
from rag.settings import DEFAULT_CHUNK_OVERLAP_SENTENCES, DEFAULT_CHUNK_TOKENS
from rag.text.sentences import split_sentences

MIN_RUN_WORDS = 5


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    publisher: str
    text: str


@dataclass
class Outcome:
    documents: int = 0
    sentences: int = 0
    skipped: list[str] = field(default_factory=list)  # "id: reason"
    notices: list[str] = field(default_factory=list)  # copyright sentences the cleaner removed
    lost: list[str] = field(default_factory=list)  # "id: sentence"
    oversized_chunks: int = 0  # chunks the embedding model would truncate


def measure(documents: list[Document], work_dir: Path, embedder: LocalMiniLM) -> Outcome:
    """Write `documents` as files into `work_dir`, ingest-read and chunk them, and account for every sentence."""
    for doc in documents:
        header = yaml.safe_dump({"title": doc.title, "publisher": doc.publisher}, allow_unicode=True)
        (work_dir / f"{doc.id}.txt").write_text(f"---\n{header}---\n{doc.text}\n", encoding="utf-8")
    articles, skipped, _ = load_articles(find_documents([work_dir]))
    outcome = Outcome(documents=len(documents), skipped=[f"{s.path.stem}: {s.reason}" for s in skipped])
    by_id = {a.id: a for a in articles}
    for doc in documents:
        # A separator line ("-----") holds no text to lose.
        sentences = [s for line in normalise_lines(doc.text) for s in split_sentences(line) if _has_text(s)]
        outcome.sentences += len(sentences)
        article = by_id.get(doc.id)
        if article is None:
            outcome.lost.extend(f"{doc.id}: {s}" for s in sentences)
            continue
        chunks = chunk_article(article, max_tokens=DEFAULT_CHUNK_TOKENS, overlap=DEFAULT_CHUNK_OVERLAP_SENTENCES,
                               fits=embedder.fits)  # fmt: skip
        outcome.oversized_chunks += sum(not embedder.fits(c.indexed_text) for c in chunks)
        haystack = "\n".join(f"{c.header}\n{c.text}" for c in chunks)
        for sentence in sentences:
            if reached(sentence, haystack):
                continue
            if is_boilerplate_sentence(sentence):
                outcome.notices.append(f"{doc.id}: {sentence}")
            else:
                outcome.lost.append(f"{doc.id}: {sentence}")
    return outcome


def _has_text(sentence: str) -> bool:
    return any(c.isalnum() for c in sentence)


def reached(sentence: str, haystack: str) -> bool:
    """Whole in one chunk, or covered in order by runs of at least MIN_RUN_WORDS words found in chunks."""
    if sentence in haystack:
        return True
    words = sentence.split(" ")
    start = 0
    while start < len(words):
        end = start
        while end < len(words) and " ".join(words[start : end + 1]) in haystack:
            end += 1
        if end - start < min(MIN_RUN_WORDS, len(words) - start):
            return False
        start = end
    return True


def scifact(bench: Path) -> Iterator[Document]:
    for line in (bench / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            yield Document(f"scifact-{d['_id']}", d["title"], "SciFact", d["text"])


def squad(bench: Path) -> Iterator[Document]:
    data = json.loads((bench / "squad_v2" / "dev-v2.0.half16.official-ids.json").read_text(encoding="utf-8"))
    for doc in data["data"]:
        for i, paragraph in enumerate(doc["paragraphs"]):
            yield Document(f"squad-{abs(hash(doc['title'])) % 10**8}-{i}", doc["title"].replace("_", " "), "Wikipedia",
                           paragraph["context"])  # fmt: skip


def financebench(bench: Path) -> Iterator[Document]:
    seen: set[str] = set()
    path = bench / "financebench" / "financebench_open_source.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        for evidence in row["evidence"]:
            page = f"{evidence['doc_name']}-p{evidence['evidence_page_num']}"
            if page not in seen:
                seen.add(page)
                title = f"{row['company']} {evidence['doc_name']} page {evidence['evidence_page_num']}"
                yield Document(f"financebench-{page}", title, row["company"], evidence["evidence_text_full_page"])


SETS = {"SciFact abstracts": scifact, "SQuAD 2.0 paragraphs": squad, "FinanceBench evidence pages": financebench}


def run(bench: Path, sample: int | None = None, seed: int = 7) -> dict[str, Outcome]:
    embedder = LocalMiniLM()
    outcomes = {}
    for name, load in SETS.items():
        documents = list(load(bench))
        if sample is not None and sample < len(documents):
            documents = random.Random(seed).sample(documents, sample)
        with tempfile.TemporaryDirectory() as tmp:
            outcomes[name] = measure(documents, Path(tmp), embedder)
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.lost_text", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("bench", type=Path, help="the public sets' folder, e.g. ../shared/bench")
    parser.add_argument("--sample", type=int, help="documents per set, chosen with --seed (default: all)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    outcomes = run(args.bench, args.sample, args.seed)
    print(f"{'set':<30}{'documents':>10}{'sentences':>11}{'skipped':>9}{'notices':>9}{'lost':>6}{'oversized':>11}")
    for name, o in outcomes.items():
        print(f"{name:<30}{o.documents:>10}{o.sentences:>11}{len(o.skipped):>9}{len(o.notices):>9}{len(o.lost):>6}"
              f"{o.oversized_chunks:>11}")  # fmt: skip
    for name, o in outcomes.items():
        for label, lines in (("skipped", o.skipped), ("copyright notice removed", o.notices), ("LOST", o.lost)):
            for line in lines:
                print(f"{name}: {label}: {line}")


if __name__ == "__main__":
    main()
