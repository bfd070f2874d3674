"""RSA key pairs for simulator accounts (the `sim --write-config` key, demo sessions)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_key_pair(bits: int = 2048) -> tuple[bytes, bytes]:
    """A fresh RSA key: (private PEM, unencrypted PKCS#8; public PEM, SubjectPublicKeyInfo)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def write_private_key(path: Path, private_pem: bytes) -> None:
    """Write a private key readable by its owner only (0600), as kalshi-tui requires."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    # O_CREAT's mode does not apply to a file that already existed.
    path.chmod(0o600)
