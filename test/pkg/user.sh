# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by test/install.sh (make install) and test/pkg/debs.sh (the
# Debian packages), after test/cli/tap.sh: what a user of an installed
# libtimens does, with only what is installed.  PKG_CONFIG_PATH, MANPATH
# and the like are the caller's to set, as a user would.

# The compiler a user of this library builds with: CC, as make passes it
# on when given one (a musl libtimens, CC=musl-gcc, links only with
# musl), or cc.
user_cc=${CC:-cc}

# user_build NAME EXTRA...: examples/uptime100d.c and a program printing
# timens_version(), compiled with `pkg-config --cflags --libs libtimens`
# (and EXTRA) into $scratch/NAME and $scratch/NAME-version.
user_build() {
	name=$1; shift
	pc=$(pkg-config --cflags --libs libtimens)
	ok $? "pkg-config --cflags --libs libtimens: $pc"
	# shellcheck disable=SC2086
	$user_cc -Wall -Werror -o "$scratch/$name" "$top/examples/uptime100d.c" $pc "$@"
	ok $? "examples/uptime100d.c builds with it${*:+ ($*)}"
	cat > "$scratch/version.c" <<'EOC'
#include <stdio.h>
#include <timens.h>
int main(void) { puts(timens_version()); return 0; }
EOC
	# shellcheck disable=SC2086
	$user_cc -Wall -Werror -o "$scratch/$name-version" "$scratch/version.c" $pc "$@" &&
		got=$("$scratch/$name-version") && want=$(pkg-config --modversion libtimens) &&
		[ "$got" = "$want" ]
	ok $? "the library it runs with is the version libtimens.pc says (${got:-?}, ${want:-?})"
}

# user_run_example NAME: it runs a command whose uptime is 100 days more.
user_run_example() {
	up=$(cut -d' ' -f1 /proc/uptime)
	got=$("$scratch/$1" cat /proc/uptime | cut -d' ' -f1)
	d=$(echo "${got:-0} $up" | awk '{ printf "%d", $1 - $2 }')
	[ "$d" -ge 8640000 ] && [ "$d" -le 8640010 ]
	ok $? "it runs cat with an uptime 100 days more (+$d s)"
}

# user_run_tool TIMENS: `timens run --uptime 0 -- cat /proc/uptime` reads
# an uptime from 0 (what cat's start took: less than a second here,
# whatever the host's uptime).
user_run_tool() {
	got=$("$1" run --uptime 0 -- cat /proc/uptime | cut -d' ' -f1)
	host=$(cut -d' ' -f1 /proc/uptime)
	echo "${got:-x} $host" | awk '{ exit !($1 ~ /^[0-9.]+$/ && $1 < 10 && ($2 < 10 || $1 < $2)) }'
	ok $? "$1 run --uptime 0 -- cat /proc/uptime: ${got:-nothing} (host $host)"
}

# user_man WANT: man -w timens_clone3 finds the page at WANT (or WANT.gz).
user_man() {
	got=$(man -w timens_clone3 2>&1)
	[ "$got" = "$1" ] || [ "$got" = "$1.gz" ]
	ok $? "man -w timens_clone3: $got"
	got=$(man -w 1 timens 2>&1)
	case $got in */man1/timens.1*) true;; *) false;; esac
	ok $? "man -w 1 timens: $got"
}

# user_completion SETUP: in a bash where SETUP ran (sourcing the file, or
# bash-completion's loader), the completion of `timens r` is `run` and of
# `timens run --b` is `--boottime`.
user_completion() {
	command -v bash >/dev/null 2>&1 || { skip "no bash"; return; }
	got=$(bash -c "$1"'
		complete -p timens >/dev/null 2>&1 || { echo "no completion for timens"; exit; }
		for words in "timens r" "timens run --b"; do
			COMP_WORDS=($words); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMPREPLY=(); _timens timens; printf "%s;" "${COMPREPLY[*]}"
		done' 2>&1)
	[ "$got" = "run;--boottime;" ]
	ok $? "bash completes timens r and timens run --b ($got)"
}
