# SPDX-License-Identifier: LGPL-2.1-or-later
"""The timens package for pip, offline with Debian's setuptools:

    pip install --no-build-isolation ./python

(no isolation: the build uses the installed setuptools instead of
fetching one).  The extension links libtimens: the installed one where
pkg-config finds it (make install), else this tree's build/ (make), by
absolute path.  `make install` does the same without pip (python/python.mk).
"""
import os
import shlex
import subprocess

from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(here)


def libtimens():
    try:
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libtimens"],
                               capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        build = os.path.join(top, "build")
        if not os.path.exists(os.path.join(build, "libtimens.so")):
            raise SystemExit("libtimens not found: make install it (pkg-config libtimens), "
                             "or run make in " + top)
        return {"include_dirs": [os.path.join(top, "include")], "library_dirs": [build],
                "libraries": ["timens"], "runtime_library_dirs": [build]}
    args = shlex.split(flags)
    libdirs = [a[2:] for a in args if a.startswith("-L")]
    return {"include_dirs": [a[2:] for a in args if a.startswith("-I")],
            "library_dirs": libdirs, "runtime_library_dirs": libdirs,
            "libraries": [a[2:] for a in args if a.startswith("-l")]}


setup(
    name="timens",
    version="0.1.0",
    description="Start processes in a new Linux time namespace with chosen clock offsets",
    license="LGPL-2.1-or-later",
    packages=["timens"],
    package_data={"timens": ["_timens.pyi", "py.typed"]},
    # Run from python/, as pip does: setuptools wants relative paths.
    ext_modules=[Extension("timens._timens", ["_timens.c"],
                           extra_link_args=["-Wl,-z,nodelete"], **libtimens())],
    python_requires=">=3.11",
)
