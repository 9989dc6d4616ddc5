# SPDX-License-Identifier: LGPL-2.1-or-later
"""The child's clocks and namespaces, seen from inside it and from /proc."""
import datetime
import os
import subprocess
import time

import pytest
import timens
from conftest import DAY, NSEC, Window, fit_negative, need_root, ns_inodes, own_offsets, \
    parse_probe, probe_cmd


def sample(**kw):
    with Window() as w:
        p = timens.Popen(probe_cmd(), stdout=subprocess.PIPE, text=True, **kw)
        out, _ = p.communicate()
    assert p.returncode == 0
    return w, parse_probe(out), p


@pytest.mark.parametrize("boottime", [100 * DAY, "100d", datetime.timedelta(days=100)])
def test_boottime_offset(mode, parent_state, boottime):
    need_root()
    w, s, p = sample(boottime=boottime)
    mono_off, _ = own_offsets()
    w.check(s, mono_off, 100 * DAY)
    assert p.timens_offsets == (mono_off, 100 * DAY)


def test_monotonic_negative_offset(mode, parent_state):
    need_root()
    off = fit_negative(time.CLOCK_MONOTONIC, -3600 * NSEC)
    w, s, _ = sample(monotonic=off, boottime=2 * DAY)
    w.check(s, off, 2 * DAY)


def test_both_offsets_as_strings(mode, parent_state):
    need_root()
    w, s, _ = sample(monotonic="1h30m", boottime="+7d")
    w.check(s, 5400 * NSEC, 7 * DAY)


def test_clock_left_alone_keeps_our_offset(mode, parent_state):
    need_root()
    mono_off, boot_off = own_offsets()
    w, s, _ = sample(monotonic="10s")
    w.check(s, 10 * NSEC, boot_off)


@pytest.mark.parametrize("uptime", [0, "0", "100d", datetime.timedelta(seconds=42)])
def test_uptime_is_where_boottime_starts(mode, parent_state, uptime):
    need_root()
    want = timens.parse_offset(uptime) if isinstance(uptime, str) else \
        uptime if isinstance(uptime, int) else 42 * NSEC
    before = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    _, s, _ = sample(uptime=uptime)
    elapsed = time.clock_gettime_ns(time.CLOCK_BOOTTIME) - before
    # The namespace is made after we read our clocks: at or above the
    # value, by no more than the time the whole start took.
    for key in ("boot_vdso", "boot_raw"):
        assert want <= s[key] <= want + elapsed, key
    cs = NSEC // 100
    assert want - cs <= s["uptime_cs"] * cs <= want + elapsed


def test_child_namespace_inodes(mode, parent_state):
    need_root()
    own_time, own_tfc = ns_inodes()
    _, s, _ = sample(boottime="1d")
    assert s["time_ino"] != own_time, "the child is in a new time namespace"
    assert s["time_ino"] == s["tfc_ino"], "and its children would be too"
    assert ns_inodes() == (own_time, own_tfc)


def test_proc_offsets_of_the_running_child(mode, parent_state):
    need_root()
    off = fit_negative(time.CLOCK_BOOTTIME, -1800 * NSEC)
    with timens.Popen(["sleep", "30"], monotonic="250ms", boottime=off) as p:
        try:
            with open(f"/proc/{p.pid}/timens_offsets") as f:
                lines = dict(line.split(None, 1) for line in f)
            info = timens.info(p.pid)
        finally:
            p.kill()
    sec, nsec = divmod(off, NSEC)
    assert lines["monotonic"].split() == ["0", "250000000"]
    assert lines["boottime"].split() == [str(sec), str(nsec)]
    assert (info.monotonic_offset_ns, info.boottime_offset_ns) == (250_000_000, off)
    assert info.ns.ino != ns_inodes()[0]


def test_plain_subprocess_after_is_not_shifted(mode, parent_state):
    need_root()
    sample(boottime="100d")
    with Window() as w:
        out = subprocess.run(probe_cmd(), stdout=subprocess.PIPE, text=True, check=True).stdout
    s = parse_probe(out)
    mono_off, boot_off = own_offsets()
    w.check(s, mono_off, boot_off)
    assert s["time_ino"] == ns_inodes()[0]


def test_grandchildren_share_the_namespace(mode, parent_state):
    need_root()
    cmd = ["sh", "-c", '"$0" "$@" && true'] + probe_cmd()
    with Window() as w:
        out = timens.run(cmd, boottime="3d", stdout=subprocess.PIPE, check=True).stdout
    s = parse_probe(out.decode())
    w.check(s, own_offsets()[0], 3 * DAY)
