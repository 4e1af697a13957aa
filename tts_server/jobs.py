"""Speech jobs (one per speech id: a text said with a voice at a speed, into one WAV) and the one
interface of the queues that run them, ``SpeechQueue``: the queue in this process
(local_queue.LocalQueue, the default) and the queue on Redis (redis_queue.RedisQueue,
``LEGENDA_QUEUE_URL``, whose jobs run in worker processes: job_runner.py). The API talks to
``SpeechQueue`` only.

A request for audio that is being made joins the job already there instead of starting another,
so identical concurrent requests cause one synthesis. Finished audio lives in the audio store;
a queue only remembers jobs that are waiting, running, or failed recently.

Each job runs under a Deadline (deadline.py): when it passes, the job fails at once with a
sentence saying so and its engine work is told to stop (espeak's child is killed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from . import deadline as deadlines
from .audio import Samples, wav_bytes
from .deadline import Deadline, JobStopped
from .engines import EngineUnavailable
from .pieces import PieceFeed
from .speech import ProgressCallback, TooMuchWork
from .statuses import JobStatus
from .store import AudioStorage, StoreUnavailable

log = logging.getLogger(__name__)



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
    status: JobStatus = JobStatus.QUEUED
    progress: float = 0.0
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)
    created: float = field(default_factory=time.monotonic, repr=False)
    position: int = 0  # jobs ahead, as a Redis queue read it (see SpeechQueue.position)
    retried: int = 0  # times it was queued again because its worker process died (Redis queue)
    feed: PieceFeed = field(default_factory=PieceFeed, repr=False)  # its pieces as made


def done_job(speech_id: str) -> Job:
    """The settled job of audio that is already stored."""
    job = Job(speech_id, "", "", status=JobStatus.DONE, progress=1.0)
    job.finished.set()
    return job


class SpeechQueue(Protocol):
    """Where the API's speech jobs go (local_queue.LocalQueue, redis_queue.RedisQueue).

    ``start()`` also gets the model ready, or follows the state of the one that does the jobs
    (``SpeechModel.state``); ``stop()`` takes no more work. ``streams_pieces``: a job's pieces
    reach ``Job.feed`` in this process as they are said (so an answer can be streamed).
    """

    streams_pieces: bool

    def start(self) -> None: ...

    def stop(self, grace_s: float) -> None: ...

    def submit(self, speech_id: str, text: str, voice: str, speed: float = 1.0) -> Job:
        """The job making ``speech_id``: stored audio, a queued or running job, or a new one;
        QueueFull, Closing or QueueUnavailable when it cannot be taken."""
        ...

    def get(self, speech_id: str) -> Job | None:
        """The current state of ``speech_id``, or None when it is unknown."""
        ...

    def wait(self, job: Job, seconds: float) -> Job:
        """``job`` as it is once settled, or after ``seconds``."""
        ...

    def position(self, job: Job) -> int:
        """Jobs ahead of a queued ``job``."""
        ...

    def depth(self) -> int:
        """Jobs waiting or running."""
        ...

    def synthesizers(self) -> dict[str, object]:
        """Who does the jobs, for /api/health's ``workers``: ``{"state", "total", "busy",
        "stuck"}`` (the synthesis threads here, or the worker processes of a Redis queue)."""
        ...


def make_audio(
    synthesize: Synthesize, store: AudioStorage, job: Job, deadline: Deadline,
    on_progress: ProgressCallback,
) -> None:
    """Synthesize ``job`` under ``deadline`` (engines read it: deadline.current()) and store
    its WAV; raises what went wrong. Every job runs through this: LocalQueue's threads in this
    process, the JobRunner of a worker process in theirs."""
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
