"""`kalshi-tui export`: every kind, the date filters, exact CSV content, progress, the
atomic write, and every error path (exit code and message, never a traceback)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui import export, paths
from kalshi_tui.cli import main
from kalshi_tui.domain.models import Fill, Settlement
from kalshi_tui.journal import Journal, journal_path

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def make_fill(n: int, at: datetime, **values: str) -> Fill:
    return Fill(
        fill_id=f"fill-{n}",
        order_id=values.get("order_id", "order-1"),
        ticker=values.get("ticker", "KXFED-26DEC-T4.00"),
        side=values.get("side", "yes"),  # type: ignore[arg-type]
        action=values.get("action", "buy"),  # type: ignore[arg-type]
        count=Decimal(values.get("count", "4")),
        price=Decimal(values.get("price", "0.43")),
        is_taker=values.get("taker", "1") == "1",
        fee=Decimal(values.get("fee", "0.07")),
        created_time=at,
    )


def demo_journal() -> Path:
    return journal_path(paths.default_data_dir("demo", None))


@pytest.fixture
def journal_file() -> Path:
    """The demo account's journal (no config file exists) with a little of everything."""
    path = demo_journal()
    clock = Clock()
    with Journal.open(path, clock=clock) as journal:
        journal.record_fills(
            [
                make_fill(1, START - timedelta(days=1)),
                make_fill(
                    2,
                    START,
                    count="2.50",
                    price="0.4321",
                    fee="0.0100",
                    side="no",
                    action="sell",
                    taker="0",
                ),
                make_fill(3, START + timedelta(days=1, microseconds=1), ticker='ODD,"T"'),
            ]
        )
        journal.record_intent(
            "coid-1",
            ticker="KXFED-26DEC-T4.00",
            side="yes",
            action="buy",
            price=Decimal("0.43"),
            count=Decimal("4"),
        )
        clock.now = START + timedelta(seconds=1)
        journal.mark_sent("coid-1")
        journal.record_ack("coid-1", "order-1", fill_count=Decimal("1.5"), fees=Decimal("0.03"))
        journal.record_settlements(
            [
                Settlement(
                    ticker="KXFED-26DEC-T4.00",
                    result="no",
                    yes_count=Decimal("0"),
                    no_count=Decimal("2.50"),
                    revenue=Decimal("2.5"),
                    fee=Decimal("0"),
                    settled_time=START + timedelta(hours=3),
                )
            ]
        )
    return path


def run_export(
    tmp_path: Path, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    code = main(["export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_fills_csv_is_exact(
    journal_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fills.csv"
    code, stdout, stderr = run_export(tmp_path, "--out", str(out), capsys=capsys)
    assert code == 0, stderr
    assert f"wrote 3 fills rows from {journal_file} to {out}" in stdout
    assert out.read_text(encoding="utf-8") == (
        "created_time,fill_id,order_id,ticker,side,action,count,price,is_taker,fee\n"
        "2026-03-01T14:00:00.000000Z,fill-1,order-1,KXFED-26DEC-T4.00,yes,buy,4,0.43,true,0.0700\n"
        "2026-03-02T14:00:00.000000Z,fill-2,order-1,KXFED-26DEC-T4.00,no,sell,2.50,0.4321,"
        "false,0.0100\n"
        '2026-03-03T14:00:00.000001Z,fill-3,order-1,"ODD,""T""",yes,buy,4,0.43,true,0.0700\n'
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert out.stat().st_mode & 0o077 == 0, "trading history is owner-only"


def test_other_kinds(
    journal_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    assert run_export(tmp_path, "--out", str(out), "--kind", "settlements", capsys=capsys)[0] == 0
    assert out.read_text().splitlines() == [
        "settled_time,ticker,result,yes_count,no_count,revenue,trading_fees",
        "2026-03-02T17:00:00.000000Z,KXFED-26DEC-T4.00,no,0,2.50,2.5,0.0000",
    ]
    assert run_export(tmp_path, "--out", str(out), "--kind", "orders", capsys=capsys)[0] == 0
    assert out.read_text().splitlines() == [
        "created_time,client_order_id,order_id,ticker,side,action,price,count,time_in_force,"
        "intent_state,order_status,fill_count,remaining_count,fees,adopted,reject_code,"
        "reject_message,resolution",
        "2026-03-02T14:00:00.000000Z,coid-1,order-1,KXFED-26DEC-T4.00,yes,buy,0.43,4,"
        "good_till_canceled,acked,resting,1.5,2.5,0.0300,false,,,",
    ]
    assert run_export(tmp_path, "--out", str(out), "--kind", "events", capsys=capsys)[0] == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "time,seq,kind,client_order_id,order_id,payload"
    kinds = [line.split(",")[2] for line in lines[1:]]
    assert kinds == ["fill", "fill", "fill", "intent", "request", "ack", "settlement"]
    assert lines[1] == (
        '2026-03-02T14:00:00.000000Z,1,fill,,order-1,"{""fill_id"":""fill-1"",'
        '""ticker"":""KXFED-26DEC-T4.00"",""side"":""yes"",""action"":""buy"",'
        '""count"":""4"",""price"":""0.43"",""fee"":""0.07""}"'
    )


@pytest.mark.parametrize(
    ("options", "ids"),
    [
        (("--since", "2026-03-02"), ["fill-2", "fill-3"]),
        (("--until", "2026-03-02"), ["fill-1", "fill-2"]),  # a bare date: the whole day
        (("--since", "2026-03-02", "--until", "2026-03-02"), ["fill-2"]),
        (("--until", "2026-03-02T14:00:00Z"), ["fill-1"]),  # a time: exclusive
        (("--since", "2026-03-02T15:00:00+01:00"), ["fill-2", "fill-3"]),  # = 14:00Z
        (("--since", "2026-03-02T14:00:00.000001"), ["fill-3"]),  # no offset: UTC
        (("--since", "2026-03-04"), []),
    ],
)
def test_date_filters(
    journal_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    ids: list[str],
) -> None:
    out = tmp_path / "f.csv"
    code, _, stderr = run_export(tmp_path, "--out", str(out), *options, capsys=capsys)
    assert code == 0, stderr
    rows = out.read_text().splitlines()[1:]
    assert [row.split(",")[1] for row in rows] == ids


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--since", "yesterday"), "--since 'yesterday' is not a date. Use YYYY-MM-DD"),
        (("--until", "2026-02-30"), "--until '2026-02-30' is not a date"),
        (("--since", "20260301"), "is not a date"),
        (("--since", "2026-03-03", "--until", "2026-03-02"), "is not before --until"),
    ],
)
def test_bad_dates_exit_2(
    journal_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    message: str,
) -> None:
    code, _, stderr = run_export(
        tmp_path, "--out", str(tmp_path / "f.csv"), *options, capsys=capsys
    )
    assert code == 2
    assert message in stderr
    assert not (tmp_path / "f.csv").exists()


def test_unwritable_out_paths(
    journal_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, stderr = run_export(tmp_path, "--out", str(tmp_path / "nope" / "f.csv"), capsys=capsys)
    assert code == 2
    assert "does not exist; create it first" in stderr
    code, _, stderr = run_export(tmp_path, "--out", str(tmp_path), capsys=capsys)
    assert code == 2
    assert "is a directory" in stderr
    # The file system refuses the temporary file: reported, exit 1, nothing left behind.
    code, _, stderr = run_export(tmp_path, "--out", "/proc/kalshi-export.csv", capsys=capsys)
    assert code == 1
    assert "cannot write /proc/kalshi-export.csv" in stderr
    # Permission checks (the tests run as root, where every access is allowed).
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        export.os,
        "access",
        lambda path, mode: False if Path(path) == locked else real_access(path, mode),
    )
    code, _, stderr = run_export(tmp_path, "--out", str(locked / "f.csv"), capsys=capsys)
    assert code == 2
    assert f"cannot write in {locked} (permission denied)" in stderr


def test_the_journal_is_never_the_output(
    journal_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = journal_file.read_bytes()[:100]
    for target in (journal_file, Path(f"{journal_file}-wal")):
        code, _, stderr = run_export(tmp_path, "--out", str(target), capsys=capsys)
        assert code == 2
        assert "is the journal itself" in stderr
    assert journal_file.read_bytes()[:100] == before


def test_missing_journal_exits_1_and_leaves_the_target_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.csv"
    out.write_text("previous export\n")
    code, _, stderr = run_export(tmp_path, "--out", str(out), capsys=capsys)
    assert code == 1
    assert f"no journal at {demo_journal()}" in stderr
    assert out.read_text() == "previous export\n"
    assert not demo_journal().exists(), "export never creates a journal"


def test_not_a_journal_and_newer_journal_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = demo_journal()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite at all")
    code, _, stderr = run_export(tmp_path, "--out", str(tmp_path / "f.csv"), capsys=capsys)
    assert code == 1
    assert "is not a kalshi-tui journal" in stderr
    path.unlink()
    Journal.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    code, _, stderr = run_export(tmp_path, "--out", str(tmp_path / "f.csv"), capsys=capsys)
    assert code == 1
    assert "schema version 99, written by a newer kalshi-tui" in stderr
    assert not (tmp_path / "f.csv").exists()


def test_a_journal_corrupted_mid_file_exits_1_without_leftovers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = demo_journal()
    with Journal.open(path) as journal:
        journal.record_fills(make_fill(n, START + timedelta(seconds=n)) for n in range(3000))
    size = path.stat().st_size
    with path.open("r+b") as handle:  # a run of bad pages a fifth of the way in
        handle.seek(size // 5 // 4096 * 4096)
        handle.write(b"\xff" * 65536)
    out = tmp_path / "f.csv"
    code, _, stderr = run_export(tmp_path, "--out", str(out), capsys=capsys)
    assert code == 1
    assert "database disk image is malformed" in stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.glob("*.csv*")) == []


def test_the_configured_accounts_journal_is_used(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    write_config: Callable[[str], Path],
) -> None:
    data_dir = tmp_path / "account-data"
    with Journal.open(journal_path(data_dir)) as journal:
        journal.record_fill(make_fill(7, START))
    config = write_config('[storage]\ndata_dir = "account-data"\n')
    out = tmp_path / "f.csv"
    code, stdout, stderr = run_export(
        tmp_path, "--config", str(config), "--out", str(out), capsys=capsys
    )
    assert code == 0, stderr
    assert str(journal_path(data_dir)) in stdout
    assert out.read_text().splitlines()[1].split(",")[1] == "fill-7"
    missing = tmp_path / "missing.toml"
    code, _, stderr = run_export(
        tmp_path, "--config", str(missing), "--out", str(out), capsys=capsys
    )
    assert code == 2
    assert "config file does not exist" in stderr


def test_without_a_config_the_demo_accounts_journal_is_used() -> None:
    from kalshi_tui.services.launch import demo_dir

    assert export.journal_file(None) == journal_path(demo_dir())


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _big_journal(count: int) -> Path:
    path = demo_journal()
    with Journal.open(path) as journal:
        journal.record_fills(make_fill(n, START + timedelta(seconds=n)) for n in range(count))
    return path


def test_progress_in_place_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _big_journal(120)
    monkeypatch.setattr(export, "PROGRESS_MIN_ROWS", 100)
    monkeypatch.setattr(export, "PROGRESS_EVERY_ROWS", 50)
    terminal = FakeTerminal()
    out = tmp_path / "f.csv"
    assert export.export(path, out, "fills", None, None, terminal) == 120
    assert terminal.getvalue() == (
        "\r[########............] export fills:  41% (50 of 120 rows)"
        "\r[################....] export fills:  83% (100 of 120 rows)"
        "\r[####################] export fills: 100% (120 of 120 rows)\n"
    )
    assert len(out.read_text().splitlines()) == 121


def test_progress_lines_when_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_journal(120)
    monkeypatch.setattr(export, "PROGRESS_MIN_ROWS", 100)
    monkeypatch.setattr(export, "PROGRESS_EVERY_ROWS", 50)
    monkeypatch.setattr(export, "PROGRESS_LINE_SECONDS", 0.0)
    log = io.StringIO()
    export.export(path, tmp_path / "f.csv", "fills", None, None, log)
    assert log.getvalue().splitlines() == [
        "export fills:  41% (50 of 120 rows)",
        "export fills:  83% (100 of 120 rows)",
        "export fills: 100% (120 of 120 rows)",
    ]
    monkeypatch.setattr(export, "PROGRESS_MIN_ROWS", 1000)
    quiet = io.StringIO()
    export.export(path, tmp_path / "f.csv", "fills", None, None, quiet)
    assert quiet.getvalue() == "", "small exports are silent"


def test_a_user_error_is_never_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kalshi_tui", "export", "--out", str(tmp_path / "f.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=os.environ.copy(),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("kalshi-tui export: no journal at ")


def test_export_subprocess_amended_order_settlement_and_fee_format(tmp_path: Path) -> None:
    """An order amended to 12 @ 45¢ and filled 12 exports as 12 @ 0.45 (not the intent's
    10 @ 0.40, count below filled); the settlement's fee is named for what it is (the
    market's trading fees, Kalshi's `fee_cost`) and every fee has four decimals (issue 15)."""
    with Journal.open(demo_journal(), clock=Clock()) as journal:
        journal.record_intent(
            "coid-a",
            ticker="KXA-1",
            side="yes",
            action="buy",
            price=Decimal("0.40"),
            count=Decimal("10"),
        )
        journal.mark_sent("coid-a")
        journal.record_ack("coid-a", "order-a")
        journal.record_amend(
            "order-a", price=Decimal("0.45"), count=Decimal("12"), fill_count=Decimal("12")
        )
        journal.record_fills([make_fill(1, START, order_id="order-a", ticker="KXA-1", fee="0")])
        journal.record_settlements(
            [
                Settlement(
                    ticker="KXA-1",
                    result="yes",
                    yes_count=Decimal("12"),
                    no_count=Decimal("0"),
                    revenue=Decimal("12"),
                    fee=Decimal("0.02"),
                    settled_time=START + timedelta(hours=1),
                )
            ]
        )

    def exported(kind: str) -> list[str]:
        out = tmp_path / f"{kind}.csv"
        result = subprocess.run(
            [sys.executable, "-m", "kalshi_tui", "export", "--kind", kind, "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env=os.environ.copy(),
        )
        assert result.returncode == 0, result.stderr
        return out.read_text(encoding="utf-8").splitlines()

    orders = exported("orders")
    header = orders[0].split(",")
    row = dict(zip(header, orders[1].split(","), strict=True))
    assert (row["price"], row["count"], row["fill_count"]) == ("0.45", "12", "12")
    assert row["fees"] == "0.0000"
    assert exported("settlements") == [
        "settled_time,ticker,result,yes_count,no_count,revenue,trading_fees",
        "2026-03-02T15:00:00.000000Z,KXA-1,yes,12,0,12,0.0200",
    ]
    fills = exported("fills")
    assert fills[0].endswith(",fee")
    assert fills[1].endswith(",true,0.0000")
