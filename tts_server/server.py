"""The waitress server with deliberate limits (see tts_server/README.md, "Server limits").

waitress closes a connection only when it is silent for ``channel_timeout``, and every byte
resets that clock: a client trickling one byte every few seconds held a connection forever.
RequestDeadlineChannel also closes a connection whose request (headers and body) is not complete
within ``request_timeout`` seconds of its first byte.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

HEADER_LIMIT = 32 * 1024  # bytes of request line and headers


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
        ident="legenda-sidecar",
    )
    channel = type("Channel", (RequestDeadlineChannel,), {"request_timeout": request_timeout})
    # One listener, or (a host name with several addresses) one per address in server.map.
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel
    return server
