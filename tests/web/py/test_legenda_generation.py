"""legenda.generation: parameters, figures, the chat's cache bookkeeping, dtype choice, errors."""

from __future__ import annotations

import pytest
from legenda.errors import LegendaError
from legenda.generation import (
    Conversation,
    Figures,
    chat_history,
    check_prompt,
    choose_dtype,
    generation_failed,
    generation_kwargs,
    job_settings,
    missing_weights,
    model_list,
    not_a_text_model,
    task_for,
)
from legenda.schema import setting_specs
from legenda.settings import default_settings


def test_the_parameters_in_force_are_the_settings() -> None:
    settings = default_settings()
    assert generation_kwargs(settings) == {  # greedy by default: no sampling knobs
        "max_new_tokens": 30, "do_sample": False, "repetition_penalty": 1.2,
    }
    sampled = job_settings(settings, {"do_sample": "1", "top_p": "0.5", "temperature": "0.7"})
    assert generation_kwargs(sampled) == {
        "max_new_tokens": 30, "do_sample": True, "temperature": 0.7, "top_k": 50, "top_p": 0.5,
        "repetition_penalty": 1.2,
    }


def test_a_jobs_parameters_are_checked_by_the_schemas_rules() -> None:
    settings = job_settings(default_settings(), {"max_new_tokens": "20", "lang": "es", "x": 1})
    assert settings.max_new_tokens == 20
    assert settings.lang == "pt"  # only generation parameters come with a job
    bounds = {spec["key"]: spec for spec in setting_specs()}
    assert bounds["top_p"]["min_open"] and bounds["top_p"]["max"] == 1


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("max_new_tokens", "0", "int"),
        ("max_new_tokens", "2.5", "int"),
        ("temperature", "0", "float"),
        ("top_p", "1.01", "float"),
        ("top_k", "-1", "int"),
        ("repetition_penalty", "0.5", "float"),
        ("do_sample", "maybe", "flag"),
    ],
)
def test_a_parameter_out_of_range_is_refused_by_name(name: str, value: str, kind: str) -> None:
    with pytest.raises(LegendaError) as raised:
        job_settings(default_settings(), {name: value})
    assert (raised.value.code, raised.value.key) == ("bad-setting", "bad-setting")
    params = raised.value.params
    assert params["setting"] == name and params["value"] == value
    assert params["accepts"]["kind"] == kind


@pytest.mark.parametrize("prompt", ["", "   \n", None, 3])
def test_an_empty_prompt_cannot_start_a_run(prompt: object) -> None:
    with pytest.raises(LegendaError) as raised:
        check_prompt(prompt, "message")
    assert raised.value.as_dict() == {
        "code": "empty-prompt", "key": "empty-prompt", "params": {"what": "message"},
    }
    assert check_prompt(" hi ") == " hi "


def test_compare_models_are_a_comma_separated_list() -> None:
    assert model_list(" a/b, c ,,d/e ") == ["a/b", "c", "d/e"]
    assert model_list(default_settings().compare_models) == [
        "Xenova/flan-t5-small", "HuggingFaceTB/SmolLM2-135M-Instruct",
    ]


def test_figures_count_tokens_first_token_time_and_decoding_speed() -> None:
    figures = Figures(started_ms=1000.0)
    assert figures.as_dict() == {"tokens": 0, "ttftMs": None, "tokensPerS": None}
    figures.token(1250.0)
    assert figures.as_dict() == {"tokens": 1, "ttftMs": 250.0, "tokensPerS": None}
    for now in (1260.0, 1270.0, 1280.0, 1290.0):
        figures.token(now)
    assert figures.as_dict() == {"tokens": 5, "ttftMs": 250.0, "tokensPerS": 100.0}


def test_the_conversation_reuses_the_cache_only_for_a_prompt_that_extends_it() -> None:
    chat = Conversation(system="Responda em Português.")
    assert chat.messages("Oi") == [
        {"role": "system", "content": "Responda em Português."},
        {"role": "user", "content": "Oi"},
    ]
    assert chat.reusable("anything") is None  # nothing cached yet
    chat.add_turn("Oi", "Olá!", "<s>Oi<a>Olá!</a>", [1, 2, 3])
    assert chat.messages("Tudo bem?")[1:] == [
        {"role": "user", "content": "Oi"}, {"role": "assistant", "content": "Olá!"},
        {"role": "user", "content": "Tudo bem?"},
    ]
    assert chat.reusable("<s>Oi<a>Olá!</a>\n<u>Tudo bem?") == ([1, 2, 3], "\n<u>Tudo bem?")
    assert chat.reusable("<s>Oi<a>Olá</a>") is None  # the template changed the answer
    chat.reset("Responda em inglês.")
    assert chat.turns == [] and chat.cached_ids == [] and chat.system == "Responda em inglês."
    assert Conversation(system=" ").messages("Oi") == [{"role": "user", "content": "Oi"}]


def test_the_dtype_is_the_setting_when_the_repo_has_it() -> None:
    assert choose_dtype("m/x", "q8", ["fp32", "q8"], "wasm") == ("q8", None)


def test_a_missing_dtype_falls_back_to_what_the_repo_ships_and_says_so() -> None:
    dtype, notice = choose_dtype("m/smol", "q8", ["fp32", "fp16", "q4", "q4f16"], "wasm")
    assert dtype == "q4"
    assert notice == {"key": "dtype-fallback", "params": {
        "model": "m/smol", "wanted": "q8", "dtype": "q4", "shipped": "fp32, fp16, q4, q4f16",
    }}
    assert choose_dtype("m/phi", "q8", ["q4f16"], "webgpu")[0] == "q4f16"
    assert choose_dtype("m/x", "q4", ["fp32", "fp16"], "webgpu")[0] == "fp16"


def test_a_repo_without_onnx_weights_is_not_a_model_this_page_runs() -> None:
    with pytest.raises(LegendaError) as raised:
        choose_dtype("m/pytorch-only", "q8", [], "wasm")
    assert (raised.value.code, raised.value.key) == ("not-a-text-model", "no-onnx-weights")


def test_the_task_follows_the_config() -> None:
    assert task_for({"is_encoder_decoder": True}) == "text2text-generation"
    assert task_for({"model_type": "llama"}) == "text-generation"


def test_loading_errors_that_are_missing_weights_or_the_wrong_kind_of_model() -> None:
    url = "https://huggingface.co/m/x/resolve/main/onnx/model_quantized.onnx"
    missing = f'Error: Could not locate file: "{url}".'
    assert missing_weights(missing)
    assert not missing_weights('Error: Could not locate file: "/models/m/x/config.json".')
    assert not missing_weights("Error: something else")
    wrong = not_a_text_model("m/vit", "Error: Unsupported model type: vision-encoder-decoder")
    assert wrong is not None and wrong.code == "not-a-text-model"
    assert wrong.params == {"model": "m/vit", "kind": "vision-encoder-decoder"}
    assert not_a_text_model("m/x", "Error: Could not locate file") is None


def test_generation_failures_name_out_of_memory() -> None:
    oom = generation_failed("m/x", "RangeError: Array buffer allocation failed")
    assert oom.as_dict() == {"code": "out-of-memory", "key": "out-of-memory",
                             "params": {"model": "m/x"}}
    wasm_oom = "Failed to allocate memory for requested buffer of size 68719476736"
    assert generation_failed("m/x", wasm_oom).code == "out-of-memory"
    other = generation_failed("m/x", "TypeError: x is undefined")
    assert (other.code, other.key) == ("inference-failed", "generation-failed")
    assert "TypeError" not in str(other.params)


def test_a_jobs_max_new_tokens_has_the_playgrounds_own_bound() -> None:
    settings = job_settings(default_settings("playground"), {"max_new_tokens": "2048"})
    assert settings.max_new_tokens == 2048
    with pytest.raises(LegendaError) as raised:
        job_settings(default_settings("playground"), {"max_new_tokens": "2049"})
    assert raised.value.params["accepts"]["max"] == 2048


def test_the_page_may_give_the_chat_its_history() -> None:
    turns = [{"role": "user", "content": "Oi"}, {"role": "assistant", "content": "Olá!"}]
    assert chat_history(None) is None
    assert chat_history(turns) == turns and chat_history([]) == []
    for bad in ("Oi", [{"role": "system", "content": "x"}], [{"role": "user"}], [["user", "Oi"]]):
        with pytest.raises(LegendaError) as raised:
            chat_history(bad)
        assert raised.value.key == "bad-history"
    conversation = Conversation(system="S")
    conversation.add_turn("a", "b", "<a><b>", [1, 2])
    conversation.follow(turns)
    assert conversation.messages("Tudo bem?") == [
        {"role": "system", "content": "S"}, *turns, {"role": "user", "content": "Tudo bem?"},
    ]
    # The cache is kept: a prompt reuses it only where it still extends the cached text.
    assert conversation.reusable("<a><b><c>") == ([1, 2], "<c>")
    assert conversation.reusable("<x>") is None
