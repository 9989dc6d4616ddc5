#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A short round of each libFuzzer target in fuzz/ (FUZZ_SECONDS each,
# 10 by default): no crash, no sanitizer report, the seed corpus and what
# it grows into all pass.  Needs clang with libFuzzer; without it the
# test skips, which TIMENS_TEST_STRICT=1 (CI) makes a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unavailable() {
	case ${TIMENS_TEST_STRICT:-0} in
	''|0) echo "1..0 # SKIP $1"; exit 0;;
	*) echo "1..1"; echo "not ok 1 - required but unavailable (TIMENS_TEST_STRICT): $1"; exit 1;;
	esac
}

command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1 || unavailable "no clang"
# The fuzz build is its own (instrumented) build, whatever SANITIZE says,
# where make check says (BUILD-fuzz).
fb=${TIMENS_FUZZ_BUILD:-$top/build-fuzz}
if ! make -s -C "$top" fuzz-build SANITIZE= FUZZ_BUILD="$fb" >"$work/build.log" 2>&1; then
	sed 's/^/# /' "$work/build.log" | tail -5
	unavailable "clang cannot build -fsanitize=fuzzer targets (libclang-rt-*-dev missing?)"
fi

targets=$(cd "$top/fuzz" && ls *.c | sed 's/\.c$//')
echo "1..$(echo "$targets" | wc -w)"
n=0 failed=0
for t in $targets; do
	n=$((n + 1))
	mkdir -p "$work/corpus-$t"
	"$fb/$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$work/$t-" "$work/corpus-$t" "$top/fuzz/corpus/$t" \
		>"$work/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE *cov: \([0-9]*\).*/\1/p' "$work/$t.log")
	if [ $rc = 0 ] && ! ls "$work/$t-"* >/dev/null 2>&1; then
		echo "ok $n - $t: ${runs:-?} runs in ${secs} s, coverage ${cov:-?}, no crash"
	else
		failed=$((failed + 1))
		echo "not ok $n - $t: exit $rc"
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$work/$t.log" | sed 's/^/# /' | head -10
		# Keep the input that broke it where a developer will look.
		cp "$work/$t-"* "$fb/" 2>/dev/null
	fi
done
exit $((failed != 0))
