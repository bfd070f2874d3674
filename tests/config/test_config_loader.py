"""The loader: each kind of mistake is reported with its file, key, place and fix."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui.config import (
    ENVIRONMENT_URLS,
    ConfigError,
    Problem,
    Settings,
    load_settings,
    parse_settings,
)
from kalshi_tui.config.problems import ConfigError as ProblemsConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "config.example.toml"

ConfigWriter = Callable[[str], Path]
KeyWriter = Callable[..., Path]


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def only_problem(path: Path) -> Problem:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def test_config_error_is_the_one_exception_type() -> None:
    assert ConfigError is ProblemsConfigError
    with pytest.raises(ValueError, match="at least one"):
        ConfigError([])


# --- the example and the defaults -------------------------------------------------------


def test_example_file_loads_and_validates() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.source == EXAMPLE
    assert settings.exchange.environment == "demo"
    assert settings.base_url == ENVIRONMENT_URLS["demo"]


def test_example_values_equal_the_defaults() -> None:
    # The example documents the defaults; if a default changes the example must follow.
    assert load_settings(EXAMPLE).model_dump() == Settings().model_dump()


def _example_keys() -> set[str]:
    """Every key in the example, commented-out ones included (`# key = value`)."""
    keys: set[str] = set()
    table = ""
    for raw in EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            table = line.strip("[]")
            continue
        candidate = line.removeprefix("#").strip()
        if "=" in candidate and " " not in candidate.split("=", 1)[0].strip():
            try:
                parsed = tomllib.loads(candidate)
            except tomllib.TOMLDecodeError:
                continue
            keys.update(f"{table}.{key}" for key in parsed)
    return keys


def _model_keys() -> set[str]:
    keys = set()
    for section, field in Settings.model_fields.items():
        annotation = field.annotation
        assert annotation is not None
        for name in annotation.model_fields:
            keys.add(f"{section}.{name}")
    return keys


def test_every_setting_is_documented_in_the_example() -> None:
    documented = _example_keys()
    missing = {key for key in _model_keys() if key not in documented}
    # ui.keymap is a table ([ui.keymap]); its entries are free-form binding ids.
    missing.discard("ui.keymap")
    assert not missing, f"not in config.example.toml: {sorted(missing)}"


def test_every_field_has_a_docstring() -> None:
    for section, field in Settings.model_fields.items():
        assert field.description, section
        annotation = field.annotation
        assert annotation is not None
        for name, sub in annotation.model_fields.items():
            assert sub.description, f"{section}.{name} has no docstring"


def test_missing_default_file_gives_defaults() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.source is None


def test_default_location_is_under_xdg_config_home(isolated_xdg: Path) -> None:
    path = isolated_xdg / "config" / "kalshi-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[risk]\nmax_open_orders = 7\n", encoding="utf-8")
    settings = load_settings()
    assert settings.source == path
    assert settings.risk.max_open_orders == 7


def test_environment_variable_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text("[risk]\nmax_open_orders = 3\n", encoding="utf-8")
    monkeypatch.setenv("KALSHI_TUI_CONFIG", str(path))
    assert load_settings().risk.max_open_orders == 3


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    problem = only_problem(path)
    assert problem.file == path
    assert "does not exist" in problem.message
    assert f"kalshi-tui init --config {path}" in problem.fix


def test_data_dir_default_is_per_environment_and_key(isolated_xdg: Path) -> None:
    settings = parse_settings(
        '[exchange]\nkey_id = "abc-123"\nprivate_key_path = "k.pem"\n',
        isolated_xdg / "c.toml",
        check_key=False,
    )
    assert settings.data_dir == isolated_xdg / "data" / "kalshi-tui" / "demo-abc-123"
    assert Settings().data_dir == isolated_xdg / "data" / "kalshi-tui" / "demo-local"


def test_paths_resolve_relative_to_the_config_file(write_config: ConfigWriter) -> None:
    path = write_config(
        '[exchange]\nkey_id = "k"\nprivate_key_path = "keys/k.pem"\n'
        '[storage]\ndata_dir = "~/trading"\n'
    )
    settings = parse_settings(path.read_text(), path, check_key=False)
    assert settings.exchange.private_key_path == path.parent / "keys" / "k.pem"
    assert settings.storage.data_dir == Path.home() / "trading"
    assert settings.data_dir == Path.home() / "trading"


def test_money_is_decimal_from_numbers_and_strings(write_config: ConfigWriter) -> None:
    path = write_config(
        "[risk]\nmax_order_notional_dollars = 12.3\n"
        'daily_loss_limit_dollars = "45.67"\nmax_drawdown_dollars = 300\n'
    )
    risk = load_settings(path).risk
    assert risk.max_order_notional_dollars == Decimal("12.3")
    assert isinstance(risk.max_order_notional_dollars, Decimal)
    assert risk.daily_loss_limit_dollars == Decimal("45.67")
    assert risk.max_drawdown_dollars == Decimal("300")


# --- one test per kind of bad input -------------------------------------------------------


def test_broken_toml_reports_line_and_column(write_config: ConfigWriter) -> None:
    path = write_config('[exchange]\nenvironment = "demo"\nkey_id = abc\n')
    problem = only_problem(path)
    assert problem.file == path
    assert (problem.line, problem.column) == (3, 10)
    assert "invalid TOML" in problem.message
    assert "line 3, column 10" in problem.fix
    assert f"{path}:3:10" in str(problem)


def test_unknown_key_suggests_the_right_one(write_config: ConfigWriter) -> None:
    path = write_config("[risk]\nmax_order_contract = 5\n")
    problem = only_problem(path)
    assert problem.file == path
    assert problem.key == "risk.max_order_contract"
    assert "did you mean 'max_order_contracts'" in problem.message
    assert "max_order_contracts" in problem.fix
    assert problem.line == 2


def test_unknown_section_suggests_the_right_one(write_config: ConfigWriter) -> None:
    path = write_config("[polling]\n[exchnage]\nenvironment = 'demo'\n")
    problem = only_problem(path)
    assert problem.key == "exchnage"
    assert "did you mean 'exchange'" in problem.message
    assert problem.line == 2


def test_unknown_key_without_close_match_lists_the_allowed_ones(
    write_config: ConfigWriter,
) -> None:
    problem = only_problem(write_config("[alerts]\ncolour = 'red'\n"))
    assert problem.key == "alerts.colour"
    assert "min_severity" in problem.fix
    assert "webhook_url" in problem.fix


@pytest.mark.parametrize(
    ("text", "key", "fix_part"),
    [
        ('[risk]\nmax_order_contracts = "10"\n', "risk.max_order_contracts", "whole number"),
        ("[risk]\nmax_open_orders = 2.5\n", "risk.max_open_orders", "whole number"),
        ('[polling]\nmarkets_seconds = "fast"\n', "polling.markets_seconds", "number"),
        ('[ui]\nconfirm_orders = "yes"\n', "ui.confirm_orders", "true or false"),
        ("[exchange]\nkey_id = 42\n", "exchange.key_id", "double quotes"),
        ("[risk]\nmax_drawdown_dollars = true\n", "risk.max_drawdown_dollars", "number"),
        ('[exchange]\nenvironment = "production"\n', "exchange.environment", "'prod'"),
        ('[exchange]\nrate_tier = "gold"\n', "exchange.rate_tier", "'paragon'"),
        ("risk = 5\n", "risk", "[risk]"),
        ("[storage]\ndata_dir = 5\n", "storage.data_dir", "double quotes"),
    ],
)
def test_wrong_type_names_key_and_fix(
    write_config: ConfigWriter, text: str, key: str, fix_part: str
) -> None:
    path = write_config(text)
    problem = only_problem(path)
    assert problem.file == path
    assert problem.key == key
    assert fix_part in problem.fix
    assert problem.line is not None


@pytest.mark.parametrize(
    "key",
    [
        "max_order_contracts",
        "max_order_notional_dollars",
        "max_position_contracts",
        "daily_loss_limit_dollars",
        "max_drawdown_dollars",
        "price_collar_cents",
        "max_open_orders",
        "max_event_loss_dollars",
        "max_orders_per_minute",
        "max_consecutive_errors",
        "unknown_order_timeout_seconds",
        "stale_data_seconds",
        "stale_halt_seconds",
    ],
)
@pytest.mark.parametrize("value", ["0", "-5"])
def test_zero_or_negative_limit_is_refused(
    write_config: ConfigWriter, key: str, value: str
) -> None:
    path = write_config(f"[risk]\n{key} = {value}\n")
    problem = only_problem(path)
    assert problem.file == path
    assert problem.key == f"risk.{key}"
    # Durations have a sane floor above zero (issue 11), whole-number limits start at 1.
    floor = "at least 0.5" if key.endswith("_seconds") else "greater than 0"
    assert floor in problem.message
    assert f"e.g. {key} = " in problem.fix
    assert problem.line == 2


def test_zero_poll_interval_is_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config("[polling]\norderbook_seconds = 0\n"))
    assert problem.key == "polling.orderbook_seconds"
    assert "at least 0.1" in problem.fix


def test_fractional_cents_are_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config("[risk]\nmax_order_notional_dollars = 10.005\n"))
    assert problem.key == "risk.max_order_notional_dollars"
    assert "whole cents" in problem.fix


def test_price_collar_above_99_cents_is_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config("[risk]\nprice_collar_cents = 100\n"))
    assert problem.key == "risk.price_collar_cents"
    assert "at most 99" in problem.fix


@pytest.mark.parametrize("halt", ["10", "4"])
def test_stale_halt_must_exceed_stale_refusal(write_config: ConfigWriter, halt: str) -> None:
    path = write_config(f"[risk]\nstale_data_seconds = 10\nstale_halt_seconds = {halt}\n")
    problem = only_problem(path)
    assert problem.key == "risk.stale_halt_seconds"
    assert "must be longer than stale_data_seconds (10)" in problem.message
    assert problem.fix == "set stale_halt_seconds = 120"
    assert problem.line == 3


def test_stale_threshold_must_exceed_its_interval(write_config: ConfigWriter) -> None:
    path = write_config("[polling]\norderbook_seconds = 5\norderbook_stale_seconds = 5\n")
    problem = only_problem(path)
    assert problem.key == "polling.orderbook_stale_seconds"
    assert problem.fix == "set orderbook_stale_seconds = 15"
    assert problem.line == 3


def test_key_id_without_key_path_is_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config('[exchange]\nkey_id = "abc"\n'))
    assert problem.key == "exchange.private_key_path"
    assert "private_key_path =" in problem.fix


def test_key_path_without_key_id_is_refused(write_config: ConfigWriter, good_key: Path) -> None:
    problem = only_problem(write_config(f'[exchange]\nprivate_key_path = "{good_key}"\n'))
    assert "key_id is not" in problem.message
    assert "key_id =" in problem.fix


def test_malformed_key_id_is_refused(write_config: ConfigWriter) -> None:
    path = write_config('[exchange]\nkey_id = "../../etc"\nprivate_key_path = "k"\n')
    # The key file is checked regardless (it is missing too): both are reported.
    found = {problem.key: problem for problem in problems(path)}
    assert set(found) == {"exchange.key_id", "exchange.private_key_path"}
    assert "key id" in found["exchange.key_id"].fix


def test_bad_webhook_url_is_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config('[alerts]\nwebhook_url = "http://hooks.example.com/x"\n'))
    assert problem.key == "alerts.webhook_url"
    assert "https://hooks.example.com/x" in problem.fix


def test_empty_keymap_entry_is_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config('[ui.keymap]\nquit = ""\n'))
    assert problem.key == "ui.keymap.quit"
    assert problem.line == 2


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"[risk]\n# \xff\n")
    problem = only_problem(path)
    assert "UTF-8" in problem.message
    assert "UTF-8" in problem.fix


def test_three_problems_are_reported_at_once(write_config: ConfigWriter) -> None:
    path = write_config(
        '[exchange]\nenvironment = "staging"\n[risk]\nmax_open_orders = 0\nmax_ordr_contracts = 5\n'
    )
    found = problems(path)
    assert [problem.key for problem in found] == [
        "exchange.environment",
        "risk.max_open_orders",
        "risk.max_ordr_contracts",
    ]
    assert [problem.line for problem in found] == [2, 4, 5]
    assert all(problem.file == path for problem in found)
    report = ConfigError(found).report()
    assert report.startswith("3 configuration problems:")
    assert report.count("fix:") == 3


def test_key_file_problems_are_reported_with_the_others(
    write_config: ConfigWriter, tmp_path: Path
) -> None:
    path = write_config(
        '[exchange]\nkey_id = "abc"\nprivate_key_path = "missing.key"\n'
        "[risk]\nmax_open_orders = -1\n"
    )
    keys = [problem.key for problem in problems(path)]
    assert keys == ["exchange.private_key_path", "risk.max_open_orders"]


def test_key_file_checked_even_when_the_exchange_table_has_errors(
    write_config: ConfigWriter,
) -> None:
    path = write_config(
        '[exchange]\nkey_id = "abc"\nprivate_key_path = "missing.key"\nrate_tier = 3\n'
    )
    keys = [problem.key for problem in problems(path)]
    assert keys == ["exchange.private_key_path", "exchange.rate_tier"]


# --- production only when asked for -----------------------------------------------------


def test_default_environment_is_demo() -> None:
    settings = Settings()
    assert not settings.is_production
    assert settings.base_url == "https://demo-api.kalshi.co/trade-api/v2"


def test_explicit_prod_selects_the_production_host(write_config: ConfigWriter) -> None:
    settings = load_settings(write_config('[exchange]\nenvironment = "prod"\n'))
    assert settings.is_production
    assert settings.base_url == "https://api.elections.kalshi.com/trade-api/v2"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.elections.kalshi.com/trade-api/v2",
        "https://external-api.kalshi.com/trade-api/v2",
        "https://API.ELECTIONS.KALSHI.COM./trade-api/v2",
        "https://kalshi.com/trade-api/v2",
    ],
)
def test_production_base_url_with_demo_environment_is_refused(
    write_config: ConfigWriter, url: str
) -> None:
    for text in (
        f'[exchange]\nbase_url = "{url}"\n',
        f'[exchange]\nenvironment = "demo"\nbase_url = "{url}"\n',
    ):
        path = write_config(text)
        problem = only_problem(path)
        assert problem.file == path
        assert problem.key == "exchange.base_url"
        assert "production host" in problem.message
        assert 'environment = "prod"' in problem.fix


def test_prod_environment_with_a_non_production_url_is_refused(
    write_config: ConfigWriter,
) -> None:
    path = write_config(
        '[exchange]\nenvironment = "prod"\nbase_url = "https://demo-api.kalshi.co/trade-api/v2"\n'
    )
    problem = only_problem(path)
    assert problem.key == "exchange.base_url"
    assert 'environment = "demo"' in problem.fix


def test_base_url_must_be_the_rest_base(write_config: ConfigWriter) -> None:
    problem = only_problem(write_config('[exchange]\nbase_url = "http://127.0.0.1:8765"\n'))
    assert problem.key == "exchange.base_url"
    assert problem.fix == 'write the REST base URL, e.g. "http://127.0.0.1:8765/trade-api/v2"'


def test_lookalike_domains_are_not_production(write_config: ConfigWriter) -> None:
    path = write_config('[exchange]\nbase_url = "https://notkalshi.com/trade-api/v2"\n')
    assert load_settings(path).base_url == "https://notkalshi.com/trade-api/v2"


def test_local_exchange_url_over_http(write_config: ConfigWriter) -> None:
    path = write_config('[exchange]\nbase_url = "http://127.0.0.1:8765/trade-api/v2/"\n')
    settings = load_settings(path)
    assert settings.base_url == "http://127.0.0.1:8765/trade-api/v2"
    assert not settings.is_production


def test_plain_http_to_a_remote_host_is_refused(write_config: ConfigWriter) -> None:
    problem = only_problem(
        write_config('[exchange]\nbase_url = "http://demo-api.kalshi.co/trade-api/v2"\n')
    )
    assert problem.key == "exchange.base_url"
    assert "https://demo-api.kalshi.co/trade-api/v2" in problem.fix


def test_environment_variables_cannot_select_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("KALSHI_ENV", "KALSHI_TUI_ENVIRONMENT", "KALSHI_TUI_EXCHANGE__ENVIRONMENT"):
        monkeypatch.setenv(name, "prod")
    assert not load_settings().is_production


def test_settings_are_immutable() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.risk.max_open_orders = 1  # type: ignore[misc]


def test_unreadable_config_file(tmp_path: Path) -> None:
    directory = tmp_path / "config.toml"
    directory.mkdir()
    problem = only_problem(directory)
    assert "cannot read" in problem.message


def test_example_round_trips_through_parse(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    settings = parse_settings(text, tmp_path / "config.toml")
    assert settings.source == tmp_path / "config.toml"
    assert os.fspath(settings.source).endswith("config.toml")


def test_key_writer_fixture_mode(write_key: KeyWriter, rsa_pem: bytes) -> None:
    path = write_key(rsa_pem, mode=0o600)
    assert path.read_bytes() == rsa_pem


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "is not a file"), ("not a certificate\n", "holds no readable PEM certificate")],
)
def test_a_ca_bundle_that_cannot_be_trusted_is_named(
    write_config: ConfigWriter, content: str | None, says: str
) -> None:
    path = write_config('[exchange]\nca_bundle = "ca.pem"\n')
    if content is not None:
        (path.parent / "ca.pem").write_text(content)
    problem = only_problem(path)
    assert problem.key == "exchange.ca_bundle"
    assert says in problem.message
    assert "PEM file of CA certificates" in problem.fix
