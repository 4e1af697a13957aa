"""The two state names the API answers with, apart from each other: a speech job's status and
the speech model's. Their own module, without imports, so every part reads the same names
(jobs.py, model.py, and metrics.py's labels)."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """The state of a speech job (``status`` of /api/speech answers)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


SETTLED = (JobStatus.DONE, JobStatus.FAILED)


class ModelStatus(StrEnum):
    """The state of the speech model (``status`` of /api/health)."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"
