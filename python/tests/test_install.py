# SPDX-License-Identifier: LGPL-2.1-or-later
"""make install puts the package where the interpreter looks, and the
installed module links the installed library (LIBDIR), not the tree's."""
import os
import subprocess
import sys
import sysconfig
import tempfile
import time

import pytest
from conftest import need, need_root

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXT = "_timens" + sysconfig.get_config_var("EXT_SUFFIX")
VER = "python%d.%d" % sys.version_info[:2]


def install(prefix, dest):
    need(os.access(os.path.join(TOP, "build"), os.W_OK), "make needs to write to build/")
    # A plain build, as a distribution would install it (not SANITIZE=1's).
    r = subprocess.run(["make", "-s", "-C", TOP, "python-install", "SANITIZE=", f"PREFIX={prefix}",
                        f"DESTDIR={dest}", f"PYTHON={sys.executable}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("prefix, sitedir", [
    ("/opt/timens", f"/opt/timens/lib/{VER}/site-packages"),
    ("/usr/local", f"/usr/local/lib/{VER}/dist-packages"
     if "posix_local" in sysconfig.get_scheme_names() else None),
    ("/usr", "/usr/lib/python3/dist-packages"
     if "deb_system" in sysconfig.get_scheme_names() else None),
])
def test_install_layout(prefix, sitedir):
    if sitedir is None:                 # not Debian's python3: the upstream layout
        sitedir = f"{prefix}/lib/{VER}/site-packages"
    with tempfile.TemporaryDirectory() as dest:
        install(prefix, dest)
        pkg = dest + sitedir + "/timens"
        assert sorted(os.listdir(pkg)) == sorted(["__init__.py", "_timens.pyi", "py.typed", EXT])
        dyn = subprocess.run(["readelf", "-d", os.path.join(pkg, EXT)], capture_output=True,
                             text=True, check=True).stdout
        assert "[libtimens.so.0]" in dyn
        assert f"[{prefix}/lib]" in dyn, "the rpath is the installed LIBDIR"
        if sitedir.endswith("dist-packages"):
            assert sitedir in sys.path, "Debian's python3 imports it with no PYTHONPATH"


def test_installed_package_runs():
    need_root()
    with tempfile.TemporaryDirectory() as dest:
        install("/opt/timens", dest)
        site = f"{dest}/opt/timens/lib/{VER}/site-packages"
        # python-install does not install the library: the plain build's.
        env = dict(os.environ, PYTHONPATH=site, LD_LIBRARY_PATH=os.path.join(TOP, "build"))
        env.pop("LD_PRELOAD", None)
        code = ("import timens; print(timens.__file__); "
                "print(timens.run(['cat', '/proc/uptime'], uptime='100d', capture_output=True)"
                ".stdout.split()[0].decode())")
        before = time.clock_gettime(time.CLOCK_BOOTTIME)
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        elapsed = time.clock_gettime(time.CLOCK_BOOTTIME) - before
        assert r.returncode == 0, r.stderr
        where, up = r.stdout.split()
        assert where.startswith(site)
        assert 0 <= float(up) - 100 * 86400 <= elapsed


def test_setup_py_builds_with_debians_setuptools():
    # What pip install --no-build-isolation ./python runs, offline.
    need_root()
    # Without an installed libtimens setup.py takes the plain build's.
    # (only that file: a make -j check may still be building the rest).
    subprocess.run(["make", "-s", "-C", TOP, "build/libtimens.so", "SANITIZE="], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, "setup.py", "-q", "build", "--build-base", tmp],
                           cwd=os.path.join(TOP, "python"), capture_output=True, text=True,
                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        assert r.returncode == 0, r.stderr
        lib = [os.path.join(tmp, d) for d in os.listdir(tmp) if d.startswith("lib.")][0]
        assert sorted(os.listdir(os.path.join(lib, "timens"))) == \
            sorted(["__init__.py", "_timens.pyi", "py.typed", EXT])
        env = dict(os.environ, PYTHONPATH=lib)
        env.pop("LD_PRELOAD", None)
        r = subprocess.run([sys.executable, "-c", "import timens; print(timens.__file__); "
                            "print(timens.run(['true'], boottime='1d').returncode)"],
                           env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == [os.path.join(lib, "timens", "__init__.py"), "0"]
