# SPDX-License-Identifier: LGPL-2.1-or-later
"""The README's Python example works as written."""
import os
import re
import subprocess
import sys

from conftest import NSEC, need_root, own_offsets

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def example():
    text = open(README).read()
    section = text[text.index("\n## Python\n"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def uptime():
    """The host's /proc/uptime in centiseconds: ours less our offset."""
    sec, cs = open("/proc/uptime").read().split()[0].split(".")
    return int(sec) * 100 + int(cs) - own_offsets()[1] // (NSEC // 100)


def test_readme_example():
    need_root()
    code = example()
    assert len(code.strip().splitlines()) <= 12
    lo = uptime()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    hi = uptime()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 3
    # Centiseconds, as /proc/uptime has them.
    assert lo <= round(float(lines[0].split()[0]) * 100) - 100 * 86400 * 100 <= hi
    assert 0 <= round(float(lines[1].split()[0]) * 100) <= hi - lo
    assert lines[2].startswith("5400000000000 1h30m NamespaceId(")
