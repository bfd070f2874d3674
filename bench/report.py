"""Text for `python -m bench`: the one results table, and the change between two runs.

Both are Markdown tables, readable in a terminal and pasted as they are into
docs/PERFORMANCE.md.
"""

from __future__ import annotations

from typing import Any

NOISE = 0.10
"""A median moving less than this fraction between runs is reported as unchanged."""


def number(value: float | None) -> str:
    """Four significant figures, thousands separated; "—" for nothing."""
    if value is None:
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.2f}"
    return f"{value:.3g}"


def ratio_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}×"


def met_text(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**NO**")


def table_lines(results: dict[str, Any]) -> list[str]:
    """One row per figure: median / p95 / max, its comparison and ours ÷ comparison."""
    lines = [
        "| benchmark | metric | unit | median | p95 | max | n | compared with (same run) "
        "| its median | ratio | target | met |",
        "|---|---|---|---:|---:|---:|---:|---|---:|---:|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['benchmark']} | {r['metric']} | {r['unit']} | {number(r['median'])} "
            f"| {number(r['p95'])} | {number(r['max'])} | {r['n']} | {r['comparison'] or ''} "
            f"| {number(r['comparison_median']) if r['comparison'] else ''} "
            f"| {ratio_text(r['ratio']) if r['comparison'] else ''} | {r['target'] or ''} "
            f"| {met_text(r['met'])} |"
        )
    targets = [r for r in results["rows"] if r["met"] is not None]
    missed = [r for r in targets if not r["met"]]
    lines += [
        "",
        "ratio = our median ÷ the comparison's median (below 1: faster; for rates, above 1: "
        "more). Targets are checked on the figure named in the target column.",
        f"targets met: {len(targets) - len(missed)} of {len(targets)}"
        + ("" if not missed else "; missed: " + ", ".join(_name(r) for r in missed)),
    ]
    failed = [name for name, entry in results.get("benches", {}).items() if "error" in entry]
    if failed:
        lines.append("benchmarks that failed (no rows): " + ", ".join(failed))
    return lines


def _name(r: dict[str, Any]) -> str:
    return f"{r['benchmark']}/{r['metric']}"


def compare_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The change of every metric's median (and ratio) from `old` to `new`."""
    before = {(r["benchmark"], r["metric"]): r for r in old["rows"]}
    lines = [
        f"old: {old.get('commit') or '?'} ({old.get('created', '?')}), "
        f"new: {new.get('commit') or '?'} ({new.get('created', '?')})",
        "",
        "| benchmark | metric | unit | old median | new median | change | old ratio "
        "| new ratio | verdict |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    seen = set()
    for r in new["rows"]:
        key = (r["benchmark"], r["metric"])
        seen.add(key)
        o = before.get(key)
        if o is None:
            lines.append(
                f"| {key[0]} | {key[1]} | {r['unit']} | — | {number(r['median'])} | | "
                f"| {ratio_text(r['ratio'])} | new |"
            )
            continue
        change = None
        if o["median"]:
            change = r["median"] / o["median"] - 1
        lines.append(
            f"| {key[0]} | {key[1]} | {r['unit']} | {number(o['median'])} "
            f"| {number(r['median'])} | {'—' if change is None else f'{change:+.0%}'} "
            f"| {ratio_text(o['ratio'])} | {ratio_text(r['ratio'])} "
            f"| {_verdict(change, r['better'])} |"
        )
    for key, o in before.items():
        if key not in seen:
            lines.append(
                f"| {key[0]} | {key[1]} | {o['unit']} | {number(o['median'])} | — | | "
                f"{ratio_text(o['ratio'])} | | gone |"
            )
    lines += [
        "",
        f"change = new median ÷ old median − 1; within ±{NOISE:.0%} is reported as unchanged. "
        "The ratios are against comparisons measured in each run, so they are steadier than "
        "the medians on a noisy machine.",
    ]
    return lines


def _verdict(change: float | None, better: str) -> str:
    if change is None or abs(change) < NOISE:
        return "unchanged"
    improved = change < 0 if better == "lower" else change > 0
    return "better" if improved else "**worse**"
