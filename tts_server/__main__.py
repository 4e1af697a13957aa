"""``python -m tts_server [--host H] [--port P] [--threads N] [--connection-limit N]
[--channel-timeout S] [--request-timeout S]``: serve the sidecar with waitress.

The server's limits are set on purpose (server.py): a bounded number of connections, a short
idle timeout, a deadline for reading each request (so sockets that trickle bytes are dropped),
a request body no larger than the longest text (413 before it is read) and small headers.
SIGTERM or SIGINT stops taking work, gives the running job LEGENDA_SHUTDOWN_GRACE_S, then stops
it (no child process is left) and exits.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from . import create_app
from .config import ConfigError
from .server import make_server
from .service import service_of


class _Stop(Exception):
    """Raised in the main thread by SIGTERM/SIGINT to leave waitress's loop."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tts_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port (0 picks a free one)")
    parser.add_argument("--threads", type=int, default=16, help="HTTP threads (default 16)")
    parser.add_argument(
        "--connection-limit", type=int, default=256,
        help="open connections at most; more wait in the listen queue (default 256)",
    )
    parser.add_argument(
        "--channel-timeout", type=int, default=15,
        help="seconds a connection may stay silent before it is closed (default 15)",
    )
    parser.add_argument(
        "--request-timeout", type=float, default=30.0,
        help="seconds a client has to send a whole request once it started (default 30)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        app = create_app(bound_host=args.host)
    except ConfigError as error:
        print(f"tts_server: configuration error: {error}", file=sys.stderr)
        return 2
    server = make_server(
        app, args.host, args.port, threads=args.threads,
        connection_limit=args.connection_limit, channel_timeout=args.channel_timeout,
        request_timeout=args.request_timeout,
    )
    config = app.config["LEGENDA"]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Tests and scripts wait for this line (and read the port from it when --port 0).
    print(
        f"Legenda speech sidecar ({config.engine}, {config.model_id}) listening on "
        f"http://{server.effective_host}:{server.effective_port}",
        flush=True,
    )
    try:
        server.run()
    except _Stop as why:
        logging.getLogger("tts_server").info("%s: stopping", why)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.close()  # stop accepting connections
        service_of(app).close()  # fail waiting jobs, bound the running one, kill its child
    return 0


if __name__ == "__main__":
    sys.exit(main())
