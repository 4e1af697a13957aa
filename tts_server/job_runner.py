"""The worker processes' side of the queue on Redis: what ``python -m tts_server.worker`` runs.

``SpeechWorker`` is RQ's in-process worker (the engine stays loaded between jobs) holding a
``JobRunner``; RQ calls ``run_speech_job`` for each job, which hands it to the runner of the
worker running it (``current_runner()``: set by ``SpeechWorker`` for the job's duration, as RQ
sets ``get_current_job()``). The worker keeps its running job's heartbeat short
(``HEARTBEAT_TTL_S``) with a thread, so a worker that died is noticed in seconds, and publishes
its model state for the API processes (``publish_state``; redis_queue.workers_state reads it).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, cast

import redis
from rq import Queue, SimpleWorker, get_current_job
from rq.job import Job as RqJob

from .deadline import Deadline
from .jobs import Job, JobEvents, describe_failure, log_failure, make_audio
from .model import SpeechModel
from .redis_queue import WORKER_PREFIX
from .statuses import JobStatus
from .store import AudioStorage

log = logging.getLogger(__name__)

STATE_EVERY_S = 2.0
STATE_TTL_S = 10
HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_TTL_S = 10  # a dead worker's job is noticed this long after its last beat


class JobRunner:
    """Says one job of the Redis queue at a time with this process's model and stores the WAV.
    A failure is recorded as the job's ``error`` and the job ends normally (RQ retries only jobs
    whose worker process died)."""

    def __init__(
        self, model: SpeechModel, store: AudioStorage, events: JobEvents, job_timeout_s: float
    ) -> None:
        self.model = model
        self._store = store
        self._events = events
        self._job_timeout_s = job_timeout_s

    def run(self, rq_job: RqJob, job: Job) -> JobStatus:
        """Say ``job``, keeping ``rq_job``'s meta (progress, error) up to date."""
        waited = time.time() - rq_job.enqueued_at.timestamp() if rq_job.enqueued_at else 0.0
        self._events.job_started(waited)
        _save_meta(rq_job, progress=0.0, error=None)
        deadline: Deadline | None = None
        try:
            self.model.require()  # loaded before the worker takes jobs: this only checks
            deadline = Deadline(self._job_timeout_s)
            make_audio(
                self.model.synthesize, self._store, job, deadline,
                lambda done: _save_meta(rq_job, progress=round(min(max(done, 0.0), 1.0), 3)),
            )
        except Exception as error:  # any failure belongs to this job; the worker goes on
            log_failure(job.id, error)
            _save_meta(rq_job, error=describe_failure(error))
            self._events.job_finished(JobStatus.FAILED)
            return JobStatus.FAILED
        finally:
            if deadline is not None:
                deadline.close()
        _save_meta(rq_job, progress=1.0)
        self._events.job_finished(JobStatus.DONE)
        return JobStatus.DONE

    def published_state(self, current_job: str) -> dict[str, str]:
        """What this worker process tells the API processes (redis_queue.workers_state)."""
        engine = self.model.engine
        return {
            "status": self.model.state.status.value,
            "error": self.model.state.error or "",
            "engine": self.model.config.engine,
            "model": engine.model_id,
            "device": engine.device,
            "job": current_job,
        }


_runner: ContextVar[JobRunner] = ContextVar("legenda_job_runner")


def current_runner() -> JobRunner | None:
    """The runner of the SpeechWorker running the current job; None outside one."""
    return _runner.get(None)


def run_speech_job(speech_id: str, text: str, voice: str, speed: float) -> str:
    """RQ runs this for each job (redis_queue.RUN_JOB): the current SpeechWorker's runner says
    it."""
    runner, rq_job = current_runner(), get_current_job()
    if runner is None or rq_job is None:
        raise RuntimeError("run_speech_job runs only inside `python -m tts_server.worker`")
    return runner.run(rq_job, Job(speech_id, text, voice, speed)).value


def _save_meta(job: RqJob, **values: object) -> None:
    job.meta.update(values)
    job.save_meta()


class SpeechWorker(SimpleWorker):
    """RQ's in-process worker with ``runner`` for its jobs and a short heartbeat kept up by a
    thread while a job runs, so a dead worker's job is noticed in seconds."""

    def __init__(self, *args: Any, runner: JobRunner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runner = runner

    def get_heartbeat_ttl(self, job: RqJob, working_time: float = 0.0) -> int:
        return HEARTBEAT_TTL_S

    def execute_job(self, job: RqJob, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(job, execution, stop), name="job-heartbeat", daemon=True
        )
        beat.start()
        token = _runner.set(self.runner)
        try:
            self.perform_job(job, queue, execution)
        finally:
            _runner.reset(token)
            stop.set()
            beat.join()
        from rq.worker import WorkerStatus

        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job: RqJob, execution: Any, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_EVERY_S):
            try:
                with self.connection.pipeline() as pipe:
                    self.heartbeat(HEARTBEAT_TTL_S + 60, pipeline=pipe)
                    execution.heartbeat(job.started_job_registry, HEARTBEAT_TTL_S, pipe)
                    pipe.execute()
            except redis.RedisError:
                log.warning("could not send the job's heartbeat to Redis", exc_info=True)


def publish_state(
    connection: redis.Redis, name: str, state: Callable[[], dict[str, str]],
    stop: threading.Event,
) -> threading.Thread:
    """Keep ``WORKER_PREFIX + name`` holding ``state()`` (model status, error, engine...) while
    this worker process lives; the key expires soon after it dies."""
    key = WORKER_PREFIX + name

    def loop() -> None:
        while True:
            try:
                with connection.pipeline() as pipe:
                    pipe.delete(key)
                    pipe.hset(key, mapping=cast(Any, state()))
                    pipe.expire(key, STATE_TTL_S)
                    pipe.execute()
            except redis.RedisError:
                log.warning("could not publish the worker's state to Redis", exc_info=True)
            if stop.wait(STATE_EVERY_S):
                connection.delete(key)
                return

    thread = threading.Thread(target=loop, name="worker-state", daemon=True)
    thread.start()
    return thread


def worker_name() -> str:
    """Unique among live workers: containers on one host's network share its name and are all
    pid 1, and a killed worker's name stays registered in Redis for minutes."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
