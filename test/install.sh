#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What `make install` installs, used as a user would, with only the
# installed files.  Staged (PREFIX=/opt/x DESTDIR=...), as a packager does:
# every file lands under DESTDIR/opt/x and says /opt/x (libtimens.pc read
# by pkg-config itself, from PKG_CONFIG_PATH at the staged file alone);
# the staged tree builds programs through pkg-config's own relocation
# (--define-prefix, and a sysroot); `make uninstall` with the same
# arguments leaves only directories and what was there before.  Then
# installed for real into a prefix: pkg-config's output used as it is,
# the example, the tool, man and bash completion; uninstall again.
. "$(dirname "$0")/cli/tap.sh"
. "$top/test/pkg/user.sh"
# A plain build (not the sanitizer one a `make check SANITIZE=1` runs),
# as a distribution would install it.
mk() { make -s -C "$top" SANITIZE= "$@" >>"$scratch/make.log" 2>&1 || { sed 's/^/# /' "$scratch/make.log" | tail -5; false; }; }
# files DIR: every file and link under DIR, relative, sorted.
files() { (cd "$1" && find . ! -type d | sort); }
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
export PKG_CONFIG_LIBDIR=/nonexistent	# no system .pc files either

plan 23
stage=$scratch/stage
mkdir -p "$stage/opt/x/lib"
# What another version or package left: uninstall must leave it.
touch "$stage/opt/x/lib/libtimens.so.0.0.9" "$stage/opt/x/lib/libtimens-other.a"
before=$(files "$stage")
mk install PREFIX=/opt/x DESTDIR="$stage"
ok $? "make install PREFIX=/opt/x DESTDIR=..."
outside=$(cd "$stage" && find . ! -type d ! -path './opt/x/*' | tr '\n' ' ')
[ -z "$outside" ]
ok $? "every file is under DESTDIR/opt/x (${outside:-none outside})"
x=$stage/opt/x
so=$x/lib/libtimens.so.$(pkg-config --modversion "$x/lib/pkgconfig/libtimens.pc" 2>/dev/null)
[ "$(stat -c %a "$so" 2>/dev/null)" = 644 ] && [ "$(stat -c %a "$x/include/timens.h")" = 644 ] &&
	[ "$(stat -c %a "$x/lib/libtimens.a")" = 644 ] && [ "$(stat -c %a "$x/bin/timens")" = 755 ]
ok $? "modes: shared and static library and header 0644, tool 0755 ($(stat -c '%n %a' "$so" | sed 's|.*/||'))"
[ "$(readlink "$x/lib/libtimens.so")" = libtimens.so.0 ] &&
	[ "$(readlink "$x/lib/libtimens.so.0")" = "${so##*/}" ]
ok $? "libtimens.so -> libtimens.so.0 -> ${so##*/}"
[ "$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libtimens.so.0 ]
ok $? "its SONAME is libtimens.so.0"

export PKG_CONFIG_PATH=$x/lib/pkgconfig
got=$(pkg-config --variable=prefix libtimens):$(pkg-config --variable=libdir libtimens):$(pkg-config --variable=includedir libtimens)
is "$got" "/opt/x:/opt/x/lib:/opt/x/include" "the staged libtimens.pc says prefix, libdir, includedir of the install"
is "$(echo $(pkg-config --cflags --libs libtimens))" "-I/opt/x/include -L/opt/x/lib -ltimens" "and pkg-config hands out those"
cflags=$(pkg-config --define-prefix --cflags libtimens) && libs=$(pkg-config --define-prefix --libs libtimens)
is "$(echo $cflags $libs)" "-I$x/include -L$x/lib -ltimens" "pkg-config --define-prefix relocates it to the staged tree"
# shellcheck disable=SC2086
$user_cc -Wall -Werror $cflags -o "$scratch/ex-staged" "$top/examples/uptime100d.c" $libs &&
	LD_LIBRARY_PATH=$x/lib "$scratch/ex-staged" true
ok $? "a program builds against the staged shared library and runs with it"
ex_static=$(PKG_CONFIG_SYSROOT_DIR=$stage pkg-config --static --cflags --libs libtimens)
# shellcheck disable=SC2086
$user_cc -Wall -Werror -static -o "$scratch/ex-static" "$top/examples/uptime100d.c" $ex_static
ok $? "and, through a sysroot, statically ($ex_static)"
syms=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | grep -v '^timens_' | tr '\n' ' ')
[ -z "$syms" ]
ok $? "the shared library exports only timens_* (${syms:-none other})"

mk uninstall PREFIX=/opt/x DESTDIR="$stage"
ok $? "make uninstall PREFIX=/opt/x DESTDIR=..."
left=$(files "$stage")
[ "$left" = "$before" ]
ok $? "it removed exactly what install put there (left: $(echo $left))"

# For real, into an empty prefix.
p=$scratch/prefix
mk install PREFIX="$p"
ok $? "make install PREFIX=\$scratch/prefix"
export PKG_CONFIG_PATH=$p/lib/pkgconfig MANPATH=$p/share/man
user_build ex -Wl,-rpath,"$(pkg-config --variable=libdir libtimens)"
if [ "$(id -u)" = 0 ] && [ -e /proc/self/ns/time ]; then
	user_run_example ex
	user_run_tool "$p/bin/timens"
else
	skip "running them needs root and time namespaces"
	skip "running the tool needs root and time namespaces"
fi
if command -v man >/dev/null 2>&1; then
	user_man "$p/share/man/man3/timens_clone3.3"
else
	skip "no man (man-db)"; skip "no man (man-db)"
fi
user_completion ". '$p/share/bash-completion/completions/timens'"
mk uninstall PREFIX="$p"
left=$(files "$p")
[ -z "$left" ]
ok $? "make uninstall PREFIX=\$scratch/prefix leaves only directories (${left:-nothing else})"
exit $((tap_failed != 0))
