"""Who may use the sidecar: the Host header allowlist, optional API keys, and headers every
answer carries.

- Host: only requests naming an allowed host are answered (421 otherwise), so a page that
  rebinds its own DNS name to 127.0.0.1 cannot reach this server. Allowed: the loopback names,
  the address the server is bound to, and LEGENDA_ALLOWED_HOSTS (``*`` allows any).
- API keys: with LEGENDA_API_KEYS set, every route but /api/health and CORS preflights needs
  ``Authorization: Bearer <key>`` (401 otherwise).
- Every answer says ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from .config import Config
from .errors import ApiError

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_ANY_ADDRESS = ("", "0.0.0.0", "::")
_OPEN_ENDPOINTS = ("api.health",)


def allowed_hosts(config: Config, bound_host: str | None) -> frozenset[str]:
    names = set(LOOPBACK_NAMES) | {h.strip("[]").lower() for h in config.allowed_hosts}
    if bound_host and bound_host.strip("[]") not in _ANY_ADDRESS:
        names.add(bound_host.strip("[]").lower())
    return frozenset(names)


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port (``[::1]:5000`` -> ``::1``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _bearer_key() -> str | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def _key_matches(key: str, keys: tuple[str, ...]) -> bool:
    # Compare with every key, in constant time each, so timing tells nothing about them.
    found = False
    for known in keys:
        found |= hmac.compare_digest(key.encode(), known.encode())
    return found


def register_guard(app: Flask, config: Config, bound_host: str | None) -> None:
    hosts = allowed_hosts(config, bound_host)
    any_host = "*" in config.allowed_hosts

    @app.before_request
    def check_host_and_key() -> None:
        name = host_name(request.host)
        if not any_host and name not in hosts:
            raise ApiError(
                421, "unknown-host",
                f"This speech server does not answer for the host name {name[:100]!r}. "
                "Use http://127.0.0.1:<port>/, or ask its operator to add the name to "
                "LEGENDA_ALLOWED_HOSTS.",
            )
        if not config.api_keys or request.method == "OPTIONS":
            return
        if request.endpoint in _OPEN_ENDPOINTS:
            return
        key = _bearer_key()
        if key is None or not _key_matches(key, config.api_keys):
            raise ApiError(
                401, "bad-api-key" if key else "api-key-required",
                "This speech server needs an API key: put it in the page's sidecar settings "
                "(it is sent as Authorization: Bearer <key>)."
                if key is None else
                "This API key is not accepted by this speech server: check the key in the "
                "page's sidecar settings.",
                headers={"WWW-Authenticate": 'Bearer realm="legenda"'},
            )

    @app.after_request
    def no_sniffing(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
