"""The daily log is wired: journal events (as they commit) and the session's log tail land
in `kalshi-tui-<UTC date>.log` beside the journal, and the app installs it at start-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal, JournalError, journal_path
from kalshi_tui.journal.daily_log import DailyLogHandler, describe_event, install_daily_log
from kalshi_tui.services.daily_log import forward_store_log, start_daily_log

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def daily_log(tmp_path: Path) -> Iterator[DailyLogHandler]:
    handler = install_daily_log(tmp_path, clock=lambda: NOW)
    yield handler
    logging.getLogger("kalshi_tui").removeHandler(handler)
    handler.close()


def log_text(directory: Path) -> str:
    return (directory / "kalshi-tui-2026-03-02.log").read_text(encoding="utf-8")


def test_journal_events_reach_the_daily_log_once_committed(
    tmp_path: Path, daily_log: DailyLogHandler
) -> None:
    with Journal.open(journal_path(tmp_path), clock=lambda: NOW) as journal:
        journal.record_intent(
            "coid-1",
            ticker="KXFED-26DEC-T4.00",
            side="yes",
            action="buy",
            price=Decimal("0.43"),
            count=Decimal("4"),
            flags={"post_only": True, "signature": "c2VjcmV0c2lnbmF0dXJl"},
        )
        with pytest.raises(JournalError):  # rolled back: must not be logged
            journal.record_intent(
                "coid-1",
                ticker="OTHER",
                side="no",
                action="sell",
                price=Decimal("0.10"),
                count=Decimal("1"),
            )
        journal.mark_sent("coid-1")
        journal.record_ack("coid-1", "order-1")
        journal.record_fills(
            [
                Fill(
                    fill_id="fill-1",
                    order_id="order-1",
                    ticker="KXFED-26DEC-T4.00",
                    side="yes",
                    action="buy",
                    count=Decimal("2.50"),
                    price=Decimal("0.43"),
                    is_taker=False,
                    fee=Decimal("0.02"),
                    created_time=NOW,
                )
            ]
        )
        journal.record_event("risk_denial", {"limit": "max_order_contracts", "value": Decimal(9)})
    lines = log_text(tmp_path).splitlines()
    messages = [line.split("kalshi_tui.journal: ", 1)[1] for line in lines]
    assert messages[0].startswith("intent client_order_id=coid-1 action=buy count=4 flags=")
    assert '"signature":"[redacted]"' in messages[0]
    assert "c2VjcmV0c2lnbmF0dXJl" not in log_text(tmp_path)
    assert [m.split()[0] for m in messages] == ["intent", "request", "ack", "fill", "risk_denial"]
    assert "OTHER" not in log_text(tmp_path)
    assert messages[3] == (
        "fill KXFED-26DEC-T4.00 buy yes 2.50 @ 0.43 fee 0.02 maker fill_id=fill-1 order_id=order-1"
    )
    assert messages[4] == "risk_denial limit=max_order_contracts value=9"
    assert all(" INFO    " in line for line in lines)


def test_describe_event_is_readable() -> None:
    text = describe_event(
        "cancel",
        {"reason": "user pressed x", "reduced_by": Decimal("3.00"), "response": None},
        None,
        "order-9",
    )
    assert text == 'cancel order_id=order-9 reason="user pressed x" reduced_by=3.00'
    assert describe_event("halt", {"at": NOW, "tags": ["a", "b"]}) == (
        'halt at=2026-03-02T14:00:00.000000Z tags=["a","b"]'
    )


def test_the_log_tail_is_forwarded(tmp_path: Path, daily_log: DailyLogHandler) -> None:
    store = Store()
    store.log("before forwarding")
    stop = forward_store_log(store)
    store.log("markets poll failed: 503", "warning")
    stop()
    store.log("after stopping")
    lines = log_text(tmp_path).splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "before forwarding",
        "markets poll failed: 503",
    ]
    assert " WARNING kalshi_tui.session: " in lines[1]


def test_start_daily_log_creates_and_detaches(tmp_path: Path) -> None:
    data_dir = tmp_path / "account"
    store = Store()
    stop = start_daily_log(data_dir, store, retention_days=7)
    store.log("hello")
    stop()
    store.log("not logged")
    logging.getLogger("kalshi_tui.session").info("not logged either")
    files = list(data_dir.glob("kalshi-tui-*.log"))
    assert len(files) == 1
    assert files[0].read_text().count("\n") == 1
    assert "hello" in files[0].read_text()
    assert data_dir.stat().st_mode & 0o077 == 0
    assert files[0].stat().st_mode & 0o077 == 0


def test_the_app_installs_the_daily_log(monkeypatch: pytest.MonkeyPatch) -> None:
    # Everything real except the terminal's event loop, which needs a terminal.
    from kalshi_tui.services.launch import demo_dir
    from kalshi_tui.ui import app as app_module

    def fake_run(self: app_module.TerminalApp) -> int:
        self.session.store.log("order placed (test)")
        logging.getLogger("kalshi_tui.journal").info("intent client_order_id=x")
        asyncio.run(self.session.close())
        return 0

    monkeypatch.setattr(app_module.TerminalApp, "run", fake_run)
    assert app_module.run(None, demo=True) == 0
    today = datetime.now(UTC).date()
    candidates = [demo_dir() / f"kalshi-tui-{day.isoformat()}.log" for day in (today,)]
    candidates.append(demo_dir() / f"kalshi-tui-{(today + timedelta(days=1)).isoformat()}.log")
    text = "".join(path.read_text() for path in candidates if path.exists())
    assert "kalshi_tui.session: order placed (test)" in text
    assert "kalshi_tui.journal: intent client_order_id=x" in text
    assert not any(
        isinstance(handler, DailyLogHandler) for handler in logging.getLogger("kalshi_tui").handlers
    ), "removed when the app exits"


def test_the_app_starts_without_a_daily_log_it_cannot_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kalshi_tui.services import daily_log
    from kalshi_tui.ui import app as app_module

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    seen: list[str] = []

    def fake_run(self: app_module.TerminalApp) -> int:
        seen.extend(entry.text for entry in self.session.store.log_since(0))
        asyncio.run(self.session.close())
        return 0

    monkeypatch.setattr(daily_log, "install_daily_log", refuse)
    monkeypatch.setattr(app_module.TerminalApp, "run", fake_run)
    assert app_module.run(None, demo=True) == 0
    assert any(text.startswith("no daily log file in ") for text in seen), seen
