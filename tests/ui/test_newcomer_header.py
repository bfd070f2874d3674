"""At 80x24 the header and the halt banner say what matters (issue 15, a newcomer's
session: `HALTED: manua`, the feeds gone, the banner cut before "ctrl+r re-arms"). The
real app under `run_test()` against the embedded exchange."""

from __future__ import annotations

from pathlib import Path

from live_kit import FAST, wait_for
from textual.widgets import Label

from kalshi_tui.domain.store import TradingMode
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.halt_banner import HaltBanner


def label(app: TerminalApp, selector: str) -> Label:
    return app.query_one(selector, Label)


def inside(app: TerminalApp, selector: str) -> bool:
    region = app.query_one(selector).region
    return region.width > 0 and app.screen.region.contains_region(region)


async def test_compact_header_keeps_mode_and_feeds_and_the_banner_its_instruction(
    tmp_path: Path,
) -> None:
    session = demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.snapshot.trading_ready)
        await wait_for(pilot, lambda: str(label(app, "#feeds").render()).startswith("feeds"))
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: app.session.snapshot.trading.mode is TradingMode.HALTED)
        await wait_for(pilot, lambda: str(label(app, "#trading").render()) == "HALTED")
        await pilot.pause()
        # The mode alone; the reason is in its tooltip.
        assert "kill switch" in str(label(app, "#trading").tooltip)
        for selector in ("#env", "#cash", "#value", "#pnl", "#trading", "#feeds"):
            assert inside(app, selector), (selector, app.query_one(selector).region)
        banner = app.query_one(HaltBanner)
        await wait_for(pilot, lambda: banner.region.height > 0)
        shown = " ".join(banner.render_line(y).text for y in range(banner.region.height))
        assert "ctrl+r re-arms" in shown, shown
        assert banner.region.width <= 80
        # Wide again: the reason is back in the header.
        await pilot.resize_terminal(200, 50)
        await wait_for(pilot, lambda: str(label(app, "#trading").render()) != "HALTED")
        assert str(label(app, "#trading").render()).startswith("HALTED: ")
