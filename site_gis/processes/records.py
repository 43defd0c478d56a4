"""Job records and result files: a small SQLite table in a folder beside the store.

A job's record (process, inputs, owner, status, progress, times) and its result
file outlive the server, so a client may fetch a result after a restart and the
same request on the same data version is answered from the kept result.  Jobs
that were running when the server stopped are marked failed when it starts again.

Statuses are those of OGC API -- Processes: ``accepted``, ``running``,
``successful``, ``failed``, ``dismissed``.  Times are UTC, ISO 8601.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import orjson

STATUSES = ("accepted", "running", "successful", "failed", "dismissed")
ENDED = ("successful", "failed", "dismissed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    process TEXT NOT NULL,
    inputs TEXT NOT NULL,
    reuse_key TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    error_type TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    started TEXT NOT NULL DEFAULT '',
    finished TEXT NOT NULL DEFAULT '',
    media_type TEXT NOT NULL DEFAULT '',
    filename TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_reuse ON jobs (reuse_key, status);
"""


@dataclass
class JobRecord:
    """One job as kept: what was asked, by whom, and how it went."""

    job_id: str
    process: str
    inputs: str
    reuse_key: str
    owner: str
    status: str
    progress: int = 0
    message: str = ""
    error_type: str = ""
    created: str = ""
    started: str = ""
    finished: str = ""
    media_type: str = ""
    filename: str = ""


def reuse_key(process: str, inputs_json: str, data_version: str, owner_fields: str) -> str:
    """SHA-256 naming a result: same process, inputs, data version and caller's fields."""
    text = "\x1f".join((process, inputs_json, data_version, owner_fields))
    return hashlib.sha256(text.encode()).hexdigest()


class JobRecords:
    """The jobs table and result files in ``folder`` (made if missing)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.folder / "jobs.sqlite", timeout=30)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    def create(self, process: str, inputs: str, key: str, owner: str) -> JobRecord:
        """A new ``accepted`` job."""
        record = JobRecord(
            job_id=uuid.uuid4().hex,
            process=process,
            inputs=inputs,
            reuse_key=key,
            owner=owner,
            status="accepted",
            created=now(),
        )
        names = [f.name for f in fields(JobRecord)]
        with self._lock, self._connect() as db:
            db.execute(
                f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608
                [getattr(record, n) for n in names],
            )
        return record

    def update(self, job_id: str, **changes: object) -> None:
        """Change some fields of a job."""
        allowed = {f.name for f in fields(JobRecord)} - {"job_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise KeyError(f"unknown job fields {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._lock, self._connect() as db:
            db.execute(
                f"UPDATE jobs SET {assignments} WHERE job_id = ?",  # noqa: S608 -- names checked
                [*changes.values(), job_id],
            )

    def get(self, job_id: str) -> JobRecord | None:
        """The job with this id, or ``None``."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return JobRecord(**dict(row)) if row else None

    def find_result(self, key: str) -> JobRecord | None:
        """The newest successful job with this reuse key whose result file is still here."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE reuse_key = ? AND status = 'successful' "
                "ORDER BY finished DESC",
                (key,),
            ).fetchall()
        for row in rows:
            record = JobRecord(**dict(row))
            if self.result_path(record.job_id).exists():
                return record
        return None

    def list(self, owner: str, *, limit: int = 100) -> list[JobRecord]:
        """The owner's jobs, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE owner = ? ORDER BY created DESC LIMIT ?", (owner, limit)
            ).fetchall()
        return [JobRecord(**dict(r)) for r in rows]

    def result_path(self, job_id: str) -> Path:
        """Where a job's result file is kept."""
        return self.folder / f"{job_id}.result"

    def write_result(self, job_id: str, body: bytes) -> None:
        """Keep a job's result (written whole, then renamed, so it is never half there)."""
        target = self.result_path(job_id)
        partial = target.with_suffix(".partial")
        partial.write_bytes(body)
        partial.replace(target)

    def read_result(self, job_id: str) -> bytes:
        """A job's result file."""
        return self.result_path(job_id).read_bytes()

    def discard_result(self, job_id: str) -> None:
        """Remove a job's result file (a dismissed job keeps no result)."""
        self.result_path(job_id).unlink(missing_ok=True)

    def fail_unfinished(self, reason: str) -> int:
        """Mark jobs left accepted or running (by a stopped server) as failed; how many."""
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "UPDATE jobs SET status = 'failed', message = ?, finished = ? "
                "WHERE status IN ('accepted', 'running')",
                (reason, now()),
            )
        return cursor.rowcount


def now() -> str:
    """The time now, UTC, ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def canonical(inputs: dict[str, object]) -> str:
    """Inputs as JSON with sorted keys (the same inputs give the same text)."""
    return orjson.dumps(inputs, option=orjson.OPT_SORT_KEYS).decode()
