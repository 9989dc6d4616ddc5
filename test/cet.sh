#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# x86 control-flow protection: built with -fcf-protection, every object of
# libtimens (the .S one too) carries the GNU property note that says IBT
# and SHSTK, and linking libtimens.so, the tool or a static program with
# them loses no marking.  The linker marks its output only if every
# object in it is marked, the C library's start files included; where
# those are not (Debian 12's glibc), a reference program built the same
# way shows it, and the test checks instead that the linker's CET report
# names no object of ours, and that libtimens.so's objects linked without
# the start files give a marked library.
. "$(dirname "$0")/cli/tap.sh"
cc=${CC:-cc}
[ "$(uname -m)" = x86_64 ] || not_here "not x86-64 (test/bti.sh is arm64's)"
command -v readelf >/dev/null 2>&1 || skip_all "no readelf (binutils)"
echo 'int main(void) { return 0; }' > "$scratch/ref.c"
"$cc" -fcf-protection -Werror -c -o "$scratch/ref.o" "$scratch/ref.c" 2>/dev/null ||
	skip_all "$cc has no -fcf-protection"

# marked FILE: readelf -n says IBT and SHSTK.
marked() { readelf -n "$1" 2>/dev/null | grep -q 'x86 feature: IBT, SHSTK'; }
# unmarked FILE...: the names of those not marked.
unmarked() { for f; do marked "$f" || printf '%s ' "${f##*/}"; done; }
# link OUT ARGS...: cc -fcf-protection ARGS with the linker's CET report
# in OUT.warn; prints the objects it names that are ours.
link() {
	out=$1; shift
	"$cc" -fcf-protection -Wl,-z,cet-report=warning -o "$out" "$@" 2>"$out.warn" ||
		{ sed 's/^/# /' "$out.warn"; return 1; }
	sed -n 's/^[^:]*: \(.*\): warning: missing IBT.*/\1/p' "$out.warn" |
		grep -F -e "$build" -e "$scratch" | sed 's|.*/||' | tr '\n' ' '
}
# why REF: the objects that keep REF, built like ours, from being marked.
why() { grep -o '[^ /]*: warning' "$1.warn" | sed 's/: warning//' | sort -u | head -4 | tr '\n' ' '; }

plan 7
marked "$scratch/ref.o"
ok $? "the compiler marks an object built with -fcf-protection"

mkdir "$scratch/ar" && (cd "$scratch/ar" && ar x "$build/libtimens.a")
bad=$(unmarked "$scratch"/ar/*.o)
[ -z "$bad" ] && [ -e "$scratch/ar/clone3-entry.o" ]
ok $? "every object in libtimens.a is marked, clone3-entry.o included (${bad:-all $(ls "$scratch/ar" | wc -l)})"

# libtimens.so, from the objects libtimens.a holds (the build's own list:
# an old build folder may hold objects of sources gone since).
so=$(readlink -f "$build/libtimens.so")
"$cc" -fPIC -fcf-protection -c -o "$scratch/refso.o" "$scratch/ref.c"
link "$scratch/ref.so" -shared "$scratch/refso.o" >/dev/null
if marked "$scratch/ref.so"; then
	marked "$so"
	ok $? "libtimens.so is marked IBT, SHSTK"
else
	diag "no shared library can be marked here; unmarked: $(why "$scratch/ref.so")"
	ours=$(link "$scratch/t.so" -shared "$scratch"/ar/*.o -pthread)
	[ $? = 0 ] && [ -z "$ours" ]
	ok $? "libtimens.so's objects: the linker finds none of ours unmarked (${ours:-none})"
fi
# Without the start files, nothing but our objects decides.
"$cc" -fcf-protection -shared -nostartfiles -o "$scratch/bare.so" "$scratch"/ar/*.o -pthread
marked "$scratch/bare.so"
ok $? "libtimens.so's objects linked without the C library's start files: marked ($(readelf -n "$scratch/bare.so" | sed -n 's/.*x86 feature: //p'))"

# A static program of ours: examples/uptime100d.c with libtimens.a (in a
# SANITIZE=1 build the objects need the sanitizers' shared runtime, so
# the program is linked with it, as the tool is there).
link "$scratch/ref" -static "$scratch/ref.o" >/dev/null
ref_static=0; marked "$scratch/ref" && ref_static=1
link "$scratch/ref.dyn" "$scratch/ref.o" >/dev/null
ref_dyn=0; marked "$scratch/ref.dyn" && ref_dyn=1
if nm "$build/libtimens.a" 2>/dev/null | grep -q ' U __asan_'; then
	how="-fsanitize=address,undefined" what="sanitizer build: a program" can=$ref_dyn
else
	how=-static what="a static program" can=$ref_static
fi
[ $can = 1 ] || diag "no such program can be marked here; unmarked: $(why "$scratch/ref") ..."
"$cc" -fcf-protection -I"$top/include" -c -o "$scratch/ex.o" "$top/examples/uptime100d.c"
ours=$(link "$scratch/ex" $how "$scratch/ex.o" "$build/libtimens.a" -pthread)
rc=$?
if [ $can = 1 ]; then
	marked "$scratch/ex"
	ok $? "$what with libtimens.a is marked"
else
	[ $rc = 0 ] && [ -z "$ours" ]
	ok $? "$what with libtimens.a: the linker finds none of ours unmarked (${ours:-none})"
fi

# The tool as built: static by default, dynamic under SANITIZE=1 or
# STATIC_TOOL=0.
if readelf -l "$T" | grep -q INTERP; then
	kind=dynamic can=$ref_dyn
else
	kind=static can=$ref_static
fi
if [ $can = 1 ]; then
	marked "$T"
	ok $? "the $kind tool is marked"
else
	bad=$(unmarked "$build"/cli/*.o)
	[ -z "$bad" ]
	ok $? "the $kind tool: every object of its own is marked (${bad:-all $(ls "$build"/cli/*.o | wc -l)}), libtimens.a's above"
fi

# The note is claimed only where the compiler was asked for it.
"$cc" -c -I"$top/src/lib" -I"$top/src/lib/arch/x86_64" -o "$scratch/plain.o" \
	"$top/src/lib/arch/x86_64/clone3-entry.S"
! marked "$scratch/plain.o"
ok $? "the .S built without -fcf-protection claims nothing"
exit $((tap_failed != 0))
