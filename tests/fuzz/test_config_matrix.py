"""The production host is reached only with `environment = "prod"` written in the config file
that is actually used, whatever else is set.

The matrix, enumerated in full: config file contents (environment absent/demo/prod × base_url
absent, demo, loopback, and production hosts spelled every way we could think of — upper
case, trailing dot, explicit port, userinfo, other `kalshi.com` hosts, Unicode full stops that
IDNA turns into dots) × where the file is found (`--config`, `$KALSHI_TUI_CONFIG`, the XDG
default, nowhere, `$KALSHI_TUI_CONFIG` naming a missing file) × decoy production configs in
the places that must lose × `--demo` × `$HTTPS_PROXY`. For each
combination the test resolves the settings the way the CLI does, then builds the client the
app (`configured_session`) and `kalshi-tui halt` would build, and reads the host it would
connect to from the real client (httpx's URL: a proxy only tunnels to it). Demo sessions
and `halt` without a config use the embedded exchange's published URL, so that file is
fuzzed too.

No connection is made: DNS lookups and connects to anything but loopback fail loudly.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kalshi_tui import api, cli, halt_cmd
from kalshi_tui.config import ConfigError
from kalshi_tui.config.models import is_production_host
from kalshi_tui.services import launch

PROD = "https://api.elections.kalshi.com/trade-api/v2"
BASE_URLS: list[str | None] = [
    None,
    "https://demo-api.kalshi.co/trade-api/v2",
    "http://127.0.0.1:8765/trade-api/v2",
    "http://localhost:8765/trade-api/v2/",
    PROD,
    "https://API.Elections.KALSHI.com./trade-api/v2",
    "https://api.elections.kalshi.com:443/trade-api/v2",
    "https://trading-api.kalshi.com/trade-api/v2",
    "https://kalshi.com/trade-api/v2",
    "https://demo-api.kalshi.co@api.elections.kalshi.com/trade-api/v2",
    "https://demo-api.kalshi.co\\@api.elections.kalshi.com/trade-api/v2",
    "https://api.elections.kalshi\u3002com/trade-api/v2",  # ideographic full stop
    "https://api.elections.kalshi\uff0ecom/trade-api/v2",  # fullwidth full stop
    "https://api.elections.kalshi\uff61com/trade-api/v2",  # halfwidth ideographic stop
    "https://api.elections.ｋａｌｓｈｉ.com/trade-api/v2",  # fullwidth letters
    " https://api.elections.kalshi.com/trade-api/v2 ",
]
ENVIRONMENTS: list[str | None] = [None, "demo", "prod"]
PLACEMENTS = ["--config", "env", "xdg", "nowhere", "env-missing"]
DEMO_URLS: list[str | None] = [
    None,
    "http://127.0.0.1:40123/trade-api/v2",
    PROD,
    "https://api.elections.kalshi\u3002com/trade-api/v2",
]


def config_text(environment: str | None, base_url: str | None) -> str:
    lines = ["[exchange]"]
    if environment is not None:
        lines.append(f'environment = "{environment}"')
    if base_url is not None:
        lines.append(f"base_url = {base_url!r}".replace("'", '"').replace("\\", "\\\\"))
    return "\n".join(lines) + "\n"


class Stop(Exception):
    """Raised by the recording client once it has been built: nothing further runs."""


def host_of(client: api.KalshiClient) -> str:
    """Where the client's requests go: httpx's URL (through a proxy, the tunnel's end)."""
    return str(client._http.base_url.host)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail loudly on any lookup or connect that is not loopback."""
    attempts: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in ("127.0.0.1", "localhost", "::1"):
            attempts.append(f"lookup {host}")
            raise OSError(f"test forbids resolving {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            attempts.append(f"connect {address}")
            raise OSError(f"test forbids connecting to {address}")
        real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    assert not attempts, attempts


def test_no_combination_reaches_production_without_saying_prod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    built: list[str] = []
    real_client = api.KalshiClient
    # Building a real client costs an SSL context (~15 ms); the host it connects to
    # depends only on the URL and the proxy variable, so each distinct pair is built once.
    hosts: dict[tuple[object, ...], str] = {}

    class Recording(real_client):  # type: ignore[misc, valid-type]
        def __init__(self, base_url: str, *args: Any, **kwargs: Any) -> None:
            key = (base_url, os.environ.get("HTTPS_PROXY"))
            if key not in hosts:
                super().__init__(base_url, *args, **kwargs)
                hosts[key] = host_of(self)
                asyncio.run(self.aclose())
            built.append(hosts[key])
            raise Stop

    monkeypatch.setattr(api, "KalshiClient", Recording)
    # Loading an RSA key costs ~27 ms (OpenSSL checks it); `halt` loads the demo key on
    # every call, so the real loader runs once and its key is reused.
    demo_keys: dict[Path, launch.DemoKey] = {}
    real_loader = launch.load_or_create_demo_key

    def load_once(directory: Path) -> launch.DemoKey:
        if directory not in demo_keys:
            demo_keys[directory] = real_loader(directory)
        return demo_keys[directory]

    monkeypatch.setattr(launch, "load_or_create_demo_key", load_once)
    # A demo session would start the embedded exchange; here it only says it would.
    monkeypatch.setattr(launch, "demo_session", lambda **_: (_ for _ in ()).throw(Stop()))

    xdg_config = Path(tmp_path / "xdg" / "config" / "kalshi-tui")
    xdg_config.mkdir(parents=True, exist_ok=True)
    chosen_file = tmp_path / "chosen.toml"
    decoy = tmp_path / "decoy-prod.toml"
    decoy.write_text(config_text("prod", None), encoding="utf-8")
    demo_dir = launch.demo_dir()
    demo_dir.mkdir(parents=True, exist_ok=True)

    combinations = itertools.product(
        ENVIRONMENTS, BASE_URLS, PLACEMENTS, (False, True), (False, True)
    )
    checked = refused = to_prod = 0
    for environment, base_url, placement, decoys, proxy in combinations:
        text = config_text(environment, base_url)
        chosen_file.write_text(text, encoding="utf-8")
        xdg_file = xdg_config / "config.toml"
        xdg_file.unlink(missing_ok=True)
        monkeypatch.delenv("KALSHI_TUI_CONFIG", raising=False)
        config_arg: str | None = None
        if placement == "--config":
            config_arg = str(chosen_file)
            if decoys:  # lower-precedence places hold a production config
                monkeypatch.setenv("KALSHI_TUI_CONFIG", str(decoy))
                xdg_file.write_text(decoy.read_text(), encoding="utf-8")
        elif placement == "env":
            monkeypatch.setenv("KALSHI_TUI_CONFIG", str(chosen_file))
            if decoys:
                xdg_file.write_text(decoy.read_text(), encoding="utf-8")
        elif placement == "xdg":
            xdg_file.write_text(text, encoding="utf-8")
        elif placement == "env-missing":
            monkeypatch.setenv("KALSHI_TUI_CONFIG", str(tmp_path / "absent.toml"))
        if proxy:
            monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
        else:
            monkeypatch.delenv("HTTPS_PROXY", raising=False)
        used = placement in ("--config", "env", "xdg")
        says_prod = used and environment == "prod"

        for demo_url in DEMO_URLS if placement == "nowhere" else [None]:
            url_file = demo_dir / launch.URL_FILE
            url_file.unlink(missing_ok=True)
            if demo_url is not None:
                url_file.write_text(demo_url + "\n", encoding="utf-8")

            combination = (environment, base_url, placement, decoys, proxy, demo_url)
            for entry in ("app", "app --demo", "halt"):
                built.clear()
                try:
                    if entry == "halt":
                        halt_cmd._client(halt_cmd.resolve_account(config_arg))
                    else:
                        settings = cli._settings_for_app(config_arg)
                        if entry == "app --demo" or settings is None:
                            launch.demo_session()
                        else:
                            launch.configured_session(settings)
                except Stop:
                    pass
                except ConfigError as error:
                    problems = error.problems
                    refused += 1
                    if not problems:
                        pytest.fail(f"a refusal without a reason: {combination}")
                    continue
                checked += 1
                for host in built:
                    if is_production_host(host):
                        to_prod += 1
                        assert says_prod, f"{entry} reaches {host} without prod: {combination}"
                        assert entry != "app --demo", f"--demo reaches {host}: {combination}"
    # The matrix really ran both ways: production was reached when asked for, refused
    # configurations were refused, and most combinations built a client.
    assert to_prod > 0
    assert refused > 0
    assert checked > 1000, checked


def test_the_demo_session_talks_to_loopback_only(no_network: list[str]) -> None:
    """What the matrix stubs out: a real demo session's client points at the embedded
    exchange on loopback, whatever the environment says."""
    session = launch.demo_session(markets=5, trading=False)
    try:
        host = httpx.URL(session.client.base_url).host
        assert host == "127.0.0.1"
    finally:
        asyncio.run(session.close())


def test_regression_a_unicode_full_stop_in_base_url_is_refused(tmp_path: Path) -> None:
    """Found by the matrix: `api.elections.kalshi。com` (U+3002) is not a production host to
    the config check, but IDNA — httpx — turns U+3002 into a dot, so a demo config
    connected to api.elections.kalshi.com. Non-ASCII hosts are refused now."""
    from kalshi_tui.config import load_settings

    for stop in ("\u3002", "\uff0e", "\uff61"):
        config = tmp_path / "config.toml"
        config.write_text(
            config_text("demo", f"https://api.elections.kalshi{stop}com/trade-api/v2"),
            encoding="utf-8",
        )
        with pytest.raises(ConfigError) as info:
            load_settings(config)
        problem = info.value.problems[0]
        assert problem.key == "exchange.base_url"
        assert "ASCII" in problem.message


def test_regression_halt_ignores_a_demo_url_file_off_loopback(tmp_path: Path) -> None:
    """Found by the matrix: with no config, `kalshi-tui halt` signed its requests for
    whatever URL the demo directory's `exchange-url` file named, production included."""
    demo_dir = launch.demo_dir()
    demo_dir.mkdir(parents=True, exist_ok=True)
    for url in (PROD, "https://demo-api.kalshi.co/trade-api/v2", "http://10.0.0.5/trade-api/v2"):
        (demo_dir / launch.URL_FILE).write_text(url + "\n", encoding="utf-8")
        assert launch.running_demo_url(demo_dir) is None
    (demo_dir / launch.URL_FILE).write_text("http://127.0.0.1:40123/trade-api/v2\n")
    assert launch.running_demo_url(demo_dir) == "http://127.0.0.1:40123/trade-api/v2"
