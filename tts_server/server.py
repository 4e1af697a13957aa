"""The waitress server with deliberate limits (see tts_server/README.md, "Server limits").

waitress closes a connection only when it is silent for ``channel_timeout``, and every byte
resets that clock: a client trickling one byte every few seconds held a connection forever.
RequestDeadlineChannel also closes a connection whose request (headers and body) is not complete
within ``request_timeout`` seconds of its first byte.

waitress answers requests it refuses before the app sees them (a body over the limit, by its
Content-Length or, chunked, as it arrives; headers too large; a malformed request) itself, in
plain text. JsonErrorTask answers them in the API's JSON error shape instead, with CORS headers
for the page's origins, so every refusal reads the same (see tts_server/README.md, "Server
limits").
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from .cors import origin_allowed

HEADER_LIMIT = 32 * 1024  # bytes of request line and headers

# waitress's own refusals, by status: (code, sentence for people).
_REFUSALS = {
    413: (
        "text-too-long",
        "The request is far too large for a text to say; send a shorter one.",
    ),
    431: ("headers-too-large", "The request's headers are too large; send fewer or shorter ones."),
    400: ("bad-request", "The request is not valid HTTP; the server could not read it."),
    501: ("not-implemented", "The request uses a transfer encoding this server does not read."),
}


def refusal_body(status: int, path: str) -> bytes:
    """The JSON error of a request waitress refused; OpenAI's routes (/v1/) add its ``type``."""
    code, message = _REFUSALS.get(status, (f"http-{status}", "The request was refused."))
    error: dict[str, str] = {"code": code, "message": message}
    if path.startswith("/v1/"):
        error["type"] = "invalid_request_error"
    return json.dumps({"error": error}).encode()


class JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's answer to a request it refused, as JSON (see the module doc)."""

    cors_origins: tuple[str, ...] = ()  # set per server by make_server

    def execute(self) -> None:
        error = self.request.error
        body = refusal_body(error.code, getattr(self.request, "path", "") or "")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.response_headers.append(("X-Content-Type-Options", "nosniff"))
        origin = self.request.headers.get("ORIGIN", "")
        if origin and origin_allowed(origin, self.cors_origins):
            self.response_headers.append(("Access-Control-Allow-Origin", origin))
            self.response_headers.append(("Vary", "Origin"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class RequestDeadlineChannel(HTTPChannel):  # type: ignore[misc]
    request_timeout = 30.0  # set per server by make_server
    _reading_since: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self._reading_since = time.monotonic()  # a new request starts with these bytes
        result: bool = super().received(data)
        if self.request is None:  # nothing half-read: every request so far is complete
            self._reading_since = None
        elif (
            self._reading_since is not None
            and time.monotonic() - self._reading_since > self.request_timeout
        ):
            self.will_close = True  # too slow: drop it (waitress closes it on its next turn)
        return result


def make_server(
    app: Flask, host: str, port: int, threads: int = 16, connection_limit: int = 256,
    channel_timeout: int = 15, request_timeout: float = 30.0,
) -> Any:
    server = create_server(
        app, host=host, port=port, threads=threads,
        connection_limit=connection_limit, channel_timeout=channel_timeout,
        cleanup_interval=min(30, max(1, channel_timeout // 3)),
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"],
        max_request_header_size=HEADER_LIMIT,
        # Keeps reading a connection while its request runs, so a client that goes away is
        # seen (environ["waitress.client_disconnected"]): a chat generation stops at once.
        channel_request_lookahead=4,
        ident="legenda-sidecar",
    )
    errors = type(
        "Errors", (JsonErrorTask,), {"cors_origins": app.config["LEGENDA"].cors_origins}
    )
    channel = type(
        "Channel", (RequestDeadlineChannel,),
        {"request_timeout": request_timeout, "error_task_class": errors},
    )
    # One listener, or (a host name with several addresses) one per address in server.map.
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel
    return server
