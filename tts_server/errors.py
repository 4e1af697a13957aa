"""JSON errors: every failure answers ``{"error": {"code", "message"}}`` with its status."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An answer for a request that cannot be served; ``message`` is a sentence for a person."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.details = details


def error_response(error: ApiError) -> Response:
    body = {"error": {"code": error.code, "message": error.message, **error.details}}
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


# Werkzeug's own errors (unknown route, wrong method...) with words for people.
_HTTP_MESSAGES = {
    404: ("not-found", "There is nothing at this address. The API lives under /api/."),
    405: ("method-not-allowed", "This address does not accept that method."),
    413: ("text-too-long", "The request is far too large for a text to say; send a shorter one."),
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code, message = _HTTP_MESSAGES.get(
            status, (f"http-{status}", error.description or "The request failed.")
        )
        # Keep the headers the status calls for (Allow on 405, Content-Range on 416).
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return error_response(ApiError(status, code, message, headers=headers))

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return error_response(
            ApiError(500, "internal", "The speech server hit an unexpected error; try again.")
        )
