#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# timens run as root: clocks and /proc/uptime inside (vDSO and raw
# syscall), --uptime and --monotonic-value, exit statuses, exec in place,
# the spawn-and-wait path with its signal forwarding, and the messages for
# offsets the kernel refuses.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_helper
require_root
require_time_ns

# in_window NAME GOT WANT BEFORE AFTER: GOT, a clock read inside, against
# WANT: an offset from our clock ("+N" ns: GOT in [BEFORE+N, AFTER+N]) or
# the value at start ("=N": GOT in [N, N+AFTER-BEFORE]), BEFORE and AFTER
# our readings of that clock around the run (shell arithmetic is 64-bit).
in_window() {
	case $3 in
	=*) lo=${3#=} hi=$((${3#=} + $5 - $4)) ;;
	*) lo=$(($4 + ${3#+})) hi=$(($5 + ${3#+})) ;;
	esac
	if [ "$2" -ge "$lo" ] && [ "$2" -le "$hi" ]; then
		diag "$1 $2 in [$lo, $hi]: yes"
	else
		diag "$1 $2 in [$lo, $hi]: NO"
		return 1
	fi
}
# run_clocks WANT_MONO WANT_BOOT ARGS...: `timens run ARGS... -- helper
# clocks` between two readings of our own clocks; every reading inside,
# through the vDSO and the raw system call, must be as WANT_MONO and
# WANT_BOOT say (in_window).
run_clocks() {
	want_mono=$1 want_boot=$2
	shift 2
	before=$("$HELPER" clocks) && inside=$("$T" run "$@" -- "$HELPER" clocks) &&
		after=$("$HELPER" clocks) || return 1
	# shellcheck disable=SC2086
	set -- $before $inside $after
	# $1 $2: ours before; $5-$8: inside (vDSO, raw); $9 ${10}: ours after
	r=0
	in_window "monotonic vdso" "$5" "$want_mono" "$1" "$9" || r=1
	in_window "boottime vdso" "$6" "$want_boot" "$2" "${10}" || r=1
	in_window "monotonic raw" "$7" "$want_mono" "$1" "$9" || r=1
	in_window "boottime raw" "$8" "$want_boot" "$2" "${10}" || r=1
	return $r
}

DAY=86400000000000
own_boot=$("$T" show --json | json_get "d['offsets']['boottime_ns']")
own_mono=$("$T" show --json | json_get "d['offsets']['monotonic_ns']")

plan 27

# The README's command.
up=$(cut -d' ' -f1 /proc/uptime)
got=$("$T" run -b 100d -- cat /proc/uptime | cut -d' ' -f1)
diag "host uptime $up, inside $got"
d=$(echo "$got $up" | awk -v own="$own_boot" '{ printf "%d", $1 - $2 + own / 1e9 }')
[ "$d" -ge 8640000 ] && [ "$d" -le 8640002 ]
ok $? "run -b 100d: /proc/uptime reads 100 days more (+$d s)"

run_clocks "+$((100 * DAY - own_mono))" "+$((7 * DAY - own_boot))" -m 100d -b 1w
ok $? "run -m 100d -b 1w: both clocks shifted, through the vDSO and the raw syscall"
run_clocks "+0" "+$((-own_boot + 1500000000))" -b 1.5s
ok $? "run -b 1.5s: boottime shifted, monotonic as outside"
run_clocks "=5000000000000" "=1000000000" --uptime 1s --monotonic-value 5000s
ok $? "run --uptime 1s --monotonic-value 5000s: clocks start at those values"

got=$("$T" run --uptime 1000 -- cat /proc/uptime | cut -d' ' -f1)
awk -v u="$got" 'BEGIN { exit !(u >= 1000 && u < 1002) }'
ok $? "run --uptime 1000: /proc/uptime reads 1000 s ($got)"
got=$("$T" run --uptime 0 -- cat /proc/uptime | cut -d' ' -f1)
awk -v u="$got" 'BEGIN { exit !(u >= 0 && u < 2) }'
ok $? "run --uptime 0: a fresh uptime ($got)"

host_ns=$(readlink /proc/self/ns/time)
in_ns=$("$T" run -b 1d -- readlink /proc/self/ns/time)
[ -n "$in_ns" ] && [ "$in_ns" != "$host_ns" ]
ok $? "COMMAND is in a new time namespace ($in_ns, ours $host_ns)"
# The offsets file of the namespace COMMAND lives in.
# A negative offset must fit the machine's uptime (it may have booted a
# moment ago): -2 s, or -1 ms on a machine up for less than 4 s.
neg=-2s neg_file="-2 0"
awk '{ exit !($1 < 4) }' /proc/uptime && neg=-1ms neg_file="-1 999000000"
off=$("$T" run -m "$neg" -b 3d -- sh -c 'cat /proc/$$/timens_offsets' | tr -s ' ' | tr '\n' ' ')
is "$off" "monotonic $neg_file boottime 259200 0 " "/proc/PID/timens_offsets inside ($neg)"

# Exit statuses.
"$T" run -- sh -c 'exit 42'
is $? 42 "COMMAND's exit status passes through"
"$T" run -- true
is $? 0 "exit status 0"
"$T" run -- timens-no-such-command 2>"$scratch/err"
is $? 127 "a command not found exits 127"
grep -q "timens-no-such-command: command not found" "$scratch/err"
ok $? "and says so ($(cat "$scratch/err"))"
"$T" run -- /no/such/file 2>/dev/null
is $? 127 "a path that does not exist exits 127"
printf 'not a program\n' >"$scratch/noexec"
chmod 644 "$scratch/noexec"
"$T" run -- "$scratch/noexec" 2>"$scratch/err"
is $? 126 "a file that cannot be executed exits 126"
grep -q "Permission denied" "$scratch/err"
ok $? "and says why ($(cat "$scratch/err"))"
# (through a shell that keeps the report of the death off our stderr)
sh -c '"$1" run -- sh -c "kill -TERM \$\$"; exit $?' sh "$T" 2>/dev/null
is $? 143 "COMMAND killed by SIGTERM: 128+15"

# Exec in place: where the kernel moves a task into its new namespace at
# exec, nothing waits behind COMMAND: it has timens's pid.  Elsewhere
# timens waits for it as its parent.
"$T" run -b 1d -- sh -c 'echo $$ $PPID >"$1"' sh "$scratch/pid" &
p=$!
wait $p
read -r cpid cppid <"$scratch/pid"
if has_feature exec_switch; then
	is "$cpid" "$p" "run execs COMMAND in place (same pid)"
else
	is "$cppid" "$p" "kernel without exec switch: run spawns COMMAND and waits"
fi

# Spawn and wait: --fork, and TIMENS_PATH=fork (the path of kernels before 6.2).
"$T" run -f -- sh -c 'exit 7'
is $? 7 "--fork: exit status passes through"
"$T" run -f -- sh -c 'kill -KILL $$'
is $? 137 "--fork: a death by SIGKILL gives 128+9"
"$T" run -f -- timens-no-such-command 2>/dev/null
is $? 127 "--fork: a command not found exits 127"
"$T" run -f -- "$scratch/noexec" 2>/dev/null
is $? 126 "--fork: a file that cannot be executed exits 126"
got=$(TIMENS_PATH=fork "$T" run --uptime 500 -- cat /proc/uptime | cut -d' ' -f1)
awk -v u="$got" 'BEGIN { exit !(u >= 500 && u < 502) }'
ok $? "TIMENS_PATH=fork: --uptime 500 through the library's fork path ($got)"
"$T" run -f -- sh -c 'echo $PPID >"$1"' sh "$scratch/pid" &
p=$!
wait $p
is "$(cat "$scratch/pid")" "$p" "--fork: COMMAND is timens's child"

# Signals sent to a waiting timens reach COMMAND.
cat >"$scratch/trap.sh" <<'SH'
trap 'exit 10' USR1
trap 'exit 11' TERM
echo ready >"$1"
while :; do sleep 0.05; done
SH
for sig in USR1 TERM; do
	rm -f "$scratch/ready"
	"$T" run -f -- sh "$scratch/trap.sh" "$scratch/ready" &
	p=$!
	i=0
	while [ ! -e "$scratch/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -"$sig" $p
	wait $p
	rc=$?
	[ "$sig" = USR1 ] && want=10 || want=11
	is "$rc" "$want" "--fork: SIG$sig sent to timens is forwarded to COMMAND"
done

# Offsets the kernel refuses: which clock, by how much, and exit 125.
"$T" run -b -100000d -- true 2>"$scratch/err"
rc=$?
diag "$(cat "$scratch/err")"
[ "$rc" = 125 ] && grep -q "CLOCK_BOOTTIME .* below zero; the offset must be at least" "$scratch/err"
ok $? "a boottime offset that would go below zero: 125 and the bound"
"$T" run -m 7630w -- true 2>"$scratch/err"
rc=$?
diag "$(cat "$scratch/err")"
[ "$rc" = 125 ] && grep -q "CLOCK_MONOTONIC .* past the kernel's limit .* at most" "$scratch/err"
ok $? "a monotonic offset past about 146 years: 125 and the bound"
done_testing
