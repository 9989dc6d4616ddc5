#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the kernel harness needs, with apt-get, if it is missing.
# The arm64 guests need Debian's arm64 architecture next to the host's
# (multiarch) for libcap (the clone3 selftests link it), and an arm64
# busybox and util-linux for their /bin, unpacked into the cache (they
# cannot be installed beside the host's own).
. "$(dirname "$0")/lib.sh"

PKGS="linux-source-6.12 linux-source-6.1 qemu-system-x86 gcc make bc bison
flex libelf-dev libssl-dev cpio ccache libcap-dev gzip xz-utils perl python3
busybox-static util-linux"
# The bindings' suites in the x86-64 guests (build-bindings.sh).
PKGS="$PKGS dash golang-go python3.11 python3-dev python3-pytest"
# The arm64 guests.
PKGS="$PKGS qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross libcap-dev:arm64"
# Unpacked for the arm64 guests' userland: see build-guest.sh.
USERLAND_ARM64="busybox-static util-linux libselinux1 libpcre2-8-0"
# And for the CLI's shell tests there (build-cli.sh): dash, python3 (for
# JSON) and the libraries it and util-linux's setpriv load.  In a
# directory of their own.
CLI_ARM64="dash python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
libexpat1 zlib1g libcap-ng0"

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
updated=0
apt_update() {
	[ "$updated" = 1 ] || $SUDO apt-get update -q
	updated=1
}

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	say "adding the arm64 architecture (multiarch)"
	$SUDO dpkg --add-architecture arm64
	apt_update
fi

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
	say "all packages present"
else
	say "installing: ${missing[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends "${missing[@]}"
fi

# unpack_arm64 DIR PKG...: the arm64 packages' files under DIR/root, and
# each one's list of paths in DIR/PKG.list, fetched again only when the
# candidate versions change.
unpack_arm64() {
	local ul=$1 want debs d
	shift
	# (One apt-cache call: each takes seconds.)
	want=$(apt-cache policy $(printf '%s:arm64 ' "$@") |
		awk '/^[^ ]/ { p = $1 } /^ *Candidate:/ { print p, $2 }')
	[ "$(cat "$ul/.versions" 2>/dev/null)" != "$want" ] || return 0
	say "unpacking arm64 packages into $ul: $*"
	rm -rf "$ul"
	mkdir -p "$ul"
	# Downloaded where apt's sandbox user may write.
	debs=$(mktemp -d)
	chmod 777 "$debs"
	(cd "$debs" && for p in "$@"; do
		apt-get download -q "$p:arm64" || { apt_update; apt-get download -q "$p:arm64"; }
	done) >&2
	for d in "$debs"/*.deb; do
		dpkg-deb -x "$d" "$ul/root"
		dpkg-deb --fsys-tarfile "$d" | tar -t | sed 's|^\./|/|; s|/$||; /^$/d' \
			> "$ul/$(dpkg-deb -f "$d" Package).list"
	done
	rm -rf "$debs"
	echo "$want" > "$ul/.versions"
}
unpack_arm64 "$CACHE/userland-arm64" $USERLAND_ARM64
unpack_arm64 "$CACHE/cli-arm64" $CLI_ARM64
