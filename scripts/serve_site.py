"""Serve the built static site, as any static host would (GitHub Pages included).

Used by ``make run`` and by the end-to-end tests. Python's own ``http.server`` does not know the
``.mjs`` and ``.wasm`` types, and browsers refuse module scripts served as octet-stream, so this
wraps it with the right types, an optional sub-path (``--prefix /legenda/`` as Pages serves
``/<repo>/``) and extra folders mounted under their own paths (``--mount /models/=./models``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import posixpath
import threading
from collections.abc import Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTRA_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".onnx": "application/octet-stream",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".webp": "image/webp",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """Maps ``prefix`` to the site root and each mount path to its folder; 404 elsewhere."""

    prefix = "/"
    mounts: Mapping[str, Path] = {}
    isolate = False  # send COOP/COEP headers, for multi-threaded ONNX Runtime
    quiet = False  # no request log (the tests)
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}

    def translate_path(self, path: str) -> str:
        url_path = unquote(urlsplit(path).path)
        for mount, folder in self.mounts.items():
            if url_path.startswith(mount):
                return self._inside(folder, url_path[len(mount):])
        if url_path.startswith(self.prefix):
            return self._inside(Path(self.directory), url_path[len(self.prefix):])
        return str(Path(self.directory) / ".not-served" / "404")

    @staticmethod
    def _inside(folder: Path, rest: str) -> str:
        # normpath with a leading "/" cannot climb above the folder.
        clean = posixpath.normpath("/" + rest).lstrip("/")
        return str(folder / clean) + ("/" if rest.endswith("/") else "")

    def end_headers(self) -> None:
        if self.isolate:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        if not self.quiet:
            super().log_message(format, *args)


def url_folder(path: str) -> str:
    """A URL folder as the handler matches it: "legenda" and "/legenda/" -> "/legenda/"."""
    inner = path.strip("/")
    return f"/{inner}/" if inner else "/"


def make_server(
    root: Path | str,
    host: str = "127.0.0.1",
    port: int = 0,
    prefix: str = "/",
    mounts: Mapping[str, Path | str] | None = None,
    isolate: bool = False,
    quiet: bool = False,
) -> ThreadingHTTPServer:
    """A server for ``root`` (port 0 picks a free port: read it from ``server.server_port``)."""
    handler = type(
        "BoundSiteHandler",
        (SiteHandler,),
        {
            "prefix": url_folder(prefix),
            "mounts": {url_folder(m): Path(p).resolve() for m, p in (mounts or {}).items()},
            "isolate": isolate,
            "quiet": quiet,
        },
    )
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="dist/site", help="the built site (default dist/site)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--prefix", default="/", help="serve the site under this sub-path")
    parser.add_argument(
        "--mount", action="append", default=[], metavar="PATH=FOLDER",
        help="also serve FOLDER under PATH, e.g. /models/=./models",
    )
    parser.add_argument("--isolate", action="store_true", help="send COOP/COEP headers")
    args = parser.parse_args()
    if not Path(args.root, "index.html").exists():
        parser.error(f"{args.root} holds no built site: run `make site` first")
    mounts = dict(item.split("=", 1) for item in args.mount)
    server = make_server(args.root, args.host, args.port, args.prefix, mounts, args.isolate)
    url = f"http://{args.host}:{server.server_port}{url_folder(args.prefix)}"
    print(f"Serving {args.root} at {url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
