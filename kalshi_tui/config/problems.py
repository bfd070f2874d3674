"""Configuration problems and the one exception that carries them.

A user fixing a config file wants every mistake at once, each with where it is and what to
do, not one traceback per attempt. So validation collects `Problem`s and raises a single
`ConfigError` holding all of them; the command line prints them and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the configuration, and how to fix it."""

    file: Path | None
    """The config (or key) file the problem is in; None for settings built in code."""

    key: str | None
    """Dotted key, e.g. `risk.max_order_contracts`; None when the whole file is at fault."""

    message: str
    """What is wrong, in one sentence."""

    fix: str
    """What to do about it: a command to run or the value to write."""

    line: int | None = None
    """1-based line in `file`, when known."""

    column: int | None = None
    """1-based column in `file`, when known."""

    def location(self) -> str:
        """`file:line:column` with whatever parts are known (compiler style, so editors
        and terminals can jump to it)."""
        parts = [str(self.file) if self.file is not None else "<settings>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        key = f" {self.key}:" if self.key else ""
        return f"{self.location()}:{key} {self.message}\n    fix: {self.fix}"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            # An error without a reason would print an empty report; that is a bug here.
            raise ValueError("ConfigError needs at least one Problem")
        super().__init__(self.report())

    def report(self) -> str:
        """All problems, numbered, ready to print."""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} configuration {noun}:"]
        for number, problem in enumerate(self.problems, start=1):
            lines.append(f"  {number}. {problem}")
        return "\n".join(lines)
