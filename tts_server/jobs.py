"""Speech jobs: a bounded queue, a fixed number of workers, one job per speech id.

A request for audio that is being made joins the job already there instead of starting another,
so identical concurrent requests cause one synthesis. Finished audio lives in the AudioStore;
this module only remembers jobs that are waiting, running, or failed recently.

Each job runs under a Deadline (deadline.py): when it passes, the job fails at once with a
sentence saying so, its engine work is told to stop (espeak's child is killed), and until the
worker comes back it counts as stuck (``workers()``, shown by /api/health).
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

from . import deadline as deadlines
from .audio import Samples, wav_bytes
from .deadline import Deadline, JobStopped
from .engines import EngineUnavailable
from .pieces import PieceFeed
from .speech import ProgressCallback, TooMuchWork
from .store import AudioStorage, StoreUnavailable

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


class Closing(RuntimeError):
    """The server is shutting down and takes no new work."""


STOPPED_BY_SHUTDOWN = "The speech server stopped before saying this; try again."


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
    feed: PieceFeed = field(default_factory=PieceFeed, repr=False)  # its pieces as made


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
        job_timeout_s: float = 300.0,
    ) -> None:
        self._synthesize = synthesize
        self._job_timeout_s = job_timeout_s
        self._running: dict[str, tuple[Job, Deadline]] = {}  # worker name -> its job
        self._closing = False
        self._store = store
        self._before_each = before_each
        self._events = events
        # Unbounded, so stop() can always post its end markers; submit() keeps the size.
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._queue_size = queue_size
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

    def stop(self, grace_s: float = 10.0) -> None:
        """Take no more work; waiting jobs fail, saying why; running jobs get ``grace_s`` to
        finish, then their engine work is stopped (children killed) and they fail."""
        dropped: list[Job] = []
        with self._lock:
            self._closing = True
            while True:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    dropped.append(job)
        for job in dropped:
            self._finish(job, FAILED, STOPPED_BY_SHUTDOWN)
        for _ in self._threads:
            self._queue.put(None)
        end = time.monotonic() + grace_s
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, end - time.monotonic()))
        with self._lock:
            running = list(self._running.values())
        for _job, deadline in running:
            deadline.stop(STOPPED_BY_SHUTDOWN)
        for thread in self._threads:
            if thread.is_alive():
                thread.join(5.0)  # a killed child ends its call at once; torch ends its step

    def workers(self) -> dict[str, object]:
        """``{"state": idle|busy|stuck, "total", "busy", "stuck"}``; stuck = still working on a
        job whose deadline passed (its engine did not stop)."""
        with self._lock:
            running = list(self._running.values())
        stuck = sum(1 for _, deadline in running if deadline.reason is not None)
        state = "stuck" if stuck else "busy" if running else "idle"
        return {"state": state, "total": len(self._threads), "busy": len(running), "stuck": stuck}

    def submit(self, speech_id: str, text: str, voice: str, speed: float = 1.0) -> Job:
        """The job making ``speech_id``: an existing one, a finished one, or a new queued one."""
        with self._lock:
            existing = self._existing(speech_id)
            if existing is not None:
                return existing
            if self._closing:
                raise Closing
            if self._queue.qsize() >= self._queue_size:  # only submit() adds, under the lock
                raise QueueFull
            job = Job(speech_id, text, voice, speed)
            self._queue.put_nowait(job)
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
                self._before_each()  # may wait for the model: not part of the job's deadline
        except Exception as error:
            self._fail(job, error)
            return
        deadline = Deadline(self._job_timeout_s)
        worker = threading.current_thread().name
        # At the deadline the job fails at once, even while its engine has not stopped.
        deadline.on_stop(lambda: self._finish(job, FAILED, deadline.reason))
        with self._lock:
            self._running[worker] = (job, deadline)
        try:
            job.status = RUNNING
            if self._events:
                self._events.job_started(time.monotonic() - job.created)

            def on_progress(fraction: float) -> None:
                job.progress = round(min(max(fraction, 0.0), 1.0), 3)

            make_audio(self._synthesize, self._store, job, deadline, on_progress)
        except Exception as error:  # any failure belongs to this job; the worker goes on
            self._fail(job, error)
        else:
            self._finish(job, DONE, None)
        finally:
            deadline.close()
            with self._lock:
                self._running.pop(worker, None)

    def _fail(self, job: Job, error: Exception) -> None:
        log_failure(job.id, error)
        self._finish(job, FAILED, describe_failure(error))

    def _finish(self, job: Job, status: str, error: str | None) -> None:
        """Settle ``job`` once; later calls (a worker back after its deadline) change nothing."""
        with self._lock:
            if job.finished.is_set():
                return
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


def make_audio(
    synthesize: Synthesize, store: AudioStorage, job: Job, deadline: Deadline,
    on_progress: ProgressCallback,
) -> None:
    """Synthesize ``job`` under ``deadline`` (engines read it: deadline.current()) and store
    its WAV; raises what went wrong. Both queues run their jobs through this: SpeechJobs in
    this process, redis_queue's workers in theirs."""
    deadlines.set_current(deadline)
    try:
        with job.feed.feeding():
            rate, samples = synthesize(job.text, job.voice, job.speed, on_progress)
            deadline.check()
            store.save(job.id, wav_bytes(rate, samples))
    finally:
        deadlines.set_current(None)


def log_failure(speech_id: str, error: Exception) -> None:
    """Expected failures in one line, the others with their traceback."""
    if isinstance(error, (JobStopped, TooMuchWork, StoreUnavailable, EngineUnavailable)):
        log.warning("speech job %s failed: %s", speech_id, error)
    else:
        log.exception("speech job %s failed", speech_id)


def describe_failure(error: Exception) -> str:
    """A sentence about a failed synthesis, for a person: no class names, traceback, local
    path or command line (those go to the log)."""
    if isinstance(error, (EngineUnavailable, JobStopped, TooMuchWork, StoreUnavailable)):
        return str(error)  # already written for people
    return (
        "Speech synthesis failed (the speech server's log has the details). "
        "Try a shorter or different text."
    )
