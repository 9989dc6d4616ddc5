#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The build's header dependencies: in a copy of the tree and of its build
# folder (nothing here is touched), a changed header makes make rebuild
# exactly the objects that include it, the assembly one included, and a
# changed flag-free source file only its own object.
. "$(dirname "$0")/cli/tap.sh"
b=$(basename "$build")
[ "$(cd "$build/.." && pwd)" = "$top" ] || skip_all "BUILD outside the tree ($build): its dependency files name it"
[ -e "$build/lib/clone3-x86_64.o.d" ] || skip_all "no dependency files in $build (built before -MMD?)"
copy=$scratch/tree
# rebuilt TOUCHED...: in a fresh copy (times kept), the objects make -n
# would compile after TOUCHED change.
rebuilt() {
	rm -rf "$copy" && mkdir "$copy" &&
		(cd "$top" && tar -cf - Makefile */*.mk include src libtimens.pc.in "$b/lib" "$b"/libtimens.*) |
		tar -xf - -C "$copy"
	(cd "$copy" && touch -d '+1 hour' "$@" && make -n BUILD="$b" SANITIZE= lib 2>/dev/null) |
		sed -n 's/.* -c -o \([^ ]*\) .*/\1/p' | sed "s|^$b/||" | sort | tr '\n' ' '
}
plan 3
got=$(rebuilt src/lib/plan.h)
want=$(cd "$top/src/lib" && grep -l '"plan.h"' *.c *.S | sed 's/\.[cS]$/.o/; s|^|lib/|' | sort | tr '\n' ' ')
is "$got" "$want" "src/lib/plan.h changed: the objects that include it, the .S among them"
# The sources that include timens.h, or a header of src/lib that does.
got=$(rebuilt include/timens.h)
hs=$(cd "$top/src/lib" && grep -l '[<"]timens.h[>"]' *.h | sed 's/^/-e "/; s/$/"/' | tr '\n' ' ')
want=$(cd "$top/src/lib" && eval grep -l -e '"timens.h"' -e '"<timens.h>"' $hs *.c *.S |
	sed 's/\.[cS]$/.o/; s|^|lib/|' | sort | tr '\n' ' ')
is "$got" "$want" "include/timens.h changed: the objects that include it, directly or through src/lib's headers"
is "$(rebuilt src/lib/offsets.c)" "lib/offsets.o " "src/lib/offsets.c changed: its object alone"
exit $((tap_failed != 0))
