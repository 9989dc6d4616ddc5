#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# timens probe: the kernel's features and what works here, as text and as
# JSON with the documented keys, for root and for nobody.
. "$(dirname "$0")/cli/tap.sh"
require_binary
require_time_ns

trials="clone3 clone3_user spawn spawn_user spawn_map_root run run_user run_map_root"
# check_schema: the documented keys and types, read from the JSON on stdin.
check_schema() {
	"$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert list(d) == ["version", "kernel", "user", "sysctl", "trials"], list(d)
k = d["kernel"]
assert list(k) == ["release", "features", "time_ns", "setns_pidfd", "exec_switch",
                   "clone3_newtime", "native_offset", "clone3_refused"], list(k)
bits = [k["time_ns"], k["setns_pidfd"], k["exec_switch"], k["clone3_newtime"], k["native_offset"],
        k["clone3_refused"]]
assert all(isinstance(b, bool) for b in bits)
assert k["features"] == sum(1 << i for i, b in enumerate(bits) if b)
assert list(d["user"]) == ["uid", "euid", "cap_sys_admin"]
assert list(d["sysctl"]) == ["unprivileged_userns_clone", "max_user_namespaces",
                             "max_time_namespaces"]
assert list(d["trials"]) == sys.argv[1].split(), list(d["trials"])
for name, t in d["trials"].items():
    assert list(t) == ["ok", "path", "error"], (name, list(t))
    assert (t["path"] is not None) == t["ok"] and (t["error"] is None) == t["ok"], (name, t)
' "$trials"
}

plan 12
"$T" probe >"$scratch/text"
ok $? "probe exits 0"
grep -q "^  time namespaces  *yes" "$scratch/text"
ok $? "probe reports time namespaces"
"$T" probe --json >"$scratch/json"
ok $? "probe --json exits 0"
json_valid <"$scratch/json"
ok $? "probe --json is valid JSON"
check_schema <"$scratch/json"
ok $? "probe --json has the documented keys, in order, with consistent values"
is "$(json_get "d['kernel']['release']" <"$scratch/json")" "$(uname -r)" "probe --json: kernel release"

if [ "$(id -u)" = 0 ]; then
	is "$(json_get "[d['trials'][t]['ok'] for t in ('clone3', 'spawn', 'run')]" <"$scratch/json")" \
		"[True, True, True]" "as root: clone3, spawn and run work"
	exp=$(json_get "'exec' if d['kernel']['exec_switch'] else 'spawn'" <"$scratch/json")
	is "$(json_get "d['trials']['run']['path']" <"$scratch/json")" "$exp" \
		"as root: run's path follows the exec switch"
else
	skip "needs root"
	skip "needs root"
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody_copy
	$NOBODY "$TN" probe --json >"$scratch/json"
	ok $? "probe --json as nobody exits 0"
	check_schema <"$scratch/json"
	ok $? "probe --json as nobody: documented keys"
	is "$(json_get "d['trials']['run']['ok'], d['trials']['run']['error'], d['user']['uid']" <"$scratch/json")" \
		"(False, 'Operation not permitted', 65534)" "as nobody: plain run refused with EPERM"
	if $NOBODY unshare -Ur true 2>/dev/null; then
		is "$(json_get "[d['trials'][t]['ok'] for t in ('clone3_user', 'spawn_user', 'run_user')]" <"$scratch/json")" \
			"[True, True, True]" "as nobody: the user-namespace modes work"
	else
		skip "this system does not allow unprivileged user namespaces"
	fi
else
	for i in 1 2 3 4; do skip "needs root to become nobody"; done
fi
done_testing
