#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tool's interface: --help, --version, and usage errors that exit 125
# with one line plus a pointer to --help.
. "$(dirname "$0")/cli/tap.sh"
require_binary

# usage_error DESCRIPTION ARGS...: exit 125, two lines, the second the hint.
usage_error() {
	what=$1
	shift
	"$T" "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
	lines=$(wc -l <"$scratch/err")
	hint=$(sed -n 2p "$scratch/err")
	first=$(sed -n 1p "$scratch/err")
	[ "$rc" = 125 ] && [ "$lines" = 2 ] && [ ! -s "$scratch/out" ] &&
		[ "$hint" = "Try 'timens --help' for more information." ] &&
		case $first in timens:*) true;; *) false;; esac
	ok $? "$what: exit 125 and one line ($rc: $first)"
}

plan 28
"$T" --help >"$scratch/out" 2>&1
ok $? "--help exits 0"
unnamed=
for sub in run save show list enter probe; do
	grep -q "timens $sub" "$scratch/out" || unnamed="$unnamed $sub"
done
is "$unnamed" "" "--help names every subcommand"
v=$("$T" --version)
want=$(sed -n 's/^#define TIMENS_VERSION_\(MAJOR\|MINOR\|PATCH\) *//p' "$top/include/timens.h" | paste -sd.)
is "$v" "timens $want" "--version: the version timens.h says"
"$T" run --help | grep -q -- "--uptime"
ok $? "run --help describes run's options"
without=
for sub in show list probe; do
	"$T" $sub --help | grep -q -- "-J, --json" || without="$without $sub"
done
is "$without" "" "show, list and probe --help show -J beside --json"
"$T" list -J | "$PY" -c 'import json, sys; json.load(sys.stdin)'
ok $? "list -J prints JSON"
# Every option --help shows is in timens(1).
missing=
for o in $("$T" --help | grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z]*' | tr -d ' ,' | sort -u); do
	grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" "$top/man/timens.1" || missing="$missing $o"
done
is "$missing" "" "every option in --help is in timens(1)"

usage_error "no subcommand"
usage_error "unknown subcommand" frobnicate
usage_error "unknown global option" --frobnicate
usage_error "run without a command" run
usage_error "run with only options" run -b 1d
usage_error "run with an unknown long option" run --frobnicate -- true
usage_error "run with an unknown short option" run -x true
usage_error "run -m without its value" run -m
usage_error "a bad offset" run -b 1x -- true
usage_error "an offset with units out of order" run -b 5m1h -- true
usage_error "an offset finer than a nanosecond" run -b 0.0000000001 -- true
usage_error "an offset beyond 64-bit nanoseconds" run -b 107000w -- true
# A count whose product with a week is just above 2^128 ns: a parser
# that multiplies in 128 bits reads it as +0.23 s.
usage_error "an offset that wraps 128 bits" run -b 1046973112184729705123790819478w -- true
grep -q "out of range" "$scratch/err"
ok $? "... and the message says out of range"
usage_error "--boottime with --uptime" run -b 1 --uptime 2 -- true
usage_error "--monotonic with --monotonic-value" run -m 1 --monotonic-value 2 -- true
usage_error "a negative --uptime" run --uptime -5 -- true
usage_error "show with a bad PID" show 12x
usage_error "show with two PIDs" show 1 2
usage_error "enter without a command" enter 1
usage_error "list with an argument" list extra
done_testing
