"""Self-hosted models with their weights outside the graph (what `make models` writes).

The tiny models are copied under the served models folder and split by
scripts/external_data.py; the page must caption and translate with them, fetching each
``<file>.onnx_data`` that config.json names, and keep those files in Cache Storage too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scripts.external_data import split_model
from tests.model_factory import captioner_model, translator_model

if TYPE_CHECKING:
    from conftest import LegendaApp

SPLIT_ORG = "legenda-test-split"


@pytest.fixture(scope="module")
def split_models(models_root: Path) -> dict[str, str]:
    """The tiny captioner and translator, split, as the page names them."""
    names = {}
    for setting, built in (("caption_model", captioner_model()), ("translation_model",
                                                                   translator_model())):
        copy = models_root / SPLIT_ORG / built.name
        if not copy.exists():
            shutil.copytree(built, copy)
            split_model(copy)
        names[setting] = f"{SPLIT_ORG}/{built.name}"
    return names


def test_the_page_runs_models_split_into_graph_and_data(
    app: LegendaApp, split_models: dict[str, str]
) -> None:
    fetched: list[str] = []
    app.page.on("request", lambda request: fetched.append(request.url))
    app.open(**split_models)
    app.caption_url(app.server.image_url("red.png"))

    assert app.state == "done", app.status_text()
    assert app.text("#caption") and app.text("#translation")
    model_files = [url.split(f"/{SPLIT_ORG}/", 1)[1] for url in fetched if f"/{SPLIT_ORG}/" in url]
    caption, translation = split_models["caption_model"], split_models["translation_model"]
    for model in (caption, translation):
        name = model.split("/", 1)[1]
        for part in ("encoder_model_quantized.onnx", "decoder_model_merged_quantized.onnx"):
            assert f"{name}/onnx/{part}" in model_files
            assert f"{name}/onnx/{part}_data" in model_files
    # The data files are kept like the rest: the model-cache view counts both models.
    app.page.wait_for_function(
        "() => document.querySelector('#model-cache').dataset.models === '2'")
