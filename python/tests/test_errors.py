# SPDX-License-Identifier: LGPL-2.1-or-later
"""Errors: bad offsets before any process exists, and the library's
errno as the matching OSError subclass, raised by the constructor."""
import datetime
import errno
import os
import subprocess
import sys
import time

import pytest
import timens
from conftest import DAY, NSEC, host_clocks, need_root
from unpriv import nobody, need_unpriv_userns  # noqa: F401 (a fixture)


def started_nothing(marker):
    assert not marker.exists(), "a process was started"
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("kw, exc", [
    ({"boottime": True}, TypeError),
    ({"boottime": 1.5}, TypeError),
    ({"monotonic": b"1d"}, TypeError),
    ({"boottime": "1y"}, ValueError),
    ({"boottime": "1 d"}, ValueError),
    ({"boottime": ""}, ValueError),
    ({"monotonic": 1 << 63}, OverflowError),
    ({"monotonic": -(1 << 63) - 1}, OverflowError),
    ({"boottime": "15251w"}, OverflowError),
    ({"boottime": datetime.timedelta(days=106752)}, OverflowError),
    ({"boottime": "1d", "uptime": "1d"}, ValueError),
    ({"uptime": -1}, ValueError),
    ({"uptime": "-1s"}, ValueError),
    ({"uptime": "8000w"}, ValueError),         # past the kernel's ~146 years
    ({"boottime": "15250w"}, ValueError),
])
def test_bad_offsets_before_any_process(tmp_path, parent_state, kw, exc):
    marker = tmp_path / "started"
    with pytest.raises(exc):
        timens.Popen(["touch", str(marker)], **kw)
    with pytest.raises(exc):
        timens.run(["touch", str(marker)], **kw)
    started_nothing(marker)


def test_negative_beyond_uptime(tmp_path, parent_state):
    marker = tmp_path / "started"
    mono, boot = host_clocks()
    for kw in ({"monotonic": -mono - 10 * NSEC}, {"boottime": -boot - DAY},
               {"boottime": -(1 << 63)}):
        with pytest.raises(ValueError, match="below zero"):
            timens.Popen(["touch", str(marker)], **kw)
    started_nothing(marker)


def test_offsets_the_kernel_takes_are_not_refused():
    need_root()
    mono, _ = host_clocks()
    # A clock that starts at about 1 s: just inside the bound.
    r = timens.run([sys.executable, "-c", "import time; print(time.monotonic_ns())"],
                   monotonic=-(mono - NSEC), capture_output=True, text=True, check=True)
    assert 0 <= int(r.stdout) < mono


# The exception, its classes, errno, message and notes, and whether a child
# was left behind, as JSON.
REPORT = """
except Exception as e:
    try:
        os.waitpid(-1, os.WNOHANG)
        left = True
    except ChildProcessError:
        left = False
    print(json.dumps([type(e).__name__, [c.__name__ for c in type(e).__mro__],
                      getattr(e, "errno", None), getattr(e, "strerror", None),
                      getattr(e, "__notes__", []), left]))
"""


@pytest.mark.parametrize("path", ["vfork", "fork"])
def test_eperm_is_permission_error(nobody, tmp_path, path):
    # Without userns, nobody may not create a time namespace: in the child
    # (vfork) or in the library's clone3 (fork), the same error.
    env = "os.environ['TIMENS_PATH'] = 'fork'" if path == "fork" else ""
    got = nobody(f"""
import json, os, sys, timens
{env}
try:
    timens.Popen(["touch", {str(tmp_path / "x")!r}], boottime="1d")
    print(json.dumps(None))
""" + REPORT)
    assert got is not None, "nobody created a time namespace"
    name, mro, err, strerror, notes, left = got
    assert not left, "a child was left behind"
    assert name == "PermissionError" and "OSError" in mro
    assert err == errno.EPERM and strerror == os.strerror(errno.EPERM)
    assert any("userns=True" in n for n in notes), notes
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("path", ["vfork", "fork"])
def test_enospc_at_the_namespace_limit(path):
    need_root()
    # In a user namespace of our own, whose limit we may lower
    # (user.max_time_namespaces is per user namespace).
    code = """
import json, os, timens
with open("/proc/sys/user/max_time_namespaces", "w") as f:
    f.write("0")
try:
    timens.run(["true"], boottime="1d")
    print(json.dumps(None))
except OSError as e:
    print(json.dumps([type(e).__name__, e.errno, e.strerror, getattr(e, "__notes__", [])]))
"""
    env = dict(os.environ, TIMENS_PATH="fork") if path == "fork" else None
    r = subprocess.run(["unshare", "-U", "-r", sys.executable, "-c", code],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    got = __import__("json").loads(r.stdout)
    assert got is not None
    name, err, strerror, notes = got
    assert (name, err, strerror) == ("OSError", errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert any("max_time_namespaces" in n for n in notes)


def test_failure_leaves_no_fd_or_child(parent_state):
    need_root()
    for _ in range(5):
        with pytest.raises(FileNotFoundError):
            timens.Popen(["no-such-program-anywhere"], boottime="1d", stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
