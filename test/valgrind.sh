#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tool's end-to-end cases under valgrind's memcheck: no invalid
# access, no use of uninitialised memory, no definite or indirect leak,
# and the same results as without it.  The binary is build-vg/timens (the
# static tool's code against the shared libc, which valgrind can follow).
#
# Valgrind (3.19) answers clone3 with ENOSYS, so the library makes its
# children with clone(2) here (docs/design.md, "Without clone3"), and
# `run --fork`, `run --save` and the fork path run as they do under a
# container's seccomp filter.  (Valgrind turns a CLONE_VM|CLONE_VFORK
# clone into a fork: an exec failure is then the child's exit status.)
. "$(dirname "$0")/cli/tap.sh"
require_root
require_time_ns
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind not installed"
vb=${TIMENS_VG_BUILD:-$top/build-vg}
if ! make -s -C "$top" valgrind-build SANITIZE= VG_BUILD="$vb" >"$scratch/build.log" 2>&1; then
	sed 's/^/# /' "$scratch/build.log" | tail -5
	skip_all "cannot build build-vg/timens"
fi
VT=$vb/timens
VG="valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
command -v unshare >/dev/null 2>&1 || skip_all "no util-linux unshare for a namespace to inspect"

# A namespace to inspect, save and enter, made without the tool.
unshare --fork --time --boottime 1000 sleep 120 &
holder_parent=$!
cleanup_pids="$cleanup_pids $holder_parent"
holder=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	holder=$(pgrep -P "$holder_parent" sleep || true)
	[ -n "$holder" ] && break
	sleep 0.1
done
[ -n "$holder" ] || skip_all "could not start a namespaced holder"
cleanup_pids="$holder $cleanup_pids"

plan 24

# vg WANT_STATUS DESCRIPTION -- ARGS...: runs the tool under valgrind.
vg() {
	want=$1 what=$2
	shift 3
	$VG "$VT" "$@" >"$scratch/out" 2>&1
	st=$?
	if grep -q '^==[0-9]*==' "$scratch/out"; then
		grep '^==[0-9]*==' "$scratch/out" | head -20 | sed 's/^/# /'
		ok 1 "$what: valgrind reports errors"
	elif [ "$st" != "$want" ]; then
		sed 's/^/# /' "$scratch/out" | tail -5
		ok 1 "$what: exit $st, want $want"
	else
		ok 0 "$what: exit $st, valgrind clean"
	fi
}

# Uptime inside, in whole seconds, from the last run's output.
uptime_s() { sed -n '1s/\..*//p' "$scratch/out"; }
host_up=$(sed 's/\..*//' /proc/uptime)

vg 0 "probe" -- probe
grep -q '^  clone3()  *no   (clone3 refused (seccomp?)' "$scratch/out"
ok $? "  and it says valgrind refuses clone3"
vg 0 "probe --json" -- probe --json
vg 0 "show" -- show
vg 0 "show --json of a namespaced process" -- show --json "$holder"
vg 0 "list" -- list
vg 0 "list --json" -- list --json
vg 0 "run -b 100d (exec in place)" -- run -b 100d -- cat /proc/uptime
up=$(uptime_s)
[ -n "$up" ] && [ "$up" -ge $((8640000 + host_up)) ]
ok $? "  and the command saw the offset (uptime $up s)"
vg 0 "run --uptime 5d" -- run --uptime 5d -- cat /proc/uptime
up=$(uptime_s)
[ -n "$up" ] && [ "$up" -ge 432000 ] && [ "$up" -le 432060 ]
ok $? "  and the command saw that uptime ($up s)"
vg 0 "run -U (user namespace)" -- run -U -b 1d -- true
vg 127 "run of a missing command" -- run -- /nonexistent/command
vg 125 "run with an offset out of range" -- run -b 1000000000d -- true
vg 125 "usage error" -- run --bogus
vg 0 "run -f -b 100d (spawn, clone(2))" -- run -f -b 100d -- cat /proc/uptime
up=$(uptime_s)
[ -n "$up" ] && [ "$up" -ge $((8640000 + host_up)) ]
ok $? "  and the command saw the offset (uptime $up s)"
vg 0 "run --save --uptime 5d" -- run --save "$scratch/run-saved" --uptime 5d -- cat /proc/uptime
up=$(uptime_s)
[ -n "$up" ] && [ "$up" -ge 432000 ] && [ "$up" -le 432060 ]
ok $? "  and the command saw that uptime ($up s)"
export TIMENS_PATH=fork
vg 0 "run on the fork path (timens_clone3, clone(2))" -- run -b 2d -- cat /proc/uptime
unset TIMENS_PATH
up=$(uptime_s)
[ -n "$up" ] && [ "$up" -ge $((172800 + host_up)) ]
ok $? "  and the command saw the offset (uptime $up s)"
vg 0 "save" -- save "$holder" "$scratch/saved"
vg 0 "run --continue" -- run --continue "$scratch/saved" -- true
vg 0 "enter" -- enter "$holder" -- true
done_testing
