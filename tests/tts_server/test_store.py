import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tts_server import store as store_module
from tts_server.audio import wav_bytes
from tts_server.store import (
    DISK_FULL,
    NOT_WRITABLE,
    AudioStore,
    StoreSetupError,
    StoreUnavailable,
)

ONE_KB_WAV = wav_bytes(8000, [0.1] * 500)  # 44-byte header + 1000 bytes
IDS = [f"{n:032x}" for n in range(1, 6)]


def _age(store: AudioStore, ids: list[str]) -> None:
    """Give files distinct, increasing use times in the order given (oldest first)."""
    for offset, speech_id in enumerate(ids):
        os.utime(store.folder / f"{speech_id}.wav", (1_000_000 + offset, 1_000_000 + offset))


def test_saved_audio_is_found_and_timed(tmp_path: Path) -> None:
    store = AudioStore(tmp_path, max_bytes=10**6)
    path = store.save(IDS[0], ONE_KB_WAV)
    assert path.read_bytes() == ONE_KB_WAV
    assert store.lookup(IDS[0]) == path
    assert store.duration(IDS[0]) == 0.062
    assert store.lookup(IDS[1]) is None and store.duration(IDS[1]) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{IDS[0]}.wav"]  # no temp files left


def test_only_hex_ids_name_files(tmp_path: Path) -> None:
    store = AudioStore(tmp_path / "audio", max_bytes=10**6)
    (tmp_path / "secret.wav").write_bytes(ONE_KB_WAV)
    for bad in ["../secret", "..", "", "/etc/passwd", IDS[0].upper(), IDS[0] + "0"]:
        assert store.lookup(bad) is None


def test_least_recently_used_files_go_first(tmp_path: Path) -> None:
    store = AudioStore(tmp_path, max_bytes=3 * len(ONE_KB_WAV))
    for speech_id in IDS[:3]:
        store.save(speech_id, ONE_KB_WAV)
    _age(store, IDS[:3])
    store.lookup(IDS[0])  # used now: the newest
    store.save(IDS[3], ONE_KB_WAV)
    assert store.lookup(IDS[1]) is None
    assert all(store.lookup(i) for i in (IDS[0], IDS[2], IDS[3]))
    assert store.total_bytes() <= store.max_bytes


def test_a_file_bigger_than_the_cap_is_still_kept_until_the_next_one(tmp_path: Path) -> None:
    store = AudioStore(tmp_path, max_bytes=10)
    store.save(IDS[0], ONE_KB_WAV)
    assert store.lookup(IDS[0])
    store.save(IDS[1], ONE_KB_WAV)
    assert store.lookup(IDS[0]) is None and store.lookup(IDS[1])


def test_a_file_being_written_is_neither_counted_nor_evicted(tmp_path: Path) -> None:
    store = AudioStore(tmp_path, max_bytes=2 * len(ONE_KB_WAV))
    store.save(IDS[0], ONE_KB_WAV)
    writing = tmp_path / ".partial-other-worker.wav"  # another worker's write, not renamed yet
    writing.write_bytes(ONE_KB_WAV)
    os.utime(writing, (1_000_000, 1_000_000))
    store.save(IDS[1], ONE_KB_WAV)
    assert writing.exists() and store.lookup(IDS[0]) and store.lookup(IDS[1])
    assert store.total_bytes() == 2 * len(ONE_KB_WAV)


def test_the_cache_and_its_order_survive_a_restart(tmp_path: Path) -> None:
    first = AudioStore(tmp_path, max_bytes=2 * len(ONE_KB_WAV))
    first.save(IDS[0], ONE_KB_WAV)
    first.save(IDS[1], ONE_KB_WAV)
    _age(first, [IDS[1], IDS[0]])
    (tmp_path / ".partial-crashed.wav").write_bytes(b"RIFF")  # a write cut off by a crash

    second = AudioStore(tmp_path, max_bytes=2 * len(ONE_KB_WAV))
    assert not (tmp_path / ".partial-crashed.wav").exists()
    assert second.count() == 2 and second.total_bytes() == 2 * len(ONE_KB_WAV)
    second.save(IDS[2], ONE_KB_WAV)  # IDS[1] was used least recently before the restart
    assert second.lookup(IDS[1]) is None and second.lookup(IDS[0])


def test_a_save_flushes_the_file_and_its_folder_before_it_counts_as_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AudioStore(tmp_path, max_bytes=10**6)
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    store.save(IDS[0], ONE_KB_WAV)
    assert len(synced) == 2
    assert Path(synced[0]).name.startswith(".partial-")  # the data, before the rename
    assert Path(synced[1]) == tmp_path  # the rename itself


def test_a_cut_short_wav_counts_as_missing_and_is_removed(tmp_path: Path) -> None:
    AudioStore(tmp_path, max_bytes=10**6).save(IDS[0], ONE_KB_WAV)
    path = tmp_path / f"{IDS[0]}.wav"
    path.write_bytes(ONE_KB_WAV[:600])  # a power loss cut the file
    (tmp_path / f"{IDS[1]}.wav").write_bytes(ONE_KB_WAV[:20])  # not even a whole header
    restarted = AudioStore(tmp_path, max_bytes=10**6)
    assert restarted.lookup(IDS[0]) is None and restarted.duration(IDS[0]) is None
    assert restarted.lookup(IDS[1]) is None
    assert not path.exists() and restarted.total_bytes() == 0
    restarted.save(IDS[0], ONE_KB_WAV)  # made again, whole
    assert restarted.lookup(IDS[0]) == path and path.read_bytes() == ONE_KB_WAV


def test_saving_costs_no_folder_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = AudioStore(tmp_path, max_bytes=3 * len(ONE_KB_WAV))

    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the folder was scanned")

    monkeypatch.setattr(os, "scandir", no_scan)
    monkeypatch.setattr(Path, "glob", no_scan)
    monkeypatch.setattr(os, "listdir", no_scan)
    for speech_id in IDS:
        store.save(speech_id, ONE_KB_WAV)
    assert store.count() == 3 and store.total_bytes() == 3 * len(ONE_KB_WAV)
    assert [store.lookup(i) is not None for i in IDS] == [False, False, True, True, True]


def _fail_writes(monkeypatch: pytest.MonkeyPatch, code: int, times: int = 10**9) -> list[int]:
    """Make creating files in the store fail with ``code`` the next ``times`` times."""
    left = [times]
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if left[0] > 0:
            left[0] -= 1
            raise OSError(code, os.strerror(code))
        return real_mkstemp(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(store_module.tempfile, "mkstemp", mkstemp)
    return left


def test_a_full_disk_evicts_more_than_the_cap_asks_and_tries_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AudioStore(tmp_path, max_bytes=10**6)
    for speech_id in IDS[:4]:
        store.save(speech_id, ONE_KB_WAV)
    _fail_writes(monkeypatch, errno.ENOSPC, times=1)
    store.save(IDS[4], ONE_KB_WAV)
    assert store.lookup(IDS[4]) and store.lookup(IDS[0]) is None  # the oldest made room
    assert store.problem is None


def test_a_disk_that_stays_full_or_read_only_says_so_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_RECHECK_S", 0.0)
    store = AudioStore(tmp_path, max_bytes=10**6)
    store.save(IDS[0], ONE_KB_WAV)
    for code, problem, new in [(errno.ENOSPC, DISK_FULL, IDS[1]),
                               (errno.EROFS, NOT_WRITABLE, IDS[2])]:
        left = _fail_writes(monkeypatch, code)
        with pytest.raises(StoreUnavailable, match="LEGENDA_AUDIO_DIR"):
            store.save(new, ONE_KB_WAV)
        assert store.problem == problem and store.check() == problem
        assert store.lookup(new) is None
        left[0] = 0  # fixed by the operator
        assert store.check() is None and store.problem is None
        store.save(new, ONE_KB_WAV)
        assert store.lookup(new)


def test_stored_audio_is_served_from_a_read_only_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    AudioStore(tmp_path, max_bytes=10**6).save(IDS[0], ONE_KB_WAV)
    _fail_writes(monkeypatch, errno.EROFS)

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "utime", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    store = AudioStore(tmp_path, max_bytes=10**6)
    assert store.problem == NOT_WRITABLE
    assert store.lookup(IDS[0]) and store.duration(IDS[0]) == 0.062


def test_an_unusable_folder_is_a_setup_error_naming_the_variable(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(StoreSetupError, match="LEGENDA_AUDIO_DIR"):
        AudioStore(not_a_folder, max_bytes=10**6)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs (needs root: skipped elsewhere; the injected-error tests above
    cover the same paths)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True, check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_really_full_disk_evicts_the_oldest_audio_and_keeps_saving(small_disk: Path) -> None:
    wav = wav_bytes(8000, [0.1] * 20_000)  # 40 KB: six fit on the disk
    store = AudioStore(small_disk, max_bytes=10**9)  # the cap alone would keep them all
    ids = [f"{n:032x}" for n in range(1, 21)]
    for speech_id in ids:
        store.save(speech_id, wav)
    assert store.lookup(ids[-1]) and store.lookup(ids[0]) is None
    assert store.problem is None and store.total_bytes() < 256 * 1024


def test_a_really_read_only_folder_serves_audio_and_recovers(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_RECHECK_S", 0.0)
    store = AudioStore(small_disk, max_bytes=10**6)
    store.save(IDS[0], ONE_KB_WAV)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        with pytest.raises(StoreUnavailable):
            store.save(IDS[1], ONE_KB_WAV)
        assert store.problem == NOT_WRITABLE
        assert store.lookup(IDS[0]) and store.duration(IDS[0]) == 0.062
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert store.check() is None
    store.save(IDS[1], ONE_KB_WAV)


def test_audio_saved_by_another_process_sharing_the_folder_is_found(tmp_path: Path) -> None:
    mine, other = AudioStore(tmp_path, 10**6), AudioStore(tmp_path, 10**6)
    other.save(IDS[0], ONE_KB_WAV)
    assert mine.lookup(IDS[0]) == tmp_path / f"{IDS[0]}.wav"
    assert mine.count() == 1 and mine.total_bytes() == len(ONE_KB_WAV)


@pytest.mark.parametrize("cut", ["half", "zero bytes", "removed"])
def test_a_file_cut_or_removed_while_the_store_runs_is_missing(tmp_path: Path, cut: str) -> None:
    store = AudioStore(tmp_path, max_bytes=10**6)
    store.save(IDS[0], ONE_KB_WAV)
    path = tmp_path / f"{IDS[0]}.wav"
    assert store.lookup(IDS[0]) == path  # found whole once: its header was read
    if cut == "removed":
        path.unlink()
    else:  # in place, as a disk or a person would: same inode, fewer bytes
        with open(path, "r+b") as file:
            file.truncate(len(ONE_KB_WAV) // 2 if cut == "half" else 0)
    assert store.lookup(IDS[0]) is None and store.duration(IDS[0]) is None
    assert not path.exists() and store.total_bytes() == 0 and store.count() == 0
    store.save(IDS[0], ONE_KB_WAV)  # the next request makes it again
    assert store.lookup(IDS[0]) == path and path.read_bytes() == ONE_KB_WAV


def test_a_lookup_reads_the_header_only_when_the_file_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AudioStore(tmp_path, max_bytes=10**6)
    store.save(IDS[0], ONE_KB_WAV)
    reads: list[Path] = []
    real = store_module.wav_is_whole
    monkeypatch.setattr(store_module, "wav_is_whole", lambda p: reads.append(p) or real(p))
    for _ in range(5):
        assert store.lookup(IDS[0])
    assert len(reads) == 1  # then one stat per lookup
    (tmp_path / f"{IDS[0]}.wav").write_bytes(ONE_KB_WAV + b"\0\0")  # replaced: size changed
    assert store.lookup(IDS[0]) and len(reads) == 2
