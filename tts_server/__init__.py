"""Legenda's speech sidecar: a Flask service that turns text into a WAV URL.

``create_app(config=None)`` builds the app: configuration (``LEGENDA_*`` environment variables,
see config.py), a speech engine loaded in the background (engines/), an audio cache (store.py),
a job queue with its workers (jobs.py) or on Redis (redis_queue.py), the JSON API (api.py),
OpenAI's speech API (openai_api.py), Prometheus metrics (metrics.py), who may use it (guard.py:
Host allowlist, API keys) and CORS for the page (cors.py).
Run it with ``python -m tts_server --host 127.0.0.1 --port 5000``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from .api import bp
from .chat import install_chat
from .config import PREFIX, Config, ConfigError, config_from_mapping, load_config
from .cors import register_cors
from .errors import register_error_handlers
from .guard import register_guard
from .metrics import install_metrics
from .openai_api import bp as openai_bp
from .service import SpeechService

__all__ = ["Config", "ConfigError", "create_app"]


def create_app(
    config: Config | Mapping[str, object] | None = None, bound_host: str | None = None
) -> Flask:
    """The sidecar app.

    ``config``: None reads the ``LEGENDA_*`` environment. A mapping (tests) is read over the
    defaults, not the environment: Config field names or ``LEGENDA_*`` names set the sidecar's
    settings, and other upper-case keys (``TESTING``...) go to Flask's ``app.config``.
    ``bound_host``: the address the server listens on (an allowed Host name, see guard.py).
    """
    flask_settings: dict[str, object] = {}
    if config is None:
        config = load_config()
    elif not isinstance(config, Config):
        flask_settings = {
            k: v for k, v in config.items() if k.isupper() and not k.startswith(PREFIX)
        }
        config = config_from_mapping({k: v for k, v in config.items() if k not in flask_settings})
    app = Flask(__name__)
    app.config.update(flask_settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["LEGENDA"] = config
    # Refuse huge bodies before reading them: room for the longest text, escaped, and some JSON.
    app.config["MAX_CONTENT_LENGTH"] = 16 * config.max_text_chars + 64 * 1024
    service = SpeechService(config)
    service.install(app)
    register_error_handlers(app)
    register_guard(app, config, bound_host)
    register_cors(app, config.cors_origins)
    app.register_blueprint(bp)
    app.register_blueprint(openai_bp)
    install_chat(app, config, service.metrics.registry)
    install_metrics(app, service.metrics)
    service.start()
    return app
