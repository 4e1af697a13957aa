import io
import wave

import numpy as np

from tts_server.audio import join_with_pauses, read_wav, to_pcm16, wav_bytes


def test_floats_are_clipped_into_16_bit_range() -> None:
    pcm = to_pcm16(np.array([0.0, 0.5, 1.7, -3.0, np.nan], dtype=np.float32))
    assert pcm.dtype == np.int16
    assert pcm.tolist() == [0, 16384, 32767, -32767, 0]


def test_wav_is_16_bit_pcm_mono_and_round_trips() -> None:
    samples = np.sin(np.linspace(0, 100, 2400)).astype(np.float32) * 0.5
    data = wav_bytes(24_000, samples)
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24_000)
        assert wav.getnframes() == 2400
    rate, decoded = read_wav(data)
    assert rate == 24_000
    assert np.allclose(decoded, samples, atol=1e-4)


def test_pieces_are_joined_with_silent_pauses() -> None:
    one = np.ones(100, dtype=np.float32)
    joined = join_with_pauses([one, one, one], sample_rate=1000, pause_s=0.05)
    assert len(joined) == 300 + 2 * 50
    assert not joined[100:150].any() and joined[150:250].all()
