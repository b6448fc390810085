"""Background jobs (imports) with progress, run one at a time in one worker thread.

A job is a function ``work(progress) -> dict``; it calls ``progress(step, fraction)`` as it goes.
Pages poll :meth:`JobRunner.get` for the state; a job that raises an
:class:`~edxlab.errors.EdxlabError` ends ``failed`` with its message (and issues); any other
exception ends ``failed`` with a generic message, its type logged, never its text.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from edxlab.errors import EdxlabError
from edxlab.log import logger

Progress = Callable[[str, float], None]


@dataclass
class Job:
    id: str
    kind: str
    state: str = "queued"  # queued | running | done | failed
    step: str = "Waiting for the previous job to finish"
    fraction: float = 0.0
    result: dict = field(default_factory=dict)
    error: str = ""
    issues: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "state": self.state, "step": self.step,
                "fraction": round(self.fraction, 3), "error": self.error,
                "done": self.state in ("done", "failed")}


class JobRunner:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edxlab-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, kind: str, work: Callable[[Progress], dict]) -> Job:
        job = Job(id=secrets.token_urlsafe(12), kind=kind)
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: Job, work: Callable[[Progress], dict]) -> None:
        def progress(step: str, fraction: float) -> None:
            job.step, job.fraction = step, max(0.0, min(1.0, fraction))

        job.state = "running"
        progress("Starting", 0.0)
        try:
            job.result = work(progress) or {}
        except EdxlabError as exc:
            job.state, job.error = "failed", exc.message
            job.issues = [i.as_dict() for i in getattr(exc, "issues", [])]
            return
        except Exception as exc:  # noqa: BLE001 - reported as a failed job, never a traceback
            logger.error("%s job failed with %s", job.kind, type(exc).__name__)
            job.state = "failed"
            job.error = ("The job stopped on an unexpected problem; the database is as it was "
                         "before the job started.")
            return
        job.state, job.step, job.fraction = "done", "Finished", 1.0

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
