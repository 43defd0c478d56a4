"""Connections to PostgreSQL: URLs without passwords, clear errors, a small connection cache.

A :class:`Database` hands out connections for one statement or one
transaction.  Idle connections are kept (a few) and checked with an empty
query before reuse, so a server that restarted is reconnected to transparently;
while the server is down every call fails at once with
:class:`~site_gis.errors.StoreUnavailableError` naming the host, port and
database and what failed -- never the password, never a traceback.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from site_gis.errors import StoreError, StoreUnavailableError

URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return url.lower().startswith(URL_SCHEMES)


def safe_url(url: str) -> str:
    """``postgresql://user@host:port/dbname`` for ``url``: no password, no other options."""
    params = _params(url)
    user = f"{params['user']}@" if params.get("user") else ""
    return f"postgresql://{user}{_where(params)}"


class Database:
    """Connections to the database named by a ``postgresql://`` URL.

    Parameters
    ----------
    url
        A libpq connection URL; the password may be in it, in ``PGPASSWORD`` or
        in ``~/.pgpass``.
    keep
        Idle connections kept for reuse.
    max_connections
        Connections open at once; more callers wait for one (up to ``wait_s``).
    connect_timeout_s
        Seconds to wait for the server to answer a new connection.
    """

    def __init__(
        self,
        url: str,
        *,
        keep: int = 4,
        max_connections: int = 16,
        connect_timeout_s: int = 5,
        wait_s: float = 30.0,
    ) -> None:
        self._params = _params(url)
        self._params.setdefault("connect_timeout", str(connect_timeout_s))
        self._params.setdefault("application_name", "site-gis")
        self.where = _where(self._params)
        self._password = self._params.get("password") or ""
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._keep = keep
        self._wait_s = wait_s

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection in autocommit mode (each statement commits on its own)."""
        if not self._slots.acquire(timeout=self._wait_s):
            raise StoreUnavailableError(
                f"PostgreSQL at {self.where}: all connections are busy; try again"
            )
        try:
            conn = self._take()
            try:
                yield conn
            except psycopg.Error as exc:
                if conn.broken or conn.closed:
                    conn.close()
                    raise self.unavailable("the connection was lost", exc) from None
                self._give_back(conn)
                raise StoreError(f"PostgreSQL at {self.where}: {_first_line(exc)}") from exc
            except BaseException:
                self._give_back(conn)
                raise
            self._give_back(conn)
        finally:
            self._slots.release()

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.connection() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        """Close the idle connections (connections in use close when given back)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._keep = 0
        for conn in idle:
            conn.close()

    def unavailable(self, what: str, exc: Exception) -> StoreUnavailableError:
        """A :class:`StoreUnavailableError` for ``exc``, safe to show to the operator."""
        return StoreUnavailableError(
            f"cannot connect to PostgreSQL at {self.where}: {self._reason(exc) or what}"
        )

    def _take(self) -> psycopg.Connection[Any]:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self._connect()
            try:
                conn.execute("")  # a server that restarted closed this one
                return conn
            except psycopg.Error:
                conn.close()

    def _give_back(self, conn: psycopg.Connection[Any]) -> None:
        usable = (
            not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )
        with self._lock:
            if usable and len(self._idle) < self._keep:
                self._idle.append(conn)
                return
        conn.close()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(make_conninfo("", **self._params), autocommit=True)
        except psycopg.OperationalError as exc:
            raise self.unavailable("connection failed", exc) from None
        except psycopg.Error as exc:  # e.g. a malformed option
            raise StoreError(f"cannot connect to PostgreSQL at {self.where}: {exc}") from None

    def _reason(self, exc: Exception) -> str:
        text = " ".join(str(exc).split())
        for pattern, reason in _REASONS:
            found = re.search(pattern, text, re.IGNORECASE)
            if found:
                return reason.format(*found.groups())
        last = text.rsplit("failed: ", 1)[-1].strip()
        if self._password:
            last = last.replace(self._password, "***")
        return last[:200]


_REASONS = (
    (r"connection refused", "connection refused (is the server running?)"),
    (r'database "([^"]+)" does not exist', 'database "{0}" does not exist'),
    (r'password authentication failed for user "([^"]+)"', 'authentication failed for "{0}"'),
    (r"no password supplied", "the server asks for a password and none was given"),
    (r"timeout expired|timed out", "no answer within the connection timeout"),
    (r"could not translate host name", "unknown host name"),
    (r"terminating connection|server closed the connection", "the server closed the connection"),
    (r"the database system is (starting up|shutting down)", "the server is {0}"),
)


def _params(url: str) -> dict[str, str]:
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"not a valid PostgreSQL URL: {safe_text(url)} ({exc})") from None
    return params


def _where(params: dict[str, str]) -> str:
    host = params.get("host") or "localhost"
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or params.get('user', '')}"


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def safe_text(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages about malformed URLs)."""
    text = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", text, flags=re.IGNORECASE)
