"""The journal's schema, its forward migrations, and the checks made before a file is used.

The schema version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the file
as a kalshi-tui journal so another program's SQLite database is never mistaken for an
empty journal. Each migration runs in its own transaction together with the version bump,
so a crash mid-migration leaves the file at the previous version, never in between.

Opening refuses, with a `JournalError` naming the file and what to do:
* a file that is not SQLite (SQLite itself reads its header, before anything is written, so
  the file is left byte-for-byte as it was and no -wal/-shm files appear beside it);
* a SQLite file that belongs to another application;
* a schema newer than this code knows (downgrading kalshi-tui must not corrupt a journal
  that a newer version wrote).
A journal is never recreated or overwritten to "fix" any of these.

Nothing here (or anywhere in kalshi-tui) opens the database, -wal or -shm file other than
through SQLite: closing any descriptor of a file drops every POSIX lock this process holds
on it, so a plain `open()`/`close()` beside a live connection lets another process think
it is the last user, checkpoint and unlink the WAL under the running app (SQLite's "How To
Corrupt An SQLite Database File", section 2.2). `shutil.copymode`/`os.stat` only stat.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from kalshi_tui.journal.records import JournalDamaged, JournalError

APPLICATION_ID = 0x4B544A4C
"""`PRAGMA application_id` of a kalshi-tui journal ("KTJL")."""

Migration = Callable[[sqlite3.Connection], None]

# Money, prices and counts are TEXT decimal strings (see _codec); the CHECKs make SQLite
# refuse a REAL or INTEGER that slipped past the Python layer instead of storing it.
_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE intents (
    client_order_id TEXT PRIMARY KEY,
    ticker TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('yes', 'no')),
    action TEXT NOT NULL CHECK (action IN ('buy', 'sell')),
    price TEXT NOT NULL CHECK (typeof(price) = 'text'),
    count TEXT NOT NULL CHECK (typeof(count) = 'text'),
    tif TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '{}',
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'acked', 'rejected', 'unknown',
        'canceled', 'filled', 'not_placed', 'withdrawn')),
    order_id TEXT,
    reject_code TEXT,
    reject_message TEXT,
    unknown_reason TEXT,
    resolution TEXT
);
CREATE INDEX intents_by_state ON intents (state);
CREATE UNIQUE INDEX intents_by_order_id ON intents (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX intents_by_created ON intents (created_us);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    client_order_id TEXT,
    order_id TEXT,
    payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_time ON events (at_us);
CREATE INDEX events_by_client_order_id ON events (client_order_id)
    WHERE client_order_id IS NOT NULL;
CREATE INDEX events_by_order_id ON events (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    client_order_id TEXT,
    intent_id TEXT REFERENCES intents (client_order_id),
    adopted INTEGER NOT NULL CHECK (adopted IN (0, 1)),
    ticker TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('yes', 'no')),
    action TEXT NOT NULL CHECK (action IN ('buy', 'sell')),
    price TEXT NOT NULL CHECK (typeof(price) = 'text'),
    initial_count TEXT NOT NULL CHECK (typeof(initial_count) = 'text'),
    fill_count TEXT NOT NULL CHECK (typeof(fill_count) = 'text'),
    remaining_count TEXT NOT NULL CHECK (typeof(remaining_count) = 'text'),
    status TEXT NOT NULL,
    fees TEXT NOT NULL CHECK (typeof(fees) = 'text'),
    created_us INTEGER,
    first_seen_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    -- An order is either ours (placed from an intent) or adopted, never both or neither.
    CHECK ((adopted = 1 AND intent_id IS NULL) OR (adopted = 0 AND intent_id IS NOT NULL))
);
CREATE INDEX orders_by_status ON orders (status);
CREATE INDEX orders_by_first_seen ON orders (first_seen_us);

CREATE TABLE fills (
    fill_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    ticker TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('yes', 'no')),
    action TEXT NOT NULL CHECK (action IN ('buy', 'sell')),
    count TEXT NOT NULL CHECK (typeof(count) = 'text'),
    price TEXT NOT NULL CHECK (typeof(price) = 'text'),
    is_taker INTEGER NOT NULL CHECK (is_taker IN (0, 1)),
    fee TEXT NOT NULL CHECK (typeof(fee) = 'text'),
    created_us INTEGER NOT NULL,
    recorded_us INTEGER NOT NULL
);
CREATE INDEX fills_by_time ON fills (created_us);
CREATE INDEX fills_by_ticker_time ON fills (ticker, created_us);

CREATE TABLE settlements (
    ticker TEXT NOT NULL,
    settled_us INTEGER NOT NULL,
    result TEXT NOT NULL,
    yes_count TEXT NOT NULL CHECK (typeof(yes_count) = 'text'),
    no_count TEXT NOT NULL CHECK (typeof(no_count) = 'text'),
    revenue TEXT NOT NULL CHECK (typeof(revenue) = 'text'),
    fee TEXT NOT NULL CHECK (typeof(fee) = 'text'),
    recorded_us INTEGER NOT NULL,
    PRIMARY KEY (ticker, settled_us)
);
CREATE INDEX settlements_by_time ON settlements (settled_us);

CREATE TABLE halt (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    halted INTEGER NOT NULL CHECK (halted IN (0, 1)),
    trigger TEXT,
    value TEXT CHECK (value IS NULL OR typeof(value) = 'text'),
    threshold TEXT CHECK (threshold IS NULL OR typeof(threshold) = 'text'),
    reason TEXT,
    at_us INTEGER
);
INSERT INTO halt (id, halted) VALUES (1, 0);
"""

# v2: lookups the services make often enough to deserve an index: an order's fills (order
# detail, fill confirmation) and the event log by kind (halt history, risk denials).
_V2 = """
CREATE INDEX fills_by_order_id ON fills (order_id);
CREATE INDEX events_by_kind_time ON events (kind, at_us);
"""


def _script(sql: str) -> Migration:
    def run(conn: sqlite3.Connection) -> None:
        # executescript() would COMMIT the surrounding transaction first; run the
        # statements one by one so the migration and its version bump stay atomic.
        for statement in _statements(sql):
            conn.execute(statement)

    return run


def _statements(sql: str) -> list[str]:
    statements: list[str] = []
    pending = ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:60]}")
    return statements


MIGRATIONS: tuple[Migration, ...] = (_script(_V1), _script(_V2))
"""`MIGRATIONS[n - 1]` takes a journal from version n − 1 to n."""

LATEST_VERSION = len(MIGRATIONS)


def not_sqlite_error(path: Path) -> JournalError:
    return JournalError(
        f"{path} is not a kalshi-tui journal (not a SQLite database). It was left "
        "untouched. Move it aside or point [storage] data_dir at another directory; "
        "kalshi-tui never overwrites an existing file.",
        path=path,
    )


def unreadable_error(path: Path, exc: sqlite3.Error) -> JournalError:
    return JournalError(
        f"cannot read the journal {path}: {exc}. Check the file's permissions (it should "
        "belong to you, mode 600).",
        path=path,
    )


def is_not_a_database(exc: sqlite3.DatabaseError) -> bool:
    """SQLite's answer when page 1 does not start with the SQLite header."""
    return "file is not a database" in str(exc)


def corrupt_error(path: Path, exc: sqlite3.DatabaseError) -> JournalError:
    return JournalDamaged(
        f"the journal {path} is unreadable ({exc}). It was left as it is. Restore it from a "
        "backup (then `kalshi-tui journal --accept`), or keep it aside and start a new "
        "journal with `kalshi-tui journal --new` (trading history would then come only "
        "from the exchange).",
        path=path,
    )


QUICK_CHECK_LIMIT = 20
"""At most this many problems are listed by `page_problems`."""


def page_problems(conn: sqlite3.Connection) -> list[str]:
    """`PRAGMA quick_check`: every page and index entry readable, in order, no page
    used twice ([] when sound). Reads the whole file, but skips the slower index-content
    comparison of `integrity_check`; measured in docs/RELIABILITY.md."""
    rows = [str(row[0]) for row in conn.execute(f"PRAGMA quick_check({QUICK_CHECK_LIMIT})")]
    return [] if rows == ["ok"] else rows


def damaged_error(path: Path, problems: list[str]) -> JournalDamaged:
    shown = "; ".join(problems[:3]) + (f"; … ({len(problems)} in all)" if len(problems) > 3 else "")
    return JournalDamaged(
        f"the journal {path} is damaged: SQLite's quick_check found {len(problems)} "
        f'problem(s): {shown}. Reading it would fail with "database disk image is '
        'malformed", so kalshi-tui will not trade on it; the file was left as it is. '
        f"Restore {path.name} from a backup (then `kalshi-tui journal --accept`), or keep "
        "it aside and start a new journal with `kalshi-tui journal --new` (history would "
        "then come only from the exchange; rows may still be salvaged from the old file "
        "with `sqlite3 OLD .recover`).",
        path=path,
    )


def version_of(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; refuses another application's database."""
    application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if application_id == APPLICATION_ID:
        return version
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if application_id == 0 and version == 0 and tables == 0:
        return 0
    raise JournalError(
        f"{path} is a SQLite database but not a kalshi-tui journal (application_id "
        f"{application_id:#x}, user_version {version}, {tables} schema objects). It was left "
        "untouched; point [storage] data_dir at a directory of its own.",
        path=path,
    )


def refuse_newer(version: int, path: Path) -> None:
    if version > LATEST_VERSION:
        raise JournalError(
            f"the journal {path} has schema version {version}, written by a newer kalshi-tui; "
            f"this version understands up to {LATEST_VERSION}. Upgrade kalshi-tui (the file "
            "was not modified). To look at it with this version, use a copy of an older "
            "backup instead.",
            path=path,
        )


def backup_before_migration(conn: sqlite3.Connection, path: Path, version: int) -> Path | None:
    """Copy a journal with data in it before migrating it, so an upgrade can be undone.

    Uses SQLite's online backup (consistent even with a WAL beside the file). The copy is
    `<name>.schema-v<version>.bak`; an existing copy is kept and a numbered name used.
    """
    if version == 0:
        return None
    target = path.with_name(f"{path.name}.schema-v{version}.bak")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.schema-v{version}.{number}.bak")
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()
    shutil.copymode(path, target)
    return target


def migrate(conn: sqlite3.Connection, current: int, target: int = LATEST_VERSION) -> None:
    """Apply migrations `current + 1 … target`, one transaction each.

    `conn` must be in autocommit mode (isolation_level=None) so the explicit BEGIN here
    is the only transaction.
    """
    for version in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](conn)
            if version == 1:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            # PRAGMA user_version takes no bound parameters; `version` is our own int.
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(version),),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """`PRAGMA integrity_check` plus `foreign_key_check`; an empty list means healthy."""
    rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    problems = [] if rows == ["ok"] else rows
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        problems.append(f"{table} row {rowid}: missing {parent} row")
    return problems
