// SPDX-License-Identifier: LGPL-2.1-or-later

package timens

import (
	"math"
	"math/bits"
	"strconv"
	"syscall"
	"time"
)

// The grammar and the choice of output form are libtimens's, described
// in timens_parse_offset(3); the tests hold this code to the C
// library's answers on a shared table and to an independent reading
// with math/big.

type unit struct {
	name string
	ns   uint64
}

// Largest first: the order parts must appear in, and the format order.
var units = [...]unit{
	{"w", 604800e9}, {"d", 86400e9}, {"h", 3600e9}, {"m", 60e9},
	{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1},
}

const unitSeconds = 4

// Every unit divides 10^15 * 2^18 * 5^11 evenly enough that a fraction
// with more than 18 significant digits can never be whole nanoseconds.
const maxFracDigits = 18

// Magnitudes are kept saturated just above the largest one we can hold
// (2^63, for -2^63): beyond it only "out of range" matters.
const magnitudeCap = 1<<63 + 1

func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 || s > magnitudeCap {
		return magnitudeCap
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads digit+ ["." digit+] at s[i:]; ok is false on bad syntax.
type number struct {
	whole      uint64 // saturated at magnitudeCap
	frac       uint64 // significant fraction digits as an integer
	fracDigits int
	tooPrecise bool
}

func parseNumber(s string, i int) (n number, next int, ok bool) {
	if i >= len(s) || !isDigit(s[i]) {
		return n, i, false
	}
	for ; i < len(s) && isDigit(s[i]); i++ {
		hi, lo := bits.Mul64(n.whole, 10)
		if hi != 0 {
			n.whole = magnitudeCap
		} else {
			n.whole = satAdd(lo, uint64(s[i]-'0'))
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
		if i == start {
			return n, i, false
		}
		end := i
		for end > start && s[end-1] == '0' {
			end--
		}
		if end-start > maxFracDigits {
			n.tooPrecise = true
		} else {
			n.fracDigits = end - start
			for j := start; j < end; j++ {
				n.frac = n.frac*10 + uint64(s[j]-'0')
			}
		}
	}
	return n, i, true
}

// parseUnit returns the index of the longest unit name at s[i:], or -1.
func parseUnit(s string, i int) (u int, next int) {
	u, best := -1, 0
	for k, un := range units {
		l := len(un.name)
		if l > best && len(s)-i >= l && s[i:i+l] == un.name {
			u, best = k, l
		}
	}
	return u, i + best
}

// times returns n * unit nanoseconds, saturated; ok is false when that
// is not a whole number.
func (n number) times(unit uint64) (uint64, bool) {
	if n.tooPrecise {
		return 0, false
	}
	scale := uint64(1)
	for k := 0; k < n.fracDigits; k++ {
		scale *= 10
	}
	// frac < scale, so frac*unit < scale*2^64: the high word is below
	// scale and Div64 cannot overflow.
	hi, lo := bits.Mul64(n.frac, unit)
	q, r := bits.Div64(hi, lo, scale)
	if r != 0 {
		return 0, false
	}
	whi, wlo := bits.Mul64(n.whole, unit)
	if whi != 0 {
		return magnitudeCap, true
	}
	return satAdd(wlo, q), true
}

// ParseOffset reads an offset as the timens tool and libtimens take it:
// a plain number is seconds ("86400", "-1.5"), or numbers carry units
// ns us ms s m h d w, largest first, each at most once ("1d2h30m",
// "+250ms"); a leading sign applies to the whole value; no white space.
// A value that is not a whole number of nanoseconds is refused, never
// rounded. Errors wrap syscall.EINVAL (syntax, judged first) or
// syscall.ERANGE (beyond the int64 nanoseconds of time.Duration).
func ParseOffset(text string) (time.Duration, error) {
	s, i := text, 0
	negative := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		negative = s[i] == '-'
		i++
	}
	var total uint64
	last := -1
	for {
		n, next, ok := parseNumber(s, i)
		if !ok {
			return 0, parseError(text, syscall.EINVAL)
		}
		u, after := parseUnit(s, next)
		if u < 0 {
			// Plain seconds: only as the whole value.
			if last >= 0 || next != len(s) {
				return 0, parseError(text, syscall.EINVAL)
			}
			u = unitSeconds
		} else if u <= last {
			return 0, parseError(text, syscall.EINVAL)
		}
		last = u
		part, whole := n.times(units[u].ns)
		if !whole {
			return 0, parseError(text, syscall.EINVAL)
		}
		total = satAdd(total, part)
		i = after
		if i == len(s) {
			break
		}
	}
	if negative {
		if total > 1<<63 {
			return 0, parseError(text, syscall.ERANGE)
		}
		return time.Duration(-total), nil // -2^63 wraps to itself, as wanted
	}
	if total > math.MaxInt64 {
		return 0, parseError(text, syscall.ERANGE)
	}
	return time.Duration(total), nil
}

func parseError(text string, e syscall.Errno) error {
	hint := "offsets are seconds (\"86400\", \"-1.5\") or numbers with units ns us ms s m h d w, largest first (\"1d2h30m\", \"+250ms\")"
	if e == syscall.ERANGE {
		hint = "an offset is at most about 292 years either way"
	}
	return newError("parse offset "+strconv.Quote(text), e, hint)
}

// formatUnits writes each non-zero unit from largest to smallest.
func formatUnits(b []byte, mag uint64) []byte {
	for _, u := range units {
		if mag < u.ns {
			continue
		}
		b = strconv.AppendUint(b, mag/u.ns, 10)
		b = append(b, u.name...)
		mag %= u.ns
	}
	return b
}

// formatDecimal writes the units form down to minutes, then the
// seconds as a decimal number with as many digits as they need.
func formatDecimal(b []byte, mag uint64) []byte {
	minute := units[unitSeconds-1].ns
	secs := mag % minute
	b = formatUnits(b, mag-secs)
	if secs == 0 {
		return b
	}
	b = strconv.AppendUint(b, secs/1e9, 10)
	if frac := secs % 1e9; frac != 0 {
		digits := strconv.AppendUint(nil, frac+1e9, 10)[1:] // nine digits
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
		b = append(b, '.')
		b = append(b, digits...)
	}
	return append(b, 's')
}

// FormatOffset writes d in the shortest exact form ParseOffset reads
// back to d: the units form ("1d2h30m", "1s1ns") or, when strictly
// shorter, the same down to minutes followed by decimal seconds
// ("1.5s", "20m34.5s"); "0" for zero, a leading "-" when negative. It is
// timens_format_offset(3)'s text, byte for byte.
func FormatOffset(d time.Duration) string {
	mag := uint64(d)
	var b []byte
	if d < 0 {
		mag = -mag
		b = append(b, '-')
	}
	if mag == 0 {
		return "0"
	}
	u := formatUnits(nil, mag)
	dec := formatDecimal(nil, mag)
	if len(dec) < len(u) {
		return string(append(b, dec...))
	}
	return string(append(b, u...))
}
