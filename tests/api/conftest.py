"""Fixtures for the API client tests: one RSA key per session, a fake clock, and the
embedded exchange's keys and starter for the loopback tests (see loopback_kit)."""

from __future__ import annotations

import pytest
from api_testkit import FakeClock
from cryptography.hazmat.primitives.asymmetric import rsa
from loopback_kit import keys, other_keys, start

__all__ = ["clock", "keys", "other_keys", "rsa_key", "start"]


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    # 2048-bit generation takes ~0.1 s; one key serves the whole session.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
