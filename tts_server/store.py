"""The audio cache: one WAV per speech id in a folder, capped in size, least recently used out.

Files are written to a temporary name in the same folder and renamed into place, so a reader
sees either no file or the whole file. "Recently used" is the file's modification time, bumped
on every use, so the order survives a restart with the folder.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Protocol

from .audio import wav_duration

SPEECH_ID = re.compile(r"^[0-9a-f]{32}$")
_TEMP_PREFIX = ".partial-"


class StoreUnavailable(RuntimeError):
    """The store cannot save now; the message says why, for people (no path)."""


class StoreSetupError(RuntimeError):
    """The audio store cannot be used at all."""


class AudioStorage(Protocol):
    """What the jobs, the workers and the API need of a store (a folder, or S3: s3store.py)."""

    def contains(self, speech_id: str) -> bool: ...

    def open(self, speech_id: str) -> Path | BinaryIO | None: ...

    def duration(self, speech_id: str) -> float | None: ...

    def save(self, speech_id: str, wav: bytes) -> object: ...


def is_speech_id(value: str) -> bool:
    """True for ids this sidecar makes (32 hex digits); anything else can never name a file."""
    return bool(SPEECH_ID.match(value))


class AudioStore:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(_TEMP_PREFIX + "*"):  # from a crash mid-write
            leftover.unlink(missing_ok=True)

    def _path(self, speech_id: str) -> Path:
        if not is_speech_id(speech_id):
            raise KeyError(speech_id)
        return self.folder / f"{speech_id}.wav"

    def lookup(self, speech_id: str) -> Path | None:
        """The WAV of ``speech_id``, marked as just used, or None when it is not stored."""
        if not is_speech_id(speech_id):
            return None
        path = self._path(speech_id)
        with self._lock:
            try:
                os.utime(path)
            except FileNotFoundError:
                return None
        return path

    def contains(self, speech_id: str) -> bool:
        return self.lookup(speech_id) is not None

    def open(self, speech_id: str) -> Path | None:
        """What Flask's send_file serves for ``speech_id`` (here, its file), or None."""
        return self.lookup(speech_id)

    def duration(self, speech_id: str) -> float | None:
        """Seconds of audio stored for ``speech_id``, or None when it is not stored."""
        path = self.lookup(speech_id)
        try:
            return round(wav_duration(path), 3) if path else None
        except FileNotFoundError:  # evicted between the two calls
            return None

    def save(self, speech_id: str, wav: bytes) -> Path:
        """Store a complete WAV atomically, then evict old files beyond the size cap."""
        path = self._path(speech_id)
        handle, temp_name = tempfile.mkstemp(dir=self.folder, prefix=_TEMP_PREFIX, suffix=".wav")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(wav)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        self._evict(keep=path)
        return path

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(use time, size, path) of the stored audio, least recently used first."""
        entries = []
        for path in self.folder.glob("*.wav"):
            if not is_speech_id(path.stem):  # a write in flight (.partial-*), or not ours
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        return sorted(entries)

    def _evict(self, keep: Path) -> None:
        """Remove least recently used files until the folder fits; never the one just written."""
        with self._lock:
            entries = self._entries()
            total = sum(size for _, size, _ in entries)
            for _, size, path in entries:
                if total <= self.max_bytes:
                    break
                if path == keep:
                    continue
                path.unlink(missing_ok=True)
                total -= size
