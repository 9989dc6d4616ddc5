#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-python [--quick] [--rounds N] [--csv FILE]: the Python binding's
row.  timens.Popen(['/bin/true'], offsets).wait() against Python's own
subprocess.Popen(['/bin/true']).wait(), measured interleaved in one run,
one batch of each case per round (the order turning every round), as
bench.h does for the C benchmarks: the median of the per-round values,
and of the per-round ratios to the plain start.  Run with the package on
PYTHONPATH (bench/run does: BUILD/python)."""
import argparse
import os
import statistics
import subprocess
import sys
import time

import timens

BENCH = "python"
TRUE = ["/bin/true"]


def plain(n):
    for _ in range(n):
        subprocess.Popen(TRUE).wait()


def with_offsets(n):
    for _ in range(n):
        timens.Popen(TRUE, boottime="1d").wait()


def with_offsets_copy(n):
    # The child as a copy of us, as on kernels before 6.2.
    os.environ["TIMENS_PATH"] = "fork"
    try:
        with_offsets(n)
    finally:
        del os.environ["TIMENS_PATH"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--csv")
    o = ap.parse_args()
    rounds, iters = (5, 10) if o.quick else (o.rounds, 20)
    vfork = timens.features().exec_switch
    cases = [
        ("subprocess.Popen(['/bin/true']).wait()", "-", plain, ""),
        ("timens.Popen(['/bin/true'] boottime=1d).wait()", "vfork" if vfork else "fork",
         with_offsets, "<=1.10"),
        ("timens.Popen(...) child as a copy", "fork", with_offsets_copy, ""),
    ]
    values = [[] for _ in cases]
    for f in (c[2] for c in cases):
        f(3)                                    # warm up
    for r in range(rounds):
        order = list(range(len(cases)))
        if r % 2:
            order.reverse()
        for i in order:
            t0 = time.perf_counter()
            cases[i][2](iters)
            values[i].append((time.perf_counter() - t0) * 1e6 / iters)
    print(f"# {BENCH}: {rounds} rounds")
    print(f"{'case':<52} {'path':<6} {'unit':<9} {'median':>9} {'min':>9} {'max':>9} {'ratio':>7}")
    rows = []
    for i, (name, path, _, target) in enumerate(cases):
        v = values[i]
        ratio = "" if i == 0 else "%.3f" % statistics.median(
            a / b for a, b in zip(v, values[0]))
        rows.append(f"{BENCH},{name},{path},us/start,{statistics.median(v):.3f},{min(v):.3f},"
                    f"{max(v):.3f},{cases[0][0] if i else ''},{ratio},{target}")
        print(f"{name:<52} {path:<6} {'us/start':<9} {statistics.median(v):9.1f} {min(v):9.1f} "
              f"{max(v):9.1f} {ratio or '-':>7}")
    if o.csv:
        with open(o.csv, "a") as f:
            f.write("".join(row + "\n" for row in rows))


if __name__ == "__main__":
    sys.exit(main())
