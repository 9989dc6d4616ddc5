#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series-check.sh: check each patch of patches/ on its own: it applies on
# top of the previous ones, the kernel (and the clone3 selftests, once they
# exist) build after it, and scripts/checkpatch.pl --strict is clean.
# Builds incrementally in $CACHE/trees/series with ccache (x86_64; the
# arm64 guests of check.sh build and run the selftests there).
. "$(dirname "$0")/lib.sh"

tarball=/usr/src/linux-source-6.12.tar.xz
tree=$CACHE/trees/series
frags=("$KDIR/config/timens.config" "$KDIR/config/x86_64.config")
rm -rf "$tree"
mkdir -p "$tree"
tar -xf "$tarball" -C "$tree" --strip-components=1
cd "$tree"
make -s tinyconfig
scripts/kconfig/merge_config.sh -m .config "${frags[@]}" >/dev/null
make -s olddefconfig
export CCACHE_BASEDIR=$tree

bad=0
for p in "$KDIR"/patches/0*.patch; do
	n=$(basename "$p")
	if [ "$n" = 0000-cover-letter.patch ]; then
		continue
	fi
	if ! scripts/checkpatch.pl --strict --no-tree -q "$p"; then
		say "checkpatch: $n has warnings"
		bad=1
	fi
	patch -p1 --batch --forward --fuzz=0 -s -i "$p" || die "$n does not apply"
	start=$(date +%s)
	if ! make -s -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" bzImage; then
		say "build: FAILED after $n"
		bad=1
		continue
	fi
	if [ -f tools/testing/selftests/clone3/clone3_timens.c ]; then
		make -s headers
		make -s -C tools/testing/selftests/clone3 >/dev/null ||
			{ say "selftests: FAILED after $n"; bad=1; }
	fi
	say "ok: $n ($(( $(date +%s) - start )) s)"
done
[ "$bad" = 0 ] && say "series-check: every patch applies, builds and is checkpatch-clean"
exit $bad
