#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh NAME VERSION PATCHDIR|-
#
# Extract Debian's linux-source-VERSION into $CACHE/trees/NAME, apply the
# patches of PATCHDIR (or none for "-"), configure a minimal guest kernel
# (tinyconfig + config/timens.config), build bzImage and the UAPI headers.
# A tree whose key (source package, patches, config, this script, compiler)
# is unchanged is reused as it is.  Prints the tree's path on stdout.
. "$(dirname "$0")/lib.sh"

name=$1 ver=$2 patchdir=$3
tarball=/usr/src/linux-source-$ver.tar.xz
frag=$KDIR/config/timens.config
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
	echo "timens-kernel v1 $name $ver"
	dpkg-query -W -f='${Package} ${Version}\n' "linux-source-$ver"
	stat -c '%s' "$tarball"
	cat "$frag" "$0"
	[ ${#patches[@]} = 0 ] || cat "${patches[@]}"
	gcc --version | head -1
} | sha256sum | cut -c1-16)

if [ -f "$tree/.timens-key" ] && [ "$(cat "$tree/.timens-key")" = "$key" ] &&
   [ -f "$tree/arch/x86/boot/bzImage" ]; then
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

make -s tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
make -s olddefconfig >&2
for opt in $(grep -o '^CONFIG_[A-Z0-9_]*=y' "$frag"); do
	grep -qx "$opt" .config || die "$name: $opt did not survive olddefconfig"
done

export CCACHE_BASEDIR=$tree
make -s -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" bzImage >&2 ||
	die "$name: kernel build failed"
make -s -j"$JOBS" HOSTCC="ccache gcc" headers >&2 ||
	die "$name: make headers failed"
[ -x usr/gen_init_cpio ] || make -s HOSTCC="ccache gcc" usr/gen_init_cpio >&2
echo "$key" > .timens-key
echo "$tree"
