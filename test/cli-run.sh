#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# timens run as root: clocks and /proc/uptime inside (vDSO and raw
# syscall), --uptime and --monotonic-value, exit statuses, exec in place,
# the spawn-and-wait path with its signal forwarding, and the messages for
# offsets the kernel refuses.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_root
require_time_ns

# Prints CLOCK_MONOTONIC and CLOCK_BOOTTIME through libc (the vDSO) and
# through the raw system call, in nanoseconds.
cat >"$scratch/clocks.py" <<'PY'
import ctypes, os, time
class timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
NR = {"x86_64": 228, "aarch64": 113}.get(os.uname().machine)
libc = ctypes.CDLL(None, use_errno=True)
def raw(clk):
    if NR is None:
        return -1
    ts = timespec()
    if libc.syscall(NR, clk, ctypes.byref(ts)) != 0:
        return -1
    return ts.sec * 10**9 + ts.nsec
print(time.clock_gettime_ns(time.CLOCK_MONOTONIC), time.clock_gettime_ns(time.CLOCK_BOOTTIME),
      raw(time.CLOCK_MONOTONIC), raw(time.CLOCK_BOOTTIME))
PY

# Runs `timens run ARGS... -- python3 clocks.py` between two readings of
# our own clocks and checks every reading inside against WANT_MONO and
# WANT_BOOT: offsets relative to ours ("+N" nanoseconds) or values at
# start ("=N").
cat >"$scratch/check.py" <<'PY'
import json, subprocess, sys, time
T, py, script, want_mono, want_boot = sys.argv[1:6]
args = sys.argv[6:]
own = json.loads(subprocess.check_output([T, "show", "--json"]))["offsets"]
def now():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC), time.clock_gettime_ns(time.CLOCK_BOOTTIME)
before = now()
out = subprocess.check_output([T, "run"] + args + ["--", py, script])
after = now()
mono_vdso, boot_vdso, mono_raw, boot_raw = map(int, out.split())
ok = True
def check(name, got, lo, hi):
    global ok
    good = lo <= got <= hi
    print("# %s %d in [%d, %d]: %s" % (name, got, lo, hi, "yes" if good else "NO"))
    ok = ok and good
def window(want, i):
    if want.startswith("="):
        v = int(want[1:])
        return v, v + (after[i] - before[i])
    d = int(want[1:])
    return before[i] + d, after[i] + d
for name, got, want, i in (("monotonic vdso", mono_vdso, want_mono, 0),
                           ("boottime vdso", boot_vdso, want_boot, 1),
                           ("monotonic raw", mono_raw, want_mono, 0),
                           ("boottime raw", boot_raw, want_boot, 1)):
    if got == -1 and "raw" in name:
        print("# no raw clock_gettime number for this machine")
        continue
    check(name, got, *window(want, i))
sys.exit(0 if ok else 1)
PY

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

"$PY" "$scratch/check.py" "$T" "$PY" "$scratch/clocks.py" \
	"+$((100 * DAY - own_mono))" "+$((7 * DAY - own_boot))" -m 100d -b 1w
ok $? "run -m 100d -b 1w: both clocks shifted, through the vDSO and the raw syscall"
"$PY" "$scratch/check.py" "$T" "$PY" "$scratch/clocks.py" \
	"+0" "+$((-own_boot + 1500000000))" -b 1.5s
ok $? "run -b 1.5s: boottime shifted, monotonic as outside"
"$PY" "$scratch/check.py" "$T" "$PY" "$scratch/clocks.py" \
	"=5000000000000" "=1000000000" --uptime 1s --monotonic-value 5000s
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
