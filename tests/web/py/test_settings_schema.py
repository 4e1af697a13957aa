"""web/settings-schema.json: the one list of settings, and what is derived from it."""

from __future__ import annotations

import json
from pathlib import Path

from legenda.languages import LANGUAGES
from legenda.schema import setting_specs, suggested_values

from scripts import download_models, settings_table

ROOT = Path(__file__).resolve().parents[3]


def test_the_readme_table_is_the_schemas() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table.readme_table(readme) == settings_table.table(), (
        "README.md's settings table differs from web/settings-schema.json: run "
        "`python scripts/settings_table.py --write`"
    )


def test_every_key_is_in_the_readme_table() -> None:
    block = settings_table.readme_table((ROOT / "README.md").read_text(encoding="utf-8"))
    for spec in setting_specs():
        assert f"| `{spec['key']}` |" in block


def test_make_models_downloads_the_schemas_default_models() -> None:
    defaults = {spec["key"]: spec["default"] for spec in setting_specs()}
    config = json.loads((ROOT / "web" / "config.json").read_text(encoding="utf-8"))
    expected = {**defaults, **config}
    models = download_models.default_browser_models()
    assert models[:2] == [expected["caption_model"], expected["translation_model"]]
    # The documented choices of those (the fast translator) come next.
    assert models[2] == "Xenova/opus-mt-en-ROMANCE"
    # Then the playground's: generate's and chat's defaults and the compared models, once each.
    assert models[3:] == [
        "HuggingFaceTB/SmolLM2-135M-Instruct", "onnx-community/Qwen2.5-0.5B-Instruct",
        "Xenova/flan-t5-small",
    ]


def test_the_language_setting_accepts_the_language_table() -> None:
    codes = [language.code for language in LANGUAGES]
    lang = next(spec for spec in setting_specs() if spec["key"] == "lang")
    assert lang["type"] == "language" and lang["default"] in codes


def test_settings_used_by_one_page_say_so() -> None:
    # The playground page shares these; the caption-only ones belong to the main page.
    shared = {spec["key"] for spec in setting_specs() if "pages" not in spec}
    assert {"dtype", "device", "models", "remote_models", "ui_lang"} <= shared
    batch = next(spec for spec in setting_specs() if spec["key"] == "batch_size")
    assert batch["pages"] == ["index"]


def test_the_fast_translator_is_a_documented_choice_with_its_languages() -> None:
    spec = next(spec for spec in setting_specs() if spec["key"] == "translation_model")
    assert suggested_values(spec) == ["Xenova/nllb-200-distilled-600M", "Xenova/opus-mt-en-ROMANCE"]
    assert suggested_values(spec)[0] == spec["default"]  # the default first
    fast = spec["suggestions"][1]["label"]
    assert "pt, es, fr, it" in fast["en"] and "pt, es, fr, it" in fast["pt"]
