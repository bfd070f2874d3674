"""Fixtures for the API client tests: one RSA key per session and a fake clock."""

from __future__ import annotations

import pytest
from api_testkit import FakeClock
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    # 2048-bit generation takes ~0.1 s; one key serves the whole session.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
