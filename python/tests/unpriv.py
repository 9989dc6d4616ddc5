# SPDX-License-Identifier: LGPL-2.1-or-later
"""Running test code as an unprivileged user (nobody), as test/cli-user.sh
does for the tool: a copy of the built package and library that nobody
can read, and setpriv."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest
import timens
from conftest import need

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture(scope="session")
def nobody():
    """run(code) -> the JSON the code printed, run as nobody by Debian's
    python3 with the timens package on its path."""
    need(os.geteuid() == 0, "needs root to become nobody")
    need(shutil.which("setpriv") is not None, "setpriv (util-linux) is needed")
    # Not under pytest's own temporary folder: that one is root's alone.
    top = pathlib.Path(tempfile.mkdtemp(prefix="timens-nobody-"))
    top.chmod(0o755)
    pkg = os.path.dirname(timens.__file__)
    shutil.copytree(pkg, top / "python" / "timens")
    # The module finds the library two folders up ($ORIGIN/../..).
    lib = os.path.realpath(os.path.join(pkg, "..", "..", "libtimens.so.0"))
    shutil.copy(lib, top / "libtimens.so.0")
    for d, _, files in os.walk(top):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(top / "python"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    # make check SANITIZE=1 preloads the sanitizers' runtimes.
    env.update({k: v for k, v in os.environ.items()
                if k in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")})
    r = subprocess.run(NOBODY + [sys.executable, "-c", "import timens"], env=env,
                       capture_output=True, text=True)
    need(r.returncode == 0, f"nobody cannot import the copied package: {r.stderr}")

    def run(code):
        r = subprocess.run(NOBODY + [sys.executable, "-c", code], env=env, cwd="/",
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout.strip().splitlines()[-1])
    yield run
    shutil.rmtree(top)


def need_unpriv_userns():
    r = subprocess.run(NOBODY + ["unshare", "-U", "-r", "true"], capture_output=True)
    need(r.returncode == 0, "this system does not allow unprivileged user namespaces")
