#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh KIND TREE OUT.cpio.gz [ARCH]
#
# Build the initramfs of one guest: a static /init (guest/init.c), the
# static test programs for KIND, and /plan, which tells /init what to run.
#   patched  the new clone3_timens selftest, the clone3 and timens selftests
#            of TREE, libtimens's tests (native path expected), the benchmark
#   vanilla  the same kernel selftests, for comparison, and libtimens's tests
#   old      libtimens's tests only (fallback paths)
# and in each the CLI's shell tests (build-cli.sh).
# libtimens's programs come from $TIMENS_TEST_STATIC (default
# build/test-static of the project, made by `make test-static`); for an
# arm64 guest (ARCH arm64, x86_64 by default) from
# $TIMENS_TEST_STATIC_ARM64 (default build-aarch64/test-static, made by
# `make test-static CC=aarch64-linux-gnu-gcc BUILD=build-aarch64`).
. "$(dirname "$0")/lib.sh"

kind=$1 tree=$2 out=$3
set_arch "${4:-x86_64}"
if [ "$ARCH" = arm64 ]; then
	libtests=${TIMENS_TEST_STATIC_ARM64:-$TOPDIR/build-aarch64/test-static}
else
	libtests=${TIMENS_TEST_STATIC:-$TOPDIR/build/test-static}
fi
# The guest's files are built beside OUT (this checkout's, not the shared
# cache): two checkouts running the harness at once do not clobber them.
work=$(dirname "$out")/guest/$TPFX$kind
rm -rf "$work"
mkdir -p "$work/bin" "$work/clone3" "$work/timens" "$work/libtimens"
cc_static() { "$TCC" -static -O2 -g -isystem "$tree/usr/include" "$@"; }

# arm64_libs BIN...: cpio lines for the dynamic loader and the shared
# libraries BIN needs, found (ldd cannot run them here) through their
# DT_NEEDED entries beside libtimens's programs (test-static's copy of
# libtimens.so for the dynamic bti-guarded), in the unpacked packages and
# in libc6:arm64.
arm64_libs() {
	local todo=("$@") seen=" " f n d
	echo "file /lib/ld-linux-aarch64.so.1 $(readlink -f /lib/ld-linux-aarch64.so.1) 0755 0 0"
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for n in $(aarch64-linux-gnu-readelf -d "$f" |
			   sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[[ $seen = *" $n "* ]] && continue
			seen="$seen$n "
			[ "$n" = ld-linux-aarch64.so.1 ] && continue
			for d in "$libtests" "$ul/lib/$multiarch" "$ul/usr/lib/$multiarch" \
				 "$cl/lib/$multiarch" "$cl/usr/lib/$multiarch" \
				 "/lib/$multiarch" "/usr/lib/$multiarch" ""; do
				[ -n "$d" ] || die "arm64 guest: no $n for $f"
				[ -e "$d/$n" ] || continue
				echo "file /lib/$multiarch/$n $(readlink -f "$d/$n") 0755 0 0"
				todo+=("$(readlink -f "$d/$n")")
				break
			done
		done
	done
}

plan=$work/plan
: > "$plan"
# plan NAME FLAGS ENV PATH [ARGS...]: lib.sh.

"$TCC" -static -O2 -Wall -Werror -o "$work/init" "$KDIR/guest/init.c"

if [ "$kind" != old ]; then
	st=$tree/tools/testing/selftests
	# clone3_timens is in the patched tree only; the vanilla guest runs the
	# patched tree's copy to show that it skips cleanly there.
	src_timens=$CACHE/trees/${TPFX}6.12-patched/tools/testing/selftests/clone3
	cc_static -std=gnu99 -I "$st/clone3" -o "$work/clone3/clone3_timens" \
		"$src_timens/clone3_timens.c" -lcap
	if [ "$kind" = patched ]; then
		plan clone3_timens strict - /clone3/clone3_timens
	else
		plan clone3_timens - - /clone3/clone3_timens
	fi
	for t in clone3 clone3_clear_sighand clone3_set_tid \
		 clone3_cap_checkpoint_restore; do
		cc_static -std=gnu99 -o "$work/clone3/$t" "$st/clone3/$t.c" -lcap
		plan "$t" - - "/clone3/$t"
	done
	# clone3_cap_checkpoint_restore pokes at libcap's private cap_t layout,
	# which changed in libcap 2.x; this copy sets CAP_CHECKPOINT_RESTORE
	# through the libcap API instead, so the kernel side is still tested.
	sed -e 's/{ CAP_SETUID, CAP_SETGID }/{ CAP_SETUID, CAP_SETGID, 40 }/' \
	    -e 's/cap_set_flag(caps, \(CAP_[A-Z]*\), 2,/cap_set_flag(caps, \1, 3,/' \
	    -e '/cap->data\[1\]/d' \
		"$st/clone3/clone3_cap_checkpoint_restore.c" > "$work/ccr-libcap.c"
	cc_static -std=gnu99 -I "$st/clone3" -o "$work/clone3/ccr-libcap" \
		"$work/ccr-libcap.c" -lcap
	plan clone3_cap_checkpoint_restore.libcap-api - - /clone3/ccr-libcap
	for t in timens timerfd timer clock_nanosleep procfs exec futex \
		 vfork_exec; do
		cc_static -Wall -Werror -pthread -o "$work/timens/$t" \
			"$st/timens/$t.c" -lrt -ldl
		plan "timens/$t" - - "/timens/$t"
	done
fi

# libtimens's suite in every guest: the baseline 6.12 too, where the
# library takes its emulated paths (check.sh judges it strictly there).
[ -f "$libtests/LIST" ] ||
	say "WARNING: $libtests/LIST missing, no libtimens tests in this guest"
env=TIMENS_TEST_STRICT=1
[ "$kind" = patched ] && env=$env,TIMENS_EXPECT_PATH=native
while read -r t; do
	[ -n "$t" ] || continue
	cp "$libtests/$t" "$work/libtimens/$t"
	plan "libtimens/$t" strict "$env" "/libtimens/$t"
done < <(awk '!seen[$0]++' "$libtests/LIST" 2>/dev/null)
if [ "$kind" = patched ] && [ -f "$libtests/BENCH" ] &&
   grep -qx bench-clone3 "$libtests/BENCH"; then
	cp "$libtests/bench-clone3" "$work/libtimens/bench-clone3"
	plan bench-clone3 - - /libtimens/bench-clone3 --quick
fi

# The Go and Python bindings' suites: the x86-64 patched and 6.1 guests
# (built for this machine: not for an arm64 guest).
if [ "$ARCH" = x86_64 ]; then
	case $kind in patched | old)
		[ "${GUEST_BINDINGS:-1}" = 0 ] || "$KDIR/scripts/build-bindings.sh" "$kind" "$work" ;;
	esac
fi
# The CLI's shell tests, in every guest that runs libtimens's suite (after
# the bindings: it adds python3 only where they have not); its dash is
# /bin/sh in every guest.
clitests=-
[ ! -f "$libtests/LIST" ] || clitests=$libtests
"$KDIR/scripts/build-cli.sh" "$work" "$clitests" "$ARCH"

list=$work/cpio.list
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	for d in proc sys tmp etc bin; do echo "dir /$d 0755 0 0"; done
	echo "dir /root 0700 0 0"
	echo "file /init $work/init 0755 0 0"
	echo "file /plan $plan 0644 0 0"
	printf 'root:x:0:0:root:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/false\n' \
		> "$work/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$work/group"
	echo "file /etc/passwd $work/passwd 0644 0 0"
	echo "file /etc/group $work/group 0644 0 0"
	# A small userland for programs that spawn others: busybox (static)
	# for sh, true, cat, id...; util-linux's own unshare and nsenter with
	# the libraries they load.  The arm64 guest's are the arm64 packages
	# that deps.sh unpacked (busybox's applet list is the host's: the
	# same Debian version, built from the same configuration).
	if [ "$ARCH" = arm64 ]; then
		ul=$CACHE/userland-arm64/root multiarch=aarch64-linux-gnu
		cl=$CACHE/cli-arm64/root
	else
		ul= multiarch=x86_64-linux-gnu
	fi
	for d in /sbin /usr /usr/bin /usr/sbin /lib /lib64 \
		 /lib/$multiarch; do
		echo "dir $d 0755 0 0"
	done
	echo "file /bin/busybox $ul/bin/busybox 0755 0 0"
	# (setpriv too: busybox's lacks --reuid and the like; /bin/sh is
	# dash, from build-cli.sh, which says why.)
	/bin/busybox --list-full |
		grep -vE '(^|/)(busybox|unshare|nsenter|setpriv|sh|init|linuxrc)$' |
		while read -r a; do echo "slink /$a /bin/busybox 0777 0 0"; done
	for b in /usr/bin/unshare /usr/bin/nsenter /usr/bin/setpriv; do
		echo "file $b $ul$b 0755 0 0"
	done
	mapfile -t elf < "$work/cli.elf"
	if [ "$ARCH" = arm64 ]; then
		arm64_libs "$ul/usr/bin/unshare" "$ul/usr/bin/nsenter" "$ul/usr/bin/setpriv" \
			"${elf[@]}" $(find "$work/libtimens" -type f)
	else
		# (ldd names each file on a line of its own: not a library)
		ldd /usr/bin/unshare /usr/bin/nsenter /usr/bin/setpriv "${elf[@]}" |
			awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			     NF == 2 && $1 ~ /^\// { print $1 }' | sort -u |
			while read -r l; do echo "file $l $(readlink -f "$l") 0755 0 0"; done
	fi
	for d in clone3 timens libtimens; do
		[ -n "$(ls "$work/$d")" ] || continue
		echo "dir /$d 0755 0 0"
		for f in "$work/$d"/*; do
			echo "file /$d/$(basename "$f") $f 0755 0 0"
		done
	done
	cat "$work/cli.list"
	[ ! -f "$work/bindings.list" ] || cat "$work/bindings.list"
} > "$list"
"$tree/usr/gen_init_cpio" "$list" | gzip -1 > "$out"
say "$kind guest: $(grep -c . "$plan") programs, $(du -h "$out" | cut -f1)"
