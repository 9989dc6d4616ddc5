#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A third reading of the offset grammar of timens_parse_offset(3), in
# Python with exact fractions and regular expressions, against both the
# library and the C oracle of offsets-parse-values (which that test and
# the fuzzer trust): the same answer for 300000 texts, random over the
# grammar's alphabet and random well-formed parts with 1 to 25 digits,
# and 1800 counts of the units that wrap 64 or 128 bits.
. "$(dirname "$0")/cli/tap.sh"
prog=$build/test/offsets-parse-values
[ -x "$prog" ] || { echo "Bail out! $prog not built"; exit 1; }
[ -n "$PY" ] || skip_all "python3 is needed"

plan 3
"$PY" - "$scratch/texts" "$scratch/want" <<'PYTHON'
import random, re, sys
from fractions import Fraction

# The manual's units, in nanoseconds; parts must come in this order.
UNITS = {"w": 7 * 86400 * 10**9, "d": 86400 * 10**9, "h": 3600 * 10**9,
         "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
ORDER = ["w", "d", "h", "m", "s", "ms", "us", "ns"]
NUMBER = r"[0-9]+(?:\.[0-9]+)?"
UNIT = r"(?:ms|us|ns|w|d|h|m|s)"

def read(text):
    plain = re.fullmatch(r"([+-]?)(" + NUMBER + r")", text)
    parts = re.fullmatch(r"([+-]?)((?:" + NUMBER + UNIT + r")+)", text)
    if plain:
        sign, value = plain.group(1), Fraction(plain.group(2)) * UNITS["s"]
    elif parts:
        sign, value, last = parts.group(1), Fraction(0), -1
        for number, unit in re.findall(r"(" + NUMBER + r")(" + UNIT + r")", parts.group(2)):
            if ORDER.index(unit) <= last:
                return "EINVAL"
            last = ORDER.index(unit)
            part = Fraction(number) * UNITS[unit]
            if part.denominator != 1:
                return "EINVAL"
            value += part
    else:
        return "EINVAL"
    if value.denominator != 1:
        return "EINVAL"
    value = -value if sign == "-" else value
    if not -2**63 <= value <= 2**63 - 1:
        return "ERANGE"
    return str(value)

def digits(n):
    return "".join(random.choice("0123456789") for _ in range(n))

random.seed(20261201)
texts = []
for _ in range(150000):
    texts.append("".join(random.choice("0123456789") if random.random() < 0.5
                         else random.choice("0123456789..+-wdhmsun")
                         for _ in range(random.randrange(25))))
for _ in range(150000):
    t = random.choice(["", "+", "-"])
    for unit in ORDER:
        if random.random() < 0.4:
            t += digits(random.randint(1, random.choice([3, 25])))
            if random.random() < 0.3:
                t += "." + digits(random.randint(1, random.choice([3, 20])))
            t += unit
    texts.append(t)
# Counts whose product with the unit is just above a multiple of 2^64 or
# 2^128: a product kept in that many bits wraps into range.
for unit in ORDER + [""]:
    for bits in (64, 128):
        for j in range(1, 101):
            size = UNITS[unit or "s"]
            texts.append(random.choice(["", "-"]) + str(-(-j * 2**bits // size)) + unit)
with open(sys.argv[1], "w") as f:
    f.write("".join(t + "\n" for t in texts))
with open(sys.argv[2], "w") as f:
    f.write("".join(read(t) + "\n" for t in texts))
PYTHON
ok $? "python wrote $(wc -l <"$scratch/texts") texts and its answers"

"$prog" --read-stdin <"$scratch/texts" >"$scratch/got"
# differ N: texts where column N (1 library, 2 oracle) is not python's.
differ() {
	paste "$scratch/texts" "$scratch/want" "$scratch/got" |
		awk -F '\t' -v c="$1" '$2 != $(2 + c) { n++; if (n <= 3) print "# \"" $1 "\": python " $2 ", got " $(2 + c) > "/dev/stderr" } END { print n + 0 }'
}
n=$(differ 1)
accepted=$(grep -cv 'E' "$scratch/want")
is "$n" 0 "the library gives python's answer for every text ($accepted accepted)"
n=$(differ 2)
is "$n" 0 "the C oracle gives python's answer for every text"
done_testing
