#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-cli.sh WORK LIBTESTS|- [ARCH]
#
# The CLI's shell tests (test/cli-*.sh) for a guest, called by
# build-guest.sh: appends their lines to WORK/plan, writes WORK/cli.list,
# the cpio lines of what they need, and WORK/cli.elf, the programs among
# them whose shared libraries build-guest.sh adds.  Every guest runs them,
# strictly, against the static tool and helper of LIBTESTS (timens,
# cli/helper: make test-static), built for the guest's architecture;
# with - (no libtimens tests in this guest) only dash as /bin/sh.
#   /timens-cli   the scripts in the project's layout: test/cli-*.sh,
#                 test/cli/tap.sh, include/timens.h and man/timens.1 (which
#                 cli-usage.sh reads), build/timens, build/test/cli/helper
#   dash          as /bin/sh in every guest: busybox's sh runs its own
#                 applets before anything on PATH, and its unshare and
#                 setpriv lack the options the tests use (util-linux's
#                 are in the guest); and a test of the Python binding
#                 runs sh under another name (subprocess's executable=),
#                 which a multi-call binary takes for the applet to run
#   python3       for the JSON of --json (a real parser): Debian's
#                 python3.11, its "minimal" standard library
#                 (libpython3.11-minimal) and the json package; left out
#                 where the bindings' suite brings the whole interpreter
# The arm64 guest's dash and python3 are Debian's arm64 packages, which
# deps.sh unpacked into the cache.
. "$(dirname "$0")/lib.sh"

work=$1 libtests=$2
set_arch "${3:-x86_64}"
list=$work/cli.list elf=$work/cli.elf
: > "$list"
: > "$elf"

# plan, cpio_dir, cpio_file: lib.sh.

# Where a package's files are: this machine's own (dpkg -L) for an
# x86_64 guest, the unpacked arm64 ones otherwise.
if [ "$ARCH" = arm64 ]; then
	root=$CACHE/cli-arm64/root
	pkg_paths() { cat "$CACHE/cli-arm64/$1.list"; }
else
	root=
	pkg_paths() { dpkg -L "$1"; }
fi
# pkg_add PKG ERE [ERE_OUT]: the package's directories, files and links
# whose paths match ERE and not ERE_OUT.
pkg_add() {
	local p
	pkg_paths "$1" | grep -E "$2" | grep -vE "${3:-^$}" | while read -r p; do
		if [ -L "$root$p" ]; then
			echo "slink $p $(readlink "$root$p") 0777 0 0" >> "$list"
		elif [ -d "$root$p" ]; then
			cpio_dir "$p"
		elif [ -f "$root$p" ]; then
			cpio_file "$p" "$root$p" "$(stat -c %a "$root$p")"
		fi
	done
}

# dash as /bin/sh (over busybox's link, which build-guest.sh leaves out).
cpio_file /bin/sh "$root/bin/dash"
echo "$root/bin/dash" >> "$elf"
[ "$libtests" != - ] || exit 0

for d in /timens-cli /timens-cli/test /timens-cli/test/cli /timens-cli/include \
	 /timens-cli/man /timens-cli/build /timens-cli/build/test \
	 /timens-cli/build/test/cli; do
	cpio_dir "$d"
done
cpio_file /timens-cli/test/cli/tap.sh "$TOPDIR/test/cli/tap.sh" 0644
cpio_file /timens-cli/include/timens.h "$TOPDIR/include/timens.h" 0644
cpio_file /timens-cli/man/timens.1 "$TOPDIR/man/timens.1" 0644
for f in timens cli/helper; do
	if [ -f "$libtests/$f" ]; then
		cpio_file "/timens-cli/build/${f/cli\//test/cli/}" "$libtests/$f"
	else
		# The tests then bail out, and the guest reports them failed.
		say "WARNING: $libtests/$f missing: the CLI tests will fail"
	fi
done

# cli-completion.sh is left out: it tests bash's completion script,
# which reads nothing of the kernel nor of the architecture (the host's
# make check runs it), and would need bash in the guest.
for t in "$TOPDIR"/test/cli-*.sh; do
	n=${t##*/}
	[ "$n" = cli-completion.sh ] && continue
	cpio_file "/timens-cli/test/$n" "$t"
	plan "cli/$n" strict TIMENS_TEST_STRICT=1 "/timens-cli/test/$n"
done

if ! grep -q '^file /usr/bin/python3.11 ' "$work/bindings.list" 2>/dev/null; then
	cpio_dir /usr/lib
	pkg_add python3.11-minimal '^/usr/bin/python3\.11$'
	echo "slink /usr/bin/python3 python3.11 0777 0 0" >> "$list"
	# (less its TLS modules, which load OpenSSL: of no use here)
	pkg_add libpython3.11-minimal '^/usr/lib/python3\.11(/|$)' '/(_ssl|_hashlib)\.'
	pkg_add libpython3.11-stdlib '^/usr/lib/python3\.11/(json(/[^/]*\.py)?|lib-dynload/_json\.[^/]*)$'
	echo "$root/usr/bin/python3.11" >> "$elf"
	grep -o "^file [^ ]*/lib-dynload/[^ ]*\.so" "$list" | cut -d' ' -f2 |
		sed "s|^|$root|" >> "$elf"
fi
say "CLI tests: $(grep -c . "$list") entries"
