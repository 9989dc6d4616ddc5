#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh KERNEL_IMAGE INITRAMFS LOG [TIMEOUT_S] [ARCH]
#
# Boot the guest under QEMU (TCG), its console into LOG and onto stderr, and
# kill it after TIMEOUT_S seconds.  ARCH: x86_64 (default) or arm64
# (the virt machine; pauth-impdef: QEMU's own pointer-authentication hash
# instead of the architected QARMA, which is much slower to emulate).  Exit 0 if the guest ran its whole plan
# (check.sh judges the results in LOG), 2 if it did not finish.
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 log=$3 limit=${4:-1200}
set_arch "${5:-x86_64}"
if [ "$ARCH" = arm64 ]; then
	qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on) console=ttyAMA0
else
	qemu=(qemu-system-x86_64 -cpu max) console=ttyS0
fi
rc=0
timeout -k 10 "$limit" "${qemu[@]}" -accel tcg -m 512M \
	-nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
	-append "console=$console panic=-1 loglevel=4" \
	</dev/null 2>&1 |
	tr -d '\r' | tee "$log" >&2 || rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	say "guest timed out after $limit s"
	exit 2
fi
grep -q '^TIMENS-GUEST-END$' "$log" || { say "guest did not finish its plan"; exit 2; }
grep '^# timens-guest: ' "$log" >&2
