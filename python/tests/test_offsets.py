# SPDX-License-Identifier: LGPL-2.1-or-later
"""parse_offset() and format_offset() against an independent reading of
the grammar (include/timens.h, timens(1)) in exact rational arithmetic,
and the three ways an offset may be given."""
import datetime
import random
import re
from fractions import Fraction

import pytest
import timens

UNITS = {"w": 604800 * 10**9, "d": 86400 * 10**9, "h": 3600 * 10**9, "m": 60 * 10**9,
         "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
ORDER = list(UNITS)             # largest first
INT64 = (-(1 << 63), (1 << 63) - 1)
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def reference(text):
    """Nanoseconds, or the exception parse_offset must raise."""
    m = re.fullmatch(r"([+-]?)(.*)", text, re.S)
    sign, body = m.group(1), m.group(2)
    if re.fullmatch(NUMBER, body):
        total = Fraction(body) * 10**9                  # plain seconds
    else:
        parts = re.findall(r"(" + NUMBER + r")(ms|us|ns|w|d|h|m|s)", body)
        if not body or "".join(n + u for n, u in parts) != body:
            return ValueError
        ranks = [ORDER.index(u) for _, u in parts]
        if ranks != sorted(set(ranks)):                  # largest first, once each
            return ValueError
        total = Fraction(0)
        for n, u in parts:
            part = Fraction(n) * UNITS[u]
            if part.denominator != 1:                    # each part whole ns
                return ValueError
            total += part
    if total.denominator != 1:
        return ValueError
    value = -int(total) if sign == "-" else int(total)
    return value if INT64[0] <= value <= INT64[1] else OverflowError


TEXTS = ["0", "-0", "+5", "86400", "-1.5", "1.000000001", "0.0000000001", "1.", ".5", "",
         "+", "-", "s", "1s1s", "1ms1s", "30m1h", "1h30", "1d2h30m", "-1d2h30m", "1.5h",
         "0.5w", "0.001us", "0.0001us", "1.5ns", "100d", "+100d", "2w", "1 s", " 1", "1e3",
         "0x10", "1S", "1y", "9223372036854775807ns", "9223372036854775808ns",
         "-9223372036854775808ns", "-9223372036854775809ns", "9223372036.854775807",
         "9223372036.854775808", "15250w1d23h47m16.854775807s", "15251w",
         "18446744073709551616ns", "99999999999999999999999999999", "1w1d1h1m1s1ms1us1ns",
         "20m34.5s", "--1", "1h-30m", "1d\n", "0000000000000000000000001ns"]


def random_texts(n):
    rng = random.Random(15)
    out = []
    for _ in range(n):
        units = sorted(rng.sample(ORDER, rng.randint(1, 4)), key=ORDER.index)
        if rng.random() < 0.1:
            rng.shuffle(units)
        parts = []
        for u in units:
            num = str(rng.choice([0, 1, 7, 59, 1000, rng.randint(0, 10**6), 10**12]))
            if rng.random() < 0.3:
                num += "." + str(rng.randint(0, 10**rng.randint(1, 10)))
            parts.append(num + u)
        out.append(rng.choice(["", "+", "-"]) + "".join(parts))
    return out


@pytest.mark.parametrize("text", TEXTS + random_texts(400))
def test_parse_matches_reference(text):
    want = reference(text)
    if isinstance(want, int):
        assert timens.parse_offset(text) == want
    else:
        with pytest.raises(want):
            timens.parse_offset(text)


def reference_format(ns):
    """The documented rule: units largest first; the part below a minute
    as decimal seconds when that is strictly shorter; zero is "0"."""
    if ns == 0:
        return "0"
    sign, mag = ("-" if ns < 0 else ""), abs(ns)
    units = ""
    rest = mag
    for u in ORDER:
        q, rest = divmod(rest, UNITS[u])
        if q:
            units += f"{q}{u}"
    low = mag % UNITS["m"]
    high, prefix = mag - low, ""
    for u in ORDER[:4]:
        q, high = divmod(high, UNITS[u])
        if q:
            prefix += f"{q}{u}"
    best = units
    if low:
        sec, frac = divmod(low, 10**9)
        dec = f"{sec}" + (f".{frac:09d}".rstrip("0") if frac else "") + "s"
        if len(prefix + dec) < len(units):
            best = prefix + dec
    return sign + best


@pytest.mark.parametrize("ns", [0, 1, -1, 999, 1000, 1500000000, -1500000000, 10**9,
                                100 * 86400 * 10**9, 5400 * 10**9, 1234500000000,
                                INT64[0], INT64[1], 60 * 10**9 + 1, 123456789]
                         + [random.Random(k).randint(-10**random.Random(k).randint(0, 18),
                                                     10**random.Random(k).randint(0, 18))
                            for k in range(300)])
def test_format(ns):
    text = timens.format_offset(ns)
    assert text == reference_format(ns)
    assert reference(text) == ns and timens.parse_offset(text) == ns


def test_format_refuses_beyond_int64():
    for v in (INT64[1] + 1, INT64[0] - 1):
        with pytest.raises(OverflowError):
            timens.format_offset(v)
    with pytest.raises(TypeError):
        timens.format_offset(1.5)


def test_parse_refuses_non_str():
    for v in (b"1d", 5, None):
        with pytest.raises(TypeError):
            timens.parse_offset(v)
    with pytest.raises(ValueError):
        timens.parse_offset("1d\0")


@pytest.mark.parametrize("given, ns", [
    (86400 * 10**9, 86400 * 10**9),
    ("1d", 86400 * 10**9),
    (datetime.timedelta(days=1), 86400 * 10**9),
    (datetime.timedelta(microseconds=-1), -1000),
    (datetime.timedelta(seconds=-1, microseconds=5), -999995000),
    ("-1.5s", -1500000000),
    (-7, -7),
])
def test_inputs_agree(given, ns):
    # What Popen would give the child, without starting one (the negative
    # ones fit a machine up a few seconds).
    assert timens._ns(given, "boottime") == ns
    assert timens._offsets(None, given, None)[1] == ns
