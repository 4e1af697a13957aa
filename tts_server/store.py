"""The audio cache: one WAV per speech id in a folder, capped in size, least recently used out.

A WAV is written to a temporary name in the same folder, flushed to the disk (file and folder
fsync) and renamed into place, so a reader sees either no file or the whole file, even after a
power loss. A stored file whose size does not match its WAV header (cut short by a crash before
this rule, by the disk, or by hand while the server runs) or that is gone is treated as missing
on lookup, removed, and made again by the next request. Each lookup costs one stat: the header is
read again only when the file's size or inode changed since it was last found whole.

The store keeps its own index (id -> size, in use order, and the total), built once from the
folder at start-up, so saving and looking up cost the same at any number of files. A file the
index does not hold (saved by another process sharing the folder) is found with one stat and
counted from then on. "Recently
used" is also written to the file's modification time (best effort), so the order survives a
restart with the folder.

A folder that cannot be written (read-only, no permission) or a full disk does not stop the
store: stored audio is still served, ``problem`` says what is wrong in a sentence for people,
saving raises StoreUnavailable with that sentence, and ``check()`` notices when it is fixed.
``check()`` is what the API asks before queueing a new text: one ``access`` and ``stat`` of the
folder every time (a read-only mount, an immutable folder, no permission or no folder at all is
seen at once, for root too), and a real write at most every few seconds (a full disk).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import stat
import tempfile
import threading
import time
import wave
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO, Protocol

from .audio import wav_duration, wav_length

log = logging.getLogger(__name__)

SPEECH_ID = re.compile(r"^[0-9a-f]{32}$")
_TEMP_PREFIX = ".partial-"
_RECHECK_S = 2.0  # how often a store with a problem tries writing again
_HEALTHY_RECHECK_S = 5.0  # how often a store without one writes to make sure it still can
# On a full disk, free at least this share of the stored bytes before trying again.
_FULL_DISK_SHARE = 0.1

NOT_WRITABLE = (
    "The audio folder (LEGENDA_AUDIO_DIR) cannot be written (it is read-only or the server "
    "has no permission): new texts cannot be stored; ask the operator to fix the folder."
)
DISK_FULL = (
    "The disk that holds the audio folder (LEGENDA_AUDIO_DIR) is full: new texts cannot be "
    "stored; free some space or lower LEGENDA_AUDIO_CACHE_MB."
)
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


class WriteTests:
    """When a store last tried a write (a test, or a save that failed), and whether the next
    test is due. Used under the store's lock."""

    def __init__(self) -> None:
        self._last = 0.0

    def due(self, every_s: float, force: bool = False) -> bool:
        """Whether a write test is due (``every_s`` after the last try); then it counts as
        tried from now."""
        if not force and time.monotonic() - self._last < every_s:
            return False
        self.tried()
        return True

    def tried(self) -> None:
        self._last = time.monotonic()


class StoreUnavailable(RuntimeError):
    """The store cannot save now; the message says why, for people (no path)."""


class StoreSetupError(RuntimeError):
    """The audio store cannot be used at all (a folder that is not one, cannot be created or
    read; a bucket that cannot be reached)."""


class AudioStorage(Protocol):
    """What the jobs, the workers and the API need of a store (a folder, or S3: s3store.py)."""

    def contains(self, speech_id: str) -> bool: ...

    def open(self, speech_id: str) -> Path | BinaryIO | None: ...

    def duration(self, speech_id: str) -> float | None: ...

    def save(self, speech_id: str, wav: bytes) -> object: ...


def is_speech_id(value: str) -> bool:
    """True for ids this sidecar makes (32 hex digits); anything else can never name a file."""
    return bool(SPEECH_ID.match(value))


def wav_is_whole(path: Path) -> bool:
    """True when the file is as long as its WAV header says (header + all the frames)."""
    try:
        with open(path, "rb") as file:
            expected = wav_length(file)
            return expected >= 0 and os.fstat(file.fileno()).st_size >= expected
    except OSError:  # gone meanwhile
        return False


def _problem_of(error: OSError) -> str | None:
    if error.errno in _NO_SPACE:
        return DISK_FULL
    if error.errno in _READ_ONLY:
        return NOT_WRITABLE
    return None


class AudioStore:
    """``lookup``/``duration``/``save``/``evict`` with O(1) accounting; see the module doc."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._index: OrderedDict[str, int] = OrderedDict()  # id -> size, least recent first
        self._total = 0
        # id -> (inode, size) of the file last found as long as its header says
        self._verified: dict[str, tuple[int, int]] = {}
        self.problem: str | None = None
        self._write_tests = WriteTests()
        self._open_folder()
        self._scan()
        self.check(force=True)

    # -- start-up -----------------------------------------------------------------------

    def _open_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not os.access(self.folder, os.R_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "cannot read")
        except OSError as error:
            log.error("the audio folder %s cannot be used: %s", self.folder, error)
            raise StoreSetupError(
                f"LEGENDA_AUDIO_DIR={str(self.folder)!r} cannot be used as the audio folder "
                f"({error.strerror or error}): point it at a folder this user can read and write."
            ) from None
        try:
            for leftover in self.folder.glob(_TEMP_PREFIX + "*"):  # from a crash mid-write
                leftover.unlink(missing_ok=True)
        except OSError as error:
            self._note(error)

    def _scan(self) -> None:
        entries = []
        with os.scandir(self.folder) as found:
            for entry in found:
                name = entry.name
                if not (name.endswith(".wav") and is_speech_id(name[:-4])):
                    continue
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                entries.append((stat.st_mtime, name[:-4], stat.st_size))
        for _, speech_id, size in sorted(entries):
            self._index[speech_id] = size
            self._total += size

    # -- reading ------------------------------------------------------------------------

    def _path(self, speech_id: str) -> Path:
        if not is_speech_id(speech_id):
            raise KeyError(speech_id)
        return self.folder / f"{speech_id}.wav"

    def lookup(self, speech_id: str) -> Path | None:
        """The WAV of ``speech_id``, marked as just used, or None when it is not stored whole."""
        if not is_speech_id(speech_id):
            return None
        path = self._path(speech_id)
        with self._lock:
            known = speech_id in self._index
            if known:
                self._index.move_to_end(speech_id)
            verified = self._verified.get(speech_id)
        if not known and not self._adopt(speech_id, path):
            return None
        try:
            found = path.stat()
        except OSError:  # removed by hand, or by another process's eviction
            self._forget(speech_id)
            return None
        signature = (found.st_ino, found.st_size)
        if signature != verified:
            if not wav_is_whole(path):
                log.warning("stored audio %s is cut short: it will be made again", speech_id)
                self._forget(speech_id, remove=True)
                return None
            with self._lock:
                self._verified[speech_id] = signature
        try:
            os.utime(path)  # the use order, for the next start; a read-only folder keeps it
        except FileNotFoundError:
            self._forget(speech_id)
            return None
        except OSError:
            pass
        return path

    def contains(self, speech_id: str) -> bool:
        return self.lookup(speech_id) is not None

    def open(self, speech_id: str) -> Path | None:
        """What Flask's send_file serves for ``speech_id`` (here, its file), or None."""
        return self.lookup(speech_id)
    def _adopt(self, speech_id: str, path: Path) -> bool:
        """Count a file this store did not write (another process sharing the folder saved it):
        one stat, only for ids the index does not hold."""
        try:
            size = path.stat().st_size
        except OSError:
            return False
        with self._lock:
            if speech_id not in self._index:
                self._index[speech_id] = size
                self._total += size
        return True

    def duration(self, speech_id: str) -> float | None:
        """Seconds of audio stored for ``speech_id``, or None when it is not stored."""
        path = self.lookup(speech_id)
        try:
            return round(wav_duration(path), 3) if path else None
        except (FileNotFoundError, EOFError, wave.Error):  # evicted between the two calls
            return None

    def total_bytes(self) -> int:
        with self._lock:
            return self._total

    def count(self) -> int:
        with self._lock:
            return len(self._index)

    # -- writing ------------------------------------------------------------------------

    def save(self, speech_id: str, wav: bytes) -> Path:
        """Store a complete WAV durably, then evict old files beyond the size cap.

        A full disk evicts more and tries once again; StoreUnavailable when it cannot store.
        """
        path = self._path(speech_id)
        try:
            self._write(path, wav)
        except OSError as error:
            if error.errno not in _NO_SPACE or not self.evict(
                max(2 * len(wav), int(self.total_bytes() * _FULL_DISK_SHARE)), keep=speech_id
            ):
                self._fail(error)
            try:
                self._write(path, wav)
            except OSError as again:
                self._fail(again)
        with self._lock:
            self._total += len(wav) - self._index.pop(speech_id, 0)
            self._index[speech_id] = len(wav)
            self._verified.pop(speech_id, None)  # the next lookup reads its header once
            self.problem = None
        self.evict(0, keep=speech_id)
        return path

    def _write(self, path: Path, wav: bytes) -> None:
        handle, temp_name = tempfile.mkstemp(dir=self.folder, prefix=_TEMP_PREFIX, suffix=".wav")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(wav)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        self._sync_folder()

    def _sync_folder(self) -> None:
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def _fail(self, error: OSError) -> None:
        log.error("storing audio in %s failed: %s", self.folder, error)
        problem = self._note(error)
        raise StoreUnavailable(
            problem or "The audio could not be stored (the server's log says why); try again."
        ) from None

    def _note(self, error: OSError) -> str | None:
        problem = _problem_of(error)
        if problem:
            with self._lock:
                self.problem = problem
                self._write_tests.tried()
        return problem

    def evict(self, at_least: int = 0, keep: str | None = None) -> int:
        """Remove least recently used files until the folder fits its cap and ``at_least``
        bytes were freed; never ``keep``. Returns the bytes freed."""
        freed = 0
        while True:
            with self._lock:
                if self._total <= self.max_bytes and freed >= at_least:
                    return freed
                victim = next((i for i in self._index if i != keep), None)
                if victim is None:
                    return freed
                size = self._index.pop(victim)
                self._total -= size
                self._verified.pop(victim, None)
            try:
                self._path(victim).unlink(missing_ok=True)
            except OSError as error:  # read-only: forget it anyway; the next start counts again
                log.warning("could not remove %s: %s", victim, error)
            freed += size

    def _forget(self, speech_id: str, remove: bool = False) -> None:
        with self._lock:
            self._total -= self._index.pop(speech_id, 0)
            self._verified.pop(speech_id, None)
        if remove:
            with contextlib.suppress(OSError):
                self._path(speech_id).unlink(missing_ok=True)

    def check(self, force: bool = False) -> str | None:
        """The current problem. A folder that cannot be written is seen at once (one access and
        stat); a write is tried when the last try is older than a couple of seconds with a
        problem (so a fixed folder is noticed without a restart) or a few seconds without (a
        full disk is noticed then, or by the first save that fails)."""
        quick = self._quick_problem()
        if quick is not None:
            with self._lock:
                self.problem = quick
                self._write_tests.tried()
            return quick
        with self._lock:
            every_s = _RECHECK_S if self.problem is not None else _HEALTHY_RECHECK_S
            if not self._write_tests.due(every_s, force):
                return self.problem
        problem = self._probe()
        if problem == DISK_FULL and self.evict(int(self.total_bytes() * _FULL_DISK_SHARE)):
            problem = self._probe()  # a full disk: evict once more than the cap asks, retry
        with self._lock:
            self.problem = problem
        return problem

    def _quick_problem(self) -> str | None:
        """NOT_WRITABLE when the folder is gone, not a folder, or cannot be written: a
        read-only mount (EROFS) and an immutable folder (chattr +i: EPERM) refuse root too,
        which a mode without write bits (chmod) does not."""
        try:
            is_folder = stat.S_ISDIR(os.stat(self.folder).st_mode)
        except OSError:
            is_folder = False
        if not is_folder or not os.access(self.folder, os.W_OK | os.X_OK):
            return NOT_WRITABLE
        return None

    def _probe(self) -> str | None:
        """None when a small file can be written and flushed in the folder, else the problem."""
        try:
            handle, name = tempfile.mkstemp(dir=self.folder, prefix=_TEMP_PREFIX)
            try:
                os.write(handle, b"\0" * 4096)  # a full disk may still create empty files
                os.fsync(handle)
            finally:
                os.close(handle)
                os.unlink(name)
        except OSError as error:
            return _problem_of(error) or NOT_WRITABLE
        return None
