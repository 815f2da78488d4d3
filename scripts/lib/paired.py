#!/usr/bin/env python3
"""Measures the pairs of benchmarks/README.md's "## Paired" table interleaved.

A ratio whose goal is a few percent (a validator next to the raw signature
check it wraps) cannot be read off two cases measured half a minute apart on
a shared host: the host's load changes in between, and on this kind of VM
one vCPU can run half as fast as the other for minutes at a time. So each
pair is measured in rounds: one round runs just the two cases, pinned to one
CPU, with three repetitions each in random order (--benchmark_enable_random_
interleaving), and yields the ratio of their medians; the result is the
median over the rounds.

  paired.py README.md OUT.json CPU FILTER BINARY...

FILTER is scripts/bench's regex: a pair is measured if its case matches.
A BINARY given as LABEL=PATH is another build of a benchmark (e.g.
cxx17=build/release-cxx17/benchmarks/modelauth_router_bench); the README
names its cases LABEL:BM_name. A pair whose two cases live in different
binaries is measured the same way, each round running the two binaries one
after the other, in alternating order.

Writes {"pairs": [{"case", "baseline", "ratio", "rounds": [...]}]} to
OUT.json, which ratios.py reads in place of the two cases' own times.
Environment: MODELAUTH_BENCH_PAIR_ROUNDS (default 9),
MODELAUTH_BENCH_PAIR_SECONDS (minimum time per repetition, default 0.1).
Standard library only.
"""
import json
import os
import re
import statistics
import subprocess
import sys

from readme_table import read_table


def read_pairs(readme):
    return [(case.strip("`"), baseline.strip("`")) for case, baseline in read_table(readme, "Paired", 2)]


def listed(binary):
    out = subprocess.run([binary, "--benchmark_list_tests"], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def one_round(binary, cpu, case, baseline, seconds):
    command = ["taskset", "-c", str(cpu), binary,
               f"--benchmark_filter=^({case}|{baseline})$",
               "--benchmark_repetitions=3", "--benchmark_enable_random_interleaving=true",
               f"--benchmark_min_time={seconds}", "--benchmark_format=json"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    medians = {e["run_name"]: e["real_time"] for e in json.loads(out.stdout)["benchmarks"]
               if e.get("aggregate_name") == "median"}
    return medians[case] / medians[baseline]


def cross_round(index, cpu, case_binary, case, baseline_binary, baseline, seconds):
    """One round of two cases of different binaries: each run alone, three
    repetitions, the order alternating from round to round."""
    def median_of(binary, name):
        command = ["taskset", "-c", str(cpu), binary, f"--benchmark_filter=^{name}$",
                   "--benchmark_repetitions=3", f"--benchmark_min_time={seconds}",
                   "--benchmark_format=json"]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        return next(e["real_time"] for e in json.loads(out.stdout)["benchmarks"]
                    if e.get("aggregate_name") == "median")
    if index % 2:
        b = median_of(baseline_binary, baseline)
        c = median_of(case_binary, case)
    else:
        c = median_of(case_binary, case)
        b = median_of(baseline_binary, baseline)
    return c / b


def split_label(spec):
    """("cxx17", "BM_x") for "cxx17:BM_x", ("", "BM_x") for "BM_x"."""
    label, sep, name = spec.partition(":")
    return (label, name) if sep and name.startswith("BM_") else ("", spec)


def main(argv):
    if len(argv) < 5:
        print("usage: paired.py README.md OUT.json CPU FILTER BINARY...", file=sys.stderr)
        return 2
    readme, out_path, cpu, wanted = argv[0], argv[1], argv[2], re.compile(argv[3])
    binaries = [tuple(b.split("=", 1)) if "=" in b else ("", b) for b in argv[4:]]
    rounds = int(os.environ.get("MODELAUTH_BENCH_PAIR_ROUNDS", "9"))
    seconds = os.environ.get("MODELAUTH_BENCH_PAIR_SECONDS", "0.1")
    tests = {b: listed(b[1]) for b in binaries}

    def binary_of(spec):
        label, name = split_label(spec)
        return next((b[1] for b in binaries if b[0] == label and name in tests[b]), None), name

    results = []
    for case, baseline in read_pairs(readme):
        if not wanted.search(case):
            continue
        (case_binary, case_name), (baseline_binary, baseline_name) = binary_of(case), binary_of(baseline)
        if case_binary is None or baseline_binary is None:
            continue
        if case_binary == baseline_binary:
            ratios = [one_round(case_binary, cpu, case_name, baseline_name, seconds) for _ in range(rounds)]
        else:
            ratios = [cross_round(i, cpu, case_binary, case_name, baseline_binary, baseline_name, seconds)
                      for i in range(rounds)]
        ratio = statistics.median(ratios)
        print(f"{case} / {baseline}: {ratio:.3f}x (median of {rounds} rounds, "
              f"{min(ratios):.3f}x to {max(ratios):.3f}x)")
        results.append({"case": case, "baseline": baseline, "ratio": ratio, "rounds": ratios})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"pairs": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
