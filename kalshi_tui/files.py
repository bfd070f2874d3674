"""The files and directories a user names: regular files only, size-limited, never blocking.

Every file kalshi-tui reads because a user pointed at it (the config, the private key) goes
through `read_small_file`: it opens without blocking (`O_NONBLOCK`, so a FIFO named by
mistake cannot hang the command), checks on the open descriptor that it is a regular file
(so `/dev/zero` or a terminal is refused instead of read forever), and reads at most a
limit (so a multi-gigabyte file is refused instead of filling memory). Every file written
at a user-named path goes through `output_file_problem` first, and every data directory
through `prepare_data_dir` / `data_dir_problem`.

Problems are raised as `FileProblem`: one line saying what is wrong, where, and how to fix
it. Standard library only: the command line imports this while staying light.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from kalshi_tui import paths

KIB = 1024
MIB = 1024 * KIB

KEY_SIZE_LIMIT = 64 * KIB
"""Largest private key file read: a PEM RSA key, even 16384-bit, is under 13 KiB."""


class FileProblem(Exception):
    """A file or directory the user named cannot be used; `message` and `fix` say why and
    what to do. `str()` is the one-line report."""

    def __init__(self, message: str, fix: str) -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message}; fix: {fix}")


def describe_kind(mode: int) -> str:
    """`a file`, `a FIFO (named pipe)`, `a character device`, ... for an `st_mode`."""
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def size_text(size: int) -> str:
    """`3.2 MiB`, `12 KiB`, `512 bytes`."""
    if size >= MIB:
        return f"{size / MIB:.1f} MiB"
    if size >= KIB:
        return f"{size // KIB} KiB"
    return f"{size} bytes"


def read_small_file(path: Path, *, limit: int, what: str, fix: str) -> bytes:
    """The contents of the regular file `path`, at most `limit` bytes.

    `what` names the file in messages ("config file", "private key"); `fix` is the advice
    for a file that is the wrong kind or too large. Never blocks: a FIFO is opened
    non-blocking and refused, as is any other non-regular file. Raises `FileProblem`.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FileProblem(
            f"cannot read the {what} {path}: {exc.strerror or exc}",
            f"check that {path} exists and is readable by you",
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(
                f"cannot read the {what} {path}: it is {describe_kind(info.st_mode)}, "
                "not a regular file",
                fix,
            )
        if info.st_size > limit:
            raise FileProblem(
                f"cannot read the {what} {path}: it is {size_text(info.st_size)}, larger "
                f"than the {size_text(limit)} any {what} needs",
                fix,
            )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        # Read one byte past the limit: files whose size stat does not report (/proc)
        # are still bounded.
        while total <= limit:
            chunk = os.read(fd, limit + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise FileProblem(
                f"cannot read the {what} {path}: it is larger than the {size_text(limit)} "
                f"any {what} needs",
                fix,
            )
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(
            f"cannot read the {what} {path}: {exc.strerror or exc}",
            f"check that {path} is a readable file",
        ) from None
    finally:
        os.close(fd)


def output_file_problem(path: Path, *, what: str) -> FileProblem | None:
    """Why a file cannot be (re)written at `path`, or None when it can.

    The target may be absent or an existing regular file; its directory must exist and be
    writable. A directory, FIFO or device there is refused: the write would replace it (or
    block on it) instead of writing the file the user meant.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return _unusable_parent(path, exc, what=what)
    if info is not None and not stat.S_ISREG(info.st_mode):
        return FileProblem(
            f"the {what} {path} is {describe_kind(info.st_mode)}, not a regular file",
            "name a regular file instead",
        )
    parent = path.parent
    if not parent.is_dir():
        blocker = _file_ancestor(parent)
        if blocker is not None:
            return FileProblem(
                f"cannot write the {what} {path}: {blocker} is a file, not a directory",
                "choose a path whose directories are directories",
            )
        return FileProblem(
            f"cannot write the {what} {path}: the directory {parent} does not exist",
            f"create it first (mkdir -p {parent}) or choose another path",
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        return FileProblem(
            f"cannot write the {what} {path}: {parent} is not writable by you",
            f"choose a directory you can write, or fix its permissions (chmod u+w {parent})",
        )
    if info is not None and not os.access(path, os.W_OK):
        return FileProblem(
            f"cannot write the {what} {path}: the existing file is read-only",
            f"choose another path, or make it writable (chmod u+w {path})",
        )
    return None


def _file_ancestor(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` (or `path` itself) when it is not a
    directory; None when that ancestor is a directory."""
    current = path
    while True:
        if current.exists():
            return None if current.is_dir() else current
        if current.parent == current:
            return None
        current = current.parent


def _unusable_parent(path: Path, exc: OSError, *, what: str) -> FileProblem:
    if exc.errno == errno.ENOTDIR:
        blocker = _file_ancestor(path.parent) or path.parent
        return FileProblem(
            f"cannot use the {what} {path}: {blocker} is a file, not a directory",
            "choose a path whose directories are directories",
        )
    return FileProblem(
        f"cannot use the {what} {path}: {exc.strerror or exc}",
        "choose another path",
    )


def data_dir_fix(config_file: Path | None, *, configured: bool) -> str:
    """How to point kalshi-tui at another data directory, given where the setting lives:
    `[storage] data_dir` in `config_file` when `configured`, else the XDG default."""
    if configured and config_file is not None:
        return f"set [storage] data_dir in {config_file} to a directory you can write"
    where = f"in {config_file}" if config_file is not None else "in a config file"
    return f"set $XDG_DATA_HOME to a directory you can write, or set [storage] data_dir {where}"


DEFAULT_FIX = data_dir_fix(None, configured=False)


def data_dir_problem(
    path: Path, *, write: bool = True, fix: str = DEFAULT_FIX
) -> FileProblem | None:
    """Why `path` cannot serve as a data directory, or None.

    With `write` (commands that write the journal) a directory that does not exist yet is
    fine when it can be created: its nearest existing ancestor is a writable directory.
    Without it (commands that only read), a missing directory is fine (it holds no journal
    yet) and an existing one need only be readable. `fix` says how to choose another
    directory (`data_dir_fix`).
    """
    return directory_problem(path, what="data directory", write=write, fix=fix)


def directory_problem(path: Path, *, what: str, write: bool, fix: str) -> FileProblem | None:
    """Why the directory `path` (the `what`) cannot be used or created, or None; see
    `data_dir_problem`."""
    blocker = _file_ancestor(path)
    if blocker is not None:
        kind = describe_kind(blocker.stat().st_mode)
        if blocker == path:
            message = f"the {what} {path} is {kind}, not a directory"
        else:
            message = f"the {what} {path} cannot be created: {blocker} is {kind}"
        return FileProblem(message, f"move {blocker} out of the way, or {fix}")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if existing != path and not write:
        return None
    wanted = os.R_OK | os.X_OK | (os.W_OK if write else 0)
    if not os.access(existing, wanted):
        subject = "it" if existing == path else f"its parent {existing}"
        if write and _read_only_fs(existing):
            reason, remedy = "is on a read-only file system", "remount it read-write"
        else:
            reason = "is not writable by you" if write else "is not readable by you"
            remedy = f"fix the permissions (chmod u+rwx {existing})"
        return FileProblem(
            f"the {what} {path} cannot be used: {subject} {reason}", f"{remedy}, or {fix}"
        )
    return None


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def prepare_data_dir(path: Path, *, fix: str = DEFAULT_FIX) -> Path:
    """Create the data directory `path` (private, 0700) if needed; `FileProblem` if it
    cannot serve (a file in the way, not writable, cannot be created)."""
    problem = data_dir_problem(path, write=True, fix=fix)
    if problem is not None:
        raise problem
    try:
        return paths.ensure_private_dir(path)
    except OSError as exc:
        raise FileProblem(
            f"the data directory {path} cannot be created: {exc.strerror or exc}", fix
        ) from None


def check_data_dir(path: Path, *, write: bool, fix: str = DEFAULT_FIX) -> None:
    """`FileProblem` when `path` cannot serve as a data directory (see `data_dir_problem`)."""
    problem = data_dir_problem(path, write=write, fix=fix)
    if problem is not None:
        raise problem
