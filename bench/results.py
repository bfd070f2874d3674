"""The common shape of a benchmark figure, shared by every `bench/` script and `python -m bench`.

Each script that takes `--json PATH` writes one document:

    {"bench": "<script>", "schema": 2, "params": {...}, "load_average": [...], "rows": [row, ...]}

and each row has the same keys, whatever the script:

* `benchmark`, `metric`: stable identifiers (`--compare` matches rows on them);
* `median`, `p95`, `max`, `n`, `unit`: the figure over its repeated samples;
* `comparison`, `comparison_median`: what it is compared with, measured in the same run
  (None when nothing comparable exists);
* `ratio`: `median / comparison_median` — ours ÷ theirs, so below 1 is faster for times
  and above 1 is better for rates (`better` says which direction wins);
* `target`: a readable condition such as "p95 < 50" or "ratio <= 5" (None if none),
  and `met`: whether it held (None without a target).
"""

from __future__ import annotations

import json
import math
import operator
import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SCHEMA = 2
KEYS = (
    "benchmark",
    "metric",
    "median",
    "p95",
    "max",
    "n",
    "unit",
    "better",
    "comparison",
    "comparison_median",
    "ratio",
    "target",
    "met",
)

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def p95(values: Sequence[float]) -> float:
    """The 95th percentile by nearest rank (the max for fewer than 20 samples)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def check(target: str, figures: dict[str, float | None]) -> bool | None:
    """Evaluate "FIELD OP NUMBER" (e.g. "p95 < 50") against `figures`."""
    field, op, limit = target.split()
    value = figures.get(field)
    if value is None:
        return None
    return _OPS[op](value, float(limit))


def row(
    benchmark: str,
    metric: str,
    samples: Sequence[float],
    unit: str,
    *,
    better: str = "lower",
    comparison: str | None = None,
    comparison_samples: Sequence[float] | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """One figure from its samples, next to its comparison's samples if there is one."""
    if not samples:
        raise ValueError(f"{benchmark}/{metric}: no samples")
    median = statistics.median(samples)
    figures: dict[str, float | None] = {"median": median, "p95": p95(samples), "max": max(samples)}
    comparison_median = ratio = None
    if comparison_samples:
        comparison_median = statistics.median(comparison_samples)
        ratio = median / comparison_median if comparison_median else None
    figures["ratio"] = ratio
    return {
        "benchmark": benchmark,
        "metric": metric,
        "median": _round(median),
        "p95": _round(figures["p95"]),
        "max": _round(figures["max"]),
        "n": len(samples),
        "unit": unit,
        "better": better,
        "comparison": comparison,
        "comparison_median": _round(comparison_median),
        "ratio": _round(ratio),
        "target": target,
        "met": None if target is None else check(target, figures),
    }


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.4g}") if abs(value) < 1000 else round(value, 1)


def document(bench: str, params: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON document a script writes with `--json`."""
    for r in rows:
        missing = set(KEYS) - set(r)
        if missing:
            raise ValueError(f"{bench}: row {r.get('metric')} lacks {sorted(missing)}")
    return {
        "bench": bench,
        "schema": SCHEMA,
        "params": params,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "rows": rows,
    }


def write(path: str | Path | None, bench: str, params: dict[str, Any], rows: list[Any]) -> None:
    """Write the document to `path` (nothing when `path` is None)."""
    if path is None:
        return
    text = json.dumps(document(bench, params, rows), indent=1, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")
