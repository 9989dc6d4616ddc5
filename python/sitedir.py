# SPDX-License-Identifier: LGPL-2.1-or-later
# python/sitedir.py PREFIX: where `make install` puts the timens package
# for this interpreter, so that it imports it with no PYTHONPATH where
# its sys.path allows.  Debian's python3 reads /usr/lib/python3/
# dist-packages (its packages, PREFIX=/usr) and /usr/local/lib/
# python3.X/dist-packages (PREFIX=/usr/local), through schemes of its
# own; any other prefix gets the upstream layout,
# PREFIX/lib/python3.X/site-packages (add it to PYTHONPATH).
import sys
import sysconfig

prefix = sys.argv[1].rstrip("/") or "/"
schemes = sysconfig.get_scheme_names()
if prefix == "/usr" and "deb_system" in schemes:
    scheme, base = "deb_system", "/usr"
elif prefix == "/usr/local" and "posix_local" in schemes:
    scheme, base = "posix_local", "/usr"     # the scheme adds the /local
else:
    scheme, base = "posix_prefix", "" if prefix == "/" else prefix
print((sysconfig.get_path("platlib", scheme, vars={"base": base, "platbase": base})))
