"""`kalshi-tui init`: write a config file from flags and, on a terminal, answers to prompts.

The file is written whole with `tomli-w` (which cannot preserve comments, so `init` owns the
file it writes and refuses to touch an existing one without `--force`). The text is
validated with the same loader the app uses *before* it is written, so a bad answer never
leaves a broken file behind, and read back afterwards to prove what is on disk loads.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from kalshi_tui import files
from kalshi_tui.config import load_settings, parse_settings, resolve_config_path

Prompt = Callable[[str], str]
"""Reads one answer; `input` in real use, a fake in tests."""

HEADER = """\
# kalshi-tui configuration, written by `kalshi-tui init`.
# Only the values you gave are here; everything else takes its default. Every setting
# (risk limits, polling, alerts, key bindings) is documented in config.example.toml in
# the kalshi-tui repository. Check this file and your connection with: kalshi-tui doctor

"""

ENVIRONMENTS = ("demo", "prod")


def run(args: argparse.Namespace, *, prompt: Prompt = input) -> int:
    """Carry out `kalshi-tui init`; returns the exit status."""
    config_path, explicit = resolve_config_path(getattr(args, "config", None))
    if config_path.exists() and not config_path.is_file() and not config_path.is_dir():
        print(f"kalshi-tui init: {_target_problem(config_path)}", file=sys.stderr)
        return 1
    if config_path.exists() and not args.force:
        print(
            f"kalshi-tui: {config_path} already exists; not replacing it "
            "(pass --force to overwrite it)",
            file=sys.stderr,
        )
        return 1
    if config_path.is_dir():
        print(f"kalshi-tui: {config_path} is a directory, not a config file", file=sys.stderr)
        return 1
    problem = _target_problem(config_path)
    if problem is None and args.data_dir:
        problem = files.data_dir_problem(
            Path(_absolute(args.data_dir) or args.data_dir),
            fix="pass --data-dir a directory you can write, or leave it out for the default",
        )
    if problem is not None:
        print(f"kalshi-tui init: {problem}", file=sys.stderr)
        return 1

    interactive = not args.non_interactive and sys.stdin.isatty()
    answers = _answers(args, prompt if interactive else None)
    text = HEADER + tomli_w.dumps(document(answers))

    # Validate first: a ConfigError here leaves the disk untouched (the CLI prints it and
    # exits 2). The key file is checked too, so a chmod problem is reported now, not at
    # the first trade.
    parse_settings(text, config_path)
    try:
        write_private_file(config_path, text, replace=args.force)
    except OSError as exc:
        print(
            f"kalshi-tui init: cannot write {config_path}: {exc.strerror or exc}; fix: free "
            "space or permissions there, or pass --config with another path",
            file=sys.stderr,
        )
        return 1
    settings = load_settings(config_path)

    print(f"Wrote {config_path}")
    print(f"  environment: {settings.exchange.environment} ({settings.base_url})")
    if settings.exchange.key_id is None:
        print("  no API key configured: only public market data (or --demo) until you add one")
    next_step = "kalshi-tui doctor" + (f" --config {config_path}" if explicit else "")
    print(f"Next: run `{next_step}` to check the key, connection and clock.")
    return 0


def _target_problem(config_path: Path) -> files.FileProblem | None:
    """Why no config file can be written at `config_path`, or None: a FIFO or device
    there, or a directory on the way that is a file or not writable."""
    if config_path.exists() and not config_path.is_file():
        return files.FileProblem(
            f"{config_path} is {files.describe_kind(config_path.stat().st_mode)}, "
            "not a config file",
            "pass --config the path of a regular file (it is created if absent)",
        )
    return files.directory_problem(
        config_path.parent,
        what="config directory",
        write=True,
        fix="pass --config a path in a directory you can write",
    )


def _answers(args: argparse.Namespace, prompt: Prompt | None) -> dict[str, str | None]:
    """Flag values, with prompts for the missing ones when `prompt` is given."""
    environment: str | None = args.environment
    key_id: str | None = args.key_id
    private_key: str | None = args.private_key
    if prompt is not None:
        if environment is None:
            environment = _ask_choice(prompt, "Environment", ENVIRONMENTS, default="demo")
        if key_id is None:
            key_id = _ask(prompt, "Kalshi API key id (empty: no key, public data only)")
        if key_id and private_key is None:
            private_key = _ask(prompt, "Path to the private key file (PEM)")
    return {
        "environment": environment or "demo",
        "key_id": key_id or None,
        "private_key_path": _absolute(private_key),
        "base_url": args.base_url or None,
        "data_dir": _absolute(args.data_dir),
    }


def _ask(prompt: Prompt, question: str) -> str:
    return prompt(f"{question}: ").strip()


def _ask_choice(prompt: Prompt, question: str, choices: tuple[str, ...], *, default: str) -> str:
    while True:
        answer = prompt(f"{question} [{'/'.join(choices)}] ({default}): ").strip().lower()
        if not answer:
            return default
        if answer in choices:
            return answer
        print(f"  please answer one of: {', '.join(choices)}", file=sys.stderr)


def _absolute(value: str | None) -> str | None:
    """Paths typed on the command line are relative to the current directory, but paths
    in the config are relative to the config file: store them absolute so both agree."""
    if not value:
        return None
    return str(Path(value).expanduser().absolute())


def document(answers: dict[str, str | None]) -> dict[str, Any]:
    """The TOML document for `answers`; unset values are left out so defaults apply."""
    exchange = {
        key: answers[key]
        for key in ("environment", "base_url", "key_id", "private_key_path")
        if answers.get(key) is not None
    }
    result: dict[str, Any] = {"exchange": exchange}
    if answers.get("data_dir") is not None:
        result["storage"] = {"data_dir": answers["data_dir"]}
    return result


def write_private_file(path: Path, text: str, *, replace: bool) -> None:
    """Write `text` to `path` with mode 0600.

    Without `replace` the file is created exclusively, so a file that appeared since the
    existence check is still not overwritten. With `replace` it is written to a temporary
    file beside it and renamed over, so an interrupted write never leaves half a config.
    """
    # The config itself holds no secrets (the key is a path), but it names the key and the
    # account: keep the directory we create private. An existing directory is left alone.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if not replace:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp creates 0600 already; chmod states the intent and survives odd umasks.
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
