"""The chat UI: `build_app(assistant)` makes the page, `launch(app, settings)` serves it on settings.host:port.

    from rag import Assistant
    from rag.ui import build_app, launch

    assistant = Assistant()
    launch(build_app(assistant), assistant.settings)  # serves until Ctrl+C (prevent_thread_lock=True returns)

Modules: render (answers as HTML), sources (the sources panel), chat (one turn, no Gradio),
catalog (what the index holds), assets (theme, CSS, script), app (the page and its server).
"""

from rag.ui.app import build_app, launch, parse_auth

__all__ = ["build_app", "launch", "parse_auth"]
