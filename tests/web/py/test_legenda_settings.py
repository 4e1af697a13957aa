"""Settings: defaults, parsing of raw page values (strings or JSON), and bad values."""

from dataclasses import fields

import pytest
from legenda.schema import setting_specs
from legenda.settings import Settings, _rules, default_settings, resolve_settings


def test_the_worker_settings_are_the_schemas_worker_keys() -> None:
    worker_keys = {spec["key"] for spec in setting_specs("python")}
    assert set(_rules(None)[1]) == {field.name for field in fields(Settings)} == worker_keys
    # Settings the worker does not use never reach it (the page keeps them).
    assert not worker_keys & {"tts", "tts_key", "voice", "isolate", "ui_lang"}


def test_defaults_come_from_the_schema() -> None:
    defaults = {spec["key"]: spec["default"] for spec in setting_specs("python")}
    assert default_settings().as_dict() == defaults


def test_defaults_are_the_real_models() -> None:
    settings, problems = resolve_settings({})
    assert problems == []
    assert settings.caption_model == "Xenova/vit-gpt2-image-captioning"
    assert settings.translation_model == "Xenova/nllb-200-distilled-600M"
    assert (settings.dtype, settings.device, settings.lang) == ("q8", "wasm", "pt")
    assert settings.remote_models is True
    assert settings.models == "models/"


def test_query_string_values_are_parsed() -> None:
    raw = {
        "caption_model": "legenda-test/tiny-vit-gpt2", "dtype": "FP32", "device": "webgpu",
        "lang": "es", "remote_models": "0", "models": "/models", "max_new_tokens": "12",
        "do_sample": "1", "temperature": "0.7", "top_k": "5", "num_beams": "2",
        "repetition_penalty": "1.5", "no_repeat_ngram_size": "0",
    }
    settings, problems = resolve_settings(raw)
    assert problems == []
    assert settings.caption_model == "legenda-test/tiny-vit-gpt2"
    assert (settings.dtype, settings.device, settings.lang) == ("fp32", "webgpu", "es")
    assert settings.remote_models is False
    assert settings.models == "/models/"  # a folder: always with its trailing slash
    assert (settings.max_new_tokens, settings.top_k, settings.num_beams) == (12, 5, 2)
    assert settings.do_sample is True
    assert settings.temperature == pytest.approx(0.7)
    assert settings.repetition_penalty == pytest.approx(1.5)
    assert settings.no_repeat_ngram_size == 0


def test_json_values_are_parsed() -> None:
    settings, problems = resolve_settings(
        {"remote_models": 1, "do_sample": False, "temperature": 1, "max_new_tokens": 40}
    )
    assert problems == []
    assert settings.remote_models is True and settings.do_sample is False
    assert settings.max_new_tokens == 40


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("dtype", "q9", {"kind": "choice", "choices": ["q8", "fp32", "fp16", "q4"]}),
        ("device", "cuda", {"kind": "choice", "choices": ["wasm", "webgpu"]}),
        ("max_new_tokens", "abc", {"kind": "int", "min": 1, "max": 256, "min_open": False}),
        ("max_new_tokens", "0", {"kind": "int", "min": 1, "max": 256, "min_open": False}),
        ("max_new_tokens", True, {"kind": "int", "min": 1, "max": 256, "min_open": False}),
        ("temperature", "0", {"kind": "float", "min": 0.0, "max": 5.0, "min_open": True}),
        ("temperature", "nan", {"kind": "float", "min": 0.0, "max": 5.0, "min_open": True}),
        ("repetition_penalty", "0.5",
         {"kind": "float", "min": 1.0, "max": 3.0, "min_open": False}),
        ("remote_models", "maybe", {"kind": "flag"}),
        ("caption_model", "../../etc/passwd", {"kind": "model"}),
        ("caption_model", "a/b/c", {"kind": "model"}),
        ("models", "https://elsewhere.example/models/", {"kind": "path"}),
        ("models", "//elsewhere.example/models/", {"kind": "path"}),
        ("dtype", 8, {"kind": "text"}),
    ],
)
def test_a_bad_value_keeps_the_default_and_says_why(
    name: str, value: object, accepts: dict[str, object]
) -> None:
    settings, problems = resolve_settings({name: value})
    assert getattr(settings, name) == getattr(default_settings(), name)
    [problem] = problems
    said = problem.as_dict()
    assert (said["code"], said["key"], said["setting"]) == ("bad-setting", "bad-setting", name)
    assert said["params"]["accepts"] == accepts
    assert said["params"]["value"] == str(value)


def test_a_bad_language_lists_the_table() -> None:
    [problem] = resolve_settings({"lang": "xx"})[1]
    assert problem.accepts["choices"][:3] == ["pt", "en", "es"]


def test_a_bad_value_keeps_the_previous_value_on_configure() -> None:
    first, _ = resolve_settings({"dtype": "fp32", "lang": "fr"})
    second, problems = resolve_settings({"dtype": "nope", "lang": "de"}, first)
    assert second.dtype == "fp32"  # kept, not reset to the default
    assert second.lang == "de"
    assert [problem.setting for problem in problems] == ["dtype"]
    assert problems[0].as_dict()["params"]["kept"] == "fp32"


def test_kept_values_are_written_as_the_form_writes_them() -> None:
    _, problems = resolve_settings({"max_new_tokens": "lots", "remote_models": "?"})
    kept = {problem.setting: problem.as_dict()["params"]["kept"] for problem in problems}
    assert kept == {"max_new_tokens": "30", "remote_models": "1"}


def test_empty_values_mean_default() -> None:
    settings, problems = resolve_settings({"dtype": "", "models": ""})
    assert problems == []
    assert settings.dtype == "q8" and settings.models == "models/"


def test_a_problem_carries_the_parameters_the_page_words() -> None:
    _, problems = resolve_settings({"max_new_tokens": "lots"})
    assert problems[0].as_dict()["params"] == {
        "setting": "max_new_tokens", "value": "lots", "kept": "30",
        "accepts": {"kind": "int", "min": 1, "max": 256, "min_open": False},
    }


def test_unknown_keys_are_ignored() -> None:
    settings, problems = resolve_settings({"theme": "dark", "dtype": "q4"})
    assert problems == [] and settings.dtype == "q4"


def test_caption_generation_arguments() -> None:
    greedy, _ = resolve_settings({})
    assert greedy.caption_generation() == {
        "max_new_tokens": 30, "num_beams": 1, "repetition_penalty": 1.2,
        "no_repeat_ngram_size": 3, "do_sample": False,
    }
    sampled, _ = resolve_settings({"do_sample": "1", "temperature": "0.5", "top_k": "10"})
    assert sampled.caption_generation()["temperature"] == 0.5
    assert sampled.caption_generation()["top_k"] == 10


def test_model_key_changes_with_dtype_and_device_only() -> None:
    base = default_settings()
    model = base.caption_model
    assert resolve_settings({"lang": "es"}, base)[0].model_key(model) == base.model_key(model)
    assert resolve_settings({"dtype": "fp32"}, base)[0].model_key(model) != base.model_key(model)
    assert resolve_settings({"device": "webgpu"}, base)[0].model_key(model) != base.model_key(
        model
    )


def test_the_playgrounds_max_new_tokens_is_its_own() -> None:
    # The caption page keeps its default and bound; the playground has its own, up to 2048.
    assert default_settings().max_new_tokens == 30
    assert default_settings("playground").max_new_tokens == 256
    caption, problems = resolve_settings({"max_new_tokens": "2048"})
    assert caption.max_new_tokens == 30
    assert [p.accepts["max"] for p in problems] == [256]
    playground, problems = resolve_settings({"max_new_tokens": "2048"}, page="playground")
    assert (playground.max_new_tokens, problems) == (2048, [])
    _, problems = resolve_settings({"max_new_tokens": "2049"}, page="playground")
    assert problems[0].as_dict()["params"]["kept"] == "256"
    assert problems[0].accepts == {"kind": "int", "min": 1, "max": 2048, "min_open": False}
    # A page without its own value shares the setting as it is.
    assert default_settings("index").max_new_tokens == 30


@pytest.mark.parametrize(
    ("raw", "model", "compare_models"),
    [
        ({"model": "server:HuggingFaceTB/SmolLM2-135M-Instruct"},
         "server:HuggingFaceTB/SmolLM2-135M-Instruct", None),
        ({"model": " server: llama3.2:1b "}, "server:llama3.2:1b", None),  # Ollama's names
        ({"compare_models": "HuggingFaceTB/SmolLM2-135M-Instruct, server:/srv/models/phi"},
         None, "HuggingFaceTB/SmolLM2-135M-Instruct,server:/srv/models/phi"),
    ],
)
def test_a_playground_model_may_run_on_the_server(
    raw: dict[str, str], model: str | None, compare_models: str | None
) -> None:
    settings, problems = resolve_settings(raw, page="playground")
    assert problems == []
    if model is not None:
        assert settings.model == model
    if compare_models is not None:
        assert settings.compare_models == compare_models


@pytest.mark.parametrize(
    ("name", "value"),
    [("model", "server:"), ("model", "server:has space"), ("compare_models", "a/b,server:"),
     ("caption_model", "server:Xenova/vit-gpt2-image-captioning")],
)
def test_a_server_model_needs_a_name_and_only_the_playground_takes_one(
    name: str, value: str
) -> None:
    settings, problems = resolve_settings({name: value}, page="playground")
    assert getattr(settings, name) == getattr(default_settings("playground"), name)
    assert [problem.setting for problem in problems] == [name]
    server = name in ("model", "compare_models")
    assert problems[0].accepts.get("server", False) is server
