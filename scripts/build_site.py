"""Build the static site (`make site`): web/ plus vendored runtime files into dist/site/.

What goes in (docs/architecture.md, "Built site"):
- web/ as it is, except web/py/, whose `legenda` package goes in as py/legenda.zip together
  with web/settings-schema.json (the package reads its settings and languages from it);
- from node_modules: Pyodide's core, Transformers.js's browser build, ONNX Runtime's wasm
  builds into vendor/, coi-serviceworker at the root;
- the transformers-js-py wheel, fetched once with `pip download` into .cache/wheels/;
- ./models/ (filled by `make models`) into models/, when it exists.

The result is a plain folder of static files. The build is idempotent and quick when nothing
changed: it copies only files whose size or time differ and removes files it no longer makes.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
PY_PACKAGE = WEB / "py" / "legenda"
SCHEMA = WEB / "settings-schema.json"
NODE = ROOT / "node_modules"
WHEEL_CACHE = ROOT / ".cache" / "wheels"
MODELS = ROOT / "models"

TJP_VERSION = "0.19.10"
WHEEL_NAME = f"transformers_js_py-{TJP_VERSION}-py3-none-any.whl"

# (source under node_modules, destination under the site)
VENDORED: tuple[tuple[str, str], ...] = (
    *(
        (f"pyodide/{name}", f"vendor/pyodide/{name}")
        for name in (
            "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
            "pyodide-lock.json",
        )
    ),
    ("@huggingface/transformers/dist/transformers.min.js",
     "vendor/transformers/transformers.min.js"),
    # The plain build runs the wasm device; the asyncify one adds WebGPU (runtime.py picks).
    *(
        (f"onnxruntime-web/dist/ort-wasm-simd-threaded{variant}{ext}",
         f"vendor/ort/ort-wasm-simd-threaded{variant}{ext}")
        for variant in ("", ".asyncify")
        for ext in (".mjs", ".wasm")
    ),
    # At the site's root, not in vendor/: a service worker controls only pages under its own
    # folder, and this one must control index.html (ui/settings.js loads it for ?isolate=1).
    ("coi-serviceworker/coi-serviceworker.min.js", "coi-serviceworker.min.js"),
)
# A fixed time for the zip's entries, so an unchanged package gives the same bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """A missing input, said in a way that tells what to run."""


def wheel(cache: Path = WHEEL_CACHE) -> Path:
    """The transformers-js-py wheel, downloaded by pip the first time only."""
    target = cache / WHEEL_NAME
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    errors = []
    # `make site` may run on a bare python3 (CI, Docker) or one without pip (Debian): the
    # project's venv has pip when the system's does not.
    for python in dict.fromkeys([sys.executable, str(ROOT / ".venv" / "bin" / "python")]):
        if not Path(python).exists():
            continue
        command = [
            python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            f"transformers-js-py=={TJP_VERSION}", "--dest", str(cache),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode == 0 and target.exists():
            return target
        errors.append(result.stderr.strip())
    raise BuildError(
        f"pip could not download transformers-js-py=={TJP_VERSION} (is PyPI reachable, is pip "
        "installed?):\n" + "\n".join(errors)
    )


def package_zip(package: Path = PY_PACKAGE, schema: Path = SCHEMA) -> bytes:
    """web/py/legenda and the settings schema as a zip with a `legenda/` top folder (what the
    worker unpacks)."""
    entries = {f"legenda/{path.relative_to(package).as_posix()}": path
               for path in sorted(package.rglob("*.py"))}
    entries[f"legenda/{schema.name}"] = schema
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in entries.items():
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def plan(models: Path = MODELS) -> dict[str, Path]:
    """Every file of the site (path under the site -> source file), except py/legenda.zip."""
    files: dict[str, Path] = {}
    for path in WEB.rglob("*"):
        relative = path.relative_to(WEB)
        if path.is_file() and relative.parts[0] != "py" and "__pycache__" not in relative.parts:
            files[relative.as_posix()] = path
    for source, destination in VENDORED:
        path = NODE / source
        if not path.exists():
            raise BuildError(f"{path} is missing: run `npm ci --ignore-scripts` (or `make setup`).")
        files[destination] = path
    files[f"vendor/wheels/{WHEEL_NAME}"] = wheel()
    if models.is_dir():
        # os.walk, not rglob: models/ may hold links to model folders (`make test-models`),
        # and Path.rglob does not follow links to folders.
        for folder, _, names in os.walk(models, followlinks=True):
            for name in names:
                path = Path(folder, name)
                files[f"models/{path.relative_to(models).as_posix()}"] = path
    return files


def _same(source: Path, target: Path) -> bool:
    if not target.exists():
        return False
    a, b = source.stat(), target.stat()
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)


def _write_if_changed(target: Path, data: bytes) -> bool:
    if target.exists() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


def _check_worker_pin() -> None:
    # worker.js names the wheel it loads; a different pin here would break the page silently.
    if WHEEL_NAME not in (WEB / "worker.js").read_text(encoding="utf-8"):
        raise BuildError(f"web/worker.js does not load {WHEEL_NAME}: update one or the other.")


def build(out: Path, models: Path = MODELS) -> tuple[int, int]:
    """Make ``out`` the built site; returns (files copied, files removed)."""
    _check_worker_pin()
    files = plan(models)
    out.mkdir(parents=True, exist_ok=True)
    copied = 0
    for relative, source in files.items():
        target = out / relative
        if _same(source, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    copied += _write_if_changed(out / "py" / "legenda.zip", package_zip())
    wanted = set(files) | {"py/legenda.zip"}
    removed = 0
    for path in sorted(out.rglob("*"), reverse=True):  # files before their folders
        relative = path.relative_to(out).as_posix()
        if path.is_file() and relative not in wanted:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return copied, removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "site")
    parser.add_argument(
        "--models", type=Path, default=MODELS,
        help="self-hosted models to copy into <out>/models/ (default ./models, when present)",
    )
    args = parser.parse_args()
    try:
        copied, removed = build(args.out, args.models)
    except BuildError as error:
        sys.exit(f"make site: {error}")
    print(f"Built {os.path.relpath(args.out)}: {copied} file(s) updated, {removed} removed.")


if __name__ == "__main__":
    main()
