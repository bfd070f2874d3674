"""The journal's identity and write counter, kept beside it so a damaged journal is noticed.

SQLite opens a zero-byte file, or a database whose WAL was deleted or cut short, as a
valid journal: an empty one, or one missing its last commits. Opened as such, the
persisted halt and every order intent would silently vanish. So each journal carries a
random identity (the `journal_id` row of its `meta` table) and `journal.identity`, a small
JSON file beside it (ordinary file I/O, never the journal's own files), records that
identity and the sequence number of the last *durable* event (`events.seq` only grows).

At open, when the identity file exists, the journal must be there, have the same identity
and hold at least that many events; otherwise `Journal.open` refuses with a
`JournalDamaged` naming the file and the way forward, before anything is written.

The file is created atomically (temporary file + rename) and then updated in place, one
same-sized `pwrite` and no fsync, after each durable commit (an intent, the halt, an
event), which already waits for an fsync of its own; commits at `synchronous=NORMAL`
(acks, fills, …) never touch it, since a power cut may rightly undo them. Losing an
update of this file (a crash before it reaches the disk) only makes it record fewer
events than the journal has, which never refuses a sound journal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from kalshi_tui.journal.records import JournalDamaged

__all__ = ["JournalDamaged", "Recorded", "Tracker", "check", "identity_path", "read", "write"]

IDENTITY_NAME = "journal.identity"
META_KEY = "journal_id"
MAX_READ_BYTES = 64 * 1024


def identity_path(journal: Path) -> Path:
    """`journal.identity` beside the journal file."""
    return journal.with_name(IDENTITY_NAME)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the identity file says: which journal, and how far it had got."""

    journal_id: str
    last_seq: int


def read(journal: Path) -> Recorded | None:
    """The identity file's record, or None when there is none (or it is unreadable: a
    crash can leave it so, and the journal it describes is then checked no further)."""
    try:
        with identity_path(journal).open("rb") as handle:
            data = json.loads(handle.read(MAX_READ_BYTES).decode())
        return Recorded(str(data["journal_id"]), int(data["last_seq"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None


RECORD_BYTES = 256
"""The identity file is one JSON object padded with spaces to this many bytes (plus a
newline), so each update is a single same-sized `pwrite` over the old record."""


def encode(journal: Path, journal_id: str, last_seq: int) -> bytes:
    payload = {"journal": journal.name, "journal_id": journal_id, "last_seq": last_seq}
    return json.dumps(payload, sort_keys=True).encode().ljust(RECORD_BYTES) + b"\n"


def write(journal: Path, journal_id: str, last_seq: int) -> None:
    """Create or replace the identity file atomically (best effort: errors are ignored)."""
    target = identity_path(journal)
    temporary = target.with_name(f".{IDENTITY_NAME}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, encode(journal, journal_id, last_seq))
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


class Tracker:
    """Keeps the identity file of an open journal current after each durable commit.

    The file stays open; an update is one `pwrite` of a fixed-size record (a few
    microseconds, no fsync, no rename; measured in docs/RELIABILITY.md). Errors are
    ignored: a stale identity file only checks less, it never refuses a sound journal.
    """

    def __init__(self, journal: Path, journal_id: str) -> None:
        self._journal = journal
        self.journal_id = journal_id
        self._fd: int | None = None
        with contextlib.suppress(OSError):
            self._fd = os.open(identity_path(journal), os.O_WRONLY)

    def record(self, last_seq: int) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.pwrite(self._fd, encode(self._journal, self.journal_id, last_seq), 0)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def journal_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    return None if row is None else str(row[0])


def ensure_journal_id(conn: sqlite3.Connection) -> str:
    """The journal's identity, minted on first use (one short transaction)."""
    existing = journal_id(conn)
    if existing is not None:
        return existing
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (META_KEY, uuid.uuid4().hex)
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    minted = journal_id(conn)
    assert minted is not None
    return minted


def last_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])


def way_forward(path: Path) -> str:
    return (
        f"Restore {path.name} from a backup and run `kalshi-tui journal --accept` (it "
        "adopts the journal now in place); or keep this file aside and start a new, empty "
        "journal with `kalshi-tui journal --new` (trading history then comes only from "
        "the exchange). Run `kalshi-tui doctor` for details."
    )


def refuse_missing(path: Path, recorded: Recorded, what: str) -> JournalDamaged:
    return JournalDamaged(
        f"the journal {path} {what}, but {identity_path(path)} records journal "
        f"{recorded.journal_id} with events up to #{recorded.last_seq} committed: its halt "
        "and order intents would be lost, so kalshi-tui refuses to start on it. "
        + way_forward(path),
        path=path,
    )


def check(path: Path, conn: sqlite3.Connection, version: int) -> None:
    """Refuse (before anything is written) a journal that is not the one recorded."""
    recorded = read(path)
    if recorded is None:
        return
    if version == 0:
        raise refuse_missing(path, recorded, "is empty (no kalshi-tui data in it)")
    found = journal_id(conn)
    if found != recorded.journal_id:
        raise JournalDamaged(
            f"the journal {path} is not the account's journal: it is journal "
            f"{found or 'without an identity'}, while {identity_path(path)} records journal "
            f"{recorded.journal_id}. It was replaced by another file. " + way_forward(path),
            path=path,
        )
    events = last_seq(conn)
    if events < recorded.last_seq:
        raise JournalDamaged(
            f"the journal {path} has lost committed writes: it holds events up to "
            f"#{events}, but {identity_path(path)} records #{recorded.last_seq} as committed "
            f"(its -wal file was probably deleted or cut short). The halt and order intents "
            "of the lost writes are gone, so kalshi-tui refuses to start on it. "
            + way_forward(path),
            path=path,
        )
