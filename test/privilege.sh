#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Privilege: the tool is not built setuid, and a copy made setuid, setgid
# or given file capabilities refuses to run at all (exit 125, one line
# saying why), whatever the subcommand; as nobody, show and enter on
# root's process fail with a message naming the cause, not a half-result.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_root
require_time_ns
command -v unshare >/dev/null 2>&1 || skip_all "no util-linux unshare for root's namespace"

plan 10

[ ! -u "$T" ] && [ ! -g "$T" ]
ok $? "the built tool is neither setuid nor setgid"

# refused DESCRIPTION BINARY ARGS...: run as nobody, must refuse.
refused() {
	what=$1 bin=$2
	shift 2
	$NOBODY "$bin" "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
	[ "$rc" = 125 ] && [ ! -s "$scratch/out" ] &&
		grep -q "^timens: refusing to run setuid, setgid or with file capabilities" "$scratch/err"
	ok $? "$what: exit 125 and the reason ($rc: $(head -1 "$scratch/err"))"
}

cp "$T" "$scratch/timens-suid" && chmod 4755 "$scratch/timens-suid"
refused "setuid root copy, show" "$scratch/timens-suid" show
refused "setuid root copy, run" "$scratch/timens-suid" run -b 1d -- true
refused "setuid root copy, --help" "$scratch/timens-suid" --help
cp "$T" "$scratch/timens-sgid" && chmod 2755 "$scratch/timens-sgid"
refused "setgid root copy" "$scratch/timens-sgid" probe
if command -v setcap >/dev/null 2>&1 && cp "$T" "$scratch/timens-caps" &&
   setcap cap_sys_admin,cap_sys_time+ep "$scratch/timens-caps" 2>/dev/null; then
	refused "copy with file capabilities" "$scratch/timens-caps" list
else
	skip "setcap unavailable or no xattrs here"
fi

# Root's process in a namespace of root's, looked at by nobody.
unshare --fork --time --boottime 1000 sleep 120 &
holder_parent=$!
cleanup_pids="$cleanup_pids $holder_parent"
holder=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	holder=$(pgrep -P "$holder_parent" sleep || true)
	[ -n "$holder" ] && break
	sleep 0.1
done
cleanup_pids="$holder $cleanup_pids"

# denied DESCRIPTION PATTERN ARGS...: as nobody, exit 125 with PATTERN.
denied() {
	what=$1 pattern=$2
	shift 2
	$NOBODY "$T" "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
	[ "$rc" = 125 ] && [ ! -s "$scratch/out" ] && grep -q "$pattern" "$scratch/err"
	ok $? "$what: exit 125, '$(head -1 "$scratch/err")'"
}
denied "show of root's process as nobody" "only its owner or root may" show "$holder"
denied "show --json of root's process as nobody" "only its owner or root may" show --json "$holder"
denied "enter root's namespace as nobody" "needs CAP_SYS_ADMIN" enter "$holder" -- true
"$T" show "$holder" >/dev/null 2>&1
ok $? "root itself may show it"
done_testing
