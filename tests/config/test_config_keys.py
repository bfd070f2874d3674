"""The private key file: refused unless owner-only, RSA, PEM and unencrypted."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from kalshi_tui.config import ConfigError, Problem, load_settings
from kalshi_tui.keys import key_file_problems, load_private_key, permission_problem

KeyWriter = Callable[..., Path]


def config_with_key(tmp_path: Path, key: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[exchange]\nkey_id = "abc"\nprivate_key_path = "{key}"\n', encoding="utf-8")
    return path


def only_problem(config: Path) -> Problem:
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert len(info.value.problems) == 1, info.value.problems
    problem = info.value.problems[0]
    # Every key problem names the config file, the setting and the line it is on.
    assert problem.file == config
    assert problem.key == "exchange.private_key_path"
    assert problem.line == 3
    return problem


def test_good_key_loads(tmp_path: Path, good_key: Path) -> None:
    settings = load_settings(config_with_key(tmp_path, good_key))
    assert settings.exchange.private_key_path == good_key
    assert settings.exchange.has_credentials
    key = load_private_key(good_key)
    assert isinstance(key, RSAPrivateKey)
    assert key.key_size == 2048


def test_read_only_key_is_accepted(
    tmp_path: Path, write_key: KeyWriter, rsa_pem: bytes, chmod_effective: None
) -> None:
    key = write_key(rsa_pem, mode=0o400)
    assert key_file_problems(key) == []


@pytest.mark.parametrize("mode", [0o640, 0o644, 0o604, 0o660, 0o666, 0o700, 0o620, 0o602])
def test_key_open_to_others_is_refused_with_chmod_600(
    tmp_path: Path, write_key: KeyWriter, rsa_pem: bytes, chmod_effective: None, mode: int
) -> None:
    key = write_key(rsa_pem, mode=mode)
    problem = only_problem(config_with_key(tmp_path, key))
    assert f"{mode:04o}" in problem.message
    assert problem.fix == f"chmod 600 {key}"
    # Refused also when loading the key directly (what the client does).
    with pytest.raises(ConfigError):
        load_private_key(key)


def test_missing_key_file(tmp_path: Path) -> None:
    key = tmp_path / "absent.key"
    problem = only_problem(config_with_key(tmp_path, key))
    assert str(key) in problem.message
    assert "does not exist" in problem.message
    assert "private_key_path" in problem.fix


def test_key_path_is_a_directory(tmp_path: Path) -> None:
    key = tmp_path / "keys"
    key.mkdir()
    problem = only_problem(config_with_key(tmp_path, key))
    assert "not a file" in problem.message


def test_encrypted_key_is_refused(
    tmp_path: Path, write_key: KeyWriter, encrypted_pem: bytes
) -> None:
    key = write_key(encrypted_pem)
    problem = only_problem(config_with_key(tmp_path, key))
    assert "encrypted" in problem.message
    assert f"openssl pkey -in {key}" in problem.fix


def test_traditional_encrypted_key_is_refused(tmp_path: Path, write_key: KeyWriter) -> None:
    key = write_key(
        b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
        b"DEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n"
        b"-----END RSA PRIVATE KEY-----\n"
    )
    assert "encrypted" in only_problem(config_with_key(tmp_path, key)).message


def test_ec_key_is_refused(tmp_path: Path, write_key: KeyWriter, ec_pem: bytes) -> None:
    key = write_key(ec_pem)
    problem = only_problem(config_with_key(tmp_path, key))
    assert "Kalshi requires RSA" in problem.message
    assert "rsa_keygen_bits:2048" in problem.fix


def test_public_key_is_refused(tmp_path: Path, write_key: KeyWriter, public_pem: bytes) -> None:
    key = write_key(public_pem)
    problem = only_problem(config_with_key(tmp_path, key))
    assert "public key" in problem.message
    assert "set exchange.private_key_path to the private key file" in problem.fix


def test_non_pem_file_is_refused(tmp_path: Path, write_key: KeyWriter) -> None:
    key = write_key(b"\x30\x82\x04\xa4 DER bytes")
    problem = only_problem(config_with_key(tmp_path, key))
    assert "not a PEM file" in problem.message
    assert "-----BEGIN PRIVATE KEY-----" in problem.fix


def test_garbage_pem_is_refused(tmp_path: Path, write_key: KeyWriter) -> None:
    key = write_key(b"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n")
    problem = only_problem(config_with_key(tmp_path, key))
    assert "not a readable PEM private key" in problem.message
    assert "download the key again" in problem.fix
    assert "exchange.private_key_path" in problem.fix


def test_small_rsa_key_is_refused(
    tmp_path: Path, write_key: KeyWriter, small_rsa_pem: bytes
) -> None:
    key = write_key(small_rsa_pem)
    problem = only_problem(config_with_key(tmp_path, key))
    assert "1024 bits" in problem.message


def test_unsafe_mode_and_wrong_type_are_both_reported(
    tmp_path: Path, write_key: KeyWriter, ec_pem: bytes, chmod_effective: None
) -> None:
    key = write_key(ec_pem, mode=0o644)
    problems = key_file_problems(key)
    assert [problem.fix.split()[0] for problem in problems] == ["chmod", "create"]


def test_unreadable_key_file(
    tmp_path: Path, write_key: KeyWriter, rsa_pem: bytes, chmod_effective: None
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    key = write_key(rsa_pem, mode=0o000)
    problem = only_problem(config_with_key(tmp_path, key))
    assert "cannot read" in problem.message


def test_doctor_style_load_without_key_check(tmp_path: Path) -> None:
    config = config_with_key(tmp_path, tmp_path / "absent.key")
    settings = load_settings(config, check_key=False)
    assert settings.exchange.private_key_path == tmp_path / "absent.key"


def test_the_whole_mode_matrix(
    tmp_path: Path, write_key: KeyWriter, rsa_pem: bytes, chmod_effective: None
) -> None:
    """Every one of the 4,096 mode values (permission bits plus setuid, setgid, sticky):
    refused exactly when it grants anything beyond owner read/write, and then with a
    message naming who it is open to and the `chmod 600` fix."""
    key = write_key(rsa_pem)
    refused = 0
    for mode in range(0o10000):
        os.chmod(key, mode)
        if stat.S_IMODE(key.stat().st_mode) != mode:
            continue  # e.g. setgid is dropped for a group we are not in
        problem = permission_problem(key)
        if mode & ~0o600 == 0:
            assert problem is None, f"{mode:04o} refused"
            continue
        refused += 1
        assert problem is not None, f"{mode:04o} accepted"
        assert f"mode {mode:04o}, " in problem.message
        if mode & 0o177:
            assert "open to " in problem.message
        if mode & 0o7000:
            assert "special mode bits" in problem.message
        assert "open to ;" not in problem.message, problem.message
        assert problem.fix == f"chmod 600 {key}"
    os.chmod(key, 0o600)
    assert refused > 3000


def test_regression_special_bits_alone_say_what_is_wrong(
    tmp_path: Path, write_key: KeyWriter, rsa_pem: bytes, chmod_effective: None
) -> None:
    """Found by the mode matrix: 1600 (sticky on an owner-only key; also setuid/setgid)
    was refused with "open to ;", an empty list of who it is open to."""
    key = write_key(rsa_pem, mode=0o600)
    os.chmod(key, 0o1600)  # sticky: settable by any owner
    problem = permission_problem(key)
    assert problem is not None
    assert "special mode bits" in problem.message


def test_a_symlink_is_judged_by_the_key_it_points_to(
    tmp_path: Path, write_key: KeyWriter, rsa_pem: bytes, chmod_effective: None
) -> None:
    key = write_key(rsa_pem, mode=0o644)
    link = tmp_path / "link.key"
    link.symlink_to(key)  # a symlink's own mode is 0777 and means nothing
    problem = permission_problem(link)
    assert problem is not None
    assert "0644" in problem.message
    os.chmod(key, 0o600)
    assert permission_problem(link) is None
