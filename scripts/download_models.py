"""Download the default models for offline use or self-hosting (``make models``).

Browser models (Transformers.js) go to ``models/<org>/<name>/`` with only the ONNX files the
chosen dtype needs, their weights stored outside the graph (scripts/external_data.py: the
page's memory peak is about a quarter lower; ``--single-file`` keeps the hub's layout);
``make site`` copies them into ``dist/site/models/`` and the page uses them before the hub.
The sidecar's model goes to the Hugging Face cache, where transformers finds it with no network
(HF_HUB_OFFLINE=1).

    python scripts/download_models.py                 # both, dtype q8
    python scripts/download_models.py --dtype fp32 --only browser
    LEGENDA_TTS_MODEL=facebook/mms-tts-por python scripts/download_models.py --only speech
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tts_server.config import DEFAULT_MODELS, ENGINES  # the sidecar's own defaults

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "web" / "py"))
sys.path.insert(0, str(ROOT))
from legenda.errors import LegendaError  # noqa: E402 - the page's own rule for dtypes
from legenda.generation import choose_dtype  # noqa: E402
from legenda.schema import setting_specs, suggested_values  # noqa: E402

from scripts.external_data import split_model  # noqa: E402

SCHEMA = ROOT / "web" / "settings-schema.json"  # every setting and its default, once
CONFIG = ROOT / "web" / "config.json"  # the site's own choices over the schema's defaults
# What Transformers.js 4.x calls each dtype's files: onnx/<part><suffix>.onnx
DTYPE_SUFFIX = {
    "fp32": "", "fp16": "_fp16", "q8": "_quantized", "q4": "_q4", "q4f16": "_q4f16",
    "int8": "_int8", "uint8": "_uint8", "bnb4": "_bnb4",
}
# The ONNX parts an encoder-decoder generation pipeline loads, and a decoder-only one.
ONNX_PARTS = ("encoder_model", "decoder_model_merged")
DECODER_ONLY_PARTS = ("model",)


def browser_patterns(dtype: str, parts: tuple[str, ...] = ONNX_PARTS) -> list[str]:
    """The files a Transformers.js pipeline reads for ``dtype`` (ONNX ``parts``)."""
    suffix = DTYPE_SUFFIX[dtype]
    patterns = ["*.json", "*.txt", "*.model", "*.jinja"]  # configs, tokenizers, chat templates
    for part in parts:
        patterns += [f"onnx/{part}{suffix}.onnx", f"onnx/{part}{suffix}.onnx_data*"]
    return patterns


def onnx_parts(files: list[str]) -> tuple[str, ...]:
    """A decoder-only repo has onnx/model*.onnx; the others an encoder and a merged decoder."""
    decoder_only = any(f.startswith("onnx/model") and f.endswith(".onnx") for f in files)
    return DECODER_ONLY_PARTS if decoder_only else ONNX_PARTS


def shipped_dtypes(files: list[str]) -> list[str]:
    """The dtypes whose every ONNX part is among a repo's ``files``."""
    parts, present = onnx_parts(files), set(files)
    return [
        dtype for dtype, suffix in DTYPE_SUFFIX.items()
        if all(f"onnx/{part}{suffix}.onnx" in present for part in parts)
    ]


def plan_download(model_id: str, files: list[str], dtype: str) -> tuple[list[str], str]:
    """The patterns to fetch for ``dtype`` or, when the repo lacks it, for the dtype the page
    would load instead (returned too). Raises LegendaError without ONNX weights."""
    chosen, _notice = choose_dtype(model_id, dtype, shipped_dtypes(files), "wasm")
    return browser_patterns(chosen, onnx_parts(files)), chosen


def site_defaults() -> dict[str, object]:
    """The schema's defaults with the site's config.json over them, as the page starts."""
    specs = json.loads(SCHEMA.read_text(encoding="utf-8"))["settings"]
    defaults = {spec["key"]: spec["default"] for spec in specs}
    config = json.loads(CONFIG.read_text(encoding="utf-8")) if CONFIG.exists() else {}
    return {**defaults, **{key: value for key, value in config.items() if key in defaults}}


def suggested_models() -> list[str]:
    """The documented choices of the model settings (the fast translator)."""
    return [value for spec in setting_specs() if spec["type"] == "model"
            for value in suggested_values(spec)]


def default_browser_models() -> list[str]:
    """The caption page's two models and the other documented choices of them (the fast
    translator), then the playground's defaults (generate, chat, and the models compared),
    each once. The WebGPU-only chat model (gigabytes) is not among them."""
    defaults = site_defaults()
    suggested = json.loads(SCHEMA.read_text(encoding="utf-8"))["playground_models"]
    models = [
        str(defaults["caption_model"]), str(defaults["translation_model"]), *suggested_models(),
        suggested["generate"][0], suggested["chat"][0],
        *str(defaults["compare_models"]).split(","),
    ]
    return list(dict.fromkeys(model.strip() for model in models if model.strip()))


def download_browser_models(
    model_ids: list[str], dtype: str, dest: Path, split: bool = True
) -> None:
    """Each model's files for ``dtype`` into ``dest/<model id>``, with the weights stored
    outside the graph unless ``split`` is false (scripts/external_data.py: less memory)."""
    from huggingface_hub import list_repo_files, snapshot_download

    for model_id in model_ids:
        target = dest / model_id
        files = list_repo_files(model_id)
        try:
            patterns, chosen = plan_download(model_id, files, dtype)
        except LegendaError:
            print(f"{model_id}: skipped, it has no ONNX weights the page can run (a repo "
                  "converted for Transformers.js has an onnx/ folder).", file=sys.stderr)
            continue
        print(f"{model_id} ({chosen}) -> {target}", flush=True)
        if chosen != dtype:
            print(f"  it has no {dtype} weights: its {chosen} weights, which the page loads "
                  f"instead (it ships {', '.join(shipped_dtypes(files))})", flush=True)
        snapshot_download(model_id, local_dir=target, allow_patterns=patterns)
        if split:
            split_model(target)


def download_speech_model(engine: str, model_id: str | None) -> None:
    if engine == "espeak":
        print("The espeak engine needs no model: nothing to download for speech.")
        return
    from huggingface_hub import list_repo_files, snapshot_download

    model_id = model_id or DEFAULT_MODELS[engine]
    if Path(model_id).is_dir():
        print(f"{model_id} is a local folder: nothing to download.")
        return
    print(f"{model_id} (speech, {engine}) -> the Hugging Face cache", flush=True)
    # Weights in one format only (safetensors when the repo has them), and Bark's v2 voice
    # presets, the ones the sidecar offers.
    has_safetensors = any(f.endswith(".safetensors") for f in list_repo_files(model_id))
    weights = "*.safetensors" if has_safetensors else "*.bin"
    snapshot_download(
        model_id,
        allow_patterns=["*.json", "*.txt", "*.model", weights, "speaker_embeddings/v2/*"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    dtype = os.environ.get("DTYPE", str(site_defaults()["dtype"]))
    parser.add_argument("--dtype", default=dtype, choices=DTYPE_SUFFIX)
    parser.add_argument("--only", choices=("browser", "speech"), help="download just one side")
    parser.add_argument("--dest", type=Path, default=ROOT / "models", help="browser models folder")
    parser.add_argument("--model", action="append", help="browser model id (repeatable)")
    parser.add_argument(
        "--single-file", action="store_true",
        help="keep each ONNX file in one piece as on the hub (by default the weights go to "
        "<file>.onnx_data: the page then needs about a quarter less memory)")
    args = parser.parse_args()
    try:
        if args.only != "speech":
            models = args.model or default_browser_models()
            download_browser_models(models, args.dtype, args.dest, split=not args.single_file)
        if args.only != "browser":
            engine = os.environ.get("LEGENDA_TTS_ENGINE", "bark")
            if engine not in ENGINES:
                parser.error(f"LEGENDA_TTS_ENGINE={engine!r}: choose bark, vits or espeak")
            download_speech_model(engine, os.environ.get("LEGENDA_TTS_MODEL"))
    except OSError as exc:  # network errors from the hub client are OSErrors
        print(f"Download failed: {exc}\nIs the model hub (huggingface.co) reachable from here?",
              file=sys.stderr)
        return 1
    print("Done. `make site` copies browser models into dist/site/models/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
