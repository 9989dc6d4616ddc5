#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# test/pkg/debs.sh DIR: the Debian packages in DIR (make deb), installed
# with apt-get and used as a user would: a program built with
# `pkg-config --cflags --libs libtimens` (shared and static) runs, the
# tool runs and is the dynamic one on the packaged library, man finds the
# pages, bash-completion loads the completion on demand; then apt-get
# purge leaves no file and no directory of theirs behind.  Root; changes
# the system's packages (CI: make check-deb).
. "$(dirname "$0")/../cli/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/pkg/user.sh"
dir=$(cd "${1:?usage: debs.sh DIR}" && pwd)
require_root
command -v apt-get >/dev/null 2>&1 || skip_all "no apt-get"
pkgs="libtimens0 libtimens-dev timens"
debs=
for p in $pkgs; do
	f=$(ls "$dir/${p}_"*.deb 2>/dev/null | head -1)
	[ -n "$f" ] || { echo "Bail out! no ${p}_*.deb in $dir (make deb)"; exit 1; }
	debs="$debs $f"
done
apt() { DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends "$@" >>"$scratch/apt.log" 2>&1; }
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $pkgs 2>/dev/null | grep -v '^un' ; }
# A leftover of an earlier run would make "nothing left" meaningless.
[ -z "$(installed)" ] || { diag "purging what an earlier run left: $(installed | tr '\n' ' ')"; apt purge $pkgs; }
cleanup_pkgs() { apt purge $pkgs; }
trap 'cleanup_pkgs; cleanup' EXIT

plan 18
# Directories that exist before: purge must leave those, and only those.
for f in $debs; do dpkg-deb -c "$f"; done |
	awk '$1 ~ /^d/ { sub("^\\./", "/", $6); sub("/$", "", $6); print $6 }' | sort -u >"$scratch/dirs"
[ -s "$scratch/dirs" ] || { echo "Bail out! cannot list the packages' directories"; exit 1; }
while read -r d; do [ -d "$d" ] && echo "$d"; done <"$scratch/dirs" >"$scratch/dirs-before"

# shellcheck disable=SC2086
apt install $debs
ok $? "apt-get install of $(echo $debs | sed 's|[^ ]*/||g')"
[ "$(installed | awk '$1 == "ii"' | wc -l)" = 3 ]
ok $? "all three installed ($(installed | tr '\n' ' '))"
# shellcheck disable=SC2086
dpkg -L $pkgs | sort -u >"$scratch/listed"

unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR MANPATH
[ "$(command -v timens)" = /usr/bin/timens ]
ok $? "timens is /usr/bin/timens on PATH"
lib=$(ldd /usr/bin/timens | sed -n 's/^[[:space:]]*libtimens.so.0 => \([^ ]*\) .*/\1/p')
[ -n "$lib" ] && [ "$(readlink -f "$lib")" = "$(readlink -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libtimens.so.0")" ]
ok $? "it is linked against the packaged libtimens.so.0 (${lib:-not at all})"
# The dynamic tool refuses to run setuid as the static one does (the
# loader runs first, and finds the packaged library without help).
cp /usr/bin/timens "$scratch/timens-suid" && chmod 4755 "$scratch/timens-suid"
$NOBODY "$scratch/timens-suid" show >/dev/null 2>"$scratch/err"
rc=$?
[ $rc = 125 ] && grep -q "refusing to run setuid" "$scratch/err"
ok $? "a setuid copy of it run by nobody: exit 125 ($rc: $(head -1 "$scratch/err"))"
user_build ex
user_run_example ex
ex_static=$(pkg-config --static --cflags --libs libtimens)
# shellcheck disable=SC2086
cc -Wall -Werror -static -o "$scratch/ex-static" "$top/examples/uptime100d.c" $ex_static &&
	"$scratch/ex-static" true
ok $? "and statically ($ex_static), from libtimens-dev's libtimens.a"
user_run_tool timens
user_man /usr/share/man/man3/timens_clone3.3
user_completion '. /usr/share/bash-completion/bash_completion
	_completion_loader timens 2>/dev/null || __load_completion timens'

apt purge $pkgs
ok $? "apt-get purge $pkgs"
[ -z "$(installed)" ]
ok $? "dpkg knows none of them any more, not even their configuration"
left=$(while read -r f; do
	[ -d "$f" ] && continue
	[ -e "$f" ] || [ -L "$f" ] && echo "$f"
done <"$scratch/listed")
[ -z "$left" ]
ok $? "no file of theirs is left (${left:-none})"
while read -r d; do [ -d "$d" ] && echo "$d"; done <"$scratch/dirs" >"$scratch/dirs-after"
left=$(comm -13 "$scratch/dirs-before" "$scratch/dirs-after" | tr '\n' ' ')
[ -z "$left" ]
ok $? "no directory they made is left ($(comm -23 "$scratch/dirs" "$scratch/dirs-before" | wc -l) made, left: ${left:-none})"
exit $((tap_failed != 0))
