import logging
from pathlib import Path

import pytest

from tts_server.config import Config, ConfigError, config_from_mapping, load_config


def test_defaults_need_no_environment() -> None:
    config = load_config({})
    assert config == Config()
    assert (config.engine, config.model_id, config.device) == ("bark", "suno/bark-small", "auto")
    assert load_config({"LEGENDA_TTS_ENGINE": "vits"}).model_id == "facebook/mms-tts-por"


def test_every_variable_is_read() -> None:
    config = load_config({
        "LEGENDA_TTS_ENGINE": "ESPEAK", "LEGENDA_TTS_MODEL": "/models/x",
        "LEGENDA_TTS_DEVICE": "cpu",
        "LEGENDA_TTS_VOICE": "pt", "LEGENDA_AUDIO_DIR": "/tmp/a", "LEGENDA_AUDIO_CACHE_MB": "1.5",
        "LEGENDA_CORS_ORIGINS": "https://me.github.io, http://example.org:8080/",
        "LEGENDA_MAX_TEXT_CHARS": "50", "LEGENDA_QUEUE_SIZE": "3", "LEGENDA_TTS_THREADS": "2",
    })
    assert config.engine == "espeak" and config.model_id == "/models/x"
    assert config.device == "cpu" and config.voice == "pt" and config.audio_dir == Path("/tmp/a")
    assert config.audio_cache_bytes == int(1.5 * 1024 * 1024)
    assert config.cors_origins == ("https://me.github.io", "http://example.org:8080")
    assert (config.max_text_chars, config.queue_size, config.synthesis_threads) == (50, 3, 2)


def test_the_old_name_of_the_synthesis_threads_still_works_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="tts_server.config"):
        assert load_config({"LEGENDA_TTS_WORKERS": "3"}).synthesis_threads == 3
        assert "LEGENDA_TTS_WORKERS is deprecated" in caplog.text
        assert "LEGENDA_TTS_THREADS" in caplog.text
        both = {"LEGENDA_TTS_WORKERS": "3", "LEGENDA_TTS_THREADS": "2"}
        assert load_config(both).synthesis_threads == 2
    with pytest.raises(ConfigError, match="LEGENDA_TTS_WORKERS"):
        load_config({"LEGENDA_TTS_WORKERS": "many"})
    caplog.clear()
    assert load_config({"LEGENDA_TTS_THREADS": "2"}).synthesis_threads == 2
    assert "deprecated" not in caplog.text


def test_the_hardening_variables_are_read() -> None:
    config = load_config({
        "LEGENDA_JOB_TIMEOUT_S": "12.5", "LEGENDA_MAX_ENGINE_CALLS": "3",
        "LEGENDA_MAX_AUDIO_S": "40", "LEGENDA_MAX_LONG_POLLS": "0",
        "LEGENDA_SHUTDOWN_GRACE_S": "2", "LEGENDA_ALLOWED_HOSTS": "TTS.lan",
        "LEGENDA_API_KEYS": "0123456789abcdef",
    })
    assert (config.job_timeout_s, config.max_engine_calls, config.max_audio_s) == (12.5, 3, 40)
    assert (config.max_long_polls, config.shutdown_grace_s) == (0, 2)
    assert config.allowed_hosts == ("tts.lan",) and config.api_keys == ("0123456789abcdef",)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("LEGENDA_TTS_ENGINE", "festival", "bark, vits, espeak"),
    ("LEGENDA_TTS_DEVICE", "tpu", "auto, cpu"),
    ("LEGENDA_AUDIO_CACHE_MB", "lots", "not a number"),
    ("LEGENDA_AUDIO_CACHE_MB", "inf", "not a finite number"),
    ("LEGENDA_MAX_WAIT_S", "nan", "not a finite number"),
    ("LEGENDA_QUEUE_SIZE", "2.5", "not a whole number"),
    ("LEGENDA_QUEUE_SIZE", "0", "at least 1"),
    ("LEGENDA_CORS_ORIGINS", "me.github.io", "not an origin"),
    ("LEGENDA_JOB_TIMEOUT_S", "0", "at least 1"),
    ("LEGENDA_MAX_ENGINE_CALLS", "many", "not a whole number"),
    ("LEGENDA_MAX_AUDIO_S", "-1", "at least 1"),
    ("LEGENDA_MAX_LONG_POLLS", "1.5", "not a whole number"),
    ("LEGENDA_SHUTDOWN_GRACE_S", "soon", "not a number"),
    ("LEGENDA_ALLOWED_HOSTS", "https://x.org", "not a host name"),
    ("LEGENDA_API_KEYS", "abc", "shorter than 16"),
])
def test_a_bad_value_names_its_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({name: value})
    assert name in str(raised.value) and says in str(raised.value)


def test_mapping_config_rejects_unknown_settings() -> None:
    with pytest.raises(ConfigError, match="colour"):
        config_from_mapping({"colour": "blue"})
    with pytest.raises(ConfigError, match="festival"):
        config_from_mapping({"engine": "festival"})


def test_mapping_config_takes_field_or_environment_names_over_defaults(tmp_path: Path) -> None:
    config = config_from_mapping({
        "LEGENDA_TTS_ENGINE": "vits", "LEGENDA_QUEUE_SIZE": "4", "audio_dir": str(tmp_path),
        "cors_origins": ["https://me.github.io"],
    })
    assert (config.engine, config.queue_size, config.audio_dir) == ("vits", 4, tmp_path)
    assert config.cors_origins == ("https://me.github.io",)
    with pytest.raises(ConfigError, match="LEGENDA_QUEUE_SIZE"):
        config_from_mapping({"LEGENDA_QUEUE_SIZE": "lots"})
