#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel harness: `make -C kernel check`.
#
# Installs what it needs, builds three x86_64 kernels (Debian's 6.12 with
# the series of patches/, the same 6.12 without it as a baseline, Debian's
# 6.1 as it is) and two arm64 ones (6.12 patched and baseline, cross-built),
# builds libtimens's static tests (and the static tool for the CLI's shell
# tests) for each architecture, boots each kernel under QEMU with its own
# test plan, and judges the results:
#   - 6.12 patched: everything must pass, except a kernel selftest that
#     fails the same way on the 6.12 baseline of the same architecture
#     (reported as pre-existing);
#   - 6.12 baseline: must boot and finish, and libtimens's suite and the
#     CLI's tests must pass (emulated paths); its kernel selftests' results
#     are for comparison;
#   - 6.1: libtimens's suite and the CLI's tests must pass (fallback paths).
# KERNEL_BASELINE=0 skips the baseline kernels; then the pre-existing
# failures listed in KNOWN_PREEXISTING are accepted instead.
# KERNEL_ARCHES (default "x86_64 arm64") picks the architectures.  The arm64
# guests run libtimens's tests when the library has an arm64 port
# (src/lib/arch/aarch64) or TIMENS_TEST_STATIC_ARM64 names prebuilt ones,
# the kernel selftests only otherwise.
. "$(dirname "$0")/lib.sh"

BASELINE=${KERNEL_BASELINE:-1}
ARCHES=" ${KERNEL_ARCHES:-x86_64 arm64} "
X86=0 ARM64=0
[[ $ARCHES = *" x86_64 "* ]] && X86=1
[[ $ARCHES = *" arm64 "* ]] && ARM64=1
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

if [ "$X86" = 1 ]; then
	tp=$(stage "kernel 6.12 patched" scripts/build-kernel.sh 6.12-patched 6.12 "$KDIR/patches")
	if [ "$BASELINE" = 1 ]; then
		tv=$(stage "kernel 6.12 baseline" scripts/build-kernel.sh 6.12-vanilla 6.12 -)
	fi
	t61=$(stage "kernel 6.1" scripts/build-kernel.sh 6.1-vanilla 6.1 -)
fi
if [ "$ARM64" = 1 ]; then
	ap=$(stage "kernel arm64 6.12 patched" scripts/build-kernel.sh \
		arm64-6.12-patched 6.12 "$KDIR/patches" arm64)
	if [ "$BASELINE" = 1 ]; then
		av=$(stage "kernel arm64 6.12 baseline" scripts/build-kernel.sh \
			arm64-6.12-vanilla 6.12 - arm64)
	fi
fi
# A broken libtimens build must not hide the kernel results: go on without
# its tests and count it as a failure at the end.
libtests_ok=1
if [ "$X86" = 1 ]; then
	if [ -z "${TIMENS_TEST_STATIC:-}" ]; then
		stage "libtimens make test-static" make -C "$TOPDIR" -j"$JOBS" test-static >&2 ||
			libtests_ok=0
	fi
	# Programs given or built, there must be some: no list is no test.
	[ -s "${TIMENS_TEST_STATIC:-$TOPDIR/build/test-static}/LIST" ] || libtests_ok=0
fi
# The same for arm64, cross-built, once the library has the port.
libtests_arm64=1
if [ "$ARM64" = 1 ]; then
	if [ -n "${TIMENS_TEST_STATIC_ARM64:-}" ]; then
		:
	elif [ -d "$TOPDIR/src/lib/arch/aarch64" ]; then
		stage "libtimens make test-static (arm64)" make -C "$TOPDIR" -j"$JOBS" \
			CC=aarch64-linux-gnu-gcc BUILD=build-aarch64 test-static >&2 ||
			libtests_arm64=0
	else
		libtests_arm64=-
	fi
	[ "$libtests_arm64" = - ] ||
		[ -s "${TIMENS_TEST_STATIC_ARM64:-$TOPDIR/build-aarch64/test-static}/LIST" ] ||
		libtests_arm64=0
	if [ "$libtests_arm64" = - ]; then
		# build-guest.sh then finds no LIST and runs the selftests only.
		export TIMENS_TEST_STATIC_ARM64=$OUT/no-arm64-port
	fi
fi

if [ "$X86" = 1 ]; then
	stage "initramfs 6.12 patched" scripts/build-guest.sh patched "$tp" "$OUT/patched.cpio.gz"
	[ "$BASELINE" = 1 ] &&
		stage "initramfs 6.12 baseline" scripts/build-guest.sh vanilla "$tv" "$OUT/vanilla.cpio.gz"
	stage "initramfs 6.1" scripts/build-guest.sh old "$t61" "$OUT/old.cpio.gz"
fi
if [ "$ARM64" = 1 ]; then
	stage "initramfs arm64 6.12 patched" scripts/build-guest.sh patched "$ap" \
		"$OUT/arm64-patched.cpio.gz" arm64
	[ "$BASELINE" = 1 ] &&
		stage "initramfs arm64 6.12 baseline" scripts/build-guest.sh vanilla "$av" \
			"$OUT/arm64-vanilla.cpio.gz" arm64
fi

boot() { # NAME TREE INITRD [ARCH]
	local rc=0 image=arch/x86/boot/bzImage
	[ "${4:-x86_64}" = arm64 ] && image=arch/arm64/boot/Image
	stage "boot+tests $1" scripts/run-guest.sh "$2/$image" \
		"$3" "$OUT/guest-$1.log" "$GUEST_TIMEOUT" "${4:-x86_64}" || rc=$?
	return $rc
}
rc_p=0 rc_v=0 rc_o=0 rc_ap=0 rc_av=0
if [ "$X86" = 1 ]; then
	boot 6.12-patched "$tp" "$OUT/patched.cpio.gz" || rc_p=$?
	[ "$BASELINE" = 1 ] && { boot 6.12-baseline "$tv" "$OUT/vanilla.cpio.gz" || rc_v=$?; }
	boot 6.1 "$t61" "$OUT/old.cpio.gz" || rc_o=$?
fi
if [ "$ARM64" = 1 ]; then
	boot arm64-6.12-patched "$ap" "$OUT/arm64-patched.cpio.gz" arm64 || rc_ap=$?
	[ "$BASELINE" = 1 ] &&
		{ boot arm64-6.12-baseline "$av" "$OUT/arm64-vanilla.cpio.gz" arm64 || rc_av=$?; }
fi

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
if [ "$libtests_arm64" = 0 ]; then
	fail=$((fail + 1))
	echo "not ok  arm64 make test-static failed: libtimens's tests not run on arm64 (see check.log)" >> "$summary"
elif [ "$ARM64" = 1 ] && [ "$libtests_arm64" = - ]; then
	echo "info    libtimens has no arm64 port (src/lib/arch/aarch64): arm64 guests ran the kernel selftests only" >> "$summary"
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
		elif [ "$base" = - ] && [[ $guest = *6.12-patched ]] &&
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

judge612() { # PREFIX RC_PATCHED RC_BASELINE: the 6.12 pair of one architecture
	local base=-
	[ "$BASELINE" = 1 ] && base=$OUT/guest-${1}6.12-baseline.log
	judge "${1}6.12-patched" "$OUT/guest-${1}6.12-patched.log" "$base"
	finished "${1}6.12-patched" "$2"
	if [ "$BASELINE" = 1 ]; then
		finished "${1}6.12-baseline" "$3"
		[ "$3" = 2 ] || { pass=$((pass + 1)); echo "ok      ${1}6.12-baseline booted and finished" >> "$summary"; }
		# libtimens and the CLI must pass on the baseline as anywhere (the
		# emulated paths); the kernel's own selftests there are for comparison.
		judge_lib "${1}6.12-baseline" "$base"
	fi
}
judge_lib() { # GUEST LOG: libtimens/* and cli/* strictly, the rest as information
	local st name
	while read -r st name; do
		case $name:$st in
		libtimens/*:PASS | cli/*:PASS) pass=$((pass + 1)); echo "ok      $1 $name" >> "$summary" ;;
		libtimens/* | cli/*) fail=$((fail + 1)); echo "not ok  $1 $name" >> "$summary" ;;
		*) echo "info    $1 $st $name" >> "$summary" ;;
		esac
	done < <(results "$2")
}
if [ "$X86" = 1 ]; then
	judge612 "" "$rc_p" "$rc_v"
	judge 6.1 "$OUT/guest-6.1.log" -
	finished 6.1 "$rc_o"
fi
[ "$ARM64" = 1 ] && judge612 arm64- "$rc_ap" "$rc_av"

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
	for g in 6.12-patched arm64-6.12-patched; do
		case $g in arm64-*) [ "$ARM64" = 1 ] ;; *) [ "$X86" = 1 ] ;; esac || continue
		[ -f "$OUT/guest-$g.log" ] || continue
		grep -q '^# bench-clone3:' "$OUT/guest-$g.log" || continue
		echo
		echo "== bench-clone3 ($g guest)"
		sed -n '/^# bench-clone3:/,/^\(not \)\?ok [0-9]* - bench-clone3/p' \
			"$OUT/guest-$g.log"
	done
	echo
	echo "kernel-check: $pass passed, $fail failed"
} | tee -a "$LOG"
[ "$fail" = 0 ]
