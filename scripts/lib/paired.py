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


def main(argv):
    if len(argv) < 5:
        print("usage: paired.py README.md OUT.json CPU FILTER BINARY...", file=sys.stderr)
        return 2
    readme, out_path, cpu, wanted, binaries = argv[0], argv[1], argv[2], re.compile(argv[3]), argv[4:]
    rounds = int(os.environ.get("MODELAUTH_BENCH_PAIR_ROUNDS", "9"))
    seconds = os.environ.get("MODELAUTH_BENCH_PAIR_SECONDS", "0.1")
    tests = {b: listed(b) for b in binaries}
    results = []
    for case, baseline in read_pairs(readme):
        binary = next((b for b in binaries if case in tests[b] and baseline in tests[b]), None)
        if binary is None or not wanted.search(case):
            continue
        ratios = [one_round(binary, cpu, case, baseline, seconds) for _ in range(rounds)]
        ratio = statistics.median(ratios)
        print(f"{case} / {baseline}: {ratio:.3f}x (median of {rounds} rounds, "
              f"{min(ratios):.3f}x to {max(ratios):.3f}x)")
        results.append({"case": case, "baseline": baseline, "ratio": ratio, "rounds": ratios})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"pairs": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
