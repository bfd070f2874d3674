"""`kalshi-tui export`: the journal's fills, orders, settlements or events as a CSV file.

    kalshi-tui export --out fills.csv [--since 2026-03-01] [--until 2026-03-31] [--kind fills]

Times are ISO-8601 UTC (`2026-03-02T14:03:11.482000Z`); money, prices and counts are the
exact decimal text the journal stored (never a float), fees always with four decimals
(`0.0000`, `0.0700`). An order's row has its current price and count (after any amend or
decrease). A settlement's `trading_fees` is what the exchange reports on it (Kalshi's
`fee_cost`): the trading fees paid in that market, already charged on the fills; settling
charges nothing more. Rows stream from SQLite to the file,
so memory stays flat for any journal size, and a progress line runs on stderr for large
exports. The CSV is written to a temporary file beside the target and renamed over it only
when complete: an interrupted export never leaves a half-written file under the real name.
The file is created owner-only (0600), like the journal: it is trading history.

Which journal: the account's data directory from the config (`[storage] data_dir`, else the
per-account default); with no config file at all, the demo account's.

Exit status: 0 written; 1 the journal cannot be read (missing, not a journal, corrupt,
written by a newer kalshi-tui) or the file cannot be written; 2 bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO, cast

from kalshi_tui import files, paths

PROG = "kalshi-tui export"
KINDS = ("fills", "orders", "settlements", "events")
DATE_FORMATS = "YYYY-MM-DD (a UTC day) or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM] (UTC if no offset)"
PROGRESS_MIN_ROWS = 10_000
"""Exports smaller than this finish too quickly to need a progress line."""
PROGRESS_EVERY_ROWS = 5_000
BAR_WIDTH = 20
PROGRESS_LINE_SECONDS = 2.0
"""How often a progress line is printed when stderr is not a terminal."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class ExportError(Exception):
    """A problem the user can fix; `exit_code` says which kind."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_bound(text: str, flag: str, *, end: bool) -> datetime:
    """A `--since`/`--until` value as a UTC instant.

    A bare date is a whole UTC day: `--since D` starts at its midnight and `--until D`
    includes it (the bound is the next midnight). A date-time is used as given; `--until`
    is exclusive.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ExportError(
            f"{flag} {text!r} is not a date. Use {DATE_FORMATS}, e.g. {flag} 2026-03-01.",
            EXIT_USAGE,
        ) from None
    if "T" not in value.upper() and " " not in value:
        raise ExportError(f"{flag} {text!r} is not a date. Use {DATE_FORMATS}.", EXIT_USAGE)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_out_path(text: str) -> Path:
    """The output file, refused early if it could not be written."""
    out = Path(text).expanduser()
    if out.is_dir():
        raise ExportError(
            f"--out {out} is a directory; name a file, e.g. {out}/fills.csv", EXIT_USAGE
        )
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise ExportError(
            f"--out {out}: {parent} is a file, not a directory; name a file in a directory",
            EXIT_USAGE,
        )
    if not parent.is_dir():
        raise ExportError(
            f"--out {out}: the directory {parent} does not exist; create it first", EXIT_USAGE
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"--out {out}: cannot write in {parent} (permission denied)", EXIT_USAGE)
    if out.exists() and not os.access(out, os.W_OK):
        raise ExportError(f"--out {out}: the existing file is read-only", EXIT_USAGE)
    # A FIFO or device under that name would be replaced by the rename (or, as root,
    # `/dev/null` itself): only a regular file may be overwritten.
    problem = files.output_file_problem(out, what="--out file")
    if problem is not None:
        raise ExportError(str(problem), EXIT_USAGE)
    return out


def journal_file(config: str | None) -> Path:
    """The journal of the configured account, or of the demo account without a config."""
    from kalshi_tui.config import load_settings, resolve_config_path
    from kalshi_tui.journal import journal_path

    path, explicit = resolve_config_path(config)
    if not explicit and not path.exists():
        # The keyless demo account (`services.launch.demo_dir`, not imported here: it
        # would pull in the HTTP client and the simulator for nothing).
        data_dir, fix = paths.default_data_dir("demo", None), files.DEFAULT_FIX
    else:
        settings = load_settings(path, check_key=False)
        data_dir, fix = settings.data_dir, settings.data_dir_fix()
    try:
        files.check_data_dir(data_dir, write=False, fix=fix)
    except files.FileProblem as problem:
        raise ExportError(str(problem)) from None
    return journal_path(data_dir)


class Progress:
    """`export fills:  42% (420,000 of 1,000,000 rows)` on stderr: a bar rewritten in place
    on a terminal, a line every few seconds otherwise; silent for small exports."""

    def __init__(self, kind: str, total: int, stream: TextIO) -> None:
        self.kind = kind
        self.total = total
        self.stream = stream
        self.enabled = total >= PROGRESS_MIN_ROWS
        self.tty = stream.isatty()
        self.last = time.monotonic()

    def _text(self, done: int) -> str:
        percent = 100 * done // self.total if self.total else 100
        text = f"export {self.kind}: {percent:3d}% ({done:,} of {self.total:,} rows)"
        if self.tty:
            filled = BAR_WIDTH * percent // 100
            text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"
        return text

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r" + self._text(done))
            self.stream.flush()
            return
        now = time.monotonic()
        if now - self.last >= PROGRESS_LINE_SECONDS:
            self.last = now
            self.stream.write(self._text(done) + "\n")
            self.stream.flush()

    def finish(self, done: int) -> None:
        if self.enabled:
            self.stream.write(("\r" if self.tty else "") + self._text(done) + "\n")
            self.stream.flush()


FEE_PLACES = 4
"""Fees are written with exactly this many decimals (Kalshi's fixed-point dollars)."""

_FEE_COLUMNS = {"fills": 9, "orders": 13, "settlements": 6}


def fee_text(stored: str | None) -> str | None:
    """A stored fee (exact decimal text) with `FEE_PLACES` decimals: `0` → `0.0000`,
    `0.07` → `0.0700`. Text only, no Decimal parsing; a finer fee keeps its digits."""
    if stored is None or stored == "":
        return stored
    whole, _, fraction = stored.partition(".")
    return f"{whole}.{fraction.ljust(FEE_PLACES, '0')}"


def _csv_rows(kind: str, rows: Iterator[tuple[Any, ...]]) -> Iterator[list[Any]]:
    """Stored rows as CSV cells: column 0 to ISO UTC, flags to true/false, fees to
    `FEE_PLACES` decimals."""
    from kalshi_tui.journal._codec import iso_utc

    flag_column = {"fills": 8, "orders": 14}.get(kind)
    fee_column = _FEE_COLUMNS.get(kind)
    for row in rows:
        cells = list(row)
        cells[0] = iso_utc(cells[0]) if cells[0] is not None else ""
        if flag_column is not None:
            cells[flag_column] = "true" if cells[flag_column] else "false"
        if fee_column is not None:
            cells[fee_column] = fee_text(cells[fee_column])
        yield cells


def export(
    journal_path: Path,
    out: Path,
    kind: str,
    since: datetime | None,
    until: datetime | None,
    progress_stream: TextIO | None = None,
) -> int:
    """Write the CSV atomically; returns the number of data rows."""
    from kalshi_tui.journal import Journal, JournalError
    from kalshi_tui.journal.queries import EXPORT_HEADERS, ExportKind

    stream = progress_stream if progress_stream is not None else sys.stderr
    try:
        journal = Journal.open(journal_path, create=False)
    except JournalError as exc:
        raise ExportError(str(exc)) from None
    tmp: Path | None = None
    try:
        total, rows = journal.export_rows(cast(ExportKind, kind), since, until)
        progress = Progress(kind, total, stream)
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        tmp = Path(name)
        written = 0
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(EXPORT_HEADERS[cast(ExportKind, kind)])
            for cells in _csv_rows(kind, rows):
                writer.writerow(cells)
                written += 1
                if written % PROGRESS_EVERY_ROWS == 0:
                    progress.update(written)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
        tmp = None
        progress.finish(written)
        return written
    except sqlite3.DatabaseError as exc:
        raise ExportError(
            f"the journal {journal_path} could not be read while exporting ({exc}); it was "
            "not modified. Run `kalshi-tui doctor`, or restore the journal from a backup."
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        journal.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE.csv", required=True, help="CSV file to write")
    parser.add_argument(
        "--since", metavar="DATE", help=f"only rows at or after DATE: {DATE_FORMATS}"
    )
    parser.add_argument(
        "--until",
        metavar="DATE",
        help="only rows before DATE (a bare date includes that whole UTC day)",
    )
    parser.add_argument(
        "--kind", choices=KINDS, default="fills", help="what to export (default: fills)"
    )


def _sidecars(journal: Path) -> list[Path]:
    base = journal.resolve()
    return [base.with_name(base.name + suffix) for suffix in ("-wal", "-shm")]


def run(args: argparse.Namespace) -> int:
    """The `export` subcommand."""
    try:
        since = None if args.since is None else parse_bound(args.since, "--since", end=False)
        until = None if args.until is None else parse_bound(args.until, "--until", end=True)
        if since is not None and until is not None and since >= until:
            raise ExportError(
                f"--since {args.since} is not before --until {args.until}: nothing to export",
                EXIT_USAGE,
            )
        out = check_out_path(args.out)
        source = journal_file(getattr(args, "config", None))
        if out.resolve() in {source.resolve(), *(_sidecars(source))}:
            raise ExportError(
                f"--out {out} is the journal itself; name another file for the CSV",
                EXIT_USAGE,
            )
        written = export(source, out, args.kind, since, until)
    except ExportError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"wrote {written:,} {args.kind} rows from {source} to {out}")
    return EXIT_OK
