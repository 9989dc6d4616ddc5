# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by test/cli-*.sh: TAP output, the binary under test, and the
# requirements that turn into SKIP (or, with TIMENS_TEST_STRICT=1, into a
# failure: CI must not pass by skipping).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TIMENS_BUILD:-$top/build}
T=$build/timens
# Clock readings and a pending namespace (test/cli/helper.c).
HELPER=$build/test/cli/helper
# Debian's python3 first: a per-user install (pyenv) may be out of reach
# of the unprivileged user some tests switch to.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
tap_n=0 tap_failed=0
scratch=$(mktemp -d)
chmod 755 "$scratch"
cleanup_pids=
cleanup() {
	for p in $cleanup_pids; do kill "$p" 2>/dev/null; done
	rm -rf "$scratch"
}
trap cleanup EXIT

strict() { [ -n "${TIMENS_TEST_STRICT:-}" ] && [ "$TIMENS_TEST_STRICT" != 0 ]; }

plan() { echo "1..$1"; }
# ok STATUS DESCRIPTION: passes when STATUS is 0.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $2"
	fi
}
# is GOT WANT DESCRIPTION
is() {
	[ "$1" = "$2" ]
	ok $? "$3 (got '$1', want '$2')"
}
diag() { echo "# $*"; }
skip() {
	tap_n=$((tap_n + 1))
	if strict; then
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - required but skipped (TIMENS_TEST_STRICT): $1"
	else
		echo "ok $tap_n # SKIP $1"
	fi
}
# not_here REASON: the whole test is for another architecture; a skip
# even under TIMENS_TEST_STRICT (nothing is missing that CI could add).
not_here() {
	echo "1..0 # SKIP $1"
	exit 0
}
skip_all() {
	if strict; then
		echo "1..1"
		echo "not ok 1 - required but unavailable (TIMENS_TEST_STRICT): $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}
done_testing() { [ "$tap_failed" = 0 ]; }
# wait_until CMD...: runs CMD every 50 ms until it succeeds; fails after
# 10 s (no timing is asserted: a slow machine only waits longer).
wait_until() {
	_w=0
	until "$@"; do
		[ $_w -lt 200 ] || return 1
		sleep 0.05
		_w=$((_w + 1))
	done
}
# is_comm PID NAME: PID runs NAME (it has exec'd it).
is_comm() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

require_binary() {
	[ -x "$T" ] || { echo "Bail out! $T not built (make cli)"; exit 1; }
	[ -n "$PY" ] || skip_all "python3 is needed to parse JSON"
}
require_helper() { [ -x "$HELPER" ] || { echo "Bail out! $HELPER not built (make tests)"; exit 1; }; }
require_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }
require_time_ns() { [ -e /proc/self/ns/time ] || skip_all "kernel without time namespaces"; }
# A copy of the binary that the unprivileged user can reach, wherever the
# checkout lives.
nobody_copy() {
	cp "$T" "$scratch/timens" && chmod 755 "$scratch/timens"
	TN=$scratch/timens
}

# JSON on stdin must parse; prints nothing.
json_valid() { "$PY" -c 'import json, sys; json.load(sys.stdin)'; }
# json_get EXPR: evaluates EXPR with d = the document on stdin.
json_get() { "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# Whether the probe says FEATURE (a key of "kernel").
has_feature() { [ "$("$T" probe --json | json_get "d['kernel']['$1']")" = True ]; }
