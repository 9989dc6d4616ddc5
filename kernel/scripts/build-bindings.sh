#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-bindings.sh KIND WORK
#
# The Go and Python bindings' suites for an x86-64 guest (KIND patched or
# old), called by build-guest.sh: builds them at the top of the project,
# appends their lines to WORK/plan and writes WORK/bindings.list, the
# cpio lines of what they need, which build-guest.sh adds after its own
# (an entry given again replaces the earlier one when the kernel unpacks
# the archive).
#   go      the `go test` binary, static (CGO_ENABLED=0), with its
#           static C helpers and testdata/ (make go-test-static)
#   python  Debian's python3.11 with the standard library (less what
#           no test can reach, listed below), pytest and what it
#           imports, the C extension and libtimens.so, the shared
#           libraries all of it loads (the guest's base has dash as
#           /bin/sh and util-linux's setpriv, which the tests use)
# A build that fails leaves its program out of the archive but not out of
# the plan: the guest then reports it as failed (it cannot be executed).
. "$(dirname "$0")/lib.sh"

kind=$1 work=$2
list=$work/bindings.list
: > "$list"

# plan, cpio_dir, cpio_file: lib.sh.

py=/usr/bin/python3.11
built=1
make -C "$TOPDIR" -j"$JOBS" PYTHON="$py" python cli go-test-static >&2 || {
	built=0
	say "WARNING: building the bindings failed: their suites will fail in the guest"
}
build=$TOPDIR/build

# ---- Go ----
# Before 6.2 Start is EOPNOTSUPP by design (docs/design.md, "Go binding",
# Limits; ../NOTES-6.1.txt (c)): the kernel refuses a vfork-style child,
# which os/exec makes, to a thread that unshared CLONE_NEWTIME (EINVAL),
# and has no switch at exec.  The 6.1 guest runs the tests
# that do not start a child through Start: the offset ones and
# TestKernelSupport, which checks that very kernel behaviour and Start's
# EOPNOTSUPP against it.
gobin=$build/go/test-static
cpio_dir /go
cpio_dir /go/testdata
if [ "$built" = 1 ]; then
	for f in timens.test clockread offsetc; do cpio_file "/go/$f" "$gobin/$f"; done
	cpio_file /go/testdata/offset-cases.txt "$TOPDIR/go/testdata/offset-cases.txt" 0644
fi
goenv=TIMENS_TEST_STRICT=1,TIMENS_GO_TEST_HELPERS=/go
if [ "$kind" = patched ]; then
	plan go strict "$goenv" /go/timens.test -test.v -test.count=1
else
	plan go strict "$goenv" /go/timens.test -test.v -test.count=1 '-test.run=^Test(Offset|Kernel)'
fi

# ---- Python ----
# The project's tree as python.mk runs the suite from it: /timens-py is
# the top (the README test reads ../../README.md from the tests), the
# extension finds libtimens.so.0 at $ORIGIN/../.. (build/).
stdlib=/usr/lib/python3.11
dist=/usr/lib/python3/dist-packages
for d in /timens-py /timens-py/python /timens-py/python/tests /timens-py/build \
	 /timens-py/build/python /timens-py/build/python/timens; do
	cpio_dir "$d"
done
cpio_file /timens-py/README.md "$TOPDIR/README.md" 0644
for f in "$TOPDIR"/python/tests/*.py; do
	cpio_file "/timens-py/python/tests/${f##*/}" "$f" 0644
done
if [ "$built" = 1 ]; then
	for f in "$build"/python/timens/*; do
		cpio_file "/timens-py/build/python/timens/${f##*/}" "$f"
	done
	cpio_file /timens-py/build/libtimens.so.0 "$(readlink -f "$build/libtimens.so.0")"
	cpio_file /timens-py/build/timens "$build/timens"
fi

# The interpreter and the standard library, less: the C build files
# (config-*), the test suite, IDLE, Tk, 2to3, pydoc's topics, ensurepip,
# distutils and the turtle demo; byte code only for -O runs; the
# extension modules that load libraries the guest lacks (TLS, sqlite,
# curses, dbm, readline, NIS, audio) or that are CPython's own tests.
cpio_file /usr/bin/python3.11 "$py"
echo "slink /usr/bin/python3 python3.11 0777 0 0" >> "$list"
copy_tree() { # DIR [find predicates that prune]
	local top=$1
	shift
	find "$top" \( "$@" \) -prune -o -type d -print |
		while read -r d; do cpio_dir "$d"; done
	find "$top" \( "$@" \) -prune -o -type f -print |
		while read -r f; do cpio_file "$f" "$f" 0644; done
}
for d in /usr/lib /usr/lib/python3; do cpio_dir "$d"; done
copy_tree "$stdlib" -path "$stdlib/config-*" -o -path "$stdlib/test" \
	-o -path "$stdlib/idlelib" -o -path "$stdlib/tkinter" -o -path "$stdlib/lib2to3" \
	-o -path "$stdlib/pydoc_data" -o -path "$stdlib/ensurepip" \
	-o -path "$stdlib/distutils" -o -path "$stdlib/turtledemo" -o -name '*.opt-[12].pyc' \
	-o -path "$stdlib/lib-dynload/*" -regex \
	'.*/\(_ssl\|_hashlib\|_sqlite3\|_curses.*\|_dbm\|readline\|nis\|_test.*\|_ctypes_test\|xx.*\|_xx.*\|audioop\|ossaudiodev\)\.cpython.*'
# Debian's sysconfig data is a symlink to the per-triplet file.
echo "slink $stdlib/_sysconfigdata__linux_x86_64-linux-gnu.py _sysconfigdata__x86_64-linux-gnu.py 0777 0 0" >> "$list"
# pytest and what it imports (measured: sys.modules of a host run); no
# .pth files (setuptools' hook is not needed).
cpio_dir "$dist"
for p in pytest _pytest pluggy iniconfig py attr; do
	copy_tree "$dist/$p" -false
done
cpio_file "$dist/py.py" "$dist/py.py" 0644

# /usr/bin/readlink, which a test names.
echo "slink /usr/bin/readlink /bin/busybox 0777 0 0" >> "$list"

# The shared libraries of all of it (the base list has the loader).
# (ldd fails on the entries that are not host paths: /timens-py/...)
{
	ldd "$py"
	grep -o "^file [^ ]*\.so[^ ]*" "$list" | cut -d' ' -f2 | xargs -r ldd || true
	[ "$built" = 0 ] || ldd "$build"/python/timens/*.so
} 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\/(usr\/)?lib/ { print $3 }
		      NF == 2 && $1 ~ /^\/(usr\/)?lib/ { print $1 }' | sort -u |
	while read -r l; do cpio_file "$l" "$(readlink -f "$l")"; done

pyenv=TIMENS_TEST_STRICT=1,TIMENS_BUILD=/timens-py/build,PYTHONPATH=/timens-py/build/python,PYTHONDONTWRITEBYTECODE=1
# test_install.py is left out: it runs make, cc, readelf and setup.py
# (the installation, not the kernel), which the guest does not have.
plan python strict "$pyenv" /usr/bin/python3 -m pytest -p no:cacheprovider -q -rs \
	--ignore=/timens-py/python/tests/test_install.py /timens-py/python/tests
say "$kind guest: bindings $(grep -c . "$list") entries"
