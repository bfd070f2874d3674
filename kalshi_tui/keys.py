"""The API private key file: permission checks and loading, the way ssh treats identities.

Kalshi signs requests with RSA-PSS, so the key must be an RSA private key in PEM form and not
encrypted (the app runs unattended pollers; it cannot ask for a passphrase). A key file that
group or others can read or write is refused, as ssh refuses one: anyone who can read it can
trade the account, and anyone who can write it can swap in their own key.

`cryptography` is imported inside the functions that need it, so importing this module stays
cheap for the command line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from kalshi_tui.config.problems import ConfigError, Problem
from kalshi_tui.files import KEY_SIZE_LIMIT, FileProblem, read_small_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

KEY_SETTING = "exchange.private_key_path"
"""The config key every key-file problem is reported under."""

MIN_KEY_BITS = 2048
"""Smallest RSA key accepted; Kalshi issues 2048-bit keys and smaller ones are breakable."""

ALLOWED_MODE_BITS = stat.S_IRUSR | stat.S_IWUSR
"""Permission bits a key file may have: read and write for its owner (0600 or 0400)."""


def read_key_file(path: Path) -> bytes:
    """The bytes of the key file at `path`: a regular file of at most `KEY_SIZE_LIMIT`
    bytes, never blocking on a FIFO or reading a device forever (`FileProblem`)."""
    return read_small_file(
        path,
        limit=KEY_SIZE_LIMIT,
        what="private key",
        fix=f"set {KEY_SETTING} to the PEM key file Kalshi let you download",
    )


def permission_problem(path: Path, *, config_file: Path | None = None) -> Problem | None:
    """A problem if `path` grants anything beyond owner read/write, else None.

    Stricter than ssh in one way: owner execute (0700) is refused too. A key has no reason
    to be executable, and one that is was usually copied with `cp -r` from somewhere
    careless. On systems without POSIX permissions there is nothing to check.
    """
    if os.name != "posix":
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~ALLOWED_MODE_BITS == 0:
        return None
    who = []
    if mode & stat.S_IRWXG:
        who.append("its group")
    if mode & stat.S_IRWXO:
        who.append("other users")
    if mode & stat.S_IXUSR:
        who.append("execution")
    wrong = [f"open to {' and '.join(who)}"] if who else []
    if mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX):
        wrong.append("with special mode bits (setuid/setgid/sticky) set")
    return Problem(
        file=config_file,
        key=KEY_SETTING,
        message=(
            f"private key {path} has mode {mode:04o}, {' and '.join(wrong)}; "
            "like ssh, kalshi-tui refuses to use it"
        ),
        fix=f"chmod 600 {path}",
    )


def key_file_problems(path: Path, *, config_file: Path | None = None) -> list[Problem]:
    """Everything wrong with the key file at `path`: missing, unsafe mode, not RSA PEM,
    encrypted, too small. An empty list means `load_private_key` will succeed."""
    problems, _ = _inspect(path, config_file)
    return problems


def load_private_key(path: Path, *, config_file: Path | None = None) -> RSAPrivateKey:
    """Load the RSA private key at `path`, raising `ConfigError` with every problem found."""
    problems, key = _inspect(path, config_file)
    if problems or key is None:
        raise ConfigError(problems)
    return key


def _problem(config_file: Path | None, message: str, fix: str) -> Problem:
    return Problem(file=config_file, key=KEY_SETTING, message=message, fix=fix)


def _inspect(path: Path, config_file: Path | None) -> tuple[list[Problem], RSAPrivateKey | None]:
    if not path.exists():
        return [
            _problem(
                config_file,
                f"private key file {path} does not exist",
                "download the key from Kalshi (Account & security → API Keys), save it, "
                f"run `chmod 600` on it and set {KEY_SETTING} to its path",
            )
        ], None
    if not path.is_file():
        return [
            _problem(
                config_file,
                f"private key path {path} is not a file",
                f"set {KEY_SETTING} to the key file itself (the .key or .pem file)",
            )
        ], None

    problems: list[Problem] = []
    unsafe = permission_problem(path, config_file=config_file)
    if unsafe is not None:
        problems.append(unsafe)

    try:
        data = read_key_file(path)
    except FileProblem as problem:
        problems.append(_problem(config_file, problem.message, problem.fix))
        return problems, None

    key, parse_problem = _parse_key(data, path, config_file)
    if parse_problem is not None:
        problems.append(parse_problem)
    return problems, key


def _parse_key(
    data: bytes, path: Path, config_file: Path | None
) -> tuple[RSAPrivateKey | None, Problem | None]:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    decrypt_fix = (
        f"write an unencrypted copy: openssl pkey -in {path} -out {path}.plain "
        f"&& chmod 600 {path}.plain, then point {KEY_SETTING} at it"
    )
    # Recognise the common wrong files by their PEM labels first: the messages
    # cryptography gives for them ("Could not deserialize key data") do not say what to do.
    if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data:
        return None, _problem(
            config_file, f"private key {path} is encrypted with a passphrase", decrypt_fix
        )
    if b"-----BEGIN PUBLIC KEY-----" in data or b"-----BEGIN RSA PUBLIC KEY-----" in data:
        return None, _problem(
            config_file,
            f"{path} is a public key, not the private key",
            f"set {KEY_SETTING} to the private key file Kalshi let you download",
        )
    if b"-----BEGIN" not in data:
        return None, _problem(
            config_file,
            f"{path} is not a PEM file (no '-----BEGIN' line)",
            f"set {KEY_SETTING} to the PEM private key Kalshi let you download "
            "(it starts with '-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN PRIVATE KEY-----')",
        )
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        # cryptography raises TypeError when a key needs a password and none was given.
        return None, _problem(
            config_file, f"private key {path} is encrypted with a passphrase", decrypt_fix
        )
    except (ValueError, UnsupportedAlgorithm) as exc:
        return None, _problem(
            config_file,
            f"{path} is not a readable PEM private key ({exc})",
            f"download the key again from Kalshi and set {KEY_SETTING} to it",
        )
    if not isinstance(key, RSAPrivateKey):
        kind = type(key).__name__.removeprefix("_").replace("PrivateKey", "")
        return None, _problem(
            config_file,
            f"private key {path} is a {kind or 'non-RSA'} key; Kalshi requires RSA",
            "create an RSA key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048) "
            "and register its public key with Kalshi, or use the key Kalshi generated",
        )
    if key.key_size < MIN_KEY_BITS:
        return None, _problem(
            config_file,
            f"RSA key {path} has {key.key_size} bits; at least {MIN_KEY_BITS} are required",
            "create a 2048-bit key (openssl genpkey -algorithm RSA -pkeyopt "
            "rsa_keygen_bits:2048) and register its public key with Kalshi",
        )
    return key, None
