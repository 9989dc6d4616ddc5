#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The build's header dependencies: in a copy of the tree and of its build
# folder (nothing here is touched), a changed header makes make rebuild
# exactly the objects that include it, the assembly one included, and a
# changed flag-free source file only its own object.
. "$(dirname "$0")/cli/tap.sh"
b=$(basename "$build")
[ "$(cd "$build/.." && pwd)" = "$top" ] || skip_all "BUILD outside the tree ($build): its dependency files name it"
[ -e "$build/lib/clone3-entry.o.d" ] || skip_all "no dependency files in $build (built before -MMD?)"
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
# The library's C, and the assembly of the architecture built (its name
# is in the build's dependency files).
arch=$(sed -n 's|.*src/lib/arch/\([^/]*\)/.*|\1|p' "$build/lib/clone3-entry.o.d" | head -1)
want=$(cd "$top/src/lib" && grep -l '"plan.h"' *.c arch/"$arch"/*.S |
	sed 's/\.[cS]$/.o/; s|.*/||; s|^|lib/|' | sort | tr '\n' ' ')
is "$got" "$want" "src/lib/plan.h changed: the objects that include it, the .S among them"
# The sources that include timens.h, or a header of src/lib that does,
# at any depth (headers that include one that does, until none is added);
# C only: the assembly's headers keep their C parts from it.
got=$(rebuilt include/timens.h)
pats='-e "timens.h"'
while :; do
	hs=$(cd "$top/src/lib" && eval grep -l $pats '*.h' 'arch/"$arch"/*.h' | sed 's|.*/||' | sort)
	next=$(printf '%s\n' timens.h $hs | sort -u | sed 's/.*/-e "\\"&\\""/' | tr '\n' ' ')
	[ "$next" = "$pats" ] && break
	pats=$next
done
want=$(cd "$top/src/lib" && eval grep -l -e '"<timens.h>"' $pats *.c |
	sed 's/\.[cS]$/.o/; s|.*/||; s|^|lib/|' | sort | tr '\n' ' ')
is "$got" "$want" "include/timens.h changed: the objects that include it, directly or through src/lib's headers"
is "$(rebuilt src/lib/offsets.c)" "lib/offsets.o " "src/lib/offsets.c changed: its object alone"
exit $((tap_failed != 0))
