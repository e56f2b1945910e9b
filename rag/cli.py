"""The `rag` command: ingest articles, ask questions, run the evals.

    rag ingest                      # sync the corpus folder into the index
    rag ingest my_articles/ a.md    # add or update these articles (.txt .md .html .htm .pdf)
    rag ingest --sync my_articles/  # make the index match that folder: also remove what is gone from it
    rag ingest --strict my_articles/  # all or nothing: one unreadable file stops the ingest
    rag ingest page.pdf --publisher Reuters --published 2024-03-05   # metadata the file lacks
    rag ask "What does Goldman expect from the Russell 2000?"
    rag eval --split dev

Errors print one line (no traceback) and exit 1; RAG_DEBUG=1 shows the traceback. An ingest
that skipped unreadable files indexes the rest, lists the skipped ones and exits 1.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from rag.answer.markers import marker
from rag.dates import read_bound
from rag.errors import InputError, RagError
from rag.ingest.documents import OVERRIDABLE_FIELDS, check_overrides
from rag.records import Answer
from rag.redact import redact, redact_logs
from rag.retrieve.filters import Filters
from rag.settings import DEFAULT_TOP_K, Settings

if TYPE_CHECKING:
    from rag.assistant import Assistant


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # `rag eval` hands every option it does not know to `python -m evals` ("rag eval --split dev").
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "command", None) == "eval":
        args.eval_args = [*extra, *args.eval_args]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    # pypdf logs damage it works around ("incorrect startxref pointer"); a file it cannot read is a DocumentError.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        code: int = args.run(args)
        sys.stdout.flush()  # here, where a reader gone away is caught, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`rag ask ... | head -2`): stop quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI never shows a traceback unless asked to
        # Read here rather than through Settings: it must work when loading the settings is what failed.
        if os.environ.get("RAG_DEBUG"):
            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        print(f"unexpected error: {exc.__class__.__name__}: {redact(str(exc))} (set RAG_DEBUG=1 for details)",
              file=sys.stderr)  # fmt: skip
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers over small-cap financial news.")
    parser.add_argument("--data-dir", help="index folder (default: RAG_DATA_DIR or ./index)")
    parser.add_argument("--corpus-dir", help="articles folder (default: RAG_CORPUS_DIR or ./corpus)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest",
        help="add, update or sync articles into the index",
        description="Add or update articles from .txt, .md, .html/.htm and .pdf files. Metadata comes from the "
        "file (front matter, page meta tags, PDF document information); the flags below win over it.",
    )
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folder, synced)")
    ingest.add_argument(
        "--sync",
        action="store_true",
        help="make the index match the given folders: also remove articles gone from them",
    )
    ingest.add_argument("--rebuild", action="store_true", help="re-embed everything (after changing the model)")
    ingest.add_argument(
        "--strict",
        action="store_true",
        help="stop with nothing changed if any file cannot be read (default: skip it, index the rest, exit 1)",
    )
    given = ingest.add_argument_group(
        "metadata",
        "Win over the file's own metadata. With several files or a folder, each flag applies to ALL of them.",
    )
    given.add_argument("--title", default="", help="the article's headline")
    given.add_argument("--publisher", default="", help="the outlet, e.g. 'Yahoo Finance'")
    given.add_argument("--author", default="", help="the byline")
    given.add_argument("--published", default="", metavar="YYYY-MM-DD", help="the publication date")
    given.add_argument("--url", default="", help="where the article was published")
    ingest.set_defaults(run=run_ingest)

    ask = commands.add_parser("ask", help="answer a question from the articles, with sources")
    ask.add_argument("question")
    ask.add_argument(
        "-k",
        type=int,
        default=None,
        help=f"number of chunks to retrieve and answer from (default RAG_TOP_K or {DEFAULT_TOP_K})",
    )
    ask.add_argument(
        "--from",
        dest="published_from",
        default="",
        metavar="WHEN",
        help="only articles published on or after it: 2024-07-01, 'July 2024', 2024-07, 2024",
    )
    ask.add_argument(
        "--to",
        dest="published_to",
        default="",
        metavar="WHEN",
        help="only articles published on or before it (a month or year counts to its end)",
    )
    ask.add_argument("--publisher", action="append", default=[], help="only this publisher (repeatable)")
    ask.set_defaults(run=run_ask)

    evaluate = commands.add_parser("eval", help="run the offline eval suite (same as python -m evals)")
    evaluate.add_argument("eval_args", nargs=argparse.REMAINDER, help="options for python -m evals")
    evaluate.set_defaults(run=run_eval)
    return parser


def _assistant(args: argparse.Namespace) -> Assistant:  # imported lazily for a fast --help
    from rag.index.embeddings import make_embedder

    settings = Settings.from_env(data_dir=args.data_dir, corpus_dir=args.corpus_dir)
    redact_logs(settings)  # before the first request: the HTTP client logs the base URL, credentials and all
    # The embedding model loads in a thread while Chroma and BM25 are imported: onnxruntime builds its session
    # in C++, mostly without the GIL, so with a core free the two overlap (about 0.2 s of a cold ask).
    with ThreadPoolExecutor(max_workers=1) as pool:
        embedder = pool.submit(make_embedder, settings)
        assistant_type = _import_assistant()  # only now, as the index is opened: it brings in Chroma
        return assistant_type(settings=settings, embedder=embedder.result())


def _import_assistant() -> type[Assistant]:
    """rag.assistant, imported with Python's cycle collector off and what the import made frozen after it.

    Chroma, pydantic, numpy and the rest make ~100k objects that live as long as the process. The
    collector would walk them over and over while they load, while the index opens and once more
    at exit, finding almost no garbage: 0.5 s of a cold ask. Frozen, it leaves them be. Objects made
    after (the Chroma client among them) are collected, and finalised at exit, as usual. A process
    that has imported it already (the tests') just gets the module.
    """
    cold = "rag.assistant" not in sys.modules and gc.isenabled()
    if cold:
        gc.disable()
    try:
        from rag.assistant import Assistant
    finally:
        if cold:
            gc.freeze()
            gc.enable()
    return Assistant


def run_ingest(args: argparse.Namespace) -> int:
    metadata = check_overrides({name: getattr(args, name) for name in OVERRIDABLE_FIELDS})
    if metadata and not args.paths:
        raise InputError(
            f"--{' --'.join(metadata)} need the files they describe: rag ingest FILE --{next(iter(metadata))} ..."
        )
    assistant = _assistant(args)
    options = {"rebuild": args.rebuild, "strict": args.strict}
    if args.paths:
        report = assistant.ingest(args.paths, sync=args.sync, metadata=metadata or None, **options)
    else:
        report = assistant.ingest([assistant.settings.corpus_dir], sync=True, **options)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in report.details():
        print(line)
    print(report.summary())
    if report.skipped:
        for skipped in report.skipped:
            print(f"skipped: {skipped}", file=sys.stderr)
        files = "file was" if len(report.skipped) == 1 else "files were"
        print(f"error: {len(report.skipped)} {files} skipped (listed above); the others are indexed. "
              "Fix or remove them and run rag ingest again.", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def run_ask(args: argparse.Namespace) -> int:
    filters = Filters(
        published_from=read_bound(args.published_from, end=False),
        published_to=read_bound(args.published_to, end=True),
        publishers=tuple(args.publisher),
    )
    answer = _assistant(args).ask(args.question, k=args.k, filters=filters)
    print(format_answer(answer))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from evals.__main__ import main as eval_main

    extra = ["--data-dir", args.data_dir] if args.data_dir else []
    return eval_main(extra + list(args.eval_args))


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines += ["", f"Note: {answer.notice}"]
    if answer.unsupported:
        lines += ["", "Not supported by the cited sources:"] + [f"  - {s}" for s in answer.unsupported]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            date = c.published or "undated"
            lines.append(f"  {marker(c.n)} {c.title} ({c.publisher or 'unknown publisher'}, {date})")
    lines += ["", f"({answer.backend}, {answer.seconds * 1000:.0f} ms)"]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
