"""Reading `config.toml`: find the file, parse it, validate it, report every problem at once.

The loader turns each failure (TOML syntax, unknown key, wrong type, out-of-range value,
unsafe or unusable key file) into a `Problem` naming the file, the dotted key, the line
where it can tell, and a fix. It keeps going after the first problem so one run of
`kalshi-tui doctor` shows the user everything they have to change.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kalshi_tui import paths
from kalshi_tui.config.models import Settings, resolve_user_path
from kalshi_tui.config.problems import ConfigError, Problem
from kalshi_tui.files import MIB, FileProblem, read_small_file

CONFIG_SIZE_LIMIT = MIB
"""Largest config file read: a real one is a few KiB; anything bigger is the wrong file."""

BYTE_ORDER_MARK = "\ufeff"

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def resolve_config_path(path: Path | str | None = None) -> tuple[Path, bool]:
    """The config file to read and whether the user named it explicitly.

    `--config PATH` wins, then `$KALSHI_TUI_CONFIG`, then the XDG default. A file the user
    named must exist; the default may be absent (the app then runs on defaults).
    """
    if path is not None:
        return Path(path).expanduser().absolute(), True
    from_env = os.environ.get(paths.CONFIG_ENV_VAR, "")
    if from_env:
        return Path(from_env).expanduser().absolute(), True
    return paths.default_config_path(), False


def load_settings(path: Path | str | None = None, *, check_key: bool = True) -> Settings:
    """Load and validate the configuration, raising `ConfigError` with every problem.

    `path` is the `--config` value (None: `$KALSHI_TUI_CONFIG`, then the XDG default). When
    no file was named and the default does not exist, the defaults are returned (demo
    environment, no key). With `check_key` (the default) a configured private key must
    exist, be owner-only and load as an unencrypted RSA PEM key; `doctor` turns it off to
    report the key on its own line.
    """
    config_path, explicit = resolve_config_path(path)
    if not config_path.exists():
        if explicit:
            raise ConfigError(
                [
                    Problem(
                        file=config_path,
                        key=None,
                        message="config file does not exist",
                        fix=f"create it with `kalshi-tui init --config {config_path}`, "
                        "or pass the path of an existing file",
                    )
                ]
            )
        return Settings()
    try:
        raw = read_small_file(
            config_path,
            limit=CONFIG_SIZE_LIMIT,
            what="config file",
            fix="pass the path of your config.toml (a small text file), or create one with "
            f"`kalshi-tui init --config {config_path.with_name('config.toml')}`",
        )
    except FileProblem as problem:
        raise ConfigError(
            [Problem(file=config_path, key=None, message=problem.message, fix=problem.fix)]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [
                Problem(
                    file=config_path,
                    key=None,
                    message=f"config file is not UTF-8 text (byte {exc.start})",
                    fix="save it as UTF-8 (TOML files must be UTF-8)",
                )
            ]
        ) from None
    # Editors on Windows save UTF-8 with a byte order mark; TOML has no use for it, and
    # tomllib would call it an "Invalid statement" on line 1.
    text = text.removeprefix(BYTE_ORDER_MARK)
    return parse_settings(text, config_path, check_key=check_key)


def parse_settings(text: str, file: Path, *, check_key: bool = True) -> Settings:
    """Validate TOML `text` as if it were the contents of `file`.

    Relative paths inside resolve against `file`'s directory. Used by `load_settings` and by
    `init`, which validates a config before writing it.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(exc, file)]) from None

    base_dir = file.parent
    problems: list[Problem] = []
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        problems.extend(_validation_problem(error, file, text) for error in exc.errors())

    if check_key:
        key_path = _key_path(settings, data, base_dir)
        if key_path is not None and not _reported(problems, "exchange.private_key_path"):
            # Imported here: kalshi_tui.keys imports this package's problems module.
            from kalshi_tui.keys import key_file_problems

            for problem in key_file_problems(key_path, config_file=file):
                problems.append(_with_line(problem, text))

    if problems or settings is None:
        # File order reads best; problems without a line (rare) go last.
        problems.sort(key=lambda problem: problem.line or len(text) + 1)
        raise ConfigError(problems)
    # Private attribute: recorded after validation so a user cannot set it from the file.
    settings._source = file
    return settings


def _key_path(settings: Settings | None, data: Mapping[str, Any], base_dir: Path) -> Path | None:
    """The key file to check, even when other parts of the file failed validation."""
    if settings is not None:
        return settings.exchange.private_key_path
    exchange = data.get("exchange")
    if isinstance(exchange, Mapping):
        value = exchange.get("private_key_path")
        if isinstance(value, str) and value:
            return resolve_user_path(value, base_dir)
    return None


def _reported(problems: Sequence[Problem], key: str) -> bool:
    return any(problem.key == key for problem in problems)


def _syntax_problem(exc: tomllib.TOMLDecodeError, file: Path) -> Problem:
    # Python 3.14 exposes lineno/colno; 3.11 only puts them in the message.
    line: int | None = getattr(exc, "lineno", None)
    column: int | None = getattr(exc, "colno", None)
    message = str(exc)
    match = _TOML_POSITION.search(message)
    if match:
        line = line or int(match.group(1))
        column = column or int(match.group(2))
        message = _TOML_POSITION.sub("", message).strip()
    where = f"line {line}, column {column}" if line is not None else "the marked place"
    return Problem(
        file=file,
        key=None,
        message=f"invalid TOML: {message}",
        fix=f"correct the syntax at {where} (strings need quotes, tables need [brackets]); "
        "see config.example.toml",
        line=line,
        column=column,
    )


def _dotted(location: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in location)


def _model_at(location: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class owning the last element of `location`, for suggestions."""
    model: type[BaseModel] = Settings
    for part in location[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return None
    return model


def _toml_value(value: object) -> str:
    """Render a default as the user would write it in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return f"{value}"
    return f'"{value}"'


def _example(location: Sequence[int | str]) -> str:
    """`name = <default>` for the field at `location`, or a generic hint."""
    model = _model_at(location)
    name = str(location[-1]) if location else "key"
    if model is not None:
        field = model.model_fields.get(name)
        if field is not None and field.default is not None and not callable(field.default):
            return f"{name} = {_toml_value(field.default)}"
    return f"{name} = <value>"


def _fix_for(error: ErrorDetails, location: Sequence[int | str]) -> tuple[str, str]:
    """(message, fix) for one pydantic error, in the config file's terms."""
    kind = error["type"]
    context: Mapping[str, Any] = error.get("ctx") or {}
    name = str(location[-1]) if location else "the file"
    given = error.get("input")
    example = _example(location)

    if kind == "config_value":
        return str(context["message"]), str(context["fix"])
    if kind == "extra_forbidden":
        model = _model_at(location)
        known = sorted(model.model_fields) if model is not None else []
        where = f"[{_dotted(location[:-1])}]" if len(location) > 1 else "the top level"
        matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if matches:
            return (
                f"unknown key (did you mean {matches[0]!r}?)",
                f"rename {name!r} to {matches[0]!r}",
            )
        return (
            f"unknown key {name!r} in {where}",
            f"remove it; the keys allowed in {where} are: {', '.join(known)}",
        )
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return (
            f"expected a table, got {type(given).__name__} {given!r}",
            f"write it as a [{_dotted(location)}] table with key = value lines under it",
        )
    if kind == "literal_error":
        return (
            f"{given!r} is not one of the allowed values",
            f"use one of {context.get('expected', '')}, e.g. {example}",
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return (
            f"expected a whole number, got {type(given).__name__} {given!r}",
            f"write a whole number without quotes, e.g. {example}",
        )
    if kind in ("float_type", "float_parsing"):
        return (
            f"expected a number of seconds, got {type(given).__name__} {given!r}",
            f"write a number without quotes, e.g. {example}",
        )
    if kind == "finite_number":
        return (
            f"{given} is not a finite number",
            f"write a finite number, e.g. {example}",
        )
    if kind == "bool_type":
        return (
            f"expected true or false, got {type(given).__name__} {given!r}",
            f"write true or false without quotes, e.g. {example}",
        )
    if kind == "string_type":
        return (
            f"expected a string, got {type(given).__name__} {given!r}",
            f'write it in double quotes, e.g. {name} = "..."',
        )
    if kind in ("is_instance_of", "decimal_type", "decimal_parsing"):
        return (
            f"expected a dollar amount, got {type(given).__name__} {given!r}",
            f'write a number or a quoted decimal, e.g. {example} or {name} = "50.00"',
        )
    if kind == "decimal_max_places":
        return (
            f"{given} has more than {context.get('decimal_places')} decimal places",
            f"round it to whole cents, e.g. {example}",
        )
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {
            "greater_than": ("greater than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }[kind]
        limit = context.get(bound[1])
        return (
            f"{given} is out of range: it must be {bound[0]} {limit}",
            f"use a value {bound[0]} {limit}, e.g. {example}",
        )
    if kind == "string_pattern_mismatch":
        return (
            f"{given!r} does not look like a Kalshi API key id",
            "copy the key id exactly as Kalshi shows it (letters, digits, '-', '_', '.')",
        )
    if kind == "string_too_short":
        return ("must not be empty", f'give it a value, e.g. {name} = "..."')
    if kind in ("path_type", "path_parsing"):
        return (
            f"expected a path, got {type(given).__name__} {given!r}",
            f'write the path in double quotes, e.g. {name} = "~/.kalshi/kalshi.key"',
        )
    return (error["msg"], f"see the {_dotted(location)} entry in config.example.toml")


def _validation_problem(error: ErrorDetails, file: Path, text: str) -> Problem:
    location = tuple(error["loc"])
    # Dict keys that fail validation show up as "[key]" markers; keep the key name only.
    location = tuple(part for part in location if part != "[key]")
    message, fix = _fix_for(error, location)
    line, column = _find(text, location)
    return Problem(
        file=file,
        key=_dotted(location) or None,
        message=message,
        fix=fix,
        line=line,
        column=column,
    )


def _with_line(problem: Problem, text: str) -> Problem:
    if problem.key is None:
        return problem
    line, column = _find(text, tuple(problem.key.split(".")))
    return Problem(problem.file, problem.key, problem.message, problem.fix, line, column)


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ASSIGNMENT = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.-]+)\s*=")


def _find(text: str, location: Sequence[int | str]) -> tuple[int | None, int | None]:
    """Best-effort line and column of a key in the TOML source.

    tomllib does not report positions of values, so this scans the text for the table
    header and the `key =` line. It handles the forms people write by hand (`[table]` then
    `key = value`, or a dotted `table.key = value` at the top); anything else simply gets
    no line number, the dotted key still identifies it.
    """
    if not location:
        return None, None
    wanted = [str(part) for part in location]
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if table == wanted:
                return number, line.index("[") + 1
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            key = [part.strip().strip("\"'") for part in assignment.group(1).split(".")]
            if table + key == wanted:
                return number, assignment.start(1) + 1
    return None, None
