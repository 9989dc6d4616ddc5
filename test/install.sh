#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make install` into an empty prefix gives a header, libtimens.pc and both
# libraries, with which an outside program compiles, links (shared and
# static) and runs.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed + 1)); echo "not ok $n - $2"; fi; }

echo "1..9"
# A plain build (not the sanitizer one a `make check SANITIZE=1` runs in),
# as a distribution would install it.
make -s -C "$top" install SANITIZE= PREFIX=/opt/timens DESTDIR="$dest" >"$dest/install.log" 2>&1
ok $? "make install PREFIX=/opt/timens DESTDIR=..."
root=$dest/opt/timens
test -f "$root/include/timens.h"; ok $? "header installed"
test -f "$root/lib/libtimens.a" && test -L "$root/lib/libtimens.so" && test -f "$root/lib/libtimens.so.0.1.0"
ok $? "static library, shared library and its links installed"
test -f "$root/share/man/man3/timens_clone3.3"; ok $? "man pages installed"
# The .pc file names the real prefix; point pkg-config at the staged copy.
export PKG_CONFIG_PATH=$root/lib/pkgconfig
cflags= libs=
cflags=$(pkg-config --define-variable=prefix="$root" --define-variable=includedir="$root/include" \
	--define-variable=libdir="$root/lib" --cflags libtimens) &&
libs=$(pkg-config --define-variable=prefix="$root" --define-variable=includedir="$root/include" \
	--define-variable=libdir="$root/lib" --libs libtimens)
ok $? "pkg-config finds libtimens ($libs)"
cc -Wall -Werror $cflags -o "$dest/ex-shared" "$top/examples/uptime100d.c" $libs -Wl,-rpath,"$root/lib"
ok $? "an outside program builds against the shared library"
cc -Wall -Werror $cflags -o "$dest/ex-static" "$top/examples/uptime100d.c" "$root/lib/libtimens.a" -pthread
ok $? "and against the static library"
syms=$(nm -D --defined-only "$root/lib/libtimens.so" | awk '$2 == "T" { print $3 }' | grep -v '^timens_' | tr '\n' ' ')
test -z "$syms"; ok $? "the shared library exports only timens_* (${syms:-none other})"
if [ "$(id -u)" != 0 ]; then
	if [ "${TIMENS_TEST_STRICT:-0}" != 0 ]; then
		ok 1 "needs root to create a time namespace (TIMENS_TEST_STRICT)"
		exit 1
	fi
	echo "ok 9 # SKIP needs root to create a time namespace"
	exit 0
fi
up=$(awk '{print int($1)}' /proc/uptime)
got=$("$dest/ex-static" cat /proc/uptime | awk '{print int($1)}')
dshared=$("$dest/ex-shared" cat /proc/uptime | awk '{print int($1)}')
d=$((got - up)); d2=$((dshared - up))
[ "$d" -ge 8640000 ] && [ "$d" -le 8640010 ] && [ "$d2" -ge 8640000 ] && [ "$d2" -le 8640010 ]
ok $? "both run a command whose uptime is 100 days more (+$d s, +$d2 s)"
[ "$failed" = 0 ]
