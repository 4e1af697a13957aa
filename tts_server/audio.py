"""Audio helpers: float samples -> 16-bit PCM mono WAV, joining pieces with pauses."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

# The pause put between sentences said separately.
PAUSE_S = 0.25


def to_float_mono(samples: npt.ArrayLike) -> Samples:
    """Any array of samples (float in [-1, 1] or int16) as a flat float32 array."""
    array = np.asarray(samples)
    if array.dtype == np.int16:
        array = array.astype(np.float32) / 32768.0
    return np.asarray(array, dtype=np.float32).reshape(-1)


def to_pcm16(samples: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Clip to [-1, 1] and scale to int16: players refuse float WAVs, and Bark overshoots 1.0.
    int16 samples are returned as they are."""
    if np.asarray(samples).dtype == np.int16:
        return np.asarray(samples, dtype=np.int16).reshape(-1)
    array = np.nan_to_num(to_float_mono(samples), nan=0.0, posinf=1.0, neginf=-1.0)
    return (np.clip(array, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def join_with_pauses(pieces: list[Samples], sample_rate: int, pause_s: float = PAUSE_S) -> Samples:
    """Concatenate pieces of speech with ``pause_s`` of silence between them."""
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    gap = np.zeros(int(sample_rate * pause_s), dtype=np.float32)
    joined: list[Samples] = []
    for index, piece in enumerate(pieces):
        if index:
            joined.append(gap)
        joined.append(to_float_mono(piece))
    return np.concatenate(joined)


def wav_bytes(sample_rate: int, samples: npt.ArrayLike) -> bytes:
    """A complete 16-bit PCM mono WAV file in memory."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(to_pcm16(samples).tobytes())
    return buffer.getvalue()


def read_pcm16(data: bytes) -> tuple[int, npt.NDArray[np.int16]]:
    """Decode a 16-bit PCM WAV (mono, or the first channel) into (sample_rate, int16 samples)."""
    with wave.open(io.BytesIO(data), "rb") as source:
        if source.getsampwidth() != 2:
            raise ValueError("only 16-bit PCM WAV is supported")
        channels = source.getnchannels()
        rate = source.getframerate()
        frames = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    return rate, frames[::channels].astype(np.int16)


def read_wav(data: bytes) -> tuple[int, Samples]:
    """Decode a 16-bit PCM WAV (mono, or the first channel) into (sample_rate, float samples)."""
    rate, frames = read_pcm16(data)
    return rate, to_float_mono(frames)


def wav_length(source: BinaryIO) -> int:
    """The length in bytes a WAV should have, read from its header at the start of ``source``
    (the frames are not read); -1 when it does not start as a WAV."""
    try:
        with wave.open(source, "rb") as header:
            data_start = source.tell()  # wave.open stops at the start of the data chunk
            frames = header.getnframes() * header.getsampwidth() * header.getnchannels()
    except (EOFError, wave.Error):
        return -1
    return data_start + frames


def wav_duration(path: Path) -> float:
    """Length in seconds of a WAV file, read from its header."""
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / float(source.getframerate())


def wav_duration_of(data: bytes) -> float:
    """Length in seconds of a WAV file in memory, read from its header."""
    with wave.open(io.BytesIO(data), "rb") as source:
        return source.getnframes() / float(source.getframerate())


def resample(samples: npt.NDArray, rate: int, target_rate: int) -> npt.NDArray:
    """``samples`` at ``rate`` resampled to ``target_rate`` (polyphase filter, scipy); the
    same array when the rates are equal."""
    if rate == target_rate:
        return samples
    from math import gcd

    from scipy.signal import resample_poly

    step = gcd(rate, target_rate)
    return np.asarray(
        resample_poly(to_float_mono(samples), target_rate // step, rate // step),
        dtype=np.float32,
    )


def pcm_bytes(sample_rate: int, samples: npt.ArrayLike) -> bytes:
    """Raw 16-bit signed little-endian mono samples, no header."""
    return to_pcm16(samples).astype("<i2").tobytes()


def flac_bytes(sample_rate: int, samples: npt.ArrayLike) -> bytes:
    """A 16-bit mono FLAC file in memory (libsndfile, through soundfile)."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, to_pcm16(samples), int(sample_rate), format="FLAC", subtype="PCM_16")
    return buffer.getvalue()
