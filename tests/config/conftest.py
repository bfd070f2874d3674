"""Fixtures for the configuration tests: key files of every kind, and a config writer."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_PEM = serialization.Encoding.PEM
_PKCS8 = serialization.PrivateFormat.PKCS8
_PLAIN = serialization.NoEncryption()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    """One 2048-bit key for the session: generating keys is the slow part of these tests."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def rsa_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.private_bytes(_PEM, serialization.PrivateFormat.TraditionalOpenSSL, _PLAIN)


@pytest.fixture(scope="session")
def encrypted_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.private_bytes(
        _PEM, _PKCS8, serialization.BestAvailableEncryption(b"correct horse")
    )


@pytest.fixture(scope="session")
def ec_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(_PEM, _PKCS8, _PLAIN)


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.public_key().public_bytes(_PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="session")
def small_rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(_PEM, _PKCS8, _PLAIN)


KeyWriter = Callable[..., Path]


@pytest.fixture
def write_key(tmp_path: Path) -> KeyWriter:
    """Write PEM bytes to a key file with the given mode and return its path."""

    def write(data: bytes, name: str = "kalshi.key", mode: int = 0o600) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        os.chmod(path, mode)
        return path

    return write


@pytest.fixture
def good_key(write_key: KeyWriter, rsa_pem: bytes) -> Path:
    return write_key(rsa_pem)


ConfigWriter = Callable[[str], Path]


@pytest.fixture
def write_config(tmp_path: Path) -> ConfigWriter:
    """Write TOML text to `<tmp>/config.toml` and return the path."""

    def write(text: str) -> Path:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def chmod_effective(tmp_path: Path) -> None:
    """Skip when permission bits do not stick (some mounted filesystems, Windows)."""
    if os.name != "posix":
        pytest.skip("POSIX permissions only")
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    os.chmod(probe, 0o640)
    if stat.S_IMODE(probe.stat().st_mode) != 0o640:
        pytest.skip("chmod has no effect on this filesystem")
