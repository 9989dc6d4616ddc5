#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-python [--quick] [--rounds N] [--csv FILE]: the Python binding's
row.  timens.Popen(['/bin/true'], offsets).wait() against Python's own
subprocess.Popen(['/bin/true']).wait(), measured interleaved in one run,
one batch of each case per round (the order turning every round), as
bench.h does for the C benchmarks: the median of the per-round values,
and of the per-round ratios to the plain start; the same with a second
(idle) thread, and with the child as a copy (kernels before 6.2).  Times
are microseconds per start.  Run with the package on
PYTHONPATH (bench/run does: BUILD/python)."""
import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
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


class IdleThread:
    """A second thread doing nothing, for the multi-threaded caller rows."""

    def __enter__(self):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.stop.wait)
        self.thread.start()

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--csv")
    o = ap.parse_args()
    rounds, iters = (5, 10) if o.quick else (o.rounds, 20)
    path = "child-unshare" if timens.features().exec_switch else "timens_clone3"
    # (name, path, function, index of the baseline, target, threads)
    cases = [
        ("subprocess.Popen(['/bin/true']).wait()", "-", plain, 0, "", 1),
        ("timens.Popen(['/bin/true'] boottime=1d).wait()", path, with_offsets, 0, "<=1.10", 1),
        ("timens.Popen(...) child as a copy", "timens_clone3", with_offsets_copy, 0, "", 1),
        ("subprocess.Popen(['/bin/true']).wait(); 2 threads", "-", plain, 3, "", 2),
        ("timens.Popen(['/bin/true'] boottime=1d).wait(); 2 threads", path, with_offsets, 3,
         "", 2),
    ]
    values = [[] for _ in cases]
    for c in cases:
        c[2](3)                                 # warm up
    for r in range(rounds):
        order = list(range(len(cases)))
        if r % 2:
            order.reverse()
        for threads in (1, 2):
            with IdleThread() if threads == 2 else contextlib.nullcontext():
                for i in order:
                    if cases[i][5] != threads:
                        continue
                    t0 = time.perf_counter()
                    cases[i][2](iters)
                    values[i].append((time.perf_counter() - t0) * 1e6 / iters)
    print(f"# {BENCH}: {rounds} rounds")
    print(f"{'case':<58} {'path':<14} {'median':>8} {'min':>8} {'max':>8} {'ratio':>6}")
    rows = []
    for i, (name, path, _, base, target, _) in enumerate(cases):
        v = values[i]
        ratio = "" if base == i else "%.3f" % statistics.median(
            a / b for a, b in zip(v, values[base]))
        rows.append(f"{BENCH},{name},{path},us/start,{statistics.median(v):.3f},{min(v):.3f},"
                    f"{max(v):.3f},{cases[base][0] if base != i else ''},{ratio},{target}")
        print(f"{name:<58} {path:<14} {statistics.median(v):8.1f} {min(v):8.1f} "
              f"{max(v):8.1f} {ratio or '-':>6}")
    if o.csv:
        with open(o.csv, "a") as f:
            f.write("".join(row + "\n" for row in rows))


if __name__ == "__main__":
    sys.exit(main())
