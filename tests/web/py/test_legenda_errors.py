"""Mapping of Transformers.js failures to codes and parameters (the page words them; the
catalogs' own tests, tests/js/i18n.test.js, check the sentences)."""

import pytest
from legenda.errors import (
    IMAGE_UNREACHABLE,
    INFERENCE_FAILED,
    MODEL_NOT_FOUND,
    NOT_AN_IMAGE,
    ImageSource,
    LegendaError,
    ModelPlace,
    image_fetch_failed,
    image_http_error,
    model_load_error,
    not_an_image,
    undecodable_image,
    unexpected,
)

LOCAL = ModelPlace("captioning", "legenda-test/tiny-vit-gpt2", "q8", "/legenda/models/", False)
REMOTE = ModelPlace("translation", "Xenova/nllb-200-distilled-600M", "q8", "/models/", True)

# Transformers.js 4.x messages, as the browser gives them.
LOCAL_MISSING = (
    "Error: `local_files_only=true` or `env.allowRemoteModels=false` and file was not found "
    'locally at "/legenda/models/legenda-test/tiny-vit-gpt2/onnx/encoder_model_fp16.onnx".'
)
HUB_MISSING = (
    'ModelFileNotFoundError: Could not locate file: "https://huggingface.co/Xenova/'
    'nllb-200-distilled-600M/resolve/main/tokenizer.json".'
)
HUB_UNAUTHORIZED = (
    'Error: Unauthorized access to file: "https://huggingface.co/Xenova/'
    'nllb-200-distilled-600M/resolve/main/config.json".'
)


def _no_raw_text(params: dict[str, object]) -> None:
    """Parameters carry facts (ids, files, paths), never the raw JS error."""
    for value in params.values():
        text = str(value)
        assert "Error" not in text and "Traceback" not in text and "protobuf" not in text


def test_missing_local_weights_name_the_file_dtype_and_where() -> None:
    error = model_load_error(LOCAL, LOCAL_MISSING)
    assert (error.code, error.key) == (MODEL_NOT_FOUND, "model-missing-local")
    assert error.params == {
        "role": "captioning", "model": "legenda-test/tiny-vit-gpt2",
        "where": "/legenda/models/legenda-test/tiny-vit-gpt2/",
        "file": "onnx/encoder_model_fp16.onnx", "dtype": "q8", "weights": True,
    }


def test_missing_hub_file_names_the_file() -> None:
    error = model_load_error(REMOTE, HUB_MISSING)
    assert (error.code, error.key) == (MODEL_NOT_FOUND, "model-missing")
    assert error.params["file"] == "tokenizer.json" and error.params["weights"] is False
    assert error.params["where"] == "/models/Xenova/nllb-200-distilled-600M/"


def test_wrong_model_id_on_the_hub() -> None:
    error = model_load_error(REMOTE, HUB_UNAUTHORIZED)
    assert (error.code, error.key) == (MODEL_NOT_FOUND, "model-missing")
    assert error.params["file"] == "config.json"


def test_a_refused_remote_download_is_a_local_miss() -> None:
    error = model_load_error(REMOTE, LOCAL_MISSING)
    assert error.key == "model-missing-local"


def test_offline_says_so() -> None:
    error = model_load_error(REMOTE, "TypeError: Failed to fetch")
    assert (error.code, error.key) == (MODEL_NOT_FOUND, "model-offline")
    _no_raw_text(error.params)


def test_anything_else_is_a_load_failure_without_the_raw_text() -> None:
    raw = "Error: Can't create a session. ERROR_CODE: 2, ERROR_MESSAGE: protobuf parsing failed"
    error = model_load_error(LOCAL, raw)
    assert (error.code, error.key) == (INFERENCE_FAILED, "model-broken")
    _no_raw_text(error.params)


def test_webgpu_failure_suggests_wasm() -> None:
    error = model_load_error(LOCAL, "Error: no available backend found. ERR: [webgpu] ...")
    assert error.key == "model-webgpu"


@pytest.mark.parametrize(
    ("error", "code", "key", "params"),
    [
        (image_http_error("https://x.example/a.png", 404), IMAGE_UNREACHABLE, "image-unreachable",
         {"url": "https://x.example/a.png", "reason": "missing", "status": 404}),
        (image_http_error("https://x.example/a.png", 500), IMAGE_UNREACHABLE, "image-unreachable",
         {"url": "https://x.example/a.png", "reason": "status", "status": 500}),
        (image_fetch_failed("https://x.example/a.png"), IMAGE_UNREACHABLE, "image-unreachable",
         {"url": "https://x.example/a.png", "reason": "timeout", "status": 0}),
        (not_an_image(ImageSource("address", "x"), "text/html"), NOT_AN_IMAGE, "not-an-image",
         {"source": "address", "name": "x", "type": "text/html"}),
        (undecodable_image(ImageSource("file", "a.png")), NOT_AN_IMAGE, "undecodable-image",
         {"source": "file", "name": "a.png"}),
        (unexpected("job"), "runtime-failed", "unexpected", {"what": "job"}),
    ],
)
def test_image_and_other_errors(
    error: LegendaError, code: str, key: str, params: dict[str, object]
) -> None:
    # The page words the key with the parameters, in its own language.
    assert error.as_dict() == {"code": code, "key": key, "params": params}


@pytest.mark.parametrize(
    "raw",
    [
        "Error: no available backend found. ERR: [wasm] TypeError: Failed to fetch dynamically "
        "imported module: http://h/legenda/vendor/ort/ort-wasm-simd-threaded.mjs",
        "Error: no available backend found. ERR: [wasm] RuntimeError: Aborted(CompileError: "
        "WebAssembly.instantiate(): expected magic word 00 61 73 6d)",
    ],
)
def test_onnx_runtime_that_cannot_start_is_not_blamed_on_the_model(raw: str) -> None:
    error = model_load_error(LOCAL, raw)
    assert (error.code, error.key) == ("runtime-failed", "no-backend")
