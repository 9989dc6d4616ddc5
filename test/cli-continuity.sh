#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# timens run --save / --continue and timens save: a command's clocks
# carry on across runs, never backwards; a running process's namespace
# can be snapshotted; bad files are refused with the cause, changing
# nothing.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_helper
require_root
require_time_ns

plan 18
f=$scratch/clocks
field() { sed -n "s/^$1 \([0-9]*\)\.\([0-9]*\)$/\1\2/p" "$f" | sed 's/^0*//'; }

# The clocks inside, in ns, through the vDSO: the first two fields.
out=$("$T" run --save "$f" -b 100d -- "$HELPER" clocks)
ok $? "run --save: the command runs"
head -1 "$f" | grep -qx 'timens-clocks 1'
ok $? "the file is written, with its format line"
set -- $out
last_mono=$1 last_boot=$2
s_mono=$(field monotonic) s_boot=$(field boottime)
[ "$s_mono" -ge "$last_mono" ] && [ "$s_boot" -ge "$last_boot" ]
ok $? "saved clocks are not below the command's last reading"

# Continue across cycles; the clocks stop while nothing runs.
back=0 cycles=25 gaps=
i=0
while [ $i -lt $cycles ]; do
	s_mono=$(field monotonic) s_boot=$(field boottime)
	sleep 0.02
	out=$("$T" run --continue "$f" --save "$f" -- "$HELPER" clocks) || back=$((back + 1000))
	set -- $out
	if [ "$1" -lt "$s_mono" ] || [ "$2" -lt "$s_boot" ]; then back=$((back + 1)); fi
	gaps="$gaps $(( ($1 - s_mono) / 1000 ))"
	i=$((i + 1))
done
is "$back" 0 "$cycles continue/save cycles: no first reading below the saved clocks"
diag "gaps (first reading - saved, us):$gaps"
boot_days=$(( $(field boottime) / 86400000000000 ))
is "$boot_days" 100 "boottime still carries the +100d of the first run"

# --continue with a missing file and no --save naming it: an error.
"$T" run --continue "$scratch/missing" -- true 2>"$scratch/err"
is $? 125 "--continue FILE that does not exist: exit 125"
grep -q "missing" "$scratch/err"
ok $? "and the message names the file"
# --continue FILE --save FILE with no FILE yet: a service's first run.
"$T" run --continue "$scratch/first" --save "$scratch/first" -- true
ok $? "--continue and --save on a new file: the first run starts fresh"
test -s "$scratch/first"
ok $? "and saves"
"$T" run --continue "$f" -b 1d -- true 2>"$scratch/err"
is $? 125 "--continue with --boottime: usage error"

# Bad files change nothing.
printf 'timens-clocks 1\nmonotonic 12\n' >"$scratch/bad"
cp "$scratch/bad" "$scratch/bad.orig"
"$T" run --continue "$scratch/bad" --save "$scratch/bad" -- true 2>"$scratch/err"
is $? 125 "a damaged file: exit 125"
grep -q "not a valid timens clocks file" "$scratch/err" && cmp -s "$scratch/bad" "$scratch/bad.orig"
ok $? "the message says so and the file is untouched"
printf 'timens-clocks 9\n' >"$scratch/v9"
"$T" run --continue "$scratch/v9" -- true 2>"$scratch/err"
grep -q "another version" "$scratch/err"
ok $? "another format version: said so"

# timens save PID FILE: COMMAND, in a namespace 2 days ahead, by the pid
# it writes (where the kernel has no exec switch, timens waits outside).
"$T" run -m 2d -b 3d -- sh -c 'echo $$ >"$1"; exec sleep 30' sh "$scratch/cpid" &
p=$!
cleanup_pids="$cleanup_pids $p"
wait_until test -s "$scratch/cpid"
cpid=$(cat "$scratch/cpid")
cleanup_pids="$cleanup_pids $cpid"
"$T" save "$cpid" "$scratch/snap"
ok $? "timens save PID FILE"
mono_days=$(sed -n 's/^monotonic \([0-9]*\)\..*/\1/p' "$scratch/snap")
host_mono=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
[ $((mono_days / 86400)) -ge 2 ] && [ $((mono_days / 86400)) -le 3 ]
ok $? "the snapshot has the namespace's monotonic clock ($mono_days s, 2 days ahead)"
kill "$p" "$cpid" 2>/dev/null
# Told to stop: timens saves at once, even if COMMAND takes its time.
# COMMAND ignores SIGTERM, says it is ready, and waits for the file: it
# exits 7 once the file is there, 3 if it never comes.
"$T" run --save "$scratch/stop" -- sh -c 'trap "" TERM; echo >"$1"
	i=0
	until [ -s "$2" ]; do [ $i -lt 200 ] || exit 3; sleep 0.05; i=$((i + 1)); done
	exit 7' sh "$scratch/ready" "$scratch/stop" &
p=$!
wait_until test -e "$scratch/ready"
kill -TERM "$p"
wait "$p"
is $? 7 "SIGTERM to timens run --save: the clocks are saved while COMMAND still runs, and its status passes through"
head -1 "$scratch/stop" | grep -qx 'timens-clocks 1'
ok $? "the file saved is a timens clocks file"
"$T" save 999999999 "$scratch/none" 2>"$scratch/err"
is $? 125 "save of a missing process: exit 125"
exit $((tap_failed > 0))
