# SPDX-License-Identifier: LGPL-2.1-or-later
"""A multi-threaded parent: threads starting plain subprocesses at the
same time as others start timens ones (some with userns=True).  No plain
child is shifted, each timens child has exactly its offsets, and the
parent is left as it was."""
import subprocess
import threading

import timens
from conftest import DAY, Window, need_root, ns_inodes, own_offsets, parse_probe, probe_cmd

THREADS = 8        # half plain, half timens
ROUNDS = 6


def test_threads_plain_and_timens_children(mode, parent_state):
    need_root()
    own_time, own_tfc = ns_inodes()
    mono_off, boot_off = own_offsets()
    start = threading.Barrier(THREADS)
    results, errors = [], []

    def worker(k):
        try:
            start.wait()
            for _ in range(ROUNDS):
                if k % 2:
                    out = subprocess.run(probe_cmd(), stdout=subprocess.PIPE, text=True,
                                         check=True).stdout
                    results.append((None, parse_probe(out)))
                else:
                    # Every other one in a user namespace too (the helper process).
                    out = timens.run(probe_cmd(), boottime=(k + 1) * DAY, userns=k % 4 == 0,
                                     stdout=subprocess.PIPE, text=True, check=True).stdout
                    results.append(((k + 1) * DAY, parse_probe(out)))
        except BaseException as e:    # reported in the main thread
            errors.append(e)

    with Window() as w:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    assert len(results) == THREADS * ROUNDS
    for boot, s in results:
        if boot is None:
            assert s["time_ino"] == own_time, "a plain child in another namespace"
            w.check(s, mono_off, boot_off)
        else:
            assert s["time_ino"] not in (own_time, own_tfc)
            w.check(s, mono_off, boot)
    assert ns_inodes() == (own_time, own_tfc)
