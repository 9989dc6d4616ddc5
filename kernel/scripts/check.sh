#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel harness: `make -C kernel check`.
#
# Installs what it needs, builds three kernels (Debian's 6.12 with the
# series of patches/, the same 6.12 without it as a baseline, Debian's
# 6.1 as it is), builds libtimens's static tests, boots each kernel under
# QEMU with its own test plan, and judges the results:
#   - 6.12 patched: everything must pass, except a kernel selftest that
#     fails the same way on the 6.12 baseline (reported as pre-existing);
#   - 6.12 baseline: must boot and finish; its results are for comparison;
#   - 6.1: libtimens's suite must pass (fallback paths).
# KERNEL_BASELINE=0 skips the baseline kernel; then the pre-existing
# failures listed in KNOWN_PREEXISTING are accepted instead.
. "$(dirname "$0")/lib.sh"

BASELINE=${KERNEL_BASELINE:-1}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}
# Fails on any kernel with libcap >= 2.x: see build-guest.sh.
KNOWN_PREEXISTING="clone3_cap_checkpoint_restore"
OUT=$KDIR/out
mkdir -p "$OUT"
: > "$TIMES"
: > "$LOG"
exec 2> >(tee -a "$LOG" >&2)
t0=$(date +%s)
cd "$KDIR"

stage "apt dependencies" scripts/deps.sh
ccache -z >/dev/null 2>&1 || true

tp=$(stage "kernel 6.12 patched" scripts/build-kernel.sh 6.12-patched 6.12 "$KDIR/patches")
if [ "$BASELINE" = 1 ]; then
	tv=$(stage "kernel 6.12 baseline" scripts/build-kernel.sh 6.12-vanilla 6.12 -)
fi
t61=$(stage "kernel 6.1" scripts/build-kernel.sh 6.1-vanilla 6.1 -)
# A broken libtimens build must not hide the kernel results: go on without
# its tests and count it as a failure at the end.
libtests_ok=1
if [ -z "${TIMENS_TEST_STATIC:-}" ]; then
	stage "libtimens make test-static" make -C "$TOPDIR" -j"$JOBS" test-static >&2 ||
		libtests_ok=0
fi
# Programs given or built, there must be some: no list is no test.
[ -s "${TIMENS_TEST_STATIC:-$TOPDIR/build/test-static}/LIST" ] || libtests_ok=0

stage "initramfs 6.12 patched" scripts/build-guest.sh patched "$tp" "$OUT/patched.cpio.gz"
[ "$BASELINE" = 1 ] &&
	stage "initramfs 6.12 baseline" scripts/build-guest.sh vanilla "$tv" "$OUT/vanilla.cpio.gz"
stage "initramfs 6.1" scripts/build-guest.sh old "$t61" "$OUT/old.cpio.gz"

boot() { # NAME TREE INITRD
	local rc=0
	stage "boot+tests $1" scripts/run-guest.sh "$2/arch/x86/boot/bzImage" \
		"$3" "$OUT/guest-$1.log" "$GUEST_TIMEOUT" || rc=$?
	return $rc
}
rc_p=0 rc_v=0 rc_o=0
boot 6.12-patched "$tp" "$OUT/patched.cpio.gz" || rc_p=$?
[ "$BASELINE" = 1 ] && { boot 6.12-baseline "$tv" "$OUT/vanilla.cpio.gz" || rc_v=$?; }
boot 6.1 "$t61" "$OUT/old.cpio.gz" || rc_o=$?

# results LOG: "PASS NAME" or "FAIL NAME" for every program the guest ran
results() {
	sed -n -E -e 's/^not ok [0-9]+ - ([^ ]+).*/FAIL \1/p' \
		  -e 's/^ok [0-9]+ - ([^ ]+).*/PASS \1/p' "$1" 2>/dev/null || true
}

pass=0 fail=0
summary=$OUT/summary.txt
: > "$summary"
if [ "$libtests_ok" = 0 ]; then
	fail=$((fail + 1))
	echo "not ok  make test-static failed: libtimens's tests not run (see check.log)" >> "$summary"
fi
judge() { # GUEST LOG BASELINE_LOG|-
	local guest=$1 log=$2 base=$3 st name
	while read -r st name; do
		if [ "$st" = PASS ]; then
			pass=$((pass + 1))
			echo "ok      $guest $name" >> "$summary"
		elif [ "$base" != - ] && results "$base" | grep -qx "FAIL $name"; then
			pass=$((pass + 1))
			echo "ok      $guest $name # pre-existing: fails on the baseline too" >> "$summary"
		elif [ "$base" = - ] && [ "$guest" = 6.12-patched ] &&
		     [[ " $KNOWN_PREEXISTING " = *" $name "* ]]; then
			pass=$((pass + 1))
			echo "ok      $guest $name # known pre-existing failure" >> "$summary"
		else
			fail=$((fail + 1))
			echo "not ok  $guest $name" >> "$summary"
		fi
	done < <(results "$log")
}
finished() { # NAME RC
	if [ "$2" = 2 ]; then
		fail=$((fail + 1))
		echo "not ok  $1 guest did not finish (timeout or crash)" >> "$summary"
	fi
}

base=-
[ "$BASELINE" = 1 ] && base=$OUT/guest-6.12-baseline.log
judge 6.12-patched "$OUT/guest-6.12-patched.log" "$base"
finished 6.12-patched "$rc_p"
if [ "$BASELINE" = 1 ]; then
	finished 6.12-baseline "$rc_v"
	[ "$rc_v" = 2 ] || { pass=$((pass + 1)); echo "ok      6.12-baseline booted and finished" >> "$summary"; }
	results "$base" | sed 's/^/info    6.12-baseline /' >> "$summary"
fi
judge 6.1 "$OUT/guest-6.1.log" -
finished 6.1 "$rc_o"

{
	echo
	echo "== results"
	cat "$summary"
	echo
	echo "== stage times"
	cat "$TIMES"
	echo "total                              $(( $(date +%s) - t0 ))s"
	echo "ccache this run: $(ccache --show-stats 2>&1 | grep -E '^ *(Hits|Misses):' |
		tr -s ' ' | paste -sd ' ')"
	if [ -f "$OUT/guest-6.12-patched.log" ]; then
		echo
		echo "== bench-clone3 (6.12 patched guest)"
		sed -n '/^# bench-clone3:/,/^\(not \)\?ok [0-9]* - bench-clone3/p' \
			"$OUT/guest-6.12-patched.log"
	fi
	echo
	echo "kernel-check: $pass passed, $fail failed"
} | tee -a "$LOG"
[ "$fail" = 0 ]
