"""Each bad configuration input the foundation issue lists, through the real command
line: exit status 2, no traceback, and the output names the key and the fix."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kalshi_tui.cli import main

# (text of config.toml with {key} for the key path, key file bytes or None, key file mode,
#  the key named in the output, a fragment of the fix)
Case = tuple[str, str | None, int, str, str]


def _ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


RSA = "rsa"
CASES: dict[str, Case] = {
    "broken TOML": ("[exchange]\nkey_id = abc\n", None, 0o600, "config.toml:2:10", "line 2"),
    "unknown key": (
        "[risk]\nmax_order_contract = 5\n",
        None,
        0o600,
        "risk.max_order_contract",
        "max_order_contracts",
    ),
    "unknown section": (
        "[risks]\nmax_order_contracts = 5\n",
        None,
        0o600,
        "risks",
        "rename 'risks' to 'risk'",
    ),
    "wrong type": (
        '[risk]\nmax_open_orders = "many"\n',
        None,
        0o600,
        "risk.max_open_orders",
        "max_open_orders = ",
    ),
    "zero limit": (
        "[risk]\nmax_order_contracts = 0\n",
        None,
        0o600,
        "risk.max_order_contracts",
        "e.g. max_order_contracts = ",
    ),
    "negative limit": (
        "[risk]\ndaily_loss_limit_dollars = -5\n",
        None,
        0o600,
        "risk.daily_loss_limit_dollars",
        "e.g. daily_loss_limit_dollars = ",
    ),
    "missing key file": (
        '[exchange]\nbase_url = "{url}"\nkey_id = "k"\nprivate_key_path = "{key}.absent"\n',
        None,
        0o600,
        "exchange.private_key_path",
        "private_key_path",
    ),
    "key not RSA": (
        '[exchange]\nbase_url = "{url}"\nkey_id = "k"\nprivate_key_path = "{key}"\n',
        "ec",
        0o600,
        "exchange.private_key_path",
        "rsa_keygen_bits:2048",
    ),
    "key not PEM": (
        '[exchange]\nbase_url = "{url}"\nkey_id = "k"\nprivate_key_path = "{key}"\n',
        "der",
        0o600,
        "exchange.private_key_path",
        "-----BEGIN PRIVATE KEY-----",
    ),
    "key readable by group": (
        '[exchange]\nbase_url = "{url}"\nkey_id = "k"\nprivate_key_path = "{key}"\n',
        RSA,
        0o640,
        "exchange.private_key_path",
        "chmod 600",
    ),
    "key readable by others": (
        '[exchange]\nbase_url = "{url}"\nkey_id = "k"\nprivate_key_path = "{key}"\n',
        RSA,
        0o604,
        "exchange.private_key_path",
        "chmod 600",
    ),
}


@pytest.fixture
def bad_config(tmp_path: Path, rsa_key_pem: bytes, closed_port: int) -> Callable[[Case], Path]:
    def make(case: Case) -> Path:
        text, key_kind, mode, _, _ = case
        key = tmp_path / "kalshi.key"
        if key_kind is not None:
            contents = {
                RSA: rsa_key_pem,
                "ec": _ec_pem().encode(),
                "der": b"\x30\x82\x04\xa4 DER bytes",
            }[key_kind]
            key.write_bytes(contents)
            os.chmod(key, mode)
            if key_kind == RSA and (key.stat().st_mode & 0o777) != mode:
                pytest.skip("this file system ignores permission bits")
        config = tmp_path / "config.toml"
        # Key cases name a local exchange that is not running: doctor must not go online.
        url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
        config.write_text(text.replace("{key}", str(key)).replace("{url}", url), encoding="utf-8")
        return config

    return make


@pytest.mark.parametrize("command", [[], ["doctor"]], ids=["app", "doctor"])
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_exits_2_naming_key_and_fix(
    name: str,
    command: list[str],
    bad_config: Callable[[Case], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES[name]
    config = bad_config(case)
    code = main([*command, "--config", str(config)])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    _, _, _, key, fix = case
    assert fix in output, output
    if command == ["doctor"] and key == "exchange.private_key_path":
        # doctor reports the key file on its own check line, naming the file, as a
        # failed check (exit 1) with the fix printed last.
        assert code == 1, output
        assert "✗ key file safe" in output
        assert "kalshi.key" in output
        assert "First failure: key file safe" in output
    else:
        assert code == 2, output
        assert str(config) in output, "the file is named"
        assert key in output, output
