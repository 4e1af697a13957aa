"""The engines on real backends: the espeak-ng binary, and tiny Bark / VITS run by transformers."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tts_server import deadline
from tts_server.config import config_from_mapping
from tts_server.deadline import Deadline, JobStopped
from tts_server.engines import PAGE_LANGUAGES, Engine, EngineUnavailable, make_engine
from tts_server.engines.bark import presets_by_language
from tts_server.engines.vits import model_language
from tts_server.speech import speak

REPO_ROOT = Path(__file__).resolve().parents[2]


def _loaded(**settings: object) -> Engine:
    engine = make_engine(config_from_mapping(settings))
    engine.prepare()
    engine.load()
    return engine


def _assert_speech(rate: int, samples: np.ndarray, expected_rate: int, min_s: float) -> None:
    assert rate == expected_rate
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    assert len(samples) / rate >= min_s
    assert float(np.sqrt(np.mean(samples**2))) > 0.01, "the audio is silent"


@pytest.fixture(scope="module")
def espeak() -> Engine:
    return _loaded(engine="espeak")


def test_espeak_speaks_brazilian_portuguese(espeak: Engine) -> None:
    assert espeak.voices()["pt"][0] == "pt-br" and espeak.default_voice("pt") == "pt-br"
    rate, samples = espeak.synthesize("Um gato no sofá", "pt-br")
    _assert_speech(rate, samples, 22_050, min_s=0.8)


def test_espeak_offers_every_page_language(espeak: Engine) -> None:
    assert set(espeak.voices()) == set(PAGE_LANGUAGES)
    rate, samples = espeak.synthesize("こんにちは", espeak.default_voice("ja"))
    _assert_speech(rate, samples, 22_050, min_s=0.3)


def test_espeak_reads_text_starting_with_a_dash_as_text(espeak: Engine) -> None:
    rate, samples = espeak.synthesize("-v en --help", "pt-br")
    _assert_speech(rate, samples, 22_050, min_s=0.5)


def test_long_text_is_said_sentence_by_sentence_with_progress(
    espeak: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(espeak, "max_piece_chars", 20)  # one sentence per piece
    progress: list[float] = []
    text = "Um gato no sofá. Um cão na rua. Uma ave no céu."
    rate, joined = speak(espeak, text, "pt-br", progress.append)
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])
    pieces = [espeak.synthesize(s, "pt-br")[1] for s in text.split(". ")]
    assert len(joined) >= sum(len(p) for p in pieces) + 2 * int(0.25 * rate) - 3 * rate // 10


def test_bark_lists_the_presets_its_folder_holds(tiny_bark: Path) -> None:
    bark = _loaded(engine="bark", model=str(tiny_bark))
    assert bark.voices() == {
        "en": ["v2/en_speaker_0"],
        "pt": ["v2/pt_speaker_0", "v2/pt_speaker_1", "v2/pt_speaker_2"],
    }
    assert bark.device == "cpu"
    rate, samples = bark.synthesize("Um gato no sofá.", "v2/pt_speaker_1")
    _assert_speech(rate, samples, 24_000, min_s=0.1)


def test_bark_presets_are_grouped_and_sorted_naturally() -> None:
    names = ["v2/pt_speaker_10", "pt_speaker_1", "v2/pt_speaker_2", "v2/en_speaker_0", "announcer"]
    assert presets_by_language(names) == {
        "en": ["v2/en_speaker_0"], "pt": ["v2/pt_speaker_2", "v2/pt_speaker_10", "pt_speaker_1"],
    }


def test_bark_default_voice_follows_the_configured_one(tiny_bark: Path) -> None:
    bark = _loaded(engine="bark", model=str(tiny_bark), voice="v2/pt_speaker_2")
    assert bark.default_voice("pt") == "v2/pt_speaker_2"
    assert bark.default_voice("en") == "v2/en_speaker_0"  # the configured voice is not English


def test_vits_speaks_its_one_language(tiny_vits: Path) -> None:
    vits = _loaded(engine="vits", model=str(tiny_vits))
    assert vits.voices() == {"pt": ["default"]}
    rate, samples = vits.synthesize("Um gato no sofá.", "default")
    _assert_speech(rate, samples, 16_000, min_s=0.05)
    assert model_language("facebook/mms-tts-eng", "pt") == "en"


def test_a_missing_model_folder_is_explained(tmp_path: Path) -> None:
    engine = make_engine(config_from_mapping({"engine": "vits", "model": str(tmp_path / "nope")}))
    with pytest.raises(EngineUnavailable) as raised:
        engine.prepare()
    message = str(raised.value)
    assert "does not exist" in message and "LEGENDA_TTS_ENGINE=espeak" in message


def test_a_folder_that_is_not_a_model_is_explained(tmp_path: Path) -> None:
    engine = make_engine(config_from_mapping({"engine": "bark", "model": str(tmp_path)}))
    with pytest.raises(EngineUnavailable, match="is not a complete Bark model"):
        engine.prepare()


def test_a_folder_without_weights_knows_its_voices_but_cannot_load(
    tiny_bark: Path, tmp_path: Path
) -> None:
    partial = tmp_path / "bark-without-weights"
    shutil.copytree(tiny_bark, partial, ignore=shutil.ignore_patterns("*.safetensors"))
    engine = make_engine(config_from_mapping({"engine": "bark", "model": str(partial)}))
    engine.prepare()
    assert "pt" in engine.voices()
    with pytest.raises(EngineUnavailable, match="is not a complete Bark model"):
        engine.load()


def test_bark_stops_generating_when_its_job_is_stopped(tiny_bark: Path) -> None:
    bark = _loaded(engine="bark", model=str(tiny_bark))
    job_deadline = Deadline(600)
    deadline.set_current(job_deadline)
    try:
        job_deadline.stop("stopped by the test")
        with pytest.raises(JobStopped, match="stopped by the test"):
            bark.synthesize("Um gato no sofá.", "v2/pt_speaker_0")
    finally:
        job_deadline.close()
        deadline.set_current(None)


def test_the_sidecar_offers_the_page_languages_of_the_settings_schema() -> None:
    """The sidecar ships without the site, so it keeps the codes of the page's languages; the
    language table itself is web/settings-schema.json, and this keeps the two from drifting."""
    schema = json.loads((REPO_ROOT / "web" / "settings-schema.json").read_text(encoding="utf-8"))
    assert list(PAGE_LANGUAGES) == [language["code"] for language in schema["languages"]]
