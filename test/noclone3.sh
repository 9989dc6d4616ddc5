#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Without clone3: the library's contract tests, and the tool, under a
# seccomp filter that answers clone3 (and nothing else) with ENOSYS, as
# container runtimes' default profiles do (test_exec_hook in test/lib:
# TIMENS_TEST_DENY_CLONE3=1, --deny-clone3).  The library must see that
# clone3 is refused, not missing, and make every child with clone(2):
# the same tests, unchanged, pass.  What clone(2) cannot express is
# test/noclone3-calls.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_root
require_time_ns
deny="$build/test/probe --deny-clone3"

# The tests that state the contract of timens_spawn and timens_clone3
# from outside (clocks in the child, errno, fds, masks, namespaces, the
# parent, signals, threads) and do not compare with a raw clone3, which
# the filter refuses.
tests="spawn spawn-fork spawn-fork-concurrent clone3-plain clone3-offsets clone3-signals clone3-reentry
	clone3-threads clone3-parent clone3-pidns clone3-unpriv clone3-vfork-exec
	continuity unshare"
n=0
for t in $tests; do n=$((n + 1)); done
plan $((n + 12))

for t in $tests; do
	TIMENS_TEST_DENY_CLONE3=1 "$build/test/$t" >"$scratch/out" 2>&1
	st=$?
	total=$(grep -c '^ok\|^not ok' "$scratch/out")
	if [ "$st" = 0 ] && ! grep -q '^not ok' "$scratch/out" && [ "$total" -gt 0 ]; then
		ok 0 "$t without clone3: $total pass"
	else
		grep '^not ok\|^# ' "$scratch/out" | head -10 | sed 's/^/# /'
		ok 1 "$t without clone3: exit $st"
	fi
done

# The probe says why, and does not blame the kernel.
$deny "$T" probe >"$scratch/text"
ok $? "probe exits 0 under the filter"
grep -q '^  clone3()  *no   (clone3 refused (seccomp?)' "$scratch/text"
ok $? "probe says clone3 is refused (seccomp?)"
! grep -q 'Linux 6.3' "$scratch/text"
ok $? "probe does not put CLONE_NEWTIME down to the kernel version"
$deny "$T" probe --json >"$scratch/json"
is "$(json_get "d['kernel']['clone3_refused'], d['kernel']['clone3_newtime']" <"$scratch/json")" \
	"(True, False)" "probe --json: clone3_refused"
is "$(json_get "[d['trials'][t]['ok'] for t in ('clone3', 'clone3_user', 'spawn', 'spawn_user')]" \
	<"$scratch/json")" "[True, True, True, True]" "probe --json: clone3 and spawn work"
"$T" probe >"$scratch/text"
! grep -q 'refused' "$scratch/text"
ok $? "without the filter, probe says nothing of a refusal"
is "$("$T" probe --json | json_get "d['kernel']['clone3_refused']")" "False" \
	"without the filter, probe --json: clone3_refused false"

# The tool: run -f, --save and the fork path spawn.
host_up=$(sed 's/\..*//' /proc/uptime)
up=$($deny "$T" run -f -b 100d -- cat /proc/uptime | sed 's/\..*//')
[ -n "$up" ] && [ "$up" -ge $((8640000 + host_up)) ]
ok $? "run -f -b 100d without clone3: the command saw the offset (uptime $up s)"
up=$($deny "$T" run --save "$scratch/saved" --uptime 5d -- cat /proc/uptime | sed 's/\..*//')
[ -n "$up" ] && [ "$up" -ge 432000 ] && [ "$up" -le 432060 ]
ok $? "run --save --uptime 5d without clone3: the command saw that uptime ($up s)"
grep -q '^boottime 43[0-9][0-9][0-9][0-9]\.' "$scratch/saved"
ok $? "  and the saved clocks are the namespace's"
up=$(TIMENS_PATH=fork $deny "$T" run -b 2d -- cat /proc/uptime | sed 's/\..*//')
[ -n "$up" ] && [ "$up" -ge $((172800 + host_up)) ]
ok $? "run on the fork path without clone3 (timens_clone3 + CLONE_VFORK): uptime $up s"
$deny "$T" run -f -- /nonexistent/command 2>"$scratch/err"
st=$?
[ "$st" = 127 ] && grep -q 'nonexistent' "$scratch/err"
ok $? "run -f of a missing command without clone3: 127, said (exit $st)"
done_testing
