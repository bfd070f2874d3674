"""Secrets never leave their file: a session with debug logging and forced errors, the
journal, the daily log, `doctor` and `init`, the rendered screen of the running app, the
crash report Textual prints, and every kind of `export`, searched for the private key, every
signature produced and the API key id. Zero occurrences is the only passing count.

Everything runs for real: the embedded exchange over loopback verifies the signatures,
the journal is a SQLite file, the daily log is the production handler. The one spy
records each signature `sign_message` returns, so the search knows what to look for.
"""

from __future__ import annotations

import html
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from textual.pilot import Pilot

from kalshi_tui import api
from kalshi_tui.api import _auth
from kalshi_tui.api._errors import hide_key_id
from kalshi_tui.cli import main
from kalshi_tui.config import load_settings
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import Journal
from kalshi_tui.journal.daily_log import install_daily_log
from kalshi_tui.services.launch import configured_session
from kalshi_tui.services.session import PollPlan
from kalshi_tui.ui.app import TerminalApp

KEY_ID = str(uuid.uuid4())


class Secrets:
    """The account's key material and every signature made with it during the test."""

    def __init__(self, directory: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.path = directory / "kalshi.key"
        self.path.write_bytes(self.pem)
        os.chmod(self.path, 0o600)
        self.signatures: list[str] = []

    def needles(self) -> dict[str, str]:
        """What must never appear, by name."""
        body = [line for line in self.pem.decode().splitlines() if "-----" not in line]
        found = {f"PEM line {i}": line for i, line in enumerate(body) if len(line) >= 16}
        found["PEM header"] = "PRIVATE KEY-----"
        found["key id"] = KEY_ID
        for i, signature in enumerate(self.signatures):
            found[f"signature {i}"] = signature
            # Also the first 40 characters, in case something truncates a header value.
            found[f"signature {i} prefix"] = signature[:40]
        return found


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Secrets:
    keys = Secrets(tmp_path)
    original = _auth.sign_message

    def recording(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
        signature = original(private_key, message)
        keys.signatures.append(signature)
        return signature

    monkeypatch.setattr(_auth, "sign_message", recording)
    return keys


@pytest.fixture
def exchange(secrets: Secrets) -> Iterator[RunningExchange]:
    running = start_exchange(
        seed=5,
        markets=40,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, secrets.public_pem)],
    )
    yield running
    running.stop()


@pytest.fixture
def revoked(secrets: Secrets) -> Iterator[RunningExchange]:
    """An exchange that does not know our key (as after the key was revoked): it answers
    `401 authentication_error` with details `NOT_FOUND`, as Kalshi does."""
    running = start_exchange(seed=6, markets=5, agents=False, tick_s=3600.0)
    yield running
    running.stop()


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Every log record from every logger at DEBUG, unfiltered and unredacted, in a file:
    if a secret reaches any log call, it is in here."""
    path = tmp_path / "debug-everything.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(saved)
    handler.close()


def write_config(tmp_path: Path, exchange: RunningExchange, secrets: Secrets) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        "[exchange]\n"
        f'base_url = "{exchange.base_url}"\n'
        f'key_id = "{KEY_ID}"\n'
        f'private_key_path = "{secrets.path}"\n'
        'rate_tier = "basic"\n',
        encoding="utf-8",
    )
    return config


def read_all(paths: list[Path]) -> dict[str, str]:
    """Every file's bytes as text (latin-1 keeps every byte, so SQLite pages search too)."""
    return {str(path): path.read_bytes().decode("latin-1") for path in paths if path.is_file()}


def assert_no_secrets(haystacks: dict[str, str], secrets: Secrets) -> None:
    assert secrets.signatures, "the flows signed requests"
    leaks = [
        f"{name} in {where}"
        for where, text in haystacks.items()
        for name, needle in secrets.needles().items()
        if needle in text
    ]
    assert not leaks, leaks


def order(ticker: str, price: str = "0.05") -> api.OrderRequest:
    return api.OrderRequest(
        ticker=ticker,
        side="yes",
        action="buy",
        count=Decimal(3),
        price=Decimal(price),
        client_order_id=str(uuid.uuid4()),
    )


async def test_session_with_forced_errors_leaks_nothing(
    tmp_path: Path,
    secrets: Secrets,
    exchange: RunningExchange,
    revoked: RunningExchange,
    debug_log: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = load_settings(write_config(tmp_path, exchange, secrets))
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    daily = install_daily_log(data_dir, level=logging.DEBUG)
    journal = Journal.open(data_dir / "journal.sqlite3")
    log = logging.getLogger("kalshi_tui.secrets_test")
    errors: list[str] = []
    session = configured_session(settings)
    try:
        # A normal start.
        await session.refresh()
        ticker = session.snapshot.markets[0].ticker
        session.select(ticker)
        await session.refresh()
        assert session.snapshot.balance is not None

        # Every kind of failure the exchange can produce, through the pollers ...
        exchange.faults.configure("read_error=0.3,reset=0.2,rate_limit=0.2,seed=2")
        await session.refresh()
        exchange.faults.configure()

        # ... and through order entry, journaled the way the order service does it,
        # including (deliberately) the signed request headers.
        client = session.client
        placements = [
            ("", order(ticker)),
            ("drop_response=1.0", order(ticker)),
            ("write_error=1.0", order(ticker)),
            ("paused", order(ticker)),
            ("", order(ticker, price="0.995")),
        ]
        for spec, request in placements:
            exchange.faults.configure(spec)
            coid = request.client_order_id
            journal.record_intent(
                coid,
                ticker=ticker,
                side="yes",
                action="buy",
                price=request.price,
                count=request.count,
            )
            headers = client.auth.headers_for("POST", "/trade-api/v2/portfolio/events/orders")
            journal.mark_sent(coid, {"body": {"ticker": ticker}, "headers": headers})
            try:
                ack = await client.create_order(request)
            except api.AmbiguousWriteError as exc:
                journal.mark_unknown(coid, str(exc))
                log.warning("order %s unclear", coid, exc_info=True)
                errors.append(repr(exc))
            except (api.KalshiError, ValueError) as exc:
                journal.record_reject(coid, getattr(exc, "code", None) or "local", str(exc))
                log.exception("order %s refused", coid)
                errors.append(repr(exc))
            else:
                journal.record_event("ack", {"order_id": ack.order_id}, client_order_id=coid)
        exchange.faults.configure()

        # A revoked key (401 NOT_FOUND) and a clock the exchange refuses.
        elsewhere = api.KalshiClient(revoked.base_url, api.KalshiAuth(KEY_ID, secrets.key))
        async with elsewhere:
            with pytest.raises(api.AuthenticationError) as unknown:
                await elsewhere.get_balance()
        errors.append(str(unknown.value))
        log.error("login failed: %s", unknown.value)
        exchange.faults.configure("clock_shift_s=300")
        await session.refresh()
        with pytest.raises(api.ClockSkewError) as skew:
            await client.create_order(order(ticker))  # reads go out under skew; orders not
        log.error("clock: %s", skew.value, exc_info=True)
        errors.append(str(skew.value))
        # Under skew the pollers' reads go out (stamped with the exchange's time), so
        # force read errors for the pollers to report.
        exchange.faults.configure("read_error=1.0")
        await session.refresh()
        exchange.faults.configure()
    finally:
        await session.close()
        journal.close()
        logging.getLogger("kalshi_tui").removeHandler(daily)
        daily.close()

    health = session.snapshot.health
    assert sum(h.errors for h in health.values()) > 0, "the forced errors reached the pollers"
    assert any("drop" in e or "Ambiguous" in e for e in errors)
    screen = "\n".join(entry.text for entry in session.store.log_since(0))
    screen += "\n".join(str(h.last_error) for h in health.values())
    captured = capsys.readouterr()
    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    assert any(p.name.endswith(".log") for p in files), "the daily log was written"
    assert any(p.name.startswith("journal.sqlite3") for p in files)
    haystacks = read_all([*files, debug_log])
    haystacks |= {
        "log pane and health": screen,
        "exceptions": "\n".join(errors),
        "stdout": captured.out,
        "stderr": captured.err,
    }
    # Kalshi answers an unknown key with details NOT_FOUND and no key id (the client's
    # shortening of an echoed id is proven by test_client_errors_shorten_an_echoed_key_id).
    assert "NOT_FOUND" in haystacks["exceptions"], "the unknown-key answer reached the errors"
    assert_no_secrets(haystacks, secrets)


def test_cli_flows_leak_nothing(
    tmp_path: Path,
    secrets: Secrets,
    exchange: RunningExchange,
    revoked: RunningExchange,
    debug_log: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, exchange, secrets)
    outputs: dict[str, str] = {}

    def run(name: str, argv: list[str]) -> int:
        code = main(argv)
        captured = capsys.readouterr()
        outputs[f"{name} stdout"], outputs[f"{name} stderr"] = captured.out, captured.err
        return code

    assert run("doctor ok", ["doctor", "--config", str(config)]) == 0
    assert "authentication" in outputs["doctor ok stdout"]
    exchange.faults.configure("clock_shift_s=300")
    assert run("doctor skew", ["doctor", "--config", str(config)]) == 1
    exchange.faults.configure("read_error=1.0")
    assert run("doctor down", ["doctor", "--config", str(config)]) == 1
    exchange.faults.configure()
    wrong = tmp_path / "revoked.toml"
    wrong.write_text(
        config.read_text(encoding="utf-8").replace(exchange.base_url, revoked.base_url),
        encoding="utf-8",
    )
    assert run("doctor revoked key", ["doctor", "--config", str(wrong)]) == 1
    assert "api key not found" in outputs["doctor revoked key stdout"]
    os.chmod(secrets.path, 0o644)
    assert run("doctor open key", ["doctor", "--config", str(config)]) == 1
    os.chmod(secrets.path, 0o600)
    written = tmp_path / "init" / "config.toml"
    init = [
        "init",
        "--config",
        str(written),
        "--non-interactive",
        "--key-id",
        KEY_ID,
        "--private-key",
        str(secrets.path),
        "--base-url",
        exchange.base_url,
    ]
    assert run("init", init) == 0
    assert run("init again", init) != 0, "never overwrites without --force"
    assert secrets.signatures, "doctor signed its balance call"
    haystacks = read_all([debug_log]) | outputs
    assert_no_secrets(haystacks, secrets)
    # The config file itself names the key id (that is its job) — but nothing else does.
    assert KEY_ID in written.read_text(encoding="utf-8")


def test_client_errors_shorten_an_echoed_key_id(secrets: Secrets) -> None:
    error = api.AuthenticationError(
        f"GET /portfolio/balance → HTTP 401 NOT_FOUND: api key not found ({KEY_ID})",
        status=401,
        code="NOT_FOUND",
        details=KEY_ID,
    )
    hidden = hide_key_id(error, KEY_ID)
    assert KEY_ID not in str(hidden)
    assert KEY_ID not in repr(hidden.args)
    assert hidden.details == api.short_key_id(KEY_ID)
    assert api.short_key_id(KEY_ID) == KEY_ID[:8] + "…"
    assert api.short_key_id("abcd") == "ab…"


def screen_text(svg: str) -> str:
    """The characters of a Textual screenshot (SVG), without markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


@pytest.fixture
def quoting(secrets: Secrets) -> Iterator[RunningExchange]:
    """An exchange whose agents quote the markets (an order needs a two-sided quote to
    pass the price collar)."""
    running = start_exchange(
        seed=7,
        markets=20,
        agents=True,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, secrets.public_pem)],
    )
    yield running
    running.stop()


async def test_screen_crash_report_and_exports_leak_nothing(
    tmp_path: Path,
    secrets: Secrets,
    quoting: RunningExchange,
    debug_log: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The places the session test above does not look: the rendered screen of the real
    app while the exchange fails, the crash report Textual prints when the app dies (with
    the locals of every frame), and `kalshi-tui export` of every kind."""
    config = write_config(tmp_path, quoting, secrets)
    settings = load_settings(config)
    plan = PollPlan(
        exchange=(0.2, 3.0),
        markets=(0.5, 5.0),
        orderbook=(0.3, 2.5),
        history=(2.0, 10.0),
        portfolio=(0.3, 3.0),
        settlements=(5.0, 30.0),
    )
    session = configured_session(settings, plan=plan)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    screens: list[str] = []

    async def settle(pilot: Pilot[int], condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 30  # generous: CI machines are shared
        while not condition():
            assert time.monotonic() < deadline, "the app did not get there in time"
            await pilot.pause(0.05)

    def crash() -> None:
        # What any unexpected bug looks like to Textual, in a frame holding the client
        # and its credentials, as the session's own frames do.
        auth = session.client.auth
        client = session.client
        raise RuntimeError(f"forced crash ({client!r}, {auth!r})")

    traded: list[str] = []

    async def drive() -> None:
        async with app.run_test(size=(160, 45)) as pilot:
            snapshot = session.store
            await settle(pilot, lambda: snapshot.snapshot.trading_ready)
            await settle(
                pilot, lambda: any(m.yes_bid and m.yes_ask for m in snapshot.snapshot.markets)
            )
            market = next(m for m in snapshot.snapshot.markets if m.yes_bid and m.yes_ask)
            traded.append(market.ticker)
            app.select_market(market.ticker)  # as the palette does: table and session agree
            await settle(
                pilot,
                lambda: (
                    snapshot.snapshot.book is not None
                    and snapshot.snapshot.book.ticker == market.ticker
                ),
            )
            assert session.trading is not None
            assert market.yes_bid is not None
            placed = await session.trading.orders.submit(
                OrderDraft(
                    str(uuid.uuid4()), market.ticker, "yes", "buy", market.yes_bid, Decimal(2)
                )
            )
            assert not isinstance(placed, Denial), placed
            screens.append(app.export_screenshot())
            quoting.faults.configure("read_error=0.4,reset=0.2,rate_limit=0.2,seed=4")
            await pilot.pause(1.5)
            screens.append(app.export_screenshot())
            quoting.faults.configure("clock_shift_s=300")
            # The read faults above left the pollers backing off; ask for a poll now.
            for poller in session.pollers.values():
                poller.poke()
            await settle(
                pilot,
                lambda: any("clock" in h.last_error for h in snapshot.snapshot.health.values()),
            )
            screens.append(app.export_screenshot())
            quoting.faults.configure()
            app.call_later(crash)
            await pilot.pause(0.5)

    with pytest.raises(RuntimeError, match="forced crash"):
        await drive()
    ticker = traded[0]
    await session.close()

    # Textual prints the crash report (a traceback with each frame's locals) to stderr.
    crash_report = capsys.readouterr().err
    assert "forced crash" in crash_report
    assert "auth" in crash_report, "the report shows locals"
    assert api.short_key_id(KEY_ID) in crash_report, "the auth object is in it, shortened"

    exports = {}
    for kind in ("fills", "orders", "settlements", "events"):
        out = tmp_path / f"export-{kind}.csv"
        assert main(["export", "--config", str(config), "--out", str(out), "--kind", kind]) == 0
        exports[f"export {kind}"] = out.read_text(encoding="utf-8")
    assert ticker in exports["export orders"]

    captured = capsys.readouterr()
    files = sorted(p for p in settings.data_dir.rglob("*") if p.is_file())
    haystacks = read_all([*files, debug_log])
    haystacks |= {f"screen {i}": screen_text(svg) for i, svg in enumerate(screens)}
    haystacks |= exports
    # The one known exception: the per-account data directory is named after the key id
    # (`paths.account_dir_name`), so a printed journal path carries it; `export` prints
    # where it read from. Recorded in docs/RELIABILITY.md; every other place counts.
    data_dir = str(settings.data_dir)
    assert data_dir in captured.out
    stdout = captured.out.replace(data_dir, "<data dir>")
    haystacks |= {"crash report": crash_report, "stdout": stdout, "stderr": captured.err}
    assert ticker in haystacks["screen 0"], "the screen text is searchable"
    assert_no_secrets(haystacks, secrets)
