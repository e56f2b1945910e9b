"""A real loopback HTTP server that speaks the OpenAI chat-completions API, with scripted replies.

Tests queue what the "model" says or how it fails, point the real `openai` client at
`server.url`, and then read back the requests it received:

    with OpenAIServer() as server:
        server.reply("Goldman expects a 15% gain [1].", prompt_tokens=900, completion_tokens=12)
        server.fail(429)                      # next request: rate limited (the client retries)
        server.reply("Too slow.", delay=5)    # sleeps past the client's timeout
        server.hang()                         # reads the request, never answers
        server.reply("a b c d", drip=1.5)     # streaming: one delta every 1.5 s
        server.reply("x" * 442_000, piece_chars=4096)  # a huge reply, in pieces of 4 KB
        server.reply("Goldman sees", close_after=1)    # streaming: hangs up after 1 delta, unfinished
        server.malformed()                    # a reply that is not valid JSON
        server.fail(400, echo_headers=True)   # an error quoting the request's headers back, in body and headers
        ...
        server.requests[0].body["messages"]   # what the client sent

Replies are served in order, one per request; with no reply queued the server answers
500, so a test that forgot to script a call fails loudly instead of hanging.
Streaming (`"stream": true`) is sent as server-sent events, `data: {chunk}\\n\\n` per
delta and `data: [DONE]` at the end, with a final usage chunk when the request sets
`stream_options.include_usage`, as the real API does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

ERROR_TYPES = {401: "invalid_request_error", 429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}


@dataclass
class Reply:
    """One scripted response. `status` other than 200 sends an OpenAI-style error body."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the first byte
    stall_after: int | None = None  # streaming: stop after this many deltas and hang for `delay`
    prompt_tokens: int = 0  # 0 = count words of the prompt
    completion_tokens: int = 0  # 0 = count words of the reply
    message: str = ""  # the error message for a failure
    hang: bool = False  # read the request, then send nothing until the server stops
    drip: float = 0.0  # streaming: seconds between deltas
    piece_chars: int = 0  # streaming: cut the text into pieces of this many characters, not words
    close_after: int | None = None  # streaming: hang up after this many deltas, with no finish_reason and no [DONE]
    malformed: bool = False  # the body, or the first streamed event, is cut mid-JSON
    echo_headers: bool = False  # a failure's message and headers quote the request's headers, credentials and all


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def prompt(self) -> str:
        """All message contents, joined: what the model would read."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class OpenAIServer:
    model: str = "gpt-4o-mini"
    max_embedding_inputs: int = 2048  # OpenAI's limit; a request with more gets a 400, as from OpenAI
    required_key: str | None = None  # when set, any other bearer token gets 401 (and the key is echoed, as OpenAI does)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply(self, text: str, **options: Any) -> None:
        self._replies.append(Reply(text=text, **options))

    def fail(self, status: int, *, times: int = 1, message: str = "", delay: float = 0.0,
             echo_headers: bool = False) -> None:  # fmt: skip
        for _ in range(times):
            self._replies.append(Reply(status=status, message=message, delay=delay, echo_headers=echo_headers))

    def hang(self, *, times: int = 1) -> None:
        for _ in range(times):
            self._replies.append(Reply(hang=True))

    def malformed(self, *, times: int = 1) -> None:
        for _ in range(times):
            self._replies.append(Reply(text="never parsed", malformed=True))

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes handlers sleeping in a scripted delay
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.required_key is not None:
                token = request.headers.get("authorization", "").removeprefix("Bearer ")
                if token != self.required_key:
                    return Reply(status=401, message=f"Incorrect API key provided: {token}.")
            if not self._replies:
                return Reply(status=500, message="the test queued no reply for this request")
            return self._replies.popleft()

    def _sleep(self, seconds: float | None) -> None:
        self._closing.wait(seconds)  # None: until the server stops


def _handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            pass  # keep pytest output clean

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            if self.path.endswith("/embeddings"):
                server.requests.append(request)
                token = request.headers.get("authorization", "").removeprefix("Bearer ")
                if server.required_key is not None and token != server.required_key:
                    message = f"Incorrect API key provided: {token}."  # echoed, as OpenAI does
                    self._json(401, {"error": {"message": message, "type": "invalid_request_error", "code": None}})
                    return
                self._embeddings(body)
                return
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            reply = server._next(request)
            stalls_mid_stream = body.get("stream") and reply.stall_after is not None
            if reply.delay and not stalls_mid_stream:
                server._sleep(reply.delay)
            if reply.hang:
                server._sleep(None)
                return
            try:
                if reply.status != 200:
                    self._error(reply, request)
                elif reply.malformed and not body.get("stream"):  # a body cut mid-JSON, as from a proxy that truncates
                    self._json(200, {}, raw=b'{"id": "chatcmpl-test", "choices": [{"message": ')
                elif body.get("stream"):
                    self._stream(reply, body)
                else:
                    self._json(200, _completion(server.model, reply, body))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to tell it

        def _embeddings(self, body: dict[str, Any]) -> None:
            texts = body.get("input") or []
            if len(texts) > server.max_embedding_inputs:
                message = f"{len(texts)} inputs; at most {server.max_embedding_inputs} are allowed per request"
                self._json(400, {"error": {"message": message, "type": "invalid_request_error", "code": None}})
                return
            as_base64 = body.get("encoding_format") == "base64"  # what the SDK asks for by default
            data = [{"object": "embedding", "index": i, "embedding": _vector(text, as_base64)}
                    for i, text in enumerate(texts)]  # fmt: skip
            self._json(200, {"object": "list", "data": data, "model": body.get("model", ""),
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})  # fmt: skip

        def _error(self, reply: Reply, request: Request) -> None:
            message = reply.message or f"scripted failure {reply.status}"
            # The client honours retry-after-ms, so retries in tests wait 1 ms instead of seconds.
            headers = {"retry-after-ms": "1"}
            if reply.echo_headers:  # as a misconfigured proxy or debug endpoint might
                message = f"{message} (request headers: {json.dumps(request.headers)})"
                headers.update({f"x-echo-{name}": value for name, value in request.headers.items()})
            error = {"message": message, "type": ERROR_TYPES.get(reply.status, "error"), "code": None}
            self._json(reply.status, {"error": error}, headers)

        def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None,
                  raw: bytes | None = None) -> None:  # fmt: skip
            data = json.dumps(payload).encode() if raw is None else raw
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": server.model}  # fmt: skip
            if reply.malformed:
                self.wfile.write(b'data: {"id": "chatcmpl-test", "choices": [{"delta": \n\n')
                self.wfile.flush()
                return
            self._event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                              "finish_reason": None}]})  # fmt: skip
            pieces = _pieces(reply.text, reply.piece_chars) if reply.piece_chars else deltas(reply.text)
            for i, piece in enumerate(pieces):
                if reply.stall_after is not None and i == reply.stall_after:
                    server._sleep(reply.delay)
                    return
                if reply.close_after is not None and i == reply.close_after:
                    return  # HTTP/1.0: the connection closes, and the stream ends without a finish_reason
                if i and reply.drip:
                    server._sleep(reply.drip)
                self._event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event({**base, "choices": [], "usage": _usage(reply, body)})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _vector(text: str, as_base64: bool) -> str | list[float]:
    """A deterministic 8-dimensional embedding of `text`, in the encoding the client asked for."""
    digest = hashlib.sha256(text.encode()).digest()
    vector = np.frombuffer(digest, dtype=np.uint8)[:8].astype("<f4") + 1.0
    return base64.b64encode(vector.tobytes()).decode("ascii") if as_base64 else vector.tolist()


def deltas(text: str) -> list[str]:
    """The reply cut the way models stream it: a word (with its leading space) at a time.

    deltas("Up 15% [1].") -> ["Up", " 15%", " [1]."]
    """
    return re.findall(r"\s*\S+", text) or [text]


def _pieces(text: str, size: int) -> list[str]:
    """_pieces("abcdefg", 3) -> ["abc", "def", "g"]"""
    return [text[i : i + size] for i in range(0, len(text), size)] or [text]


def _completion(model: str, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}],
        "usage": _usage(reply, body),
    }


def _usage(reply: Reply, body: dict[str, Any]) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    prompt_tokens = reply.prompt_tokens or prompt
    completion_tokens = reply.completion_tokens or len(reply.text.split())
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
