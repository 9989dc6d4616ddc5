#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh BZIMAGE INITRAMFS LOG [TIMEOUT_S]
#
# Boot the guest under QEMU (TCG), its console into LOG and onto stderr, and
# kill it after TIMEOUT_S seconds.  Exit 0 if the guest ran its whole plan
# (check.sh judges the results in LOG), 2 if it did not finish.
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 log=$3 limit=${4:-1200}
rc=0
timeout -k 10 "$limit" qemu-system-x86_64 -accel tcg -cpu max -m 512M \
	-nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 loglevel=4" \
	</dev/null 2>&1 |
	tr -d '\r' | tee "$log" >&2 || rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	say "guest timed out after $limit s"
	exit 2
fi
grep -q '^TIMENS-GUEST-END$' "$log" || { say "guest did not finish its plan"; exit 2; }
grep '^# timens-guest: ' "$log" >&2
