#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# show, list and enter against namespaces made by another tool (util-linux
# unshare), and every --json output through a real JSON parser.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_helper
require_root
require_time_ns
unshare --help 2>/dev/null | grep -q -- --boottime ||
	skip_all "util-linux unshare without --monotonic/--boottime"

# A process in a namespace with monotonic +1234 s and boottime +5678 s:
# unshare's child, which writes its pid and becomes sleep.
unshare --fork --time --monotonic 1234 --boottime 5678 \
	sh -c 'echo $$ >"$1"; exec sleep 60' sh "$scratch/pid" &
holder=$!
cleanup_pids="$holder"
wait_until test -s "$scratch/pid" && pid=$(cat "$scratch/pid") &&
	wait_until is_comm "$pid" sleep || { echo "Bail out! unshare did not start sleep"; exit 1; }
cleanup_pids="$pid $holder"
ino=$(stat -L -c %i "/proc/$pid/ns/time")
diag "sleep is $pid in time namespace $ino; unshare is $holder"

plan 27

# show PID
"$T" show "$pid" >"$scratch/show"
ok $? "show PID exits 0"
grep -q "^monotonic offset: *20m34s (1234000000000 ns)" "$scratch/show" &&
	grep -q "^boottime offset: *1h34m38s (5678000000000 ns)" "$scratch/show"
ok $? "show PID reports the offsets util-linux gave"
grep -q "^time namespace: *$ino " "$scratch/show"
ok $? "show PID reports its namespace inode"
up0=$(cut -d' ' -f1 /proc/uptime)
"$T" show --json "$pid" >"$scratch/json"
up1=$(cut -d' ' -f1 /proc/uptime)
json_valid <"$scratch/json"
ok $? "show --json PID is valid JSON"
is "$(json_get "d['offsets']['monotonic_ns'], d['offsets']['boottime_ns']" <"$scratch/json")" \
	"(1234000000000, 5678000000000)" "show --json: offsets in nanoseconds"
is "$(json_get "d['offsets']['monotonic'], d['offsets']['boottime']" <"$scratch/json")" \
	"('20m34s', '1h34m38s')" "show --json: offsets as text"
is "$(json_get "d['pid'], d['time_ns']['ino']" <"$scratch/json")" "($pid, $ino)" \
	"show --json: pid and namespace inode"
boot=$(json_get "d['clocks']['boottime_ns']" <"$scratch/json")
own_boot=$("$T" show --json | json_get "d['offsets']['boottime_ns']")
# Our uptime was read just before and just after show: the clock it
# reported must lie between them, 5678 s ahead (/proc/uptime has 10 ms steps).
echo "$boot $up0 $up1 $own_boot" | awk '{ b = $1 / 1e9 + $4 / 1e9 - 5678;
	exit !(b >= $2 - 0.01 && b <= $3 + 0.01) }'
ok $? "show --json: its boottime clock reads 5678 s more than ours ($boot ns, ours $up0..$up1 s)"

# The unshare process made the namespace but stays outside it.
"$T" show --json "$holder" >"$scratch/json"
is "$(json_get "d['time_for_children_ns']['ino'], d['offsets_for_children']['boottime_ns']" \
	<"$scratch/json")" "($ino, 5678000000000)" \
	"show: the creator's time_for_children is that namespace"
self_json=$("$T" show --json)
echo "$self_json" | json_valid
ok $? "show --json (itself) is valid JSON"
is "$(echo "$self_json" | json_get "d['time_ns']['ino']")" \
	"$(stat -L -c %i /proc/self/ns/time)" "show without PID: its own (our) namespace"
"$T" show 2147483647 2>"$scratch/err"
is $? 125 "show of a missing process: 125"
grep -q "no such process" "$scratch/err"
ok $? "and says so ($(cat "$scratch/err"))"

# list
"$T" list >"$scratch/list"
ok $? "list exits 0"
grep -Eq "^ *$ino +1 +$pid +20m34s +1h34m38s +sleep 60$" "$scratch/list"
ok $? "list shows the namespace, its one process, offsets and command"
"$T" list --json >"$scratch/json"
json_valid <"$scratch/json"
ok $? "list --json is valid JSON"
is "$(json_get "[(n['processes'], n['pid'], n['command'], n['offsets']['boottime_ns']) for n in d['namespaces'] if n['ns']['ino'] == $ino]" \
	<"$scratch/json")" "[(1, $pid, 'sleep 60', 5678000000000)]" \
	"list --json: the namespace made by unshare"
is "$(json_get "len([n for n in d['namespaces'] if n['ns']['ino'] == $(stat -L -c %i /proc/self/ns/time)])" \
	<"$scratch/json")" 1 "list --json: our own namespace too"

# unshare --time without a fork: on 6.2+ the exec of sleep moves it in;
# before, sleep stays outside and holds it as its time_for_children.
unshare --time --boottime 4242 sleep 60 &
execd=$!
cleanup_pids="$cleanup_pids $execd"
wait_until is_comm "$execd" sleep
if has_feature exec_switch; then ens=time; else ens=time_for_children; fi
eino=$(stat -L -c %i "/proc/$execd/ns/$ens")
"$T" list --json | json_get "[n['offsets']['boottime_ns'] for n in d['namespaces'] if n['ns']['ino'] == $eino]" >"$scratch/out"
is "$(cat "$scratch/out")" "[4242000000000]" "list: the namespace of unshare --time without --fork"

# A namespace nobody has entered yet: a process that unshared and set the
# offsets but has neither forked nor exec'd holds it as time_for_children.
rm -f "$scratch/ready"
"$HELPER" pending "$scratch/ready" 4343 &
pending=$!
cleanup_pids="$cleanup_pids $pending"
wait_until test -e "$scratch/ready"
pino=$(stat -L -c %i "/proc/$pending/ns/time_for_children")
"$T" list --json | json_get "[(n['processes'], n['pid'], n['offsets']['boottime_ns']) for n in d['namespaces'] if n['ns']['ino'] == $pino]" >"$scratch/out"
is "$(cat "$scratch/out")" "[(0, $pending, 4343000000000)]" \
	"list: a namespace not entered yet, with no processes, its holder and offsets"

# Command lines are bytes: quotes, backslashes, tabs and invalid UTF-8
# must still give valid JSON.
arg=$(printf 'q"b\\c\tx\377')
# The shell writes its pid (timens's own where timens waits outside, on
# kernels without the exec switch); it runs sleep 1 in a loop: killing the
# shell at the end leaves the sleep behind, with our stdout, a second at most.
rm -f "$scratch/wpid"
"$T" run -b 3s -- sh -c 'echo $$ >"$0"; while sleep 1; do :; done' "$scratch/wpid" "$arg" &
weird=$!
cleanup_pids="$cleanup_pids $weird"
wait_until test -s "$scratch/wpid"
wsh=$(cat "$scratch/wpid")
cleanup_pids="$cleanup_pids $wsh"
wino=$(stat -L -c %i "/proc/$wsh/ns/time")
"$T" list --json >"$scratch/json"
is "$(json_get "[n['command'] for n in d['namespaces'] if n['ns']['ino'] == $wino][0].endswith('q\"b\\\\c\\tx\\ufffd')" <"$scratch/json")" \
	True "list --json: a command line with quotes, tabs and invalid UTF-8 is escaped"

# enter PID
got=$("$T" enter "$pid" -- readlink /proc/self/ns/time)
is "$got" "time:[$ino]" "enter PID: COMMAND runs in PID's namespace"
up0=$(cut -d' ' -f1 /proc/uptime)
got=$("$T" enter "$pid" cut -d' ' -f1 /proc/uptime)
up1=$(cut -d' ' -f1 /proc/uptime)
echo "$got $up0 $up1 $own_boot" | awk '{ b = $1 + $4 / 1e9 - 5678;
	exit !(b >= $2 - 0.02 && b <= $3 + 0.02) }'
ok $? "enter PID: /proc/uptime inside reads 5678 s more ($got, ours $up0..$up1)"
got=$("$T" enter "$pid" -- "$HELPER" clocks | cut -d' ' -f1)
mono=$("$HELPER" clocks | cut -d' ' -f1)
own_mono=$("$T" show --json | json_get "d['offsets']['monotonic_ns']")
d=$(echo "$got $mono $own_mono" | awk '{ printf "%d", ($1 - $2 + $3) / 1e9 }')
[ "$d" -ge 1232 ] && [ "$d" -le 1234 ]
ok $? "enter PID: CLOCK_MONOTONIC through the vDSO reads 1234 s more (+$d s)"
"$T" enter "$pid" -- sh -c 'exit 5'
is $? 5 "enter: COMMAND's exit status"
"$T" enter "$pid" -- timens-no-such-command 2>/dev/null
is $? 127 "enter: a command not found exits 127"
"$T" enter 2147483647 -- true 2>/dev/null
is $? 125 "enter: a missing process exits 125"
done_testing
