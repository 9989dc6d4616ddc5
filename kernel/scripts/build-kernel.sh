#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh NAME VERSION PATCHDIR|- [ARCH]
#
# Extract Debian's linux-source-VERSION into $CACHE/trees/NAME, apply the
# patches of PATCHDIR (or none for "-"), configure a minimal guest kernel
# for ARCH (x86_64, the default, or arm64, cross-built): tinyconfig +
# config/timens.config + config/ARCH.config; build the image (bzImage,
# Image) and the UAPI headers.  A tree whose key (source package, patches,
# config, this script, compiler) is unchanged is reused as it is.  Prints
# the tree's path on stdout.
. "$(dirname "$0")/lib.sh"

name=$1 ver=$2 patchdir=$3
set_arch "${4:-x86_64}"
tarball=/usr/src/linux-source-$ver.tar.xz
frags=("$KDIR/config/timens.config" "$KDIR/config/$ARCH.config")
tree=$CACHE/trees/$name
[ -f "$tarball" ] || die "$tarball missing: apt-get install linux-source-$ver"

patches=()
if [ "$patchdir" != - ]; then
	patchdir=$(cd "$patchdir" && pwd) || die "no patch directory $3"
	for p in "$patchdir"/0*.patch; do
		case $p in */0000-cover-letter.patch) continue ;; esac
		patches+=("$p")
	done
	[ ${#patches[@]} -gt 0 ] || die "no patches in $patchdir"
fi

key=$({
	echo "timens-kernel v1 $name $ver $ARCH"
	dpkg-query -W -f='${Package} ${Version}\n' "linux-source-$ver"
	stat -c '%s' "$tarball"
	cat "${frags[@]}" "$0"
	[ ${#patches[@]} = 0 ] || cat "${patches[@]}"
	gcc --version | head -1
	[ -z "$CROSS" ] || "$TCC" --version | head -1
} | sha256sum | cut -c1-16)

if [ -f "$tree/.timens-key" ] && [ "$(cat "$tree/.timens-key")" = "$key" ] &&
   [ -f "$tree/$KIMAGE" ]; then
	say "$name: reusing build $key"
	echo "$tree"
	exit 0
fi

say "$name: building $key in $tree"
rm -rf "$tree"
mkdir -p "$tree"
tar -xf "$tarball" -C "$tree" --strip-components=1

cd "$tree"
for p in "${patches[@]}"; do
	say "$name: applying $(basename "$p")"
	patch -p1 --batch --forward --fuzz=0 --no-backup-if-mismatch -s -i "$p" >&2 ||
		die "$name: $(basename "$p") does not apply to linux-source-$ver"
done

kmake() { make -s ARCH="$KARCH" CROSS_COMPILE="$CROSS" HOSTCC="ccache gcc" "$@"; }
kmake tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "${frags[@]}" >/dev/null
kmake olddefconfig >&2
for opt in $(cat "${frags[@]}" | grep -o '^CONFIG_[A-Z0-9_]*=y'); do
	grep -qx "$opt" .config || die "$name: $opt did not survive olddefconfig"
done

export CCACHE_BASEDIR=$tree
kmake -j"$JOBS" CC="ccache $TCC" "$KTARGET" >&2 ||
	die "$name: kernel build failed"
kmake -j"$JOBS" headers >&2 ||
	die "$name: make headers failed"
[ -x usr/gen_init_cpio ] || kmake usr/gen_init_cpio >&2
echo "$key" > .timens-key
echo "$tree"
