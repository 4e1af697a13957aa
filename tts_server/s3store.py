"""Audio in S3-compatible storage (AWS S3, MinIO...) through boto3: ``LEGENDA_AUDIO_STORE``.

One object per speech id, ``<prefix>/<id>.wav``, written whole by one PUT (a reader sees no
object or the whole object), with its duration in the object's metadata. Every API process and
worker on any machine sees the same audio. Credentials come from the usual AWS variables
(``AWS_ACCESS_KEY_ID``...); ``LEGENDA_S3_ENDPOINT_URL`` points at a store other than AWS.

An object whose length does not match its WAV header (written by something else, or cut) is
missing on lookup, removed and made again: the HEAD every lookup makes anyway gives the length
and ETag, and the first few KB (one ranged GET) are read only for an ETag not yet found whole.
Writing is tested with an empty PUT (then DELETE) of ``<prefix>/.write-test`` at most every few
seconds while requests come (``check``), so a bucket that cannot be written refuses new texts
before they are queued.

There is no size cap here: expire old audio with a lifecycle rule on the bucket (a removed
object is made again when asked for). Same interface as store.AudioStore where the API, the
jobs and the workers use it: ``contains``, ``open``, ``duration``, ``save``, ``check``.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from typing import Any

from .audio import wav_duration_of, wav_length
from .config import Config, s3_location
from .store import StoreSetupError, StoreUnavailable, WriteTests, is_speech_id

log = logging.getLogger(__name__)

_RECHECK_S = 5.0  # with a problem: how often writing is tried again
_HEALTHY_RECHECK_S = 10.0  # without one: how often a PUT makes sure it still can
_HEADER_BYTES = 4096  # a WAV's header (RIFF, fmt, and the data chunk's start) fits in these
_VERIFIED_KEPT = 100_000  # ETags remembered as whole (about 10 MB at most)
_PROBE_NAME = ".write-test"
UNREACHABLE = (
    "The audio store (LEGENDA_AUDIO_STORE) cannot be reached or written: new texts cannot be "
    "stored; ask the operator to check the bucket and its credentials."
)


class S3AudioStore:
    def __init__(self, config: Config) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket, self.prefix = s3_location(config.audio_store)
        self.location = config.audio_store
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=config.s3_endpoint_url or None,
            config=BotoConfig(retries={"max_attempts": 3, "mode": "standard"}),
        )
        self._lock = threading.Lock()
        self.problem: str | None = None
        self._write_tests = WriteTests()
        self._verified: OrderedDict[str, str] = OrderedDict()  # id -> ETag found whole
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception as error:  # no such bucket, no credentials, no network
            log.error("the audio store %s cannot be used: %s", self.location, error)
            raise StoreSetupError(
                f"LEGENDA_AUDIO_STORE={self.location!r} cannot be used ({_reason(error)}): "
                "check the bucket name, LEGENDA_S3_ENDPOINT_URL and the AWS credentials."
            ) from None

    def _key(self, speech_id: str) -> str:
        if not is_speech_id(speech_id):
            raise KeyError(speech_id)
        return f"{self.prefix}/{speech_id}.wav" if self.prefix else f"{speech_id}.wav"

    def _head(self, speech_id: str) -> dict[str, Any] | None:
        if not is_speech_id(speech_id):
            return None
        try:
            head: dict[str, Any] = self._client.head_object(
                Bucket=self.bucket, Key=self._key(speech_id)
            )
        except self._client.exceptions.ClientError as error:
            if _status(error) == 404:
                return None
            raise
        return head

    def _whole_head(self, speech_id: str) -> dict[str, Any] | None:
        """The object's HEAD when it is stored as long as its header says, else None (a cut
        one is removed, so the next request makes it again)."""
        head = self._head(speech_id)
        if head is None:
            return None
        etag = str(head.get("ETag", ""))
        with self._lock:
            if etag and self._verified.get(speech_id) == etag:
                return head
        size = int(head.get("ContentLength", 0))
        start = b"" if not size else self._client.get_object(
            Bucket=self.bucket, Key=self._key(speech_id), Range=f"bytes=0-{_HEADER_BYTES - 1}"
        )["Body"].read()
        expected = wav_length(io.BytesIO(start))
        if expected < 0 or size < expected:
            self._remove_cut(speech_id)
            return None
        with self._lock:
            self._verified[speech_id] = etag
            while len(self._verified) > _VERIFIED_KEPT:
                self._verified.popitem(last=False)
        return head

    def _remove_cut(self, speech_id: str) -> None:
        log.warning("stored audio %s is cut short: it will be made again", speech_id)
        with self._lock:
            self._verified.pop(speech_id, None)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(speech_id))
        except Exception as error:  # a read-only bucket: the next save overwrites it anyway
            log.warning("could not remove %s: %s", speech_id, error)

    def contains(self, speech_id: str) -> bool:
        return self._whole_head(speech_id) is not None

    def open(self, speech_id: str) -> io.BytesIO | None:
        """The stored WAV in memory (Flask serves it, ranges included), or None (also when it
        is not as long as its header says)."""
        if not is_speech_id(speech_id):
            return None
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(speech_id))
        except self._client.exceptions.NoSuchKey:
            return None
        data = answer["Body"].read()
        expected = wav_length(io.BytesIO(data))
        if expected < 0 or len(data) < expected:
            self._remove_cut(speech_id)
            return None
        return io.BytesIO(data)

    def duration(self, speech_id: str) -> float | None:
        head = self._whole_head(speech_id)
        if head is None:
            return None
        try:
            return round(float(head["Metadata"]["duration-s"]), 3)
        except (KeyError, ValueError):  # written by something else: read the header
            stored = self.open(speech_id)
            return round(wav_duration_of(stored.getvalue()), 3) if stored else None

    def save(self, speech_id: str, wav: bytes) -> None:
        """Store a whole WAV (one PUT); StoreUnavailable with a sentence when it cannot."""
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=self._key(speech_id), Body=wav, ContentType="audio/wav",
                Metadata={"duration-s": f"{wav_duration_of(wav):.3f}"},
            )
        except Exception as error:
            log.error("storing audio in %s failed: %s", self.location, error)
            with self._lock:
                self.problem = UNREACHABLE
                self._write_tests.tried()
            raise StoreUnavailable(UNREACHABLE) from None
        with self._lock:
            self.problem = None

    def check(self, force: bool = False) -> str | None:
        """The current problem, after a small PUT when the last one is older than a few
        seconds (so a bucket that cannot be written is seen before a text is queued, and a
        fixed one without a restart)."""
        with self._lock:
            every_s = _RECHECK_S if self.problem is not None else _HEALTHY_RECHECK_S
            if not self._write_tests.due(every_s, force):
                return self.problem
        try:
            probe = f"{self.prefix}/{_PROBE_NAME}" if self.prefix else _PROBE_NAME
            self._client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
            self._client.delete_object(Bucket=self.bucket, Key=probe)
            problem = None
        except Exception as error:
            log.warning("the audio store %s cannot be written: %s", self.location, error)
            problem = UNREACHABLE
        with self._lock:
            self.problem = problem
        return problem

    def count(self) -> int | None:
        return None  # unknown without listing the bucket (a request per thousand objects)

    def total_bytes(self) -> int | None:
        return None


def _status(error: Any) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return f"the store answered {code}" if code else "the store refused"
    return type(error).__name__
