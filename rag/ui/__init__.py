"""The chat UI: `build_app(assistant)` makes the page, `launch(app, settings)` serves it on settings.host:port.

    from rag import Assistant
    from rag.ui import build_app, launch

    assistant = Assistant()
    launch(build_app(assistant), assistant.settings)  # serves until Ctrl+C (prevent_thread_lock=True returns)

Modules: render (answers as HTML), sources (the sources panel), chat (one turn, no Gradio),
catalog (what the index holds), assets (theme, CSS, script), app (the page and its server).
"""

# Gradio is the `ui` extra, not a dependency of the library: say how to get it rather than fail deep inside.
MISSING_GRADIO = "The chat UI needs Gradio, which is not installed: pip install -e '.[ui]'"
try:
    import gradio  # noqa: F401
except ModuleNotFoundError as exc:
    if exc.name != "gradio":
        raise  # Gradio is there but broken: its own message says more than ours would
    raise ModuleNotFoundError(MISSING_GRADIO, name="gradio") from exc

from rag.ui.app import build_app, launch, parse_auth  # noqa: E402

__all__ = ["build_app", "launch", "parse_auth"]
