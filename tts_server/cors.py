"""CORS for the page: any port on 127.0.0.1 / localhost, plus configured origins.

A page on a public origin (GitHub Pages) calling this localhost service makes Chromium send a
private-network preflight; it is answered with Access-Control-Allow-Private-Network.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request

_LOCAL_ORIGIN = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$")


def origin_allowed(origin: str, extra: tuple[str, ...]) -> bool:
    return bool(_LOCAL_ORIGIN.match(origin)) or "*" in extra or origin.rstrip("/") in extra


def register_cors(app: Flask, extra_origins: tuple[str, ...]) -> None:
    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        response.vary.add("Origin")
        if not origin or not origin_allowed(origin, extra_origins):
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = (
            "Retry-After, Content-Length, Content-Range, Accept-Ranges, ETag"
        )
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            # Authorization carries the sidecar's API key (LEGENDA_API_KEYS), when it has one.
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
            response.headers["Access-Control-Max-Age"] = "600"
            if request.headers.get("Access-Control-Request-Private-Network") == "true":
                response.headers["Access-Control-Allow-Private-Network"] = "true"
        return response
