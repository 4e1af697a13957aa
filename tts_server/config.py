"""Sidecar configuration, read once from ``LEGENDA_*`` environment variables.

Every setting has a default that works out of the box. A value that cannot be understood stops
start-up with a :class:`ConfigError` naming the variable, because a sidecar that silently runs
with a setting other than the one asked for is harder to debug than one that refuses to start.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PREFIX = "LEGENDA_"
ENGINES = ("bark", "vits", "espeak")
DEFAULT_MODELS = {"bark": "suno/bark-small", "vits": "facebook/mms-tts-por", "espeak": "espeak-ng"}
DEVICES = ("auto", "cpu", "cuda", "mps")
# Text generation (tts_server/chat/): the seeds' chat models, and how they run.
DEFAULT_CHAT_MODELS = (
    "HuggingFaceTB/SmolLM2-135M-Instruct", "microsoft/Phi-3.5-mini-instruct",
    "facebook/blenderbot-400M-distill", "google/flan-t5-base", "google/flan-t5-small",
    "facebook/bart-base",
)
CHAT_ENGINES = ("auto", "transformers", "onnxruntime")
CHAT_DTYPES = ("auto", "float32", "bfloat16", "float16", "int8")


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def _default_audio_dir() -> Path:
    return Path.home() / ".cache" / "legenda" / "audio"


@dataclass(frozen=True)
class Config:
    """Everything the sidecar can be told; field comments give the environment variable."""

    engine: str = "bark"  # LEGENDA_TTS_ENGINE: bark | vits | espeak
    model: str = ""  # LEGENDA_TTS_MODEL: hub id or local folder ("" = the engine's default)
    device: str = "auto"  # LEGENDA_TTS_DEVICE: auto (GPU when there is one) | cpu | cuda | mps
    voice: str = ""  # LEGENDA_TTS_VOICE: default voice ("" = the engine's default for the lang)
    lang: str = "pt"  # LEGENDA_TTS_LANG: default language of requests without "lang"
    audio_dir: Path = field(default_factory=_default_audio_dir)  # LEGENDA_AUDIO_DIR
    audio_cache_mb: float = 200.0  # LEGENDA_AUDIO_CACHE_MB: size cap of the audio folder
    cors_origins: tuple[str, ...] = ()  # LEGENDA_CORS_ORIGINS: extra origins, comma-separated
    max_text_chars: int = 1000  # LEGENDA_MAX_TEXT_CHARS: longer texts get 413
    queue_size: int = 16  # LEGENDA_QUEUE_SIZE: waiting jobs before 503
    workers: int = 1  # LEGENDA_TTS_WORKERS: jobs synthesized at once
    max_wait_s: float = 120.0  # LEGENDA_MAX_WAIT_S: cap on ?wait=SECONDS
    torch_threads: int = 0  # LEGENDA_TORCH_THREADS: torch CPU threads (0 = torch's choice)
    queue_url: str = ""  # LEGENDA_QUEUE_URL: redis://host:port/db ("" = jobs in this process)
    audio_store: str = ""  # LEGENDA_AUDIO_STORE: s3://bucket/prefix ("" = LEGENDA_AUDIO_DIR)
    s3_endpoint_url: str = ""  # LEGENDA_S3_ENDPOINT_URL: MinIO and the like ("" = AWS)
    job_retries: int = 1  # LEGENDA_JOB_RETRIES: new tries of a job whose worker died
    allowed_hosts: tuple[str, ...] = ()  # LEGENDA_ALLOWED_HOSTS: extra Host names, or *
    api_keys: tuple[str, ...] = ()  # LEGENDA_API_KEYS: when set, requests need a Bearer key
    job_timeout_s: float = 300.0  # LEGENDA_JOB_TIMEOUT_S: a job's deadline
    max_engine_calls: int = 24  # LEGENDA_MAX_ENGINE_CALLS: pieces of text per job
    max_audio_s: float = 300.0  # LEGENDA_MAX_AUDIO_S: seconds of audio per job
    max_long_polls: int = 8  # LEGENDA_MAX_LONG_POLLS: ?wait= requests held at once
    shutdown_grace_s: float = 10.0  # LEGENDA_SHUTDOWN_GRACE_S: time the running job gets
    bark_int8: bool = False  # LEGENDA_BARK_INT8: int8 Linear layers for Bark on a CPU
    bark_sdpa: bool = True  # LEGENDA_BARK_SDPA: Bark's attention through torch's fused SDPA
    bark_batch: int = 2  # LEGENDA_BARK_BATCH: pieces of one text Bark says in one call
    chat_models: tuple[str, ...] = DEFAULT_CHAT_MODELS  # LEGENDA_CHAT_MODELS: comma-separated
    chat_engine: str = "auto"  # LEGENDA_CHAT_ENGINE: auto | transformers | onnxruntime
    chat_dtype: str = "auto"  # LEGENDA_CHAT_DTYPE: auto | float32 | bfloat16 | float16 | int8
    chat_device: str = "auto"  # LEGENDA_CHAT_DEVICE: auto (GPU when there is one) | cpu | cuda
    chat_memory_mb: float = 8192.0  # LEGENDA_CHAT_MEMORY_MB: chat models' weights, LRU unloaded
    chat_slots: int = 1  # LEGENDA_CHAT_SLOTS: generations at once
    chat_wait_s: float = 10.0  # LEGENDA_CHAT_WAIT_S: wait for a slot before 429
    chat_max_tokens: int = 2048  # LEGENDA_CHAT_MAX_TOKENS: largest max_tokens accepted
    chat_timeout_s: float = 300.0  # LEGENDA_CHAT_TIMEOUT_S: a generation's deadline
    chat_threads: int = 2  # LEGENDA_CHAT_THREADS: CPU threads of one generation (0 = library's)

    @property
    def model_id(self) -> str:
        """The model actually used: the configured one or the engine's default."""
        return self.model or DEFAULT_MODELS[self.engine]

    @property
    def audio_cache_bytes(self) -> int:
        return int(self.audio_cache_mb * 1024 * 1024)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(PREFIX + name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _number(env: Mapping[str, str], name: str, kind: type, minimum: float) -> float | int | None:
    raw = _get(env, name)
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not {what}.") from None
    if not math.isfinite(value):  # float() takes "nan" and "inf"
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a finite number.")
    if value < minimum:
        raise ConfigError(f"{PREFIX}{name}={raw!r} must be at least {minimum}.")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    raw = _get(env, name)
    if raw is None:
        return None
    if raw.lower() not in choices:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not one of: {', '.join(choices)}.")
    return raw.lower()


_FLAGS = {"1": True, "true": True, "yes": True, "on": True,
          "0": False, "false": False, "no": False, "off": False}


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    raw = _get(env, name)
    if raw is None:
        return None
    if raw.lower() not in _FLAGS:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not one of: 1, 0, true, false, on, off.")
    return _FLAGS[raw.lower()]


_ORIGIN = re.compile(r"^https?://[^/\s]+$")


def _origins(env: Mapping[str, str]) -> tuple[str, ...] | None:
    raw = _get(env, "CORS_ORIGINS")
    if raw is None:
        return None
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise ConfigError(
                f"{PREFIX}CORS_ORIGINS has {origin!r}, which is not an origin like "
                "https://user.github.io (scheme and host, no path) or *."
            )
    return origins


_QUEUE_URL = re.compile(r"^(redis|rediss|unix)://\S+$")
_S3_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(/[^\s]*)?$")
_HTTP_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")


def _url(env: Mapping[str, str], name: str, pattern: re.Pattern[str], example: str) -> str | None:
    raw = _get(env, name)
    if raw is not None and not pattern.match(raw):
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a URL like {example}.")
    return raw


def s3_location(audio_store: str) -> tuple[str, str]:
    """(bucket, key prefix without slashes) of an ``s3://bucket/prefix`` URL."""
    match = _S3_URL.match(audio_store)
    if not match:
        raise ConfigError(f"{PREFIX}AUDIO_STORE={audio_store!r} is not a URL like s3://bucket/prefix.")
    return match.group(1), (match.group(2) or "").strip("/")
def _names(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    raw = _get(env, name)
    if raw is None:
        return None
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _hosts(env: Mapping[str, str]) -> tuple[str, ...] | None:
    hosts = _names(env, "ALLOWED_HOSTS")
    for host in hosts or ():
        if host != "*" and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
            raise ConfigError(
                f"{PREFIX}ALLOWED_HOSTS has {host!r}, which is not a host name like "
                "tts.example.org or 192.168.1.20 (no scheme, no port), or *."
            )
    return tuple(h.lower() for h in hosts) if hosts is not None else None


def _keys(env: Mapping[str, str]) -> tuple[str, ...] | None:
    keys = _names(env, "API_KEYS")
    for key in keys or ():
        if len(key) < 16 or not re.fullmatch(r"[\x21-\x7e]+", key):
            raise ConfigError(
                f"{PREFIX}API_KEYS holds a key that is shorter than 16 characters or has "
                "spaces or non-ASCII characters: use long random keys, comma-separated "
                "(e.g. from `openssl rand -hex 24`)."
            )
    return keys


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Build a :class:`Config` from ``env`` (default: ``os.environ``); raise ConfigError."""
    env = os.environ if env is None else env
    found: dict[str, object] = {
        "engine": _choice(env, "TTS_ENGINE", ENGINES),
        "model": _get(env, "TTS_MODEL"),
        "device": _choice(env, "TTS_DEVICE", DEVICES),
        "voice": _get(env, "TTS_VOICE"),
        "lang": _get(env, "TTS_LANG"),
        "audio_dir": Path(d).expanduser() if (d := _get(env, "AUDIO_DIR")) else None,
        "audio_cache_mb": _number(env, "AUDIO_CACHE_MB", float, 0.01),
        "cors_origins": _origins(env),
        "max_text_chars": _number(env, "MAX_TEXT_CHARS", int, 1),
        "queue_size": _number(env, "QUEUE_SIZE", int, 1),
        "workers": _number(env, "TTS_WORKERS", int, 1),
        "max_wait_s": _number(env, "MAX_WAIT_S", float, 0),
        "torch_threads": _number(env, "TORCH_THREADS", int, 0),
        "queue_url": _url(env, "QUEUE_URL", _QUEUE_URL, "redis://127.0.0.1:6379/0"),
        "audio_store": _url(env, "AUDIO_STORE", _S3_URL, "s3://bucket/prefix"),
        "s3_endpoint_url": _url(env, "S3_ENDPOINT_URL", _HTTP_URL, "http://127.0.0.1:9000"),
        "job_retries": _number(env, "JOB_RETRIES", int, 0),
        "allowed_hosts": _hosts(env),
        "api_keys": _keys(env),
        "job_timeout_s": _number(env, "JOB_TIMEOUT_S", float, 1),
        "max_engine_calls": _number(env, "MAX_ENGINE_CALLS", int, 1),
        "max_audio_s": _number(env, "MAX_AUDIO_S", float, 1),
        "max_long_polls": _number(env, "MAX_LONG_POLLS", int, 0),
        "shutdown_grace_s": _number(env, "SHUTDOWN_GRACE_S", float, 0),
        "bark_int8": _flag(env, "BARK_INT8"),
        "bark_sdpa": _flag(env, "BARK_SDPA"),
        "bark_batch": _number(env, "BARK_BATCH", int, 1),
        "chat_models": _names(env, "CHAT_MODELS") or None,
        "chat_engine": _choice(env, "CHAT_ENGINE", CHAT_ENGINES),
        "chat_dtype": _choice(env, "CHAT_DTYPE", CHAT_DTYPES),
        "chat_device": _choice(env, "CHAT_DEVICE", DEVICES),
        "chat_memory_mb": _number(env, "CHAT_MEMORY_MB", float, 0.01),
        "chat_slots": _number(env, "CHAT_SLOTS", int, 1),
        "chat_wait_s": _number(env, "CHAT_WAIT_S", float, 0),
        "chat_max_tokens": _number(env, "CHAT_MAX_TOKENS", int, 1),
        "chat_timeout_s": _number(env, "CHAT_TIMEOUT_S", float, 1),
        "chat_threads": _number(env, "CHAT_THREADS", int, 0),
    }
    return Config(**{k: v for k, v in found.items() if v is not None})  # type: ignore[arg-type]


def config_from_mapping(values: Mapping[str, object]) -> Config:
    """A Config from a mapping (tests, ``create_app(config={...})``), over the defaults.

    Keys are either Config field names (``engine``, ``audio_dir``...) with Python values, or
    environment names (``LEGENDA_TTS_ENGINE``...) with string values, checked as at start-up.
    Unknown keys are errors. The process environment is not read.
    """
    known = set(Config.__dataclass_fields__)
    env_style = {k: str(v) for k, v in values.items() if k.startswith(PREFIX)}
    fields = {k: v for k, v in values.items() if not k.startswith(PREFIX)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ConfigError(
            f"Unknown setting(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}, "
            f"or the {PREFIX}* environment names."
        )
    if "audio_dir" in fields:
        fields["audio_dir"] = Path(str(fields["audio_dir"]))
    for name in ("cors_origins", "allowed_hosts", "api_keys", "chat_models"):
        if name in fields:
            fields[name] = tuple(fields[name])  # type: ignore[arg-type]
    if "engine" in fields and fields["engine"] not in ENGINES:
        raise ConfigError(f"engine {fields['engine']!r} is not one of: {', '.join(ENGINES)}.")
    return replace(load_config(env_style), **fields)  # type: ignore[arg-type]
