"""The chat server (tts_server/chat/): OpenAI's chat completions API on tiny random-weight
models in their hub layouts. Greedy answers are checked against transformers' own
``generate`` for the same conversation, and the ONNX engine against the same tokens."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen as urllib_request

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.model_factory import blenderbot_model, chat_model, phi3_model, t5_model
from tests.sidecar_process import Sidecar

CONVERSATION = [
    {"role": "system", "content": "Você é um assistente virtual prestativo."},
    {"role": "user", "content": "Olá! Qual é a capital do Brasil?"},
]


@pytest.fixture(scope="module")
def tiny_chat() -> Path:
    return chat_model()


def chat_app(make_app: Callable[..., Flask], models: list[Path | str], **settings: Any) -> Flask:
    settings.setdefault("chat_threads", 1)
    return make_app(chat_models=tuple(str(m) for m in models), **settings)


def ask(client: FlaskClient, model: Path | str, **body: Any) -> Any:
    body = {"model": str(model), "messages": CONVERSATION, "temperature": 0, **body}
    return client.post("/v1/chat/completions", json=body)


def generate_reference(
    model_dir: Path, messages: list[dict[str, str]], new_tokens: int, text: str | None = None,
    causal_text: bool = False,
) -> tuple[str, int]:
    """What transformers' own ``generate`` answers (greedy, float32): text and token count.
    Causal models read ``messages`` through their chat template, or ``tokenizer(text)`` when
    ``causal_text`` (a raw completion); encoder-decoder ones ``tokenizer(text)``.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if text is None or causal_text:
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="float32").eval()
        ids = (tokenizer(text, return_tensors="pt")["input_ids"] if causal_text else
               tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                             return_tensors="pt"))
        out = model.generate(ids, attention_mask=torch.ones_like(ids),
                             max_new_tokens=new_tokens, do_sample=False)[0, ids.shape[1]:]
    else:  # the generation_config's beam search and lengths switched off: greedy
        model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype="float32").eval()
        ids = tokenizer(text, return_tensors="pt")["input_ids"]
        out = model.generate(ids, max_new_tokens=new_tokens, do_sample=False, num_beams=1,
                             min_length=0, no_repeat_ngram_size=0)[0, 1:]
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos])
    tokens = [int(t) for t in out if int(t) not in eos_ids]
    return tokenizer.decode(tokens, skip_special_tokens=True), len(tokens)


def stream_text(body: str) -> tuple[str, list[dict[str, Any]]]:
    events = [line[len("data: "):] for line in body.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    return text, chunks


@pytest.mark.parametrize("engine", ["transformers", "onnxruntime"])
def test_greedy_answer_equals_transformers_generate(
    make_app: Callable[..., Flask], tiny_chat: Path, engine: str
) -> None:
    app = chat_app(make_app, [tiny_chat], chat_engine=engine, chat_dtype="float32")
    client = app.test_client()
    expected, tokens = generate_reference(tiny_chat, CONVERSATION, 24)
    answer = ask(client, tiny_chat, max_tokens=24)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["object"] == "chat.completion"
    message = body["choices"][0]["message"]
    assert message == {"role": "assistant", "content": expected, "refusal": None}
    assert body["choices"][0]["finish_reason"] == ("length" if tokens == 24 else "stop")
    from transformers import AutoTokenizer

    prompt = AutoTokenizer.from_pretrained(tiny_chat).apply_chat_template(
        CONVERSATION, add_generation_prompt=True)
    assert body["usage"] == {"prompt_tokens": len(prompt), "completion_tokens": tokens,
                             "total_tokens": len(prompt) + tokens,
                             "prompt_tokens_details": {"cached_tokens": 0}}
    models = client.get("/v1/models").get_json()["data"]
    assert [(m["id"], m["loaded"], m["engine"]) for m in models] == [(str(tiny_chat), True, engine)]
    streamed = ask(client, tiny_chat, max_tokens=24, stream=True)
    assert streamed.mimetype == "text/event-stream"
    text, chunks = stream_text(streamed.get_data(as_text=True))
    streamed.close()
    assert text == expected
    assert chunks[-1]["choices"][0]["finish_reason"] == body["choices"][0]["finish_reason"]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)


def test_more_requests_than_slots_get_429_until_a_stream_is_closed(
    make_app: Callable[..., Flask], tiny_chat: Path
) -> None:
    client = chat_app(make_app, [tiny_chat], chat_slots=1, chat_wait_s=0.2).test_client()
    first = ask(client, tiny_chat, stream=True, max_tokens=8, buffered=False)
    assert first.status_code == 200  # holds the only slot until its stream is closed
    refused = ask(client, tiny_chat, max_tokens=8)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    error = refused.get_json()["error"]
    assert error["type"] == "rate_limit_error" and "LEGENDA_CHAT_SLOTS" in error["message"]
    first.close()  # what the server does when the client goes away
    assert ask(client, tiny_chat, max_tokens=8).status_code == 200
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'legenda_chat_requests_total{{model="{tiny_chat}",status="429"}} 1.0' in metrics
    assert f'legenda_chat_generations_running{{model="{tiny_chat}"}} 0.0' in metrics


def test_errors_have_openai_shape(make_app: Callable[..., Flask], tiny_chat: Path,
                                  tmp_path: Path) -> None:
    empty = tmp_path / "no-model-here"
    empty.mkdir()
    client = chat_app(make_app, [tiny_chat, empty], chat_max_tokens=64).test_client()
    cases = [
        ({"model": "gpt-4o"}, 404, "model"),
        ({"messages": []}, 400, "messages"),
        ({"messages": [{"role": "robot", "content": "oi"}]}, 400, "messages[0].role"),
        ({"max_tokens": 65}, 400, "max_tokens"),
        ({"max_completion_tokens": 0}, 400, "max_completion_tokens"),
        ({"temperature": 3}, 400, "temperature"),
        ({"stop": ["a", "b", "c", "d", "e"]}, 400, "stop"),
        ({"model": str(empty)}, 503, None),
    ]
    for change, status, param in cases:
        answer = ask(client, change.pop("model", tiny_chat), **change)
        assert answer.status_code == status, (change, answer.get_json())
        error = answer.get_json()["error"]
        assert set(error) >= {"message", "type", "code"}
        if param:
            assert error["param"] == param
    unavailable = ask(client, empty).get_json()["error"]
    assert str(empty) in unavailable["message"] and unavailable["type"] == "server_error"
    not_json = client.post("/v1/chat/completions", data="{}", content_type="text/plain")
    assert not_json.status_code == 415 and "type" in not_json.get_json()["error"]
    huge = client.post("/v1/chat/completions", json={
        "model": str(tiny_chat), "messages": [{"role": "user", "content": "a" * 200_000}]})
    assert huge.status_code == 413
    assert huge.get_json()["error"]["type"] == "invalid_request_error"


def test_least_recently_used_model_is_unloaded_to_fit_the_budget(
    make_app: Callable[..., Flask], tiny_chat: Path
) -> None:
    t5 = t5_model()
    roomy = chat_app(make_app, [tiny_chat, t5], chat_engine="transformers").test_client()
    sizes = {}
    for model in (tiny_chat, t5):
        assert ask(roomy, model, max_tokens=4).status_code == 200
        sizes[str(model)] = next(m["memory_mb"] for m in roomy.get("/v1/models").get_json()["data"]
                                 if m["id"] == str(model))
    budget = max(sizes.values()) * 1.2
    assert budget < sum(sizes.values())  # one fits, not both
    client = chat_app(make_app, [tiny_chat, t5], chat_engine="transformers",
                      chat_memory_mb=budget).test_client()

    def loaded() -> list[str]:
        return [m["id"] for m in client.get("/api/health").get_json()["chat"]["loaded"]]

    assert ask(client, tiny_chat, max_tokens=4).status_code == 200
    assert loaded() == [str(tiny_chat)]
    assert ask(client, t5, max_tokens=4).status_code == 200
    assert loaded() == [str(t5)]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'legenda_chat_model_loaded{{model="{tiny_chat}"}} 0.0' in metrics
    assert f'legenda_chat_model_loaded{{model="{t5}"}} 1.0' in metrics
    too_small = chat_app(make_app, [t5], chat_engine="transformers",
                         chat_memory_mb=sizes[str(t5)] / 4).test_client()
    refused = ask(too_small, t5, max_tokens=4)
    assert refused.status_code == 503
    assert "LEGENDA_CHAT_MEMORY_MB" in refused.get_json()["error"]["message"]


@pytest.fixture(scope="module")
def chat_sidecar(tmp_path_factory: pytest.TempPathFactory, tiny_chat: Path) -> Iterator[Sidecar]:
    """``python -m tts_server`` serving the tiny chat model (auto engine: onnxruntime q8)."""
    yield from serve_chat(tmp_path_factory.mktemp("chat-sidecar"), tiny_chat,
                          LEGENDA_CHAT_SLOTS="1", LEGENDA_CHAT_WAIT_S="0.5")


def serve_chat(workdir: Path, model: Path, **env: str) -> Iterator[Sidecar]:
    """A sidecar serving ``model`` (one thread), with ``env`` on top, while the fixture lasts."""
    server = Sidecar(workdir, {"LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_CHAT_MODELS": str(model),
                               "LEGENDA_CHAT_THREADS": "1", **env})
    yield server.start()
    server.stop()


def test_openai_sdk_gets_the_same_greedy_answer_streamed_or_not(
    chat_sidecar: Sidecar, tiny_chat: Path
) -> None:
    from openai import NotFoundError, OpenAI

    client = OpenAI(base_url=chat_sidecar.url + "/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list().data] == [str(tiny_chat)]
    whole = client.chat.completions.create(
        model=str(tiny_chat), messages=CONVERSATION, temperature=0, max_tokens=32)  # type: ignore[arg-type]
    text = whole.choices[0].message.content
    assert text and whole.usage is not None and whole.usage.completion_tokens > 0
    pieces = []
    finish = None
    for chunk in client.chat.completions.create(
        model=str(tiny_chat), messages=CONVERSATION, temperature=0,  # type: ignore[arg-type]
        max_completion_tokens=32, stream=True,
    ):
        pieces.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
    assert len([p for p in pieces if p]) > 1  # streamed in pieces
    assert "".join(pieces) == text
    assert finish == whole.choices[0].finish_reason
    with pytest.raises(NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=CONVERSATION)  # type: ignore[arg-type]
    assert missing.value.code == "model_not_found"


def _running(server: Sidecar) -> int:
    health = server.health()
    assert health is not None
    return int(health["chat"]["running"])


def test_a_client_that_disconnects_frees_its_slot(chat_sidecar: Sidecar, tiny_chat: Path) -> None:
    body = json.dumps({"model": str(tiny_chat), "messages": CONVERSATION, "stream": True,
                       "max_tokens": 2048}).encode()
    with socket.create_connection(("127.0.0.1", chat_sidecar.port), timeout=30) as conn:
        conn.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        received = b""
        while b"chat.completion.chunk" not in received:  # the headers may come alone
            data = conn.recv(4096)
            assert data, received
            received += data
        assert _running(chat_sidecar) == 1
    deadline = time.monotonic() + 30
    while _running(chat_sidecar) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(chat_sidecar) == 0
    with urllib_request(chat_sidecar.url + "/metrics") as page:
        metrics = page.read().decode()
    line = next(x for x in metrics.splitlines()
                if x.startswith(f'legenda_chat_completion_tokens_total{{model="{tiny_chat}"}}'))
    assert float(line.split()[-1]) < 2048  # stopped early, not run to max_tokens


def _completion_tokens(server: Sidecar, model: Path) -> float:
    with urllib_request(server.url + "/metrics") as page:
        metrics = page.read().decode()
    line = next(x for x in metrics.splitlines()
                if x.startswith(f'legenda_chat_completion_tokens_total{{model="{model}"}}'))
    return float(line.split()[-1])


def test_a_client_that_leaves_a_whole_answer_frees_its_slot(
    chat_sidecar: Sidecar, tiny_chat: Path
) -> None:
    """Not streamed: nothing is written before the end, so only waitress's view of the
    connection (it keeps reading it) tells the generation that its client has gone."""
    ask = {"model": str(tiny_chat), "messages": CONVERSATION, "max_tokens": 2048}
    whole = requests.post(chat_sidecar.url + "/v1/chat/completions", json=ask, timeout=120)
    assert whole.status_code == 200, whole.text
    written = whole.json()["usage"]["completion_tokens"]  # greedy: the same again if not left
    before = _completion_tokens(chat_sidecar, tiny_chat)
    body = json.dumps(ask).encode()
    with socket.create_connection(("127.0.0.1", chat_sidecar.port), timeout=30) as conn:
        conn.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        deadline = time.monotonic() + 30
        while not _running(chat_sidecar) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _running(chat_sidecar) == 1
    deadline = time.monotonic() + 30
    while _running(chat_sidecar) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(chat_sidecar) == 0
    assert _completion_tokens(chat_sidecar, tiny_chat) - before < written / 2  # stopped early


def test_phi3_answers_as_generate_and_reuses_its_cache_on_the_next_turn(
    make_app: Callable[..., Flask]
) -> None:
    phi3 = phi3_model()
    client = chat_app(make_app, [phi3], chat_dtype="float32").test_client()
    first = ask(client, phi3, max_tokens=12).get_json()
    expected = generate_reference(phi3, CONVERSATION, 12)[0]
    assert first["choices"][0]["message"]["content"] == expected
    conversation = [*CONVERSATION, {"role": "assistant",
                                    "content": first["choices"][0]["message"]["content"]},
                    {"role": "user", "content": "E a de Portugal?"}]
    second = ask(client, phi3, messages=conversation, max_tokens=12).get_json()
    assert second["choices"][0]["message"]["content"] == (
        generate_reference(phi3, conversation, 12)[0])
    cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert first["usage"]["prompt_tokens"] <= cached < second["usage"]["prompt_tokens"]
    assert client.get("/v1/models").get_json()["data"][0]["engine"] == "transformers"


@pytest.mark.parametrize("family", ["blenderbot", "t5"])
def test_encoder_decoder_chatbots_answer_as_generate(
    make_app: Callable[..., Flask], family: str
) -> None:
    folder = blenderbot_model() if family == "blenderbot" else t5_model()
    client = chat_app(make_app, [folder]).test_client()
    messages = [{"role": "system", "content": "Be kind."},
                {"role": "user", "content": "a dog on the beach"}]
    # The input each family expects (tts_server/chat/prompts.py): Blenderbot the user's turn
    # after a space, T5 the system text, a blank line and the user's turn.
    text = " a dog on the beach" if family == "blenderbot" else "Be kind.\n\na dog on the beach"
    answer = ask(client, folder, messages=messages, max_tokens=10).get_json()
    expected, tokens = generate_reference(folder, messages, 10, text=text)
    assert answer["choices"][0]["message"]["content"] == expected
    assert answer["usage"]["completion_tokens"] == tokens
    # The same text as a raw completion's prompt is the encoder's input: the same answer.
    raw = client.post("/v1/completions", json={"model": str(folder), "prompt": text,
                                               "temperature": 0, "max_tokens": 10}).get_json()
    assert raw["choices"][0]["text"] == expected
    assert raw["usage"] == answer["usage"]


def test_the_page_may_call_it_with_a_key_from_another_origin(
    make_app: Callable[..., Flask], tiny_chat: Path
) -> None:
    key = "k" * 24
    client = chat_app(make_app, [tiny_chat], api_keys=(key,)).test_client()
    origin = "http://127.0.0.1:8000"
    preflight = client.options("/v1/chat/completions", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert ask(client, tiny_chat, max_tokens=2).status_code == 401
    answer = client.post("/v1/chat/completions", headers={
        "Origin": origin, "Authorization": f"Bearer {key}"}, json={
        "model": str(tiny_chat), "messages": CONVERSATION, "max_tokens": 2, "stream": True})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"]
    answer.close()


def test_chat_settings_are_read_from_the_environment() -> None:
    from tts_server.config import DEFAULT_CHAT_MODELS, ConfigError, load_config

    config = load_config({"LEGENDA_CHAT_MODELS": " a/b , ./local ,",
                          "LEGENDA_CHAT_ENGINE": "ONNXRUNTIME",
                          "LEGENDA_CHAT_DTYPE": "int8", "LEGENDA_CHAT_SLOTS": "2",
                          "LEGENDA_CHAT_MAX_TOKENS": "4096"})
    assert config.chat_models == ("a/b", "./local")
    assert (config.chat_engine, config.chat_dtype) == ("onnxruntime", "int8")
    assert (config.chat_slots, config.chat_max_tokens) == (2, 4096)
    assert load_config({}).chat_models == DEFAULT_CHAT_MODELS
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in DEFAULT_CHAT_MODELS
    for name, value in (("CHAT_ENGINE", "vllm"), ("CHAT_DTYPE", "int4"), ("CHAT_SLOTS", "0")):
        with pytest.raises(ConfigError, match=f"LEGENDA_{name}"):
            load_config({f"LEGENDA_{name}": value})


@pytest.mark.parametrize(("engine", "dtype"), [("transformers", "bfloat16"),
                                               ("transformers", "int8"), ("auto", "auto")])
def test_each_dtype_answers(make_app: Callable[..., Flask], tiny_chat: Path, engine: str,
                            dtype: str) -> None:
    client = chat_app(make_app, [tiny_chat], chat_engine=engine, chat_dtype=dtype).test_client()
    answer = ask(client, tiny_chat, max_tokens=6)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["usage"]["completion_tokens"] == 6
    loaded = client.get("/v1/models").get_json()["data"][0]
    # auto on a CPU: the q8 file the browser loads, through onnxruntime.
    assert (loaded["engine"], loaded["dtype"]) == (
        ("onnxruntime", "int8") if engine == "auto" else (engine, dtype))


PROMPT = "Era uma vez, numa cidade do interior,"


def test_completions_continue_the_raw_prompt_as_generate(
    make_app: Callable[..., Flask], tiny_chat: Path
) -> None:
    """``/v1/completions``: no chat template, the ids ``tokenizer(prompt)`` gives."""
    from transformers import AutoTokenizer

    client = chat_app(make_app, [tiny_chat], chat_engine="transformers",
                      chat_dtype="float32").test_client()
    expected, tokens = generate_reference(tiny_chat, [], 20, text=PROMPT, causal_text=True)
    body = {"model": str(tiny_chat), "prompt": [PROMPT], "temperature": 0, "max_tokens": 20}
    whole = client.post("/v1/completions", json=body).get_json()
    assert whole["object"] == "text_completion" and whole["choices"][0]["text"] == expected
    assert whole["choices"][0]["finish_reason"] == ("length" if tokens == 20 else "stop")
    prompt_tokens = len(AutoTokenizer.from_pretrained(tiny_chat)(PROMPT)["input_ids"])
    assert whole["usage"]["prompt_tokens"] == prompt_tokens
    assert whole["usage"]["completion_tokens"] == tokens
    default = client.post("/v1/completions", json={**body, "max_tokens": None}).get_json()
    assert default["usage"]["completion_tokens"] <= 16  # OpenAI's default for this API
    assert expected.startswith(default["choices"][0]["text"])
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'legenda_chat_requests_total{{model="{tiny_chat}",status="200"}} 2.0' in metrics


@pytest.fixture(scope="module")
def float_sidecar(tmp_path_factory: pytest.TempPathFactory, tiny_chat: Path) -> Iterator[Sidecar]:
    """``python -m tts_server`` serving the tiny chat model in float32 (onnxruntime)."""
    yield from serve_chat(tmp_path_factory.mktemp("float-sidecar"), tiny_chat,
                          LEGENDA_CHAT_ENGINE="onnxruntime", LEGENDA_CHAT_DTYPE="float32")


def test_openai_sdk_completions_equal_generate_streamed_or_not(
    float_sidecar: Sidecar, tiny_chat: Path
) -> None:
    from openai import BadRequestError, NotFoundError, OpenAI

    client = OpenAI(base_url=float_sidecar.url + "/v1", api_key="unused", max_retries=0)
    expected, tokens = generate_reference(tiny_chat, [], 24, text=PROMPT, causal_text=True)
    whole = client.completions.create(model=str(tiny_chat), prompt=PROMPT, temperature=0,
                                      max_tokens=24)
    assert whole.object == "text_completion" and whole.choices[0].text == expected
    assert whole.usage is not None and whole.usage.completion_tokens == tokens
    assert whole.usage.total_tokens == whole.usage.prompt_tokens + tokens
    pieces, finish, usage = [], None, None
    for chunk in client.completions.create(
        model=str(tiny_chat), prompt=PROMPT, temperature=0, max_tokens=24, stream=True,
        stream_options={"include_usage": True},
    ):
        assert chunk.object == "text_completion"
        if chunk.choices:
            pieces.append(chunk.choices[0].text)
            finish = chunk.choices[0].finish_reason or finish
        usage = chunk.usage or usage
    assert len([p for p in pieces if p]) > 1  # streamed in pieces
    assert "".join(pieces) == expected
    assert finish == whole.choices[0].finish_reason
    assert usage is not None and usage.completion_tokens == tokens
    with pytest.raises(NotFoundError) as missing:
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT)
    assert missing.value.code == "model_not_found"
    for prompt in ([1, 2, 3], ["a", "b"], ""):
        with pytest.raises(BadRequestError) as bad:
            client.completions.create(model=str(tiny_chat), prompt=prompt)  # type: ignore[arg-type]
        assert bad.value.param == "prompt"  # type: ignore[attr-defined]
