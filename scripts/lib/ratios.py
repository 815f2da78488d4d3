#!/usr/bin/env python3
"""Prints the ratios that benchmarks/README.md defines, from Google Benchmark JSON.

The README's "## Ratios" section holds a Markdown table whose first four
columns are: ratio name | case | baseline | goal. A case or baseline is
`BM_name` (its real time per iteration) or `BM_name@field` (a counter or
another field of the JSON entry, e.g. `@allocs_per_op`, `@items_per_second`).
A baseline of `-` makes the goal absolute (times in ns). Goals are `<= X`,
`>= X`, `== X` or `X to Y` (both bounds included), optionally followed by a
unit (`ns`, `x`). A row whose case
and baseline paired.py measured interleaved (a JSON file with "pairs") takes
that ratio instead of the one of the two cases' times in the main run.

Standard library only.
"""
import json
import re
import sys

from readme_table import read_table

UNIT_TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load_results(paths):
    """Google Benchmark results by run name, and the paired ratios of
    paired.py by (case, baseline)."""
    results, paired = {}, {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for pair in data.get("pairs", []):
            paired[(pair["case"], pair["baseline"])] = pair
        for entry in data.get("benchmarks", []):
            if entry.get("run_type") == "aggregate" and entry.get("aggregate_name") != "median":
                continue
            name = entry.get("run_name", entry["name"])
            results[name] = entry
    return results, paired


def value_of(spec, results):
    spec = spec.strip().strip("`")
    name, _, field = spec.partition("@")
    entry = results.get(name)
    if entry is None:
        return None
    if not field or field in ("real_time", "cpu_time"):
        key = field or "real_time"
        return entry[key] * UNIT_TO_NS[entry.get("time_unit", "ns")]
    return entry.get(field)


def read_ratio_rows(readme):
    return read_table(readme, "Ratios", 4)


def check(goal, value):
    m = re.match(r"\s*([0-9.]+)\s*to\s*([0-9.]+)", goal)
    if m:
        return "ok" if float(m.group(1)) <= value <= float(m.group(2)) else "MISSED"
    m = re.match(r"\s*(<=|>=|==)\s*([0-9.]+)", goal)
    if not m:
        return "?"
    op, bound = m.group(1), float(m.group(2))
    ok = {"<=": value <= bound, ">=": value >= bound, "==": value == bound}[op]
    return "ok" if ok else "MISSED"


def main(argv):
    if len(argv) < 2:
        print("usage: ratios.py benchmarks/README.md results.json...", file=sys.stderr)
        return 2
    results, paired = load_results(argv[1:])
    rows = read_ratio_rows(argv[0])
    width = max([len(r[0]) for r in rows] + [5])
    print(f"{'ratio':<{width}}  {'value':>14}  {'goal':<12}  status")
    for name, case, baseline, goal in rows:
        if (case.strip("` "), baseline.strip("` ")) in paired:
            value = paired[(case.strip("` "), baseline.strip("` "))]["ratio"]
            print(f"{name:<{width}}  {f'{value:.3f}x paired':>14}  {goal:<12}  {check(goal, value)}")
            continue
        numerator = value_of(case, results)
        if numerator is None:
            continue  # not run (filtered out, or a benchmark not built here)
        if baseline.strip() in ("-", ""):
            value, shown = numerator, f"{numerator:.4g}"
        else:
            denominator = value_of(baseline, results)
            if denominator in (None, 0):
                continue
            value = numerator / denominator
            shown = f"{value:.3f}x"
        print(f"{name:<{width}}  {shown:>14}  {goal:<12}  {check(goal, value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
