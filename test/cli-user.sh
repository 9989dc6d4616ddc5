#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# timens run as an unprivileged user (nobody): refused with the fix named
# without -U, working with -U (same ids) and -r (mapped to root).
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_root	# to become nobody
require_time_ns
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) is needed"
nobody_copy
$NOBODY "$TN" --version >/dev/null 2>&1 || skip_all "nobody cannot run the binary"
$NOBODY unshare -Ur true 2>/dev/null || skip_all "this system does not allow unprivileged user namespaces"

plan 9
$NOBODY "$TN" run -b 1d -- true 2>"$scratch/err"
is $? 125 "without -U, nobody cannot create a time namespace: 125"
grep -q "needs CAP_SYS_ADMIN; run as root or use -U" "$scratch/err"
ok $? "and is told the cause and the fix ($(cat "$scratch/err"))"

own_boot=$("$T" show --json | json_get "d['offsets']['boottime_ns']")
up=$(cut -d' ' -f1 /proc/uptime)
out=$($NOBODY "$TN" run -U -b 100d -- sh -c 'id -u; id -g; cut -d" " -f1 /proc/uptime')
is "$(echo "$out" | sed -n 1p)" 65534 "-U: COMMAND keeps nobody's uid"
is "$(echo "$out" | sed -n 2p)" 65534 "-U: and gid"
got=$(echo "$out" | sed -n 3p)
d=$(echo "$got $up" | awk -v own="$own_boot" '{ printf "%d", $1 - $2 + own / 1e9 }')
[ "$d" -ge 8640000 ] && [ "$d" -le 8640002 ]
ok $? "-U -b 100d: uptime 100 days more as nobody (+$d s)"

got=$($NOBODY "$TN" run -U --uptime 42 -- cut -d' ' -f1 /proc/uptime)
awk -v u="$got" 'BEGIN { exit !(u >= 42 && u < 44) }'
ok $? "-U --uptime 42 as nobody ($got)"
is "$($NOBODY "$TN" run -r -m 1h -- id -u)" 0 "-r: COMMAND runs as root of its user namespace"
$NOBODY "$TN" run -U -f -- sh -c 'exit 9'
is $? 9 "-U --fork: the exit status passes through"
got=$($NOBODY env TIMENS_PATH=fork "$TN" run -U --uptime 77 -- cut -d' ' -f1 /proc/uptime)
awk -v u="$got" 'BEGIN { exit !(u >= 77 && u < 79) }'
ok $? "-U through the library's fork path as nobody ($got)"
done_testing
