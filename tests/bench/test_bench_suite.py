"""`python -m bench --quick` runs every benchmark and writes well-formed results.

Only the shape is checked: the figures of a smoke run on small sizes mean nothing, and
timing assertions do not belong in tests (the suite itself is `python -m bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import available
from bench.report import compare_lines
from bench.results import KEYS, row

ROOT = Path(__file__).resolve().parents[2]


def run_bench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
    )


def test_quick_suite_runs_every_benchmark_and_writes_well_formed_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = run_bench("--quick", "--json", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    names = {name for name, _ in available()}
    assert set(results["benches"]) == names
    for name, entry in results["benches"].items():
        assert "error" not in entry, (name, entry.get("error"))
    benchmarks_with_rows = {r["benchmark"] for r in results["rows"]}
    assert len(benchmarks_with_rows) == len(names)
    for r in results["rows"]:
        assert set(r) == set(KEYS), r
        assert isinstance(r["median"], int | float), r
        assert r["p95"] >= r["median"] or r["n"] == 1 or r["p95"] == r["median"], r
        assert r["max"] >= r["p95"], r
        assert r["better"] in ("lower", "higher"), r
        assert (r["comparison"] is None) == (r["comparison_median"] is None), r
        assert (r["target"] is None) == (r["met"] is None) or r["ratio"] is None, r
    assert results["quick"] is True
    assert results["machine"]["cpus"]
    # The table names every figure.
    for r in results["rows"]:
        assert f"| {r['benchmark']} | {r['metric']} |" in done.stdout
    # Comparing a run with itself: every metric is there and unchanged.
    compared = run_bench("--compare", str(out), str(out))
    assert compared.returncode == 0, compared.stderr
    assert compared.stdout.count("| unchanged |") == len(results["rows"])


def test_compare_reports_direction_per_metric() -> None:
    def doc(median: float, rate: float) -> dict[str, object]:
        return {
            "rows": [
                row("x", "latency", [median], "ms"),
                row("x", "rate", [rate], "rows/s", better="higher"),
            ]
        }

    lines = "\n".join(compare_lines(doc(10.0, 100.0), doc(20.0, 200.0)))
    assert "| x | latency | ms | 10.00 | 20.00 | +100% |" in lines
    assert "**worse**" in lines.split("| x | latency")[1].splitlines()[0]
    assert "better" in lines.split("| x | rate")[1].splitlines()[0]


def test_targets_are_checked_on_the_named_figure() -> None:
    assert row("x", "m", [1.0, 2.0, 60.0], "ms", target="median < 50")["met"] is True
    assert row("x", "m", [1.0, 2.0, 60.0], "ms", target="max < 50")["met"] is False
    compared = row("x", "m", [6.0], "ms", comparison="rtt", comparison_samples=[1.0])
    assert compared["ratio"] == 6.0
    assert row("x", "m", [6.0], "ms", comparison_samples=[1.0], target="ratio <= 5")["met"] is False


def test_compare_with_a_missing_file_says_so(tmp_path: Path) -> None:
    done = run_bench("--compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert done.returncode != 0
    assert "does not exist (run `python -m bench` first)" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_benchmark_name_is_a_clear_error(tmp_path: Path) -> None:
    done = run_bench("--only", "nope", "--json", str(tmp_path / "r.json"))
    assert done.returncode != 0
    assert "unknown benchmark(s) nope" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["kalshi_tui", "bench", "--list"], ["bench", "--list"]])
def test_list_names_every_benchmark(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for name, _ in available():
        assert name in done.stdout


def test_bench_command_outside_a_checkout_says_where_to_run_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kalshi_tui import bench_cmd, cli

    monkeypatch.setattr(bench_cmd, "checkout_root", lambda: None)
    assert cli.main(["bench", "--list"]) == 1
    err = capsys.readouterr().err
    assert "not installed with the package; run it from a source checkout" in err
