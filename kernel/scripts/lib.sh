# SPDX-License-Identifier: GPL-2.0
# Shared settings of the kernel harness scripts; sourced, not run.

set -euo pipefail

KDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOPDIR=$(cd "$KDIR/.." && pwd)
CACHE=${TIMENS_KERNEL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/timens-kernel}
JOBS=${JOBS:-2}
LOG=${TIMENS_KERNEL_LOG:-$KDIR/out/check.log}
TIMES=${TIMENS_KERNEL_TIMES:-$KDIR/out/times.txt}

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Reproducible build identity: keeps init/version.c cacheable too.
export KBUILD_BUILD_USER=timens KBUILD_BUILD_HOST=timens
export KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00"

mkdir -p "$CACHE" "$(dirname "$LOG")"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'kernel-check: %s\n' "$*" >&2; exit 1; }

# stage NAME CMD...: run CMD, record how long it took.
stage() {
	local name=$1 start end rc=0
	shift
	start=$(date +%s)
	say "== $name"
	"$@" || rc=$?
	end=$(date +%s)
	printf '%-34s %5ss%s\n' "$name" "$((end - start))" \
		"$([ $rc = 0 ] || echo "  FAILED ($rc)")" >> "$TIMES"
	say "== $name: $((end - start)) s$([ $rc = 0 ] || echo ", FAILED ($rc)")"
	return $rc
}

# set_arch ARCH (x86_64 or arm64): what differs between the guests' two
# architectures.  KARCH is the kernel's name for it, CROSS the toolchain
# prefix (empty: the host's), TCC the compiler of the guest's programs,
# KTARGET/KIMAGE the kernel image to build and boot, TPFX the prefix of
# the tree names in the cache (x86_64's trees keep their plain names).
set_arch() {
	ARCH=$1
	case $ARCH in
	x86_64)
		KARCH=x86 CROSS= TPFX= KTARGET=bzImage
		;;
	arm64)
		KARCH=arm64 CROSS=aarch64-linux-gnu- TPFX=arm64- KTARGET=Image
		;;
	*)
		die "unknown architecture $ARCH (x86_64 or arm64)"
		;;
	esac
	TCC=${CROSS}gcc
	KIMAGE=arch/$KARCH/boot/$KTARGET
}

# For the scripts that build a guest (build-guest.sh and what it calls),
# which set $work (the guest's folder) and, for the cpio lines, $list.
# plan NAME FLAGS ENV PATH [ARGS...]: one line of the guest's /plan.
plan() {
	local name=$1 flags=$2 env=$3
	shift 3
	printf '%s\t%s\t%s\t%s\n' "$name" "$flags" "$env" "$*" >> "$work/plan"
}
# cpio_dir PATH, cpio_file PATH SOURCE [MODE]: lines of gen_init_cpio's list.
cpio_dir() { echo "dir $1 0755 0 0" >> "$list"; }
cpio_file() { echo "file $1 $2 ${3:-0755} 0 0" >> "$list"; }
