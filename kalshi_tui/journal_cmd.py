"""`kalshi-tui journal --accept | --new`: the explicit way past a journal kalshi-tui refuses.

kalshi-tui refuses to open a journal that is missing, empty, another one, or has lost
committed writes according to `journal.identity` (see `kalshi_tui.journal.identity`), and
one whose pages are damaged. Nothing is ever replaced silently; this command is how the
trader decides:

* `journal --accept` adopts the journal now in place as the account's (after restoring it
  from a backup, or to go on with what survived): the old identity file is kept aside as
  `journal.identity.<time>.old` and the acceptance is journaled.
* `journal --new` keeps the refused journal aside — `journal.sqlite3` and any
  -wal/-shm beside it are renamed to `journal.sqlite3.aside-<time>[-wal|-shm]`, never
  opened or copied outside SQLite — and starts a new, empty journal. Refused while an app
  holds the data directory's app lock or any process still has the journal open. A halt
  marker stays: the new journal starts HALTED if the account was, and `kalshi-tui resume`
  re-arms it.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

EXIT_OK = 0
EXIT_FAILURE = 1


def configure_parser(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument(
        "--accept",
        action="store_true",
        help="adopt the journal now in place (e.g. restored from a backup) as the account's",
    )
    choice.add_argument(
        "--new",
        action="store_true",
        help="keep the refused journal aside (renamed) and start a new, empty one",
    )


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    from kalshi_tui.halt_cmd import resolve_account
    from kalshi_tui.journal import journal_path

    stream = out if out is not None else sys.stdout
    account = resolve_account(getattr(args, "config", None))
    path = journal_path(account.data_dir)
    if args.new:
        return _start_new(path, stream)
    return _accept(path, stream)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _refusal(path: Path) -> str | None:
    """Why kalshi-tui refuses the journal, or None when it opens (or is absent)."""
    from kalshi_tui.journal import Journal, JournalError, identity

    if not path.exists() and not identity.identity_path(path).exists():
        return None
    try:
        Journal.open(path, create=False, verify=True).close()
    except JournalError as exc:
        return str(exc)
    return None


def _accept(path: Path, out: TextIO) -> int:
    from kalshi_tui.journal import Journal, JournalError, identity

    if not path.exists():
        print(
            f"kalshi-tui journal: there is no journal at {path} to accept. Restore it "
            "there from a backup, or start a new one with `kalshi-tui journal --new`.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    refusal = _refusal(path)
    if refusal is None:
        print(f"{path} opens as the account's journal; nothing to accept.", file=out)
        return EXIT_OK
    recorded = identity.read(path)
    kept = _keep_identity_aside(path, recorded)
    try:
        journal = Journal.open(path, create=False, adopt=True, verify=True)
    except JournalError as exc:
        if kept is not None:
            os.replace(kept, identity.identity_path(path))
        print(f"kalshi-tui journal: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    with journal:
        found_seq = journal.last_seq()
        journal.record_event(
            "journal_accepted",
            {
                "refusal": refusal,
                "recorded_journal_id": None if recorded is None else recorded.journal_id,
                "recorded_last_seq": None if recorded is None else recorded.last_seq,
                "journal_id": journal.journal_id,
                "last_seq": found_seq,
            },
        )
    was = f"; the old identity file is kept as {kept}" if kept else ""
    print(
        f"accepted {path} as the account's journal (journal {journal.journal_id}, events up "
        f"to #{found_seq}){was}. It was refused because: {refusal}\n"
        "Start kalshi-tui: reconciliation compares it with the exchange first.",
        file=out,
    )
    return EXIT_OK


def _start_new(path: Path, out: TextIO) -> int:
    refusal = _refusal(path)
    if refusal is None and path.exists():
        print(
            f"kalshi-tui journal: {path} opens as the account's journal; --new only "
            "replaces a journal kalshi-tui refuses (it would throw good history away).",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    from kalshi_tui.services.app_lock import AppAlreadyRunning, AppLock

    try:
        # No app may start on the directory while its journal is being replaced.
        lock = AppLock.acquire(path.parent) if path.parent.is_dir() else None
    except AppAlreadyRunning as exc:
        print(f"kalshi-tui journal: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        return _replace(path, refusal, out)
    finally:
        if lock is not None:
            lock.release()


def _replace(path: Path, refusal: str | None, out: TextIO) -> int:
    from kalshi_tui.journal import Journal, JournalError, identity

    users = processes_using(path)
    if users:
        print(
            f"kalshi-tui journal: {path} is open in process(es) "
            f"{', '.join(map(str, users))}; quit kalshi-tui there first.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    stamp = _stamp()
    aside = path.with_name(f"{path.name}.aside-{stamp}")
    moved: list[Path] = []
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            # A rename opens no descriptor of the file (see journal.core: only SQLite may).
            target = aside.with_name(aside.name + suffix)
            os.rename(source, target)
            moved.append(target)
    recorded = identity.read(path)
    kept = _keep_identity_aside(path, recorded, stamp)
    try:
        journal = Journal.open(path, adopt=True)
    except JournalError as exc:
        print(f"kalshi-tui journal: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    with journal:
        journal.record_event(
            "journal_started_anew",
            {
                "refusal": refusal,
                "kept_aside": [str(p) for p in moved],
                "recorded_journal_id": None if recorded is None else recorded.journal_id,
                "recorded_last_seq": None if recorded is None else recorded.last_seq,
            },
        )
        halted = journal.halt_state().halted
    where = ", ".join(str(p) for p in moved) or "nothing (there was no journal file)"
    print(f"started a new journal at {path}. Kept aside: {where}.", file=out)
    if kept:
        print(f"The old identity file is kept as {kept}.", file=out)
    if halted:
        print("The account is still HALTED (halt marker); `kalshi-tui resume` re-arms.", file=out)
    return EXIT_OK


def _keep_identity_aside(path: Path, recorded: object, stamp: str | None = None) -> Path | None:
    from kalshi_tui.journal import identity

    source = identity.identity_path(path)
    if recorded is None or not source.exists():
        return None
    target = source.with_name(f"{source.name}.{stamp or _stamp()}.old")
    os.replace(source, target)
    return target


def processes_using(path: Path) -> list[int]:
    """PIDs with the journal (or its -wal/-shm) open, from /proc (readlink only); [] where
    /proc is not available."""
    proc = Path("/proc")
    if not (proc / "self" / "fd").exists():
        return []
    base = os.path.realpath(path)
    names = {base, base + "-wal", base + "-shm"}
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if any(link in names for link in links):
            found.append(int(entry.name))
    return sorted(found)
