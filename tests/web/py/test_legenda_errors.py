"""Mapping of Transformers.js failures to sentences for a person."""

import pytest
from legenda.errors import (
    IMAGE_UNREACHABLE,
    INFERENCE_FAILED,
    MODEL_NOT_FOUND,
    NOT_AN_IMAGE,
    ImageSource,
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


def _is_for_a_person(text: str) -> None:
    assert "Error:" not in text and "Traceback" not in text and "ModelFileNotFound" not in text
    assert text[0].isupper() and text.rstrip().endswith((".", ")"))


def test_missing_local_weights_name_the_file_dtype_and_how_to_self_host() -> None:
    error = model_load_error(LOCAL, LOCAL_MISSING)
    assert error.code == MODEL_NOT_FOUND
    assert "legenda-test/tiny-vit-gpt2" in error.message
    assert "onnx/encoder_model_fp16.onnx" in error.message
    assert "q8 weights" in error.message and "another dtype" in error.message
    assert "remote_models=0" in error.message
    assert "make models" in error.message and "`models` setting" in error.message
    _is_for_a_person(error.message)


def test_missing_hub_file_names_the_file() -> None:
    error = model_load_error(REMOTE, HUB_MISSING)
    assert error.code == MODEL_NOT_FOUND
    assert "its file tokenizer.json is neither at /models/Xenova/nllb-200-distilled-600M/" in (
        error.message
    )
    assert "Hugging Face hub" in error.message and "make models" in error.message
    _is_for_a_person(error.message)


def test_wrong_model_id_on_the_hub() -> None:
    error = model_load_error(REMOTE, HUB_UNAUTHORIZED)
    assert error.code == MODEL_NOT_FOUND
    assert "config.json" in error.message and "Check the model id" in error.message


def test_offline_says_so() -> None:
    error = model_load_error(REMOTE, "TypeError: Failed to fetch")
    assert error.code == MODEL_NOT_FOUND
    assert "offline" in error.message and "make models" in error.message
    _is_for_a_person(error.message)


def test_anything_else_is_a_load_failure_without_the_raw_text() -> None:
    raw = "Error: Can't create a session. ERROR_CODE: 2, ERROR_MESSAGE: protobuf parsing failed"
    error = model_load_error(LOCAL, raw)
    assert error.code == INFERENCE_FAILED
    assert "protobuf" not in error.message
    _is_for_a_person(error.message)


def test_webgpu_failure_suggests_wasm() -> None:
    error = model_load_error(LOCAL, "Error: no available backend found. ERR: [webgpu] ...")
    assert "device=wasm" in error.message


@pytest.mark.parametrize(
    ("error", "code", "says"),
    [
        (image_http_error("https://x.example/a.png", 404), IMAGE_UNREACHABLE, "does not exist"),
        (image_http_error("https://x.example/a.png", 500), IMAGE_UNREACHABLE, "answered 500"),
        (image_fetch_failed("https://x.example/a.png"), IMAGE_UNREACHABLE, "CORS"),
        (not_an_image(ImageSource("address", "x"), "text/html"), NOT_AN_IMAGE,
         "The address x is not an image (it is text/html)"),
        (undecodable_image(ImageSource("file", "a.png")), NOT_AN_IMAGE,
         "The file “a.png” could not be read as an image"),
        (unexpected("job"), "runtime-failed", "while working on this image"),
    ],
)
def test_image_and_other_errors(error: object, code: str, says: str) -> None:
    assert error.code == code  # type: ignore[attr-defined]
    # The page words it from its key and parameters, in its own language.
    assert error.key and isinstance(error.params, dict)  # type: ignore[attr-defined]
    assert says in error.message  # type: ignore[attr-defined]
    _is_for_a_person(error.message)  # type: ignore[attr-defined]


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
    assert error.code == "runtime-failed"
    assert "vendor/ort/" in error.message and "make site" in error.message
    assert "offline" not in error.message and "WebGPU" not in error.message
    _is_for_a_person(error.message)
