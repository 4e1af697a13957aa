"""`make site`: what lands in the built site, and that building again is idempotent."""

import io
import zipfile
from pathlib import Path

import pytest

from scripts import build_site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("build")
    models = root / "models"
    (models / "org" / "name" / "onnx").mkdir(parents=True)
    (models / "org" / "name" / "config.json").write_text("{}")
    (models / "org" / "name" / "onnx" / "encoder_model_quantized.onnx").write_bytes(b"x")
    out = root / "site"
    build_site.build(out, models)
    return out, models


def test_the_site_has_the_page_the_worker_and_the_vendored_runtime(
    built: tuple[Path, Path],
) -> None:
    out, _ = built
    for relative in (
        "worker.js",
        "vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide.asm.mjs",
        "vendor/pyodide/pyodide.asm.wasm", "vendor/pyodide/python_stdlib.zip",
        "vendor/pyodide/pyodide-lock.json",
        "vendor/transformers/transformers.min.js",
        "vendor/ort/ort-wasm-simd-threaded.mjs", "vendor/ort/ort-wasm-simd-threaded.wasm",
        "vendor/ort/ort-wasm-simd-threaded.asyncify.mjs",
        "vendor/ort/ort-wasm-simd-threaded.asyncify.wasm",
        f"vendor/wheels/{build_site.WHEEL_NAME}",
        "models/org/name/config.json", "models/org/name/onnx/encoder_model_quantized.onnx",
        "py/legenda.zip",
    ):
        assert (out / relative).is_file(), relative


def test_python_sources_go_in_only_as_the_zip(built: tuple[Path, Path]) -> None:
    out, _ = built
    assert not (out / "py" / "legenda").exists()
    names = zipfile.ZipFile(io.BytesIO((out / "py" / "legenda.zip").read_bytes())).namelist()
    assert "legenda/worker_main.py" in names and "legenda/settings.py" in names
    assert "legenda/settings-schema.json" in names  # the package reads its settings from it
    assert all(name.startswith("legenda/") and name.endswith((".py", ".json")) for name in names)


def test_the_wheel_is_a_wheel(built: tuple[Path, Path]) -> None:
    out, _ = built
    wheel = zipfile.ZipFile(out / "vendor" / "wheels" / build_site.WHEEL_NAME)
    assert "transformers_js_py/proxies.py" in wheel.namelist()


def test_building_again_changes_nothing_and_removes_stale_files(
    built: tuple[Path, Path],
) -> None:
    out, models = built
    zip_bytes = (out / "py" / "legenda.zip").read_bytes()
    assert build_site.build(out, models) == (0, 0)
    assert (out / "py" / "legenda.zip").read_bytes() == zip_bytes
    (out / "vendor" / "stale.js").write_text("old")
    (models / "org" / "name" / "onnx" / "encoder_model_quantized.onnx").unlink()
    assert build_site.build(out, models) == (0, 2)
    assert not (out / "vendor" / "stale.js").exists()
    assert not (out / "models" / "org" / "name" / "onnx").exists()


def test_linked_model_folders_are_copied(tmp_path: Path) -> None:
    # `make test-models` links model folders into models/ rather than copying them.
    real = tmp_path / "elsewhere" / "tiny"
    (real / "onnx").mkdir(parents=True)
    (real / "config.json").write_text("{}")
    (real / "onnx" / "decoder_model_merged.onnx").write_bytes(b"x")
    models = tmp_path / "models"
    (models / "org").mkdir(parents=True)
    (models / "org" / "tiny").symlink_to(real, target_is_directory=True)
    files = build_site.plan(models)
    assert files["models/org/tiny/config.json"] == models / "org" / "tiny" / "config.json"
    assert "models/org/tiny/onnx/decoder_model_merged.onnx" in files
