# SPDX-License-Identifier: LGPL-2.1-or-later
"""userns=True: the namespace inside a new user namespace mapping the
caller's ids to themselves (timens run -U), as nobody and as root."""
import json
import os
import subprocess

import pytest
import timens
from conftest import DAY, PROBE, Window, need_root, own_offsets, parse_probe, probe_cmd
from unpriv import nobody, need_unpriv_userns  # noqa: F401 (a fixture)

# Run as nobody: the probe's report from a userns child, with the host
# window around it, and our own namespaces before and after.
AS_NOBODY = """
import json, os, subprocess, sys, time
import timens
PROBE = {probe!r}
def host():
    off = {{}}
    for line in open("/proc/self/timens_offsets"):
        n, s, ns = line.split(); off[n] = int(s) * 10**9 + int(ns)
    return (time.clock_gettime_ns(time.CLOCK_MONOTONIC) - off["monotonic"],
            time.clock_gettime_ns(time.CLOCK_BOOTTIME) - off["boottime"])
def ns():
    return [os.stat(f"/proc/self/ns/{{n}}").st_ino for n in ("time", "time_for_children", "user")]
before = ns()
lo = host()
p = timens.Popen([sys.executable, "-c", PROBE], userns=True, {kw}, stdout=subprocess.PIPE,
                 text=True)
out, _ = p.communicate()
hi = host()
print(json.dumps({{"probe": json.loads(out), "lo": lo, "hi": hi, "before": before,
                  "after": ns(), "rc": p.returncode, "uid": os.getuid()}}))
"""


def check(got, mono_off, boot_off):
    s = got["probe"]
    assert got["rc"] == 0
    assert got["before"] == got["after"], "nobody's own namespaces changed"
    assert s["time_ino"] != got["before"][0] and s["time_ino"] == s["tfc_ino"]
    assert (s["uid"], s["gid"]) == (got["uid"], got["uid"]), "ids mapped to themselves"
    for key in ("mono_vdso", "mono_raw"):
        assert got["lo"][0] + mono_off <= s[key] <= got["hi"][0] + mono_off
    for key in ("boot_vdso", "boot_raw"):
        assert got["lo"][1] + boot_off <= s[key] <= got["hi"][1] + boot_off


@pytest.mark.parametrize("path", ["vfork", "fork"])
def test_userns_as_nobody(nobody, path):
    need_unpriv_userns()
    env = "import os; os.environ['TIMENS_PATH'] = 'fork'\n" if path == "fork" else ""
    got = nobody(env + AS_NOBODY.format(probe=PROBE, kw='boottime="100d", monotonic="1h"'))
    assert got["uid"] == 65534
    check(got, 3600 * 10**9, 100 * DAY)


def test_userns_uptime_as_nobody(nobody):
    need_unpriv_userns()
    got = nobody(AS_NOBODY.format(probe=PROBE, kw='uptime=0'))
    s = got["probe"]
    assert 0 <= s["boot_raw"] <= got["hi"][1] - got["lo"][1]
    assert s["uptime_cs"] * 10**7 <= got["hi"][1] - got["lo"][1]


def test_userns_as_root(mode, parent_state):
    need_root()
    own_user = os.stat("/proc/self/ns/user").st_ino
    with Window() as w:
        out = timens.run(probe_cmd() + ["x"], userns=True, boottime="2d", stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    s = parse_probe(out)
    w.check(s, own_offsets()[0], 2 * DAY)
    assert (s["uid"], s["gid"]) == (0, 0)
    assert os.stat("/proc/self/ns/user").st_ino == own_user
    with timens.Popen(["sleep", "30"], userns=True, boottime="2d") as p:
        try:
            child_user = os.stat(f"/proc/{p.pid}/ns/user").st_ino
        finally:
            p.kill()
    assert child_user != own_user, "the child has a user namespace of its own"
