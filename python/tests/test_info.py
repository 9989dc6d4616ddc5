# SPDX-License-Identifier: LGPL-2.1-or-later
"""timens.info() and timens.features() against /proc and the kernel version."""
import ctypes
import errno
import json
import os
import subprocess
import time

import pytest
import timens
from conftest import NSEC, host_clocks, need_root, ns_inodes, own_offsets


def test_info_self():
    before = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    i = timens.info()
    after = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    st = os.stat("/proc/self/ns/time")
    assert i.ns == timens.NamespaceId(st.st_dev, st.st_ino)
    assert i.ns_for_children.ino == ns_inodes()[1]
    assert (i.monotonic_offset_ns, i.boottime_offset_ns) == own_offsets()
    assert before <= i.boottime_ns <= after
    assert i._fields[:4] == ("ns", "ns_for_children", "monotonic_offset_ns", "boottime_offset_ns")


def test_info_child():
    need_root()
    with timens.Popen(["sleep", "30"], monotonic="-1s" if host_clocks()[0] > 2 * NSEC else 0,
                      boottime="10d") as p:
        try:
            lo = host_clocks()
            i = timens.info(p.pid)
            hi = host_clocks()
            ino = os.stat(f"/proc/{p.pid}/ns/time").st_ino
        finally:
            p.kill()
    assert i.ns.ino == ino != ns_inodes()[0]
    assert i.boottime_offset_ns == 10 * 86400 * NSEC
    assert lo[1] + i.boottime_offset_ns <= i.boottime_ns <= hi[1] + i.boottime_offset_ns
    assert lo[0] + i.monotonic_offset_ns <= i.monotonic_ns <= hi[0] + i.monotonic_offset_ns


def test_info_no_such_process():
    pid = 1 << 22 + 1      # above pid_max's limit: never a process
    with pytest.raises(ProcessLookupError) as e:
        timens.info(pid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert e.value.errno == errno.ESRCH
    with pytest.raises(ValueError):
        timens.info(-1)


def test_features():
    f = timens.features()
    release = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
    assert f.time_ns == os.path.exists("/proc/self/ns/time")
    assert f.setns_pidfd == (release >= (5, 9))
    assert f.exec_switch == (release >= (6, 2))
    # clone3 (5.3) came before time namespaces (5.6): with them, only a
    # filter answers ENOSYS (a size of 0 is EINVAL for the kernel itself).
    libc = ctypes.CDLL(None, use_errno=True)
    sys_clone3 = 435        # the same on x86-64 and arm64 (and every newer table)
    assert libc.syscall(sys_clone3, None, 0) == -1
    assert f.clone3_refused == (ctypes.get_errno() == errno.ENOSYS)
    build = os.environ.get("TIMENS_BUILD")
    if build and os.path.exists(os.path.join(build, "timens")):
        probe = json.loads(subprocess.run([os.path.join(build, "timens"), "probe", "--json"],
                                          capture_output=True, check=True).stdout)
        assert {k: probe["kernel"][k] for k in f._fields} == f._asdict()
