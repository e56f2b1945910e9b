"""An HTTP proxy in front of a real Chroma server that forwards every request and can lose one reply.

    proxy = DroppingProxy(server.url).start()
    proxy.drop_reply_to = lambda method, path: method == "PUT" and path.endswith(state_id)
    ChunkStore.http(proxy.url, ...)     # the matching request reaches the server; its reply never comes back

This is the fault of a network that fails after the server applied a write: the client
cannot tell whether the write happened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.ui_helpers import free_port

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class DroppingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.drop_reply_to: Callable[[str, str], bool] = lambda method, path: False
        self.dropped: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DroppingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
                reply = httpx.request(self.command, proxy.upstream + self.path, content=body, headers=headers,
                                      timeout=30)  # fmt: skip
                if proxy.drop_reply_to(self.command, self.path):
                    proxy.dropped.append(f"{self.command} {self.path}")
                    self.close_connection = True  # the write happened upstream; the client hears nothing
                    return
                self.send_response(reply.status_code)
                for key, value in reply.headers.items():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward  # noqa: N815 - http.server names them

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
