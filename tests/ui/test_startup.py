"""Start-up and shutdown through the real app factory: demo, --demo, --config, PROD badge, quit."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from live_kit import wait_for
from textual.widgets import Label

from kalshi_tui import api
from kalshi_tui.config import load_settings
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.exchange.cli import write_config
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import start_exchange
from kalshi_tui.services.launch import STATE_FILE, demo_dir, load_or_create_demo_key
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp, make_app
from kalshi_tui.ui.screens.help import HelpScreen
from kalshi_tui.ui.widgets.status_bar import StatusBar


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    """`make_app` tunes the collector for a long-lived terminal; undo it for later tests."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def badge(app: TerminalApp) -> str:
    return str(app.query_one("#env", Label).content)


async def test_no_config_starts_the_demo_and_quit_saves_it() -> None:
    app = make_app(None, demo=False)
    assert app.session.exchange is not None
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.session.snapshot.balance is not None)
        assert badge(app) == "DEMO"
        assert not app.query_one(StatusBar).has_class("-prod")
        workers = [w for w in app.workers if w.group == "session"]
        assert workers
        await pilot.press("ctrl+q")
    # Quit stopped the pollers, closed the client and saved the demo exchange's state.
    assert all(w.is_finished or w.is_cancelled for w in workers)
    assert app.session.closed
    assert (demo_dir() / STATE_FILE).exists()


def sim_config(tmp_path: Path) -> tuple[Path, str]:
    """A config as `kalshi-tui sim --write-config` writes it, for a running exchange."""
    key_id = "5e2b8b7e-3c1e-4a55-9d7e-1f0f5b0c6a11"
    private_pem, public_pem = generate_key_pair()
    key_path = tmp_path / "sim-key.pem"
    key_path.write_bytes(private_pem)
    key_path.chmod(0o600)
    running = start_exchange(seed=3, markets=40, keys=[(key_id, public_pem)])
    config = tmp_path / "sim.toml"
    write_config(config, running.base_url, key_id, key_path, SimpleNamespace())
    return config, running.base_url


async def test_config_uses_its_exchange_and_demo_flag_overrides_it(tmp_path: Path) -> None:
    config, base_url = sim_config(tmp_path)
    settings = load_settings(config)

    app = make_app(settings, demo=False)
    assert app.session.exchange is None
    assert app.session.client.base_url == base_url
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.session.snapshot.balance is not None)
        assert len(app.session.snapshot.markets) > 20
        assert badge(app) == "DEMO"

    # `[ui] keymap` from the same config reaches the app: f1 opens the help.
    with config.open("a") as handle:
        handle.write('\n[ui]\nkeymap = { "app.help" = "f1" }\n')
    remapped = make_app(load_settings(config), demo=False)
    async with remapped.run_test(size=(160, 45)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(remapped.screen, HelpScreen))

    forced = make_app(settings, demo=True)
    try:
        assert forced.session.exchange is not None
        assert forced.session.client.base_url != base_url
    finally:
        await forced.session.close()


async def test_a_production_session_shows_the_red_prod_badge(tmp_path: Path) -> None:
    # A production config may only name Kalshi's production host (the config refuses
    # anything else), so the session is built by hand on a local exchange instead.
    key = load_or_create_demo_key(tmp_path / "key")
    running = start_exchange(seed=3, markets=20, keys=[(key.key_id, key.public_pem())])
    client = api.KalshiClient(running.base_url, api.KalshiAuth(key.key_id, key.private_key))
    session = Session(client, Store(Snapshot(environment="prod")), exchange=running)
    app = TerminalApp(session)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.session.snapshot.balance is not None)
        assert badge(app) == "PROD"
        assert app.query_one(StatusBar).has_class("-prod")
        assert app.has_class("-prod")
