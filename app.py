"""Start the chat UI: `python app.py [--host HOST] [--port PORT]`.

Opens (or, on first run, builds) the index with a console progress bar, then serves the
chat on 127.0.0.1:7860 unless RAG_HOST / RAG_PORT or the flags say otherwise. Offline:
no share link and no analytics. RAG_AUTH="user:password" adds a login page.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rag import Assistant, RagError, Settings
from rag.redact import redact_logs

try:
    from rag.ui import build_app, launch  # launch switches Gradio's analytics off
    from rag.ui.catalog import Catalog
except ModuleNotFoundError as exc:  # the `ui` extra is not installed: one line, no traceback
    if exc.name != "gradio":
        raise
    print(f"Error: {exc}", file=sys.stderr)
    sys.exit(2)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up checks, one line per request
    try:
        settings = Settings.from_env(host=args.host, port=args.port)
        redact_logs(settings)  # the model's HTTP client logs each request's URL, credentials and all
        print("Opening the index (the first run builds it from the corpus folder)…", flush=True)
        assistant = Assistant(settings=settings)
        catalog = Catalog.of(assistant)
        app = build_app(assistant, catalog=catalog)
    except RagError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # ingest swaps the index in atomically, so stopping mid-build leaves it as it was
        print("Stopped before the chat started; the index is as it was.", file=sys.stderr)
        return 130
    print(f"Index ready: {catalog.articles} articles, {catalog.passages} passages. Answers: {assistant.backend}.")
    if settings.host not in LOOPBACK and not settings.auth:
        print(f"Warning: serving on {settings.host} without a login. Set RAG_AUTH=user:password to require one.")
    try:
        url = launch(app, settings, prevent_thread_lock=True, quiet=True)
        print(f"Chat ready at {url} (Ctrl+C to stop).", flush=True)
        app.block_thread()
    except RagError as exc:  # e.g. a malformed RAG_AUTH
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the port is taken, or the host is not an address of this machine
        print(
            f"Error: cannot serve on {settings.host}:{settings.port} ({exc}). "
            "Pick another with --host/--port or RAG_HOST/RAG_PORT.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chat with cited answers from the indexed financial news.")
    parser.add_argument("--host", help="address to listen on (default: RAG_HOST, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: RAG_PORT, else 7860)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
