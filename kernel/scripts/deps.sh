#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the kernel harness needs, with apt-get, if it is missing.
. "$(dirname "$0")/lib.sh"

PKGS="linux-source-6.12 linux-source-6.1 qemu-system-x86 gcc make bc bison
flex libelf-dev libssl-dev cpio ccache libcap-dev gzip xz-utils perl python3
busybox-static util-linux dash golang-go python3.11 python3-dev python3-pytest"

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
	say "all packages present"
	exit 0
fi
say "installing: ${missing[*]}"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
	"${missing[@]}"
