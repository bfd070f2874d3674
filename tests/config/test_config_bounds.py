"""Every number in `config.toml` has sane bounds on both sides (issue 11): a slipped
exponent (`1e-9`, `1e308`, `1000000000000`) is reported with the key and the allowed
range, never accepted as a polling interval, a timeout or a limit that no longer limits.

The fields are enumerated from the models, so a numeric setting added later without
bounds fails here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from kalshi_tui.config import ConfigError, Settings, parse_settings


def numeric_fields() -> list[tuple[str, str, type]]:
    """(section, key, type) of every int, float or Decimal setting."""
    found = []
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        for key, info in model.model_fields.items():
            kind = type(info.default)
            if kind in (int, float, Decimal):
                found.append((section, key, kind))
    return found


FIELDS = numeric_fields()


def test_every_section_with_numbers_is_enumerated() -> None:
    sections = {section for section, _, _ in FIELDS}
    assert {"exchange", "risk", "polling", "storage"} <= sections
    assert len(FIELDS) >= 25


def refused(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_settings(text, Path("/nowhere/config.toml"), check_key=False)
    return [f"{problem.key}: {problem.message}" for problem in info.value.problems]


@pytest.mark.parametrize(("section", "key", "kind"), FIELDS, ids=[k for _, k, _ in FIELDS])
@pytest.mark.parametrize("extreme", ["tiny", "huge"])
def test_extreme_values_are_refused(section: str, key: str, kind: type, extreme: str) -> None:
    if kind is int:
        value = "0" if extreme == "tiny" else "1000000000000"
    else:
        value = "1e-9" if extreme == "tiny" else "1e308"
    messages = refused(f"[{section}]\n{key} = {value}\n")
    mine = [m for m in messages if m.startswith(f"{section}.{key}: ")]
    assert mine, messages
    # Below a cent, dollar amounts fail on their decimal places first.
    reason = "decimal places" if kind is Decimal and extreme == "tiny" else "out of range"
    assert reason in mine[0], mine


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_non_finite_intervals_are_refused(value: str) -> None:
    (message,) = refused(f"[polling]\nfills_seconds = {value}\n")
    assert message.startswith("polling.fills_seconds: ")
    assert "not a finite number" in message


def test_the_defaults_and_the_example_sit_inside_the_bounds() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = parse_settings(example.read_text(), example, check_key=False)
    assert settings.polling == Settings().polling
    assert settings.risk == Settings().risk
