"""Speech jobs: a bounded queue, a fixed number of workers, one job per speech id.

A request for audio that is being made joins the job already there instead of starting another,
so identical concurrent requests cause one synthesis. Finished audio lives in the AudioStore;
this module only remembers jobs that are waiting, running, or failed recently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .audio import Samples, wav_bytes
from .engines import EngineUnavailable
from .speech import ProgressCallback
from .store import AudioStorage
from .text import normalize

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# Failed jobs kept so a client polling its id learns why; older ones are forgotten.
_FAILED_KEPT = 256

# synthesize(text, voice, speed, on_progress) -> (sample rate, samples)
Synthesize = Callable[[str, str, float, ProgressCallback], tuple[int, Samples]]


class JobEvents(Protocol):
    """What a queue reports as it works (metrics.Metrics implements it)."""

    def job_started(self, waited_s: float) -> None: ...

    def job_finished(self, result: str) -> None: ...


class QueueFull(RuntimeError):
    """The queue holds as many waiting jobs as it may; the client should retry later."""


class QueueUnavailable(RuntimeError):
    """The job queue cannot be reached (Redis is down or unreachable); the message is for
    people."""


@dataclass
class Job:
    id: str
    text: str
    voice: str
    speed: float = 1.0
    status: str = QUEUED
    progress: float = 0.0
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)
    created: float = field(default_factory=time.monotonic, repr=False)
    position: int = 0  # jobs ahead, as a Redis queue read it (see SpeechJobs.position)
    retried: int = 0  # times it was queued again because its worker died (Redis queue)


class SpeechJobs:
    """Runs ``synthesize(text, voice, on_progress)`` for each job and stores the WAV.

    ``before_each`` runs in the worker before a job starts (the service waits there for the
    model to finish loading, and raises when it could not be loaded).
    """

    def __init__(
        self,
        synthesize: Synthesize,
        store: AudioStorage,
        queue_size: int,
        workers: int = 1,
        before_each: Callable[[], None] | None = None,
        events: JobEvents | None = None,
    ) -> None:
        self._synthesize = synthesize
        self._store = store
        self._before_each = before_each
        self._events = events
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=queue_size)
        self._active: dict[str, Job] = {}
        self._failed: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, name=f"speech-worker-{n}", daemon=True)
            for n in range(workers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let the workers finish their current job and end; waiting jobs fail, saying why."""
        dropped: list[Job] = []
        with self._lock:
            while True:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    dropped.append(job)
        for job in dropped:
            self._finish(job, FAILED, "The speech server stopped before saying this; try again.")
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    def submit(self, speech_id: str, text: str, voice: str, speed: float = 1.0) -> Job:
        """The job making ``speech_id``: an existing one, a finished one, or a new queued one."""
        with self._lock:
            existing = self._existing(speech_id)
            if existing is not None:
                return existing
            job = Job(speech_id, text, voice, speed)
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                raise QueueFull from None
            self._failed.pop(speech_id, None)  # a new attempt replaces the old failure
            self._active[speech_id] = job
            return job

    def get(self, speech_id: str) -> Job | None:
        """The current state of ``speech_id``, or None when it is unknown."""
        with self._lock:
            return self._existing(speech_id) or self._failed.get(speech_id)

    def _existing(self, speech_id: str) -> Job | None:
        """The queued or running job for ``speech_id``, or a done one when its audio is stored.

        Called with the lock held.
        """
        job = self._active.get(speech_id)
        if job is None and self._store.contains(speech_id):
            job = self._done_job(speech_id)
        return job

    def position(self, job: Job) -> int:
        """Jobs ahead of ``job`` (running or queued before it); 0 once it runs."""
        with self._lock:
            if job.status != QUEUED or self._active.get(job.id) is not job:
                return 0
            # In the order they were queued: those before it run or wait ahead of it.
            for ahead, other in enumerate(self._active.values()):
                if other is job:
                    return ahead
        return 0

    def wait(self, job: Job, seconds: float) -> Job:
        """``job`` once it is settled, or after ``seconds``."""
        job.finished.wait(seconds)
        return job

    def depth(self) -> int:
        """Jobs waiting or running."""
        with self._lock:
            return len(self._active)

    @staticmethod
    def _done_job(speech_id: str) -> Job:
        job = Job(speech_id, "", "", status=DONE, progress=1.0)
        job.finished.set()
        return job

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: Job) -> None:
        try:
            if self._before_each:
                self._before_each()
            job.status = RUNNING
            if self._events:
                self._events.job_started(time.monotonic() - job.created)

            def on_progress(fraction: float) -> None:
                job.progress = round(min(max(fraction, 0.0), 1.0), 3)

            rate, samples = self._synthesize(job.text, job.voice, job.speed, on_progress)
            self._store.save(job.id, wav_bytes(rate, samples))
        except Exception as error:  # any failure belongs to this job; the worker goes on
            log.exception("speech job %s failed", job.id)
            self._finish(job, FAILED, describe_failure(error))
        else:
            self._finish(job, DONE, None)

    def _finish(self, job: Job, status: str, error: str | None) -> None:
        with self._lock:
            # Progress and error before the status: readers do not take the lock.
            if status == DONE:
                job.progress = 1.0
            job.error = error
            job.status = status
            if status == FAILED:
                self._failed[job.id] = job
                while len(self._failed) > _FAILED_KEPT:
                    self._failed.popitem(last=False)
            self._active.pop(job.id, None)
        job.finished.set()
        if self._events:
            self._events.job_finished(status)


def describe_failure(error: Exception) -> str:
    """A sentence about a failed synthesis, for a person (no class names, no traceback)."""
    detail = normalize(str(error))[:300]
    if isinstance(error, EngineUnavailable):  # already written for people
        return detail
    return f"Speech synthesis failed ({detail or 'no detail'}). Try a shorter or different text."
