#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every reference to one of the project's manual pages, NAME(N) in the
# header, the sources, tests, docs and the completion, and NAME (N) or
# \fBNAME\fP(N) in the pages themselves, names a page in man/; every
# ".so" page points at one that exists.  (References to other projects'
# pages, such as clone3(2), are not checked: their pages need not be
# installed here.)
. "$(dirname "$0")/cli/tap.sh"
cd "$top" || exit 1

# FILE:NAME.N for each reference to a page of ours (timens...).
refs=$(grep -rnoE 'timens[a-z0-9_]*(\\f[BIRP])? ?\([1-8]\)' \
	include src test bench fuzz docs man completion README.md 2>/dev/null |
	sed -E 's/^([^:]*):[0-9]+:(timens[a-z0-9_]*)(\\f[BIRP])? ?\(([1-8])\)$/\1:\2.\4/' |
	sort -u)
pages=$(printf '%s\n' "$refs" | sed 's/^[^:]*://' | sort -u)

# The scan must see what is known to be there, or it proves nothing.
printf '%s\n' "$refs" | grep -q '^include/timens.h:timens_clone3\.3$' &&
	printf '%s\n' "$refs" | grep -q '^man/timens_spawn\.3:timens_clone3\.3$'
ok $? "the scan finds the references of include/timens.h and man/ ($(printf '%s\n' "$refs" | wc -l) file:page pairs)"

for p in $pages; do
	users=$(printf '%s\n' "$refs" | sed -n "s/^\([^:]*\):$p\$/\1/p" | tr '\n' ' ')
	[ -f "man/$p" ]
	ok $? "${p%.*}(${p##*.}) is man/$p (referred to by $users)"
done

for f in man/*.[1-8]; do
	target=$(sed -n 's/^\.so  *man[1-8]\///p' "$f")
	[ -n "$target" ] || continue
	[ -f "man/$target" ]
	ok $? "$f: .so $target exists"
done
echo "1..$tap_n"
done_testing
