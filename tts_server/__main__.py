"""``python -m tts_server [--host H] [--port P] [--threads N]``: serve the sidecar with waitress."""

from __future__ import annotations

import argparse
import logging
import sys

from waitress.server import create_server

from . import create_app
from .config import ConfigError
from .service import service_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tts_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port (0 picks a free one)")
    # Each ?wait= request holds a thread while its audio is made: leave room for the others.
    parser.add_argument("--threads", type=int, default=16, help="HTTP threads (default 16)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        app = create_app()
    except ConfigError as error:
        print(f"tts_server: configuration error: {error}", file=sys.stderr)
        return 2
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    config = app.config["LEGENDA"]
    # Tests and scripts wait for this line (and read the port from it when --port 0).
    print(
        f"Legenda speech sidecar ({config.engine}, {config.model_id}) listening on "
        f"http://{server.effective_host}:{server.effective_port}",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        service_of(app).close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
