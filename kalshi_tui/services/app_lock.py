"""One app per data directory: an OS lock on `<data_dir>/app.lock`.

Two trading sessions on one journal would each treat the other's in-flight orders as
their own unresolved intents (one settles the other's resting order as NOT PLACED), so a
session that trades takes an exclusive `flock` on a small lock file beside the journal
before it opens anything, and writes its PID into it for the message a second app shows.

The lock belongs to the open file description, so the kernel releases it when the holder
exits for any reason, SIGKILL included: a PID left in the file by a dead process never
blocks a start (the lock, not the file's content, decides). It is a separate file, never
the database: SQLite's own POSIX locks on the journal are untouched, and `halt`,
`resume`, `export` and `doctor` never take it, so they keep working beside the app.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from pathlib import Path

LOCK_FILE = "app.lock"
PID_READ_ATTEMPTS = 20
"""A holder writes its PID just after locking; a reader that sees an empty file retries
this many times, 10 ms apart, before saying the PID is unknown."""


class AppAlreadyRunning(Exception):
    """Another process holds the data directory's app lock."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        who = f"PID {pid}" if pid is not None else "a process whose PID is not known yet"
        super().__init__(
            f"another kalshi-tui ({who}) is already running on {data_dir}; quit it first "
            "(halt, resume, export and doctor work beside it)"
        )


class AppLock:
    """The held lock; `release()` (or process exit) gives it up."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, data_dir: Path) -> AppLock:
        """Lock `data_dir` for this process or raise `AppAlreadyRunning` (never waits).
        `data_dir` must exist."""
        path = data_dir / LOCK_FILE
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                os.close(fd)
                raise
            pid = _read_pid(fd)
            os.close(fd)
            raise AppAlreadyRunning(data_dir, pid) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            os.close(fd)
            raise
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (idempotent). The file stays: removing it would let a process
        that opened the old file and one that creates a new one both "hold" the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no PID of a process that no longer holds it
        os.close(fd)


def holder_pid(data_dir: Path) -> int | None:
    """The PID of a live process holding `data_dir`'s lock, or None; it never takes the
    lock (so an app starting meanwhile is never refused). The PID is what the holder wrote
    (a released lock leaves the file empty); one left by a killed holder is recognised by
    its process being gone."""
    try:
        text = (data_dir / LOCK_FILE).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    if not text.isdigit():
        return None
    pid = int(text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # alive, another user's
    except OSError:
        return None
    return pid


def _read_pid(fd: int) -> int | None:
    for attempt in range(PID_READ_ATTEMPTS):
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
        if text.isdigit():
            return int(text)
        if attempt + 1 < PID_READ_ATTEMPTS:
            time.sleep(0.01)
    return None
