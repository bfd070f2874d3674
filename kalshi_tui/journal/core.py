"""The journal's foundation: opening a file safely, transactions, the event log, the halt.

The write-ahead journal: every order intent is durable on disk before its request leaves.

One SQLite file per account (WAL mode, foreign keys on). Each public write is one
transaction that updates the state tables *and* appends to the `events` log, so the two
never disagree. Intents, the halt and free-form events commit with `synchronous=FULL`:
when `record_intent` returns the intent has been fsynced, and only then does the order
service send the request. Facts the exchange can tell us again (acks, fills, …) commit
with `synchronous=NORMAL`, saving an fsync each; see `_transaction` for why that is safe.

Threading: the connection belongs to the thread that opened the journal (SQLite's
`check_same_thread`). The app is single-threaded asyncio and a write is a fraction of a
millisecond of work plus, for the durable ones, one fsync of the disk (measured in
bench/bench_journal.py), so callers on the event loop call these methods directly;
offloading to a thread would add more latency than it saves. Another process (e.g.
`kalshi-tui halt` in a second terminal) may open the same file: WAL allows it, and
writers wait up to `busy_timeout` for each other.

Rule: no code anywhere in kalshi-tui opens, reads, writes, truncates, renames or deletes
the journal file or its -wal/-shm files except through SQLite (a stat or chmod is fine).
Closing *any* descriptor of the file drops every POSIX lock the process holds on it, and
the next process to close then checkpoints and unlinks the WAL under the running app. So
even a new journal is created by SQLite (`mode=rwc`), never by `os.open`; what kalshi-tui
keeps beside the journal (the halt marker, the identity sidecar) are files of their own.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from kalshi_tui.journal import halt_marker, identity, queries, schema
from kalshi_tui.journal._codec import (
    encode_optional_decimal,
    encode_payload,
    encode_time,
)
from kalshi_tui.journal.daily_log import describe_event
from kalshi_tui.journal.records import (
    NOT_HALTED,
    TRANSITIONS,
    EventKind,
    HaltState,
    IntentRecord,
    IntentState,
    JournalError,
)

JOURNAL_FILE_NAME = "journal.sqlite3"
"""File name of the journal inside the account's data directory."""

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another process's write (e.g. `kalshi-tui halt`)."""

Clock = Callable[[], datetime]

event_log = logging.getLogger("kalshi_tui.journal")
"""Every committed event is also a line here (INFO), which the daily log file receives."""


def journal_path(data_dir: Path) -> Path:
    """Where the journal lives in an account's data directory."""
    return data_dir / JOURNAL_FILE_NAME


def _utc_now() -> datetime:
    return datetime.now(UTC)


class JournalCore:
    """Lifecycle and plumbing of an open journal; `Journal` adds the trading records."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock) -> None:
        """Use `Journal.open`; this wraps an already configured and migrated connection."""
        self._conn = conn
        self._path = path
        self._clock = clock
        self._durable = True
        """Whether the connection is at `synchronous=FULL` (set so by `_prepare`)."""
        self._log_lines: list[str] = []
        """Descriptions of the events of the open transaction, logged once it commits."""
        self._identity: identity.Tracker | None = None
        """Keeps `journal.identity` current; set by `open`."""
        self._last_seq = 0
        """The last event appended by the open transaction (0: none)."""

    # --- lifecycle ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        create: bool = True,
        clock: Clock | None = None,
        adopt: bool = False,
        verify: bool = False,
    ) -> Self:
        """Open (and migrate forward) the journal at `path`, creating it if allowed.

        Raises `JournalError` for a missing file when `create` is False, a file that is not a
        kalshi-tui journal, a corrupt file, or a schema newer than this code, and
        `identity.JournalDamaged` for a journal that is missing, empty, another one or has
        lost committed writes according to `journal.identity` beside it. None of these
        modify the file. A journal at an older schema is backed up beside itself
        (`<name>.schema-v<N>.bak`) and then migrated. `adopt=True` (`kalshi-tui
        journal --accept|--new` only) skips the identity check and records this journal as the
        account's. `verify=True` (the app's start-up, `doctor`, `resume`) also runs
        `PRAGMA quick_check` first and refuses a journal with damaged pages.
        """
        path = Path(path)
        if path.is_dir():
            raise JournalError(f"{path} is a directory, not a journal file", path=path)
        recorded = None if adopt else identity.read(path)
        if recorded is not None and not path.exists():
            raise identity.refuse_missing(path, recorded, "is missing")
        if not path.exists() and not create:
            raise JournalError(
                f"no journal at {path}. Check the config's [storage] data_dir, or start "
                "kalshi-tui once to create it.",
                path=path,
            )
        is_new = not path.exists()
        if is_new and not path.parent.exists():
            from kalshi_tui.paths import ensure_private_dir

            ensure_private_dir(path.parent)
        try:
            # SQLite itself creates a missing file (mode=rwc) or refuses to (mode=rw): no
            # descriptor of the journal is ever opened outside SQLite (see the module doc).
            conn = sqlite3.connect(
                f"{path.absolute().as_uri()}?mode={'rwc' if create else 'rw'}",
                uri=True,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_SECONDS,
                check_same_thread=True,
            )
        except sqlite3.Error as exc:
            if not path.exists():
                raise JournalError(f"cannot create the journal {path}: {exc}", path=path) from exc
            raise schema.unreadable_error(path, exc) from exc
        if is_new:
            _make_private(path)
        try:
            version = _prepare(conn, path, check_identity=not adopt, verify=verify)
            journal_id = identity.ensure_journal_id(conn)
            if recorded is None:
                identity.write(path, journal_id, identity.last_seq(conn))
        except sqlite3.DatabaseError as exc:
            conn.close()
            if schema.is_not_a_database(exc):
                raise schema.not_sqlite_error(path) from exc
            if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
                raise schema.unreadable_error(path, exc) from exc
            raise schema.corrupt_error(path, exc) from exc
        except BaseException:
            conn.close()
            raise
        journal = cls(conn, path, clock or _utc_now)
        journal._identity = identity.Tracker(path, journal_id)
        halt_marker.ensure_reserve(path.parent)
        if 0 < version < schema.LATEST_VERSION:
            journal.record_event(
                EventKind.MIGRATION,
                {"from_version": version, "to_version": schema.LATEST_VERSION},
            )
        return journal

    @property
    def path(self) -> Path:
        return self._path

    @property
    def journal_id(self) -> str:
        """The journal's identity (kept in `meta` and in `journal.identity` beside it)."""
        assert self._identity is not None
        return self._identity.journal_id

    def last_seq(self) -> int:
        """The sequence number of the newest event (0 for none)."""
        return identity.last_seq(self._conn)

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL when the last one closes)."""
        self._conn.close()
        if self._identity is not None:
            self._identity.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def integrity_check(self) -> list[str]:
        """Run `PRAGMA integrity_check` and `foreign_key_check`; [] means the file is sound.

        Reads the whole file: seconds for a journal with millions of rows, so run it from
        `doctor` or on demand, not on every start-up.
        """
        return schema.integrity_problems(self._conn)

    def pragma(self, name: str) -> Any:
        """The value of a read-only PRAGMA such as `journal_mode` (for diagnostics)."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a pragma name: {name!r}")
        return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    # --- plumbing shared with the write methods ------------------------------------------

    def _now_us(self) -> int:
        return encode_time(self._clock())

    @contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; `durable` commits with `synchronous=FULL` (fsync).

        Only what cannot be learned again from the exchange needs the fsync: the intent
        (it must exist before the request leaves), the halt, free-form events. Acks,
        rejects, orders, fills and settlements commit with NORMAL, which in WAL mode
        survives a crash of the app but not of the OS; after a power cut such a record
        reverts to the previous state (e.g. an acked intent is `sent` again), which is
        exactly what start-up reconciliation resolves against the exchange. The next
        durable commit syncs the WAL and so everything written before it.
        """
        if durable != self._durable:
            self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
            self._durable = durable
        # IMMEDIATE takes the write lock up front, so a concurrent writer makes us wait
        # (busy_timeout) at BEGIN rather than fail half-way through.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            # SQLite rolls a transaction back by itself on some errors (a full disk):
            # a second ROLLBACK would raise and hide the real error.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._log_lines.clear()
            self._last_seq = 0
            raise
        try:
            self._conn.execute("COMMIT")
        except BaseException:
            # A COMMIT that fails (disk full while writing the WAL) may leave the
            # transaction open: end it, or every later BEGIN would fail too.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._log_lines.clear()
            self._last_seq = 0
            raise
        if durable and self._last_seq and self._identity is not None:
            # Everything up to this event is on disk now: the identity file may say so.
            self._identity.record(self._last_seq)
        self._last_seq = 0
        if self._log_lines:
            # Only what was committed reaches the human-readable log, and in order.
            for line in self._log_lines:
                event_log.info("%s", line)
            self._log_lines.clear()

    def _append_event(
        self,
        kind: str,
        at_us: int,
        payload: Mapping[str, Any] | None,
        client_order_id: str | None = None,
        order_id: str | None = None,
        *,
        payload_json: str | None = None,
    ) -> int:
        """Append one event row; `payload_json` is an already encoded trusted payload.

        The event is described for the daily log when INFO logging is on; the line is
        written when the transaction commits.
        """
        if event_log.isEnabledFor(logging.INFO):
            self._log_lines.append(describe_event(kind, payload, client_order_id, order_id))
        cursor = self._conn.execute(
            "INSERT INTO events (kind, at_us, client_order_id, order_id, payload) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                str(kind),
                at_us,
                client_order_id,
                order_id,
                payload_json if payload_json is not None else encode_payload(payload),
            ),
        )
        self._last_seq = int(cursor.lastrowid or 0)
        return self._last_seq

    def intent(self, client_order_id: str) -> IntentRecord | None:
        row = self._conn.execute(
            f"SELECT {queries.INTENT_COLUMNS} FROM intents WHERE client_order_id = ?",
            (client_order_id,),
        ).fetchone()
        return None if row is None else queries.intent_from_row(row)

    def _require_intent(self, client_order_id: str) -> IntentRecord:
        intent = self.intent(client_order_id)
        if intent is None:
            raise JournalError(f"no intent with client_order_id {client_order_id!r}")
        return intent

    def _move(self, intent: IntentRecord, target: IntentState, at_us: int, **columns: Any) -> None:
        if target != intent.state and target not in TRANSITIONS[intent.state]:
            raise JournalError(
                f"intent {intent.client_order_id} cannot go from {intent.state} to {target}"
            )
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._conn.execute(
            f"UPDATE intents SET state = ?, updated_us = ?{', ' if columns else ''}"
            f"{assignments} WHERE client_order_id = ?",
            (str(target), at_us, *columns.values(), intent.client_order_id),
        )

    # --- events ---------------------------------------------------------------------------

    def record_event(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        client_order_id: str | None = None,
        order_id: str | None = None,
    ) -> int:
        """Append an event (risk denial, reconciliation finding, …); returns its sequence.

        Secret-looking payload values (signatures, private keys) are redacted.
        """
        with self._transaction():
            return self._append_event(kind, self._now_us(), payload, client_order_id, order_id)

    # --- halt -----------------------------------------------------------------------------

    def set_halt(
        self,
        trigger: str,
        reason: str,
        *,
        value: Decimal | None = None,
        threshold: Decimal | None = None,
    ) -> HaltState:
        """Persist "trading halted" (before anything else the kill switch does).

        The halt marker is written (fsynced) first, then the journal. If the journal
        cannot record it, `HaltNotJournaled` says whether the marker holds the halt.
        """
        at = self._clock()
        at_us = encode_time(at)
        marker_error: OSError | None = None
        try:
            halt_marker.write(self._path, halt_marker.encode(trigger, reason, at, value, threshold))
        except OSError as exc:
            # A marker already there (e.g. `kalshi-tui halt` wrote one first) still holds.
            marker_error = None if halt_marker.read(self._path) is not None else exc
        try:
            with self._transaction():
                self._conn.execute(
                    "UPDATE halt SET halted = 1, trigger = ?, value = ?, threshold = ?, "
                    "reason = ?, at_us = ? WHERE id = 1",
                    (
                        trigger,
                        encode_optional_decimal(value),
                        encode_optional_decimal(threshold),
                        reason,
                        at_us,
                    ),
                )
                self._append_event(
                    EventKind.HALT,
                    at_us,
                    {"trigger": trigger, "reason": reason, "value": value, "threshold": threshold},
                )
        except Exception as exc:
            raise HaltNotJournaled(self._path, exc, marker_error) from exc
        return self.halt_state()

    def clear_halt(self, reason: str) -> HaltState:
        """Persist the re-arm, then remove the halt marker (only the one seen before the
        commit: a halt marked meanwhile stays). The caller checks first that no intent is
        unresolved."""
        marker = halt_marker.read(self._path)
        at_us = self._now_us()
        with self._transaction():
            self._conn.execute(
                "UPDATE halt SET halted = 0, trigger = NULL, value = NULL, threshold = NULL, "
                "reason = ?, at_us = ? WHERE id = 1",
                (reason, at_us),
            )
            self._append_event(EventKind.RESUME, at_us, {"reason": reason})
        if marker is not None:
            target = halt_marker.marker_path(self._path)
            try:
                halt_marker.remove(self._path, marker)
            except OSError as exc:
                raise JournalError(
                    f"the resume is journaled, but the halt marker {target} could not be "
                    f"removed ({exc.strerror or exc}), so the account still counts as halted. "
                    "Fix the directory's permissions (or delete the file by hand) and resume "
                    "again.",
                    path=target,
                ) from exc
            halt_marker.ensure_reserve(self._path.parent)
        return self.halt_state()

    def halt_state(self, *, marker: bool = True) -> HaltState:
        """The journal's halt; the halt marker's when only the marker holds one (a halt
        the journal could not record is still a halt). `marker=False`: the journal's row
        alone (to decide whether the journal still has to record a halt)."""
        row = self._conn.execute(
            "SELECT halted, trigger, value, threshold, reason, at_us FROM halt WHERE id = 1"
        ).fetchone()
        state = NOT_HALTED if row is None else queries.halt_from_row(row)
        if state.halted or not marker:
            return state
        held = halt_marker.read(self._path)
        return state if held is None else held.state


class HaltNotJournaled(JournalError):
    """`set_halt` could not write the journal; `marker_holds` says whether the halt
    marker holds the halt instead (so it survives a restart)."""

    def __init__(self, path: Path, error: Exception, marker_error: OSError | None) -> None:
        self.marker_holds = marker_error is None
        self.error = error
        marker = halt_marker.marker_path(path)
        cause = str(error) or type(error).__name__
        if marker_error is None:
            text = (
                f"the halt could not be written to the journal {path} ({cause}); the halt "
                f"marker {marker} holds it, so every start-up comes up HALTED until a resume"
            )
        else:
            text = (
                f"the halt could not be written to the journal {path} ({cause}) nor to the "
                f"halt marker {marker} ({marker_error.strerror or marker_error}); it holds "
                "only until this process ends"
            )
        super().__init__(text, path=path)


def _make_private(path: Path) -> None:
    """Make a journal SQLite has just created readable by the owner only (it is trading
    history), before anything is written to it: SQLite gives the -wal and -shm files the
    database's permissions. A chmod opens no descriptor."""
    os.chmod(path, 0o600)


def _prepare(
    conn: sqlite3.Connection, path: Path, *, check_identity: bool = True, verify: bool = False
) -> int:
    """Check the file, configure the connection and migrate; returns the version found."""
    version = schema.version_of(conn, path)
    schema.refuse_newer(version, path)
    if verify and version > 0:
        try:
            problems = schema.page_problems(conn)
        except sqlite3.DatabaseError as exc:  # so damaged that the check cannot finish
            problems = [str(exc)]
        if problems:
            raise schema.damaged_error(path, problems)
    if check_identity:
        identity.check(path, conn, version)  # before anything is written to the file
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise JournalError(
            f"cannot put the journal {path} in WAL mode (got {mode!r}); the file system may "
            "not support it (network drives often do not). Use a local data_dir.",
            path=path,
        )
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    if version < schema.LATEST_VERSION:
        schema.backup_before_migration(conn, path, version)
        schema.migrate(conn, version)
    return version
