"""legenda.generation: parameters, figures, the chat's cache bookkeeping, dtype choice, errors."""

from __future__ import annotations

import pytest
from legenda.errors import LegendaError
from legenda.generation import (
    DEFAULT_SYSTEM_PROMPT,
    PARAMETERS,
    Conversation,
    Figures,
    check_prompt,
    choose_dtype,
    generation_failed,
    generation_params,
    missing_weights,
    not_a_text_model,
    task_for,
)


def test_missing_parameters_take_their_defaults() -> None:
    params = generation_params({})
    assert params == {name: bound.default for name, bound in PARAMETERS.items()}
    assert params["do_sample"] is True and params["max_new_tokens"] == 128


def test_parameters_are_parsed_from_query_and_form_strings() -> None:
    params = generation_params({
        "max_new_tokens": "20", "temperature": "1.5", "top_k": "0", "top_p": "1",
        "do_sample": "1", "repetition_penalty": "", "unknown": "x",
    })
    assert params == {
        "max_new_tokens": 20, "temperature": 1.5, "top_k": 0, "top_p": 1.0, "do_sample": True,
        "repetition_penalty": 1.1,
    }


def test_greedy_drops_the_sampling_knobs() -> None:
    params = generation_params({"do_sample": "0", "temperature": "0.3"})
    assert params == {"max_new_tokens": 128, "do_sample": False, "repetition_penalty": 1.1}


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("max_new_tokens", "0", "a whole number from 1 to 2048"),
        ("max_new_tokens", "2.5", "a whole number"),
        ("temperature", "0", "a number above 0 to 5"),
        ("temperature", "nan", "a number above 0 to 5"),
        ("top_p", "1.01", "a number above 0 to 1"),
        ("top_k", "-1", "from 0 to 1000"),
        ("repetition_penalty", "0.5", "a number from 1 to 3"),
        ("do_sample", "maybe", "0 or 1"),
        ("max_new_tokens", True, "a whole number"),
    ],
)
def test_a_parameter_out_of_range_is_refused_by_name(
    name: str, value: object, accepts: str
) -> None:
    with pytest.raises(LegendaError) as raised:
        generation_params({name: value})
    assert raised.value.code == "bad-parameter"
    assert name in raised.value.message and accepts in raised.value.message
    assert "try again" in raised.value.message


def test_every_parameter_has_a_sentence_for_the_form() -> None:
    for name, bound in PARAMETERS.items():
        assert len(bound.help) > 30 and bound.help.endswith((".", ")")), name


@pytest.mark.parametrize("prompt", ["", "   \n", None, 3])
def test_an_empty_prompt_cannot_start_a_run(prompt: object) -> None:
    with pytest.raises(LegendaError) as raised:
        check_prompt(prompt)
    assert raised.value.code == "empty-prompt"
    assert check_prompt(" hi ") == " hi "


def test_figures_count_tokens_first_token_time_and_decoding_speed() -> None:
    figures = Figures(started_ms=1000.0)
    assert figures.as_dict() == {"tokens": 0, "ttftMs": None, "tokensPerS": None}
    figures.token(1250.0)
    assert figures.as_dict() == {"tokens": 1, "ttftMs": 250.0, "tokensPerS": None}
    for now in (1260.0, 1270.0, 1280.0, 1290.0):
        figures.token(now)
    assert figures.as_dict() == {"tokens": 5, "ttftMs": 250.0, "tokensPerS": 100.0}


def test_the_conversation_reuses_the_cache_only_for_a_prompt_that_extends_it() -> None:
    chat = Conversation()
    assert chat.messages("Oi") == [
        {"role": "system", "content": DEFAULT_SYSTEM_PROMPT}, {"role": "user", "content": "Oi"},
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
    assert notice == (
        "The model “m/smol” has no q8 weights, so its q4 weights are used (it ships fp32, "
        "fp16, q4, q4f16)."
    )
    assert choose_dtype("m/phi", "q8", ["q4f16"], "webgpu")[0] == "q4f16"
    assert choose_dtype("m/x", "q4", ["fp32", "fp16"], "webgpu")[0] == "fp16"


def test_a_repo_without_onnx_weights_is_not_a_model_this_page_runs() -> None:
    with pytest.raises(LegendaError) as raised:
        choose_dtype("m/pytorch-only", "q8", [], "wasm")
    assert raised.value.code == "not-a-text-model"
    assert "onnx/" in raised.value.message


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
    assert "vision-encoder-decoder" in wrong.message
    assert not_a_text_model("m/x", "Error: Could not locate file") is None


def test_generation_failures_name_out_of_memory() -> None:
    oom = generation_failed("m/x", "RangeError: Array buffer allocation failed")
    assert oom.code == "out-of-memory" and "max_new_tokens" in oom.message
    other = generation_failed("m/x", "TypeError: x is undefined")
    assert other.code == "inference-failed" and "TypeError" not in other.message
