import os
from pathlib import Path

from tts_server.audio import wav_bytes
from tts_server.store import AudioStore

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
