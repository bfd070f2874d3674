"""The shape of `config.toml`: pydantic models, one per `[section]`.

Every field carries an attribute docstring (pydantic turns it into the field's description,
and a test checks that each one is documented in `config.example.toml`). Models are frozen
and strict: TOML already has real types, so `max_order_contracts = "10"` is a mistake worth
reporting rather than something to coerce silently. Money is `Decimal`; dollar amounts may be
written as TOML numbers or quoted decimals.

Production safety: the production host is reached only when `exchange.environment = "prod"`
is written explicitly. The default is demo, and a `base_url` that points at a Kalshi
production host while the environment is demo is refused (and the other way round), so no
copy-pasted URL can quietly turn a demo config into a live-money one.
"""

from __future__ import annotations

import ipaddress
import ssl
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from kalshi_tui import files, paths

Environment = Literal["demo", "prod"]
"""Which Kalshi exchange: the demo (paper money) one or production (real money)."""

ENVIRONMENT_URLS: dict[str, str] = {
    "prod": "https://api.elections.kalshi.com/trade-api/v2",
    "demo": "https://demo-api.kalshi.co/trade-api/v2",
}
"""REST base URL of each environment's shared host (see kalshi-api.md §1)."""

API_PATH = "/trade-api/v2"
"""Every REST base URL ends with this path (Kalshi never changes the version in it)."""

PRODUCTION_DOMAIN = "kalshi.com"
"""Every Kalshi production host lives under this domain; demo hosts under `kalshi.co`."""

RateTier = Literal["basic", "advanced", "expert", "premier", "paragon", "prime", "prestige"]
OrderApi = Literal["auto", "v2", "v1"]
Severity = Literal["info", "warning", "error", "critical"]


def config_problem(message: str, fix: str) -> PydanticCustomError:
    """A validation error whose fix travels with it to the problem report."""
    return PydanticCustomError("config_value", "{message}", {"message": message, "fix": fix})


def _decimal_from_toml(value: object) -> object:
    """Turn a TOML number or quoted decimal into `Decimal`; leave anything else for the
    strict check to reject with a clear type error.

    Floats go through `repr`, the shortest string that round-trips, so `12.3` becomes
    `Decimal("12.3")` and not the binary approximation. `bool` is a subclass of `int` and
    must not slip through as 1.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int | str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


MAX_DOLLARS = 10_000_000
"""Largest dollar limit accepted ($10 million): far above any Kalshi account's limits, low
enough that a slipped exponent (`1e12`) is reported instead of switching a limit off."""

Dollars = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_toml),
    Field(gt=0, le=MAX_DOLLARS, decimal_places=2, allow_inf_nan=False),
]
"""A positive dollar amount with at most whole cents, at most `MAX_DOLLARS`."""

MAX_COUNT = 1_000_000
"""Largest contract or order count accepted: beyond it a limit no longer limits anything."""

PositiveInt = Annotated[int, Field(gt=0, le=MAX_COUNT)]
"""A whole number from 1 to `MAX_COUNT`."""

Interval = Annotated[float, Field(ge=0.1, le=3600, allow_inf_nan=False)]
"""A polling interval: at least 0.1 s (faster only burns the rate limit; Kalshi answers in
tens of milliseconds at best) and at most an hour (slower and the data is never fresh)."""

Threshold = Annotated[float, Field(ge=0.5, le=86400, allow_inf_nan=False)]
"""A staleness or timeout threshold: from half a second to a day."""


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and loopback IP literals (where plain http is acceptable)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_production_host(host: str) -> bool:
    """True when `host` is a Kalshi production host (anything under `kalshi.com`)."""
    host = host.lower().rstrip(".")
    return host == PRODUCTION_DOMAIN or host.endswith("." + PRODUCTION_DOMAIN)


def check_http_url(value: str, *, what: str, example: str) -> str:
    """Validate an http(s) URL and return it without a trailing slash.

    Plain http is allowed only to loopback: requests are signed with the account's key
    and webhook payloads describe the account, neither should cross a network in clear.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise config_problem(
            f"{what} {value!r} is not an http(s) URL", f'write a full URL, e.g. "{example}"'
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise config_problem(
            f"{what} {value!r} uses plain http to a non-loopback host",
            f'use https ("https://{parts.netloc}{parts.path}"); http is only for 127.0.0.1',
        )
    if parts.query or parts.fragment:
        raise config_problem(
            f"{what} {value!r} has a query string or fragment",
            "remove everything from '?' or '#' on",
        )
    return value.strip().rstrip("/")


def resolve_user_path(value: Path | str, base_dir: Path | None) -> Path:
    """Expand `~` and make a relative path relative to the config file's directory.

    Relative to the config file, not the current directory, so the same config works
    whichever directory `kalshi-tui` is started from.
    """
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def _base_dir(info: ValidationInfo) -> Path | None:
    context = info.context
    if isinstance(context, dict):
        base = context.get("base_dir")
        if isinstance(base, Path):
            return base
    return None


class Section(BaseModel):
    """Common rules for every config table: unknown keys are errors, values are strict."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True
    )


class ExchangeSettings(Section):
    """`[exchange]`: which exchange to talk to and with which API key."""

    environment: Environment = "demo"
    """`"demo"` (paper money, the default) or `"prod"` (real money). Production is used
    only when this says `"prod"`."""

    base_url: str | None = None
    """REST base URL overriding the environment's, e.g. `http://127.0.0.1:8765/trade-api/v2`
    for a local `kalshi-tui sim`. A Kalshi production host here requires
    `environment = "prod"`; with `"prod"` it must be a production host."""

    key_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")] | None = None
    """API key id shown by Kalshi next to the key (Account & security → API Keys)."""

    private_key_path: Annotated[Path, Field(strict=False)] | None = Field(
        default=None, validate_default=True
    )
    """Path to the RSA private key (PEM, unencrypted) downloaded from Kalshi. Must be
    readable by its owner only (`chmod 600`). `~` is expanded; a relative path is relative
    to the config file."""

    rate_tier: RateTier = "basic"
    """Your Kalshi API usage tier; sets the client's request budget until the account's
    own limits (`GET /account/limits`, read at start-up) replace it, and when they cannot
    be read."""

    order_api: OrderApi = "auto"
    """Order endpoints: `"v2"` (`/portfolio/events/orders`), `"v1"` (legacy
    `/portfolio/orders`) or `"auto"` (v2, falling back to v1 where v2 is missing)."""

    ca_bundle: Annotated[Path, Field(strict=False)] | None = None
    """PEM file of the certificate authorities to trust for the exchange's TLS instead of
    the default bundle, e.g. a company proxy's CA. `~` is expanded; a relative path is
    relative to the config file. Unset: httpx's default (certifi, or `SSL_CERT_FILE`)."""

    request_timeout_seconds: Annotated[float, Field(ge=0.5, le=120, allow_inf_nan=False)] = 10.0
    """How long one HTTP request may take before it counts as failed (an order whose
    request timed out is treated as UNKNOWN and looked up, never blindly resent)."""

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        url = check_http_url(value, what="base_url", example="http://127.0.0.1:8765/trade-api/v2")
        parts = urlsplit(url)
        if not parts.path.endswith(API_PATH):
            # The request signature covers the full path, so the prefix must be exact.
            raise config_problem(
                f"base_url {url!r} does not end with {API_PATH}",
                f'write the REST base URL, e.g. "{parts.scheme}://{parts.netloc}{API_PATH}"',
            )
        host = parts.hostname or ""
        if not host.isascii():
            # IDNA (what the HTTP client applies) maps "。", "．" and "｡" to "." and folds
            # full-width letters: a host that looks like no production host here could
            # become one on the wire.
            raise config_problem(
                f"base_url {url!r} has a non-ASCII host name",
                "write the host in plain ASCII (an international name in its xn-- form)",
            )
        environment = info.data.get("environment")
        if environment == "demo" and is_production_host(host):
            raise config_problem(
                f"base_url {url!r} is a Kalshi production host but environment is demo",
                'remove base_url and write environment = "prod" to trade real money, '
                "or point base_url at a demo or local exchange",
            )
        if environment == "prod" and not is_production_host(host):
            raise config_problem(
                f'environment is "prod" but base_url {url!r} is not a Kalshi production host',
                'remove base_url (production uses its standard host) or set environment = "demo"',
            )
        return url

    @field_validator("private_key_path")
    @classmethod
    def _check_private_key_path(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        key_id_valid = "key_id" in info.data
        key_id = info.data.get("key_id")
        if value is None:
            if key_id_valid and key_id is not None:
                raise config_problem(
                    "key_id is set but private_key_path is not",
                    'set private_key_path = "~/.kalshi/kalshi.key" (where you saved the key)',
                )
            return None
        if key_id_valid and key_id is None:
            raise config_problem(
                "private_key_path is set but key_id is not",
                'set key_id = "<the key id Kalshi shows next to the key>"',
            )
        return resolve_user_path(value, _base_dir(info))

    @field_validator("ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        path = resolve_user_path(value, _base_dir(info))
        fix = (
            "point ca_bundle at a PEM file of CA certificates, or remove it to use the "
            "default bundle"
        )
        if not path.is_file():
            raise config_problem(f"ca_bundle {str(path)!r} is not a file", fix)
        try:
            ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError, ValueError):
            raise config_problem(
                f"ca_bundle {str(path)!r} holds no readable PEM certificate", fix
            ) from None
        return path

    @property
    def tls_verify(self) -> Path | bool:
        """What the client checks the exchange's certificate against (its `verify`)."""
        return self.ca_bundle if self.ca_bundle is not None else True

    @property
    def url(self) -> str:
        """The REST base URL actually used: `base_url`, else the environment's."""
        return self.base_url or ENVIRONMENT_URLS[self.environment]

    @property
    def has_credentials(self) -> bool:
        """True when an API key is configured (otherwise only public data can be read)."""
        return self.key_id is not None and self.private_key_path is not None


class RiskSettings(Section):
    """`[risk]`: pre-trade limits. Every order is checked against all of them before it is
    journaled or sent; a breach is refused with the name of the limit."""

    max_order_contracts: PositiveInt = 100
    """Largest single order, in contracts."""

    max_order_notional_dollars: Dollars = Decimal("50.00")
    """Largest cost of a single order (price × contracts), in dollars."""

    max_position_contracts: PositiveInt = 500
    """Largest absolute position in one market after the order fills, in contracts."""

    max_event_loss_dollars: Dollars = Decimal("250.00")
    """Largest possible loss across all markets of one event, in dollars."""

    daily_loss_limit_dollars: Dollars = Decimal("100.00")
    """Realized plus marked loss since the start of the UTC day that halts new orders."""

    max_drawdown_dollars: Dollars = Decimal("200.00")
    """Fall from the session's equity peak that halts trading (kill switch)."""

    price_collar_cents: Annotated[int, Field(gt=0, le=99)] = 10
    """Refuse a buy (of YES, or a sell of NO) priced more than this many cents above the
    book's mid, and a sell more than this many cents below it, on the YES price scale
    (fat-finger protection; passive prices far from mid are allowed)."""

    max_open_orders: PositiveInt = 50
    """Largest number of resting orders at once."""

    max_orders_per_minute: PositiveInt = 60
    """Order submissions allowed per rolling minute (throttles runaway loops)."""

    max_consecutive_errors: Annotated[int, Field(gt=0, le=1000)] = 5
    """Consecutive rejected or failed order requests that halt trading."""

    unknown_order_timeout_seconds: Threshold = 30.0
    """How long an order may stay UNKNOWN (sent, outcome unclear) before trading halts."""

    stale_data_seconds: Threshold = 10.0
    """Refuse orders when the market data they are priced from is older than this."""

    stale_halt_seconds: Threshold = 120.0
    """Halt trading when the exchange status, market list or portfolio has not been
    refreshed for this long. Longer than `stale_data_seconds`."""

    max_clock_skew_seconds: Annotated[float, Field(ge=1, le=60, allow_inf_nan=False)] = 2.0
    """Largest tolerated difference between this machine's clock and the exchange's
    (`kalshi-tui doctor` checks it; Kalshi rejects signatures with stale timestamps). At
    least 1: the server's `Date` header has one-second resolution."""

    @field_validator("stale_halt_seconds")
    @classmethod
    def _halt_after_refusing(cls, value: float, info: ValidationInfo) -> float:
        # Stale data must first refuse orders, then halt: the other way round would halt
        # on every slow poll while the gate still believed the data.
        refuse = info.data.get("stale_data_seconds")
        if isinstance(refuse, float) and value <= refuse:
            raise config_problem(
                f"stale_halt_seconds ({value:g}) must be longer than stale_data_seconds "
                f"({refuse:g})",
                f"set stale_halt_seconds = {max(refuse * 12, 120):g}",
            )
        return value


class PollingSettings(Section):
    """`[polling]`: how often each concern is refreshed, and when its data counts as stale.

    Polls never overlap: each loop sleeps its interval after the previous poll finished.
    """

    exchange_status_seconds: Interval = 10.0
    """Interval between exchange status polls (exchange/trading active)."""

    markets_seconds: Interval = 30.0
    """Interval between refreshes of the market list."""

    orderbook_seconds: Interval = 1.0
    """Interval between order book polls of the selected market."""

    portfolio_seconds: Interval = 2.0
    """Interval between polls of balance, positions and resting orders."""

    fills_seconds: Interval = 2.0
    """Interval between polls for new fills."""

    settlements_seconds: Interval = 60.0
    """Interval between polls for settlements."""

    exchange_status_stale_seconds: Threshold = 30.0
    """Exchange status older than this is shown as stale."""

    markets_stale_seconds: Threshold = 120.0
    """The market list older than this is shown as stale."""

    orderbook_stale_seconds: Threshold = 5.0
    """An order book older than this is shown as stale."""

    portfolio_stale_seconds: Threshold = 10.0
    """Balance, positions and orders older than this are shown as stale."""

    @field_validator(
        "exchange_status_stale_seconds",
        "markets_stale_seconds",
        "orderbook_stale_seconds",
        "portfolio_stale_seconds",
    )
    @classmethod
    def _stale_after_interval(cls, value: float, info: ValidationInfo) -> float:
        # A threshold at or below its poll interval would flag fresh data as stale on
        # every cycle, which trains the user to ignore the marker.
        assert info.field_name is not None
        interval_name = info.field_name.replace("_stale_seconds", "_seconds")
        interval = info.data.get(interval_name)
        if isinstance(interval, float) and value <= interval:
            raise config_problem(
                f"{info.field_name} ({value:g}) must be longer than {interval_name} "
                f"({interval:g}), or fresh data shows as stale",
                f"set {info.field_name} = {max(interval * 3, interval + 1):g}",
            )
        return value


class AlertSettings(Section):
    """`[alerts]`: where important events (halts, rejected orders, disconnects) are sent."""

    webhook_url: str | None = None
    """URL that receives a JSON POST for each alert (Discord-compatible: `content` and
    `embeds`). Unset: alerts only appear in the terminal."""

    min_severity: Severity = "warning"
    """Least severe alert sent to the webhook: `"info"`, `"warning"`, `"error"` or
    `"critical"`."""

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_http_url(
            value, what="webhook_url", example="https://hooks.example.com/kalshi-tui"
        )


class UISettings(Section):
    """`[ui]`: the terminal interface."""

    confirm_orders: bool = True
    """Ask for confirmation before each order is sent."""

    keymap: dict[Annotated[str, Field(min_length=1)], Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict
    )
    """Key remapping: binding id → key string (Textual syntax, comma-separated for
    several keys), e.g. `kill_switch = "ctrl+k"`. The binding ids are listed in the
    app's help screen."""


class StorageSettings(Section):
    """`[storage]`: where the journal and logs live."""

    data_dir: Annotated[Path, Field(strict=False)] | None = None
    """Directory for the journal and logs. Default:
    `$XDG_DATA_HOME/kalshi-tui/<environment>-<key id>/` (`~/.local/share` when
    `XDG_DATA_HOME` is unset). `~` is expanded; a relative path is relative to the config
    file."""

    log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Days of daily log files (`kalshi-tui-YYYY-MM-DD.log` in the data directory) to
    keep; older ones are deleted."""

    @field_validator("data_dir")
    @classmethod
    def _resolve_data_dir(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else resolve_user_path(value, _base_dir(info))


class Settings(Section):
    """The whole configuration file."""

    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    """`[exchange]`: environment, URL and API key."""

    risk: RiskSettings = Field(default_factory=RiskSettings)
    """`[risk]`: pre-trade limits."""

    polling: PollingSettings = Field(default_factory=PollingSettings)
    """`[polling]`: refresh intervals and staleness thresholds."""

    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """`[alerts]`: webhook for important events."""

    ui: UISettings = Field(default_factory=UISettings)
    """`[ui]`: confirmation and key bindings."""

    storage: StorageSettings = Field(default_factory=StorageSettings)
    """`[storage]`: data directory."""

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The config file these settings were read from; None for defaults or code."""
        return self._source

    @property
    def is_production(self) -> bool:
        """True only when the config explicitly selects the production exchange."""
        return self.exchange.environment == "prod"

    @property
    def base_url(self) -> str:
        """The REST base URL requests go to."""
        return self.exchange.url

    @property
    def data_dir(self) -> Path:
        """Directory for this account's journal and logs (not created here; use
        `kalshi_tui.paths.ensure_private_dir` before writing)."""
        if self.storage.data_dir is not None:
            return self.storage.data_dir
        return paths.default_data_dir(self.exchange.environment, self.exchange.key_id)

    def data_dir_fix(self) -> str:
        """How to choose another data directory: where `data_dir` comes from, in words."""
        return files.data_dir_fix(self.source, configured=self.storage.data_dir is not None)
