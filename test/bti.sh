#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# arm64 branch protection, test/cet.sh's counterpart: built with
# -mbranch-protection=standard, every object of libtimens (the .S ones
# too) carries the GNU property note that says BTI and PAC, each entry of
# the .S files starts with a BTI landing pad, and linking our objects
# loses no marking.  The linker marks its output only if every object in
# it is marked; Debian 12's libgcc.a and C library start files are not,
# so where a reference program built the same way shows that, the test
# checks that the linker names no object of ours instead.
# Runs on the build's architecture, not the machine's: a cross build is
# checked with TIMENS_BUILD=<its folder> CC=aarch64-linux-gnu-gcc.
. "$(dirname "$0")/cli/tap.sh"
command -v readelf >/dev/null 2>&1 || skip_all "no readelf (binutils)"
readelf -h "$build/lib/clone3-entry.o" 2>/dev/null | grep -q 'Machine: *AArch64' ||
	not_here "not an arm64 build (test/cet.sh is x86-64's)"
cc=${CC:-cc}
[ "$(uname -m)" = aarch64 ] || [ -n "${CC:-}" ] || cc=aarch64-linux-gnu-gcc
objdump=objdump
command -v "${cc%gcc}objdump" >/dev/null 2>&1 && objdump=${cc%gcc}objdump
echo 'int main(void) { return 0; }' > "$scratch/ref.c"
"$cc" -mbranch-protection=standard -Werror -c -o "$scratch/ref.o" "$scratch/ref.c" 2>/dev/null ||
	skip_all "$cc has no -mbranch-protection"

# marked FILE: readelf -n says BTI and PAC.
marked() { readelf -n "$1" 2>/dev/null | grep -q 'AArch64 feature: BTI, PAC'; }
unmarked() { for f; do marked "$f" || printf '%s ' "${f##*/}"; done; }
# link OUT ARGS...: cc ARGS, -z force-bti making the linker name every
# input without BTI; prints those that are ours.
link() {
	out=$1; shift
	"$cc" -mbranch-protection=standard -Wl,-z,force-bti -o "$out" "$@" 2>"$out.warn" ||
		{ sed 's/^/# /' "$out.warn"; return 1; }
	sed -n 's/^[^:]*: \(.*\): warning: BTI turned on.*/\1/p' "$out.warn" |
		grep -F -e "$build" -e "$scratch" | sed 's|.*/||' | tr '\n' ' '
}
why() { grep -o '[^ /]*: warning' "$1.warn" | sed 's/: warning//' | sort -u | head -4 | tr '\n' ' '; }

plan 7
marked "$scratch/ref.o"
ok $? "the compiler marks an object built with -mbranch-protection=standard"

mkdir "$scratch/ar" && (cd "$scratch/ar" && ar x "$build/libtimens.a")
bad=$(unmarked "$scratch"/ar/*.o)
[ -z "$bad" ] && [ -e "$scratch/ar/clone3-entry.o" ] && [ -e "$scratch/ar/raw-clone3.o" ]
ok $? "every object in libtimens.a is marked, the .S ones included (${bad:-all $(ls "$scratch/ar" | wc -l)})"

# Each global function of the .S files (those another object can reach,
# through a veneer or a pointer) starts with bti c.
nobti= n=0
for o in "$scratch/ar/clone3-entry.o" "$scratch/ar/raw-clone3.o"; do
	for f in $(nm -g --defined-only "$o" | awk '$2 == "T" { print $3 }'); do
		n=$((n + 1))
		"$objdump" -d --disassemble="$f" "$o" |
			awk -v f="$f" '$0 ~ "<" f ">:$" { getline; exit !($3 == "bti" && $4 == "c") }' ||
			nobti="$nobti$f "
	done
done
[ -z "$nobti" ] && [ $n -ge 4 ]
ok $? "each of the $n global functions of the .S files starts with bti c (${nobti:-all})"

# Our objects alone: no start files, no libgcc (not marked on Debian 12).
"$cc" -mbranch-protection=standard -shared -nostdlib -o "$scratch/bare.so" "$scratch"/ar/*.o
marked "$scratch/bare.so"
ok $? "libtimens.so's objects linked without the C library's and libgcc's files: marked ($(readelf -n "$scratch/bare.so" | sed -n 's/.*AArch64 feature: //p'))"

# libtimens.so as built.
so=$(readlink -f "$build/libtimens.so")
"$cc" -fPIC -mbranch-protection=standard -c -o "$scratch/refso.o" "$scratch/ref.c"
"$cc" -mbranch-protection=standard -shared -o "$scratch/ref.so" "$scratch/refso.o" 2>/dev/null
if marked "$scratch/ref.so"; then
	marked "$so"
	ok $? "libtimens.so is marked BTI, PAC"
else
	link "$scratch/ref.so" -shared "$scratch/refso.o" >/dev/null
	diag "no shared library can be marked here; unmarked: $(why "$scratch/ref.so")"
	ours=$(link "$scratch/t.so" -shared "$scratch"/ar/*.o -pthread)
	[ $? = 0 ] && [ -z "$ours" ]
	ok $? "libtimens.so's objects: the linker finds none of ours unmarked (${ours:-none})"
fi

# A static program of ours: examples/uptime100d.c with libtimens.a.
"$cc" -mbranch-protection=standard -static -o "$scratch/ref" "$scratch/ref.o" 2>/dev/null
"$cc" -mbranch-protection=standard -I"$top/include" -c -o "$scratch/ex.o" "$top/examples/uptime100d.c"
if marked "$scratch/ref"; then
	"$cc" -mbranch-protection=standard -static -o "$scratch/ex" "$scratch/ex.o" \
		"$build/libtimens.a" -pthread
	marked "$scratch/ex"
	ok $? "a static program with libtimens.a is marked"
else
	link "$scratch/ref" -static "$scratch/ref.o" >/dev/null
	diag "no static program can be marked here; unmarked: $(why "$scratch/ref")..."
	ours=$(link "$scratch/ex" -static "$scratch/ex.o" "$build/libtimens.a" -pthread)
	[ $? = 0 ] && [ -z "$ours" ]
	ok $? "a static program with libtimens.a: the linker finds none of ours unmarked (${ours:-none})"
fi

# The note is claimed only where the compiler was asked for it.
"$cc" -c -I"$top/src/lib" -I"$top/src/lib/arch/aarch64" -o "$scratch/plain.o" \
	"$top/src/lib/arch/aarch64/clone3-entry.S"
! marked "$scratch/plain.o" && ! readelf -n "$scratch/plain.o" | grep -q 'AArch64 feature'
ok $? "the .S built without -mbranch-protection claims nothing"
exit $((tap_failed != 0))
