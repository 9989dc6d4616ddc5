# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the timens Python tests share: requirements that skip (or, under
TIMENS_TEST_STRICT=1 as CI runs them, fail), a probe that a child runs to
report its clocks and namespaces, and the host-clock window the child's
readings must fall in (as test/lib does for the C tests)."""
import json
import os
import sys
import time

import pytest

STRICT = os.environ.get("TIMENS_TEST_STRICT", "") not in ("", "0")
NSEC = 1_000_000_000
DAY = 86400 * NSEC


def need(cond, reason):
    """Skip unless COND; under TIMENS_TEST_STRICT a skip is a failure."""
    if cond:
        return
    if STRICT:
        pytest.fail(f"required but unavailable (TIMENS_TEST_STRICT): {reason}")
    pytest.skip(reason)


def need_root():
    need(os.geteuid() == 0, "needs root to create a time namespace")
    need(os.path.exists("/proc/self/ns/time"), "kernel without time namespaces")


# Run by a child: its clocks through the vDSO (time.clock_gettime_ns) and
# the raw system call (ctypes), /proc/uptime, its namespaces and ids, as
# one line of JSON.
PROBE = r"""
import ctypes, json, os, sys, time
class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]
libc = ctypes.CDLL(None, use_errno=True)
def raw(clock):
    ts = timespec()
    if libc.syscall(228, clock, ctypes.byref(ts)) != 0:   # SYS_clock_gettime, x86-64
        raise OSError(ctypes.get_errno(), "clock_gettime")
    return ts.tv_sec * 1000000000 + ts.tv_nsec
d = {
    "mono_vdso": time.clock_gettime_ns(time.CLOCK_MONOTONIC),
    "boot_vdso": time.clock_gettime_ns(time.CLOCK_BOOTTIME),
    "mono_raw": raw(time.CLOCK_MONOTONIC),
    "boot_raw": raw(time.CLOCK_BOOTTIME),
}
sec, cs = open("/proc/uptime").read().split()[0].split(".")
d["uptime_cs"] = int(sec) * 100 + int(cs)
d["time_ino"] = os.stat("/proc/self/ns/time").st_ino
d["tfc_ino"] = os.stat("/proc/self/ns/time_for_children").st_ino
d["uid"], d["gid"], d["pid"] = os.getuid(), os.getgid(), os.getpid()
d["argv"] = sys.argv[1:]
print(json.dumps(d), flush=True)
"""


def probe_cmd(*extra):
    return [sys.executable, "-c", PROBE, *extra]


def parse_probe(out):
    return json.loads(out.strip().splitlines()[-1])


def own_offsets():
    """This process's namespace offsets, read from /proc (not the library)."""
    off = {}
    with open("/proc/self/timens_offsets") as f:
        for line in f:
            name, sec, nsec = line.split()
            off[name] = int(sec) * NSEC + int(nsec)
    return off["monotonic"], off["boottime"]


def host_clocks():
    mono_off, boot_off = own_offsets()
    return (time.clock_gettime_ns(time.CLOCK_MONOTONIC) - mono_off,
            time.clock_gettime_ns(time.CLOCK_BOOTTIME) - boot_off)


class Window:
    """Host clock readings before and after a child samples its clocks."""

    def __enter__(self):
        self.mono_lo, self.boot_lo = host_clocks()
        return self

    def __exit__(self, *exc):
        self.mono_hi, self.boot_hi = host_clocks()

    def check(self, s, mono_off, boot_off):
        """Every reading of sample S is the host's clock plus the offsets."""
        for key in ("mono_vdso", "mono_raw"):
            assert self.mono_lo + mono_off <= s[key] <= self.mono_hi + mono_off, key
        for key in ("boot_vdso", "boot_raw"):
            assert self.boot_lo + boot_off <= s[key] <= self.boot_hi + boot_off, key
        # /proc/uptime is CLOCK_BOOTTIME truncated to centiseconds.
        cs = NSEC // 100
        assert self.boot_lo + boot_off - cs <= s["uptime_cs"] * cs <= self.boot_hi + boot_off


def fit_negative(clock, want):
    """WANT, a negative offset for CLOCK, or less negative on a machine up
    too short a time for it: the kernel refuses a clock below zero."""
    mono, boot = host_clocks()
    half = (mono if clock == time.CLOCK_MONOTONIC else boot) // 2
    return max(want, -half)


def ns_inodes(pid="self"):
    return (os.stat(f"/proc/{pid}/ns/time").st_ino,
            os.stat(f"/proc/{pid}/ns/time_for_children").st_ino)


@pytest.fixture
def parent_state():
    """The caller's time namespaces, fds and children, checked unchanged
    after the test."""
    before = (ns_inodes(), sorted(os.listdir("/proc/self/fd")))
    yield before
    after = (ns_inodes(), sorted(os.listdir("/proc/self/fd")))
    assert after[0] == before[0], "the parent's time namespaces changed"
    assert len(after[1]) == len(before[1]), "the parent's fds changed"


@pytest.fixture(params=["vfork", "fork"])
def mode(request, monkeypatch):
    """Both ways timens.Popen makes a child: sharing our memory (Linux
    6.2+, the default there) and as a copy (older kernels; TIMENS_PATH=fork)."""
    if request.param == "fork":
        monkeypatch.setenv("TIMENS_PATH", "fork")
    else:
        monkeypatch.delenv("TIMENS_PATH", raising=False)
    return request.param
