"""Speech in OpenAI's ``response_format``s, encoded piece by piece as it is made.

The encoders are FFmpeg's, through PyAV (the ``av`` wheel bundles FFmpeg with LAME, libopus, its
native AAC and FLAC encoders): mp3 (MPEG audio), opus (Ogg Opus), aac (ADTS), flac, wav and pcm
(raw 16-bit signed little-endian). mp3, opus, aac and pcm come at 24 kHz, OpenAI's rate (FFmpeg's
resampler, which keeps its state between pieces, so joins make no clicks); flac and wav keep the
engine's own rate, so they hold exactly the samples that are stored.

``StreamEncoder.push`` takes the next samples and returns the bytes that are ready; ``close``
returns the rest. Output goes to a sink without ``seek``, so every container is written as a
stream: a streamed WAV's header gives its lengths as 0xFFFFFFFF ("until the end", as FFmpeg
writes WAV to a pipe), and a streamed FLAC's header gives no total sample count (libsndfile
refuses such a FLAC, so FLAC is made whole: ``encode_whole`` writes to a seekable buffer, and the
muxer fills the header in at the end).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .audio import to_pcm16

OPENAI_RATE = 24_000  # what OpenAI's speech API sends


@dataclass(frozen=True)
class Format:
    container: str  # FFmpeg's muxer
    codec: str  # FFmpeg's encoder
    media_type: str
    rate: int | None  # None: the engine's own rate
    bit_rate: int | None = None
    options: tuple[tuple[str, str], ...] = ()


FORMATS: dict[str, Format] = {
    "mp3": Format("mp3", "libmp3lame", "audio/mpeg", OPENAI_RATE, 64_000),
    # Pages of at most 100 ms, so Ogg sends audio as it comes (its default waits a second).
    "opus": Format("ogg", "libopus", "audio/ogg; codecs=opus", OPENAI_RATE, 32_000,
                   (("page_duration", "100000"),)),
    "aac": Format("adts", "aac", "audio/aac", OPENAI_RATE, 64_000),
    "flac": Format("flac", "flac", "audio/flac", None),
    "wav": Format("wav", "pcm_s16le", "audio/wav", None),
    "pcm": Format("s16le", "pcm_s16le", "audio/pcm", OPENAI_RATE),
}


class _Sink:
    """Where the muxer writes: collects bytes until they are taken (no seek: a stream)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class StreamEncoder:
    """One answer's encoder: ``push`` samples at ``rate`` as they are made, then ``close``."""

    def __init__(self, response_format: str, rate: int, whole: bool = False) -> None:
        """``whole``: write to a seekable buffer, and give every byte at ``close``."""
        import av

        spec = FORMATS[response_format]
        self.format = spec
        self.rate = rate
        self.output_rate = spec.rate or rate
        self._sink: _Sink | io.BytesIO = io.BytesIO() if whole else _Sink()
        options = {"flush_packets": "1", **dict(spec.options)}
        self._container: Any = av.open(self._sink, "w", format=spec.container, options=options)
        stream: Any = self._container.add_stream(spec.codec, rate=self.output_rate, layout="mono")
        if spec.bit_rate:
            stream.codec_context.bit_rate = spec.bit_rate
        self._stream = stream
        self._resampler: Any = av.AudioResampler(
            format=stream.codec_context.format, layout="mono", rate=self.output_rate
        )
        self._closed = False

    def push(self, samples: npt.ArrayLike) -> bytes:
        """Encode ``samples`` (float in [-1, 1] or int16, at ``rate``); the bytes now ready."""
        import av

        pcm = to_pcm16(samples)
        if pcm.size:
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = self.rate
            self._encode(self._resampler.resample(frame))
        return self._take()

    def close(self) -> bytes:
        """Flush the resampler and the encoder and end the container: the last bytes."""
        if not self._closed:
            self._closed = True
            self._encode(self._resampler.resample(None))
            self._mux(self._stream.encode(None))
            self._container.close()
        return self._take()

    def _take(self) -> bytes:
        if isinstance(self._sink, _Sink):
            return self._sink.take()
        return self._sink.getvalue() if self._closed else b""

    def _encode(self, frames: list[Any]) -> None:
        for frame in frames:
            self._mux(self._stream.encode(frame))

    def _mux(self, packets: list[Any]) -> None:
        for packet in packets:
            self._container.mux(packet)


def encode_whole(response_format: str, rate: int, samples: npt.ArrayLike) -> bytes:
    """All of ``samples`` in ``response_format`` at once."""
    encoder = StreamEncoder(response_format, rate, whole=True)
    encoder.push(samples)
    return encoder.close()


def silence(rate: int, seconds: float) -> npt.NDArray[np.int16]:
    return np.zeros(int(rate * seconds), dtype=np.int16)
