"""The README's quick start, CI and the constraints file agree with each other.

The README promises exactly two commands; CI must run the second one verbatim, and the
install they do must be pinned by `constraints.txt` down to the last transitive package.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
CONSTRAINTS = ROOT / "constraints.txt"


def quick_start_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def pins() -> dict[str, str]:
    result: dict[str, str] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not an exact pin"
        result[canonicalize_name(name)] = version
    return result


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    run_app, run_tests = commands
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install ")
        assert "-c constraints.txt" in command, "installs must honour the pins"
    assert run_app.endswith(".venv/bin/kalshi-tui --demo")
    assert "'.[test]'" in run_tests
    assert run_tests.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    run_tests = quick_start_commands()[1]
    lines = CI.read_text(encoding="utf-8").splitlines()
    assert run_tests in lines, "the README's test command must be a line of .ci/run"
    index = lines.index(run_tests)
    # In a subshell: under `set -e` a failure early in an `&&` list is ignored.
    assert lines[index - 1] == "("
    assert lines[index + 1] == ")"
    assert lines[1:5].count("set -euo pipefail") == 1
    for tool in ("ruff check", "ruff format --check", "mypy kalshi_tui"):
        assert any(tool in line for line in lines[index:]), tool


def test_constraints_pin_every_direct_dependency_as_pyproject_does() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = pins()
    direct = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    for text in direct:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is missing from constraints.txt"
        assert requirement.specifier.contains(pinned[name]), (
            f"constraints.txt pins {name}=={pinned[name]} but pyproject.toml asks for "
            f"{requirement.specifier}"
        )


def test_constraints_pin_the_whole_installed_closure() -> None:
    """Walk the installed requirement graph of kalshi-tui[test]: every distribution in it
    is pinned, and what is installed is exactly what is pinned."""
    pinned = pins()
    seen: set[str] = set()
    todo: list[tuple[str, str]] = [("kalshi-tui", "test")]
    while todo:
        name, extra = todo.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            environment = {"extra": extra}
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            dependency = canonicalize_name(requirement.name)
            for wanted in requirement.extras:
                todo.append((dependency, wanted))
            if dependency in seen:
                continue
            seen.add(dependency)
            todo.append((dependency, ""))
    missing = sorted(seen - pinned.keys())
    assert not missing, f"installed but not pinned in constraints.txt: {missing}"
    drift = {
        name: (metadata.version(name), pinned[name])
        for name in seen
        if metadata.version(name) != pinned[name]
    }
    assert not drift, f"installed version differs from constraints.txt (installed, pinned): {drift}"
