// SPDX-License-Identifier: LGPL-2.1-or-later

package timens

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"math/big"
	"math/rand"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ---- An independent reading of timens_parse_offset(3), with math/big ----

var unitNS = map[string]int64{
	"w": 604800e9, "d": 86400e9, "h": 3600e9, "m": 60e9,
	"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1,
}
var unitOrder = []string{"w", "d", "h", "m", "s", "ms", "us", "ns"}

// One part: a number with an optional unit, longest unit first.
var partRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(ms|us|ns|w|d|h|m|s)?`)

// bigParse returns the value of text, or EINVAL or ERANGE, read with
// exact rationals: the sum of number * unit over the parts must be an
// integer within int64.
func bigParse(text string) (int64, syscall.Errno) {
	s := text
	neg := false
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, syscall.EINVAL
	}
	sum := new(big.Rat)
	last := -1
	for s != "" {
		m := partRE.FindStringSubmatch(s)
		if m == nil {
			return 0, syscall.EINVAL
		}
		unit := m[2]
		if unit == "" {
			if last >= 0 || len(m[0]) != len(s) {
				return 0, syscall.EINVAL // plain seconds are the whole value
			}
			unit = "s"
		}
		idx := -1
		for i, u := range unitOrder {
			if u == unit {
				idx = i
			}
		}
		if idx <= last {
			return 0, syscall.EINVAL // largest first, each once
		}
		last = idx
		r, ok := new(big.Rat).SetString(m[1])
		if !ok {
			return 0, syscall.EINVAL
		}
		part := r.Mul(r, new(big.Rat).SetInt64(unitNS[unit]))
		if !part.IsInt() {
			return 0, syscall.EINVAL
		}
		sum.Add(sum, part)
		s = s[len(m[0]):]
	}
	v := sum.Num()
	if neg {
		v.Neg(v)
	}
	if !v.IsInt64() {
		return 0, syscall.ERANGE
	}
	return v.Int64(), 0
}

// bigFormat writes the two forms of timens_format_offset(3) with big
// integers and keeps the shorter (the units form on a tie).
func bigFormat(v int64) string {
	if v == 0 {
		return "0"
	}
	mag := new(big.Int).Abs(big.NewInt(v))
	sign := ""
	if v < 0 {
		sign = "-"
	}
	unitsForm := func(m *big.Int, down int) string {
		var b strings.Builder
		rest := new(big.Int).Set(m)
		for _, u := range unitOrder[:down] {
			q, r := new(big.Int).QuoRem(rest, big.NewInt(unitNS[u]), new(big.Int))
			if q.Sign() > 0 {
				b.WriteString(q.String() + u)
			}
			rest = r
		}
		return b.String()
	}
	u := unitsForm(mag, len(unitOrder))
	minutes := new(big.Int).Mod(mag, big.NewInt(60e9))
	d := unitsForm(new(big.Int).Sub(mag, minutes), 4)
	if minutes.Sign() > 0 {
		sec := new(big.Rat).SetFrac(minutes, big.NewInt(1e9)).FloatString(9)
		sec = strings.TrimRight(sec, "0")
		sec = strings.TrimSuffix(sec, ".")
		d += sec + "s"
	}
	if len(d) < len(u) {
		return sign + d
	}
	return sign + u
}

// ---- The C library's answers ----

// cAnswers runs the library's timens_parse_offset/timens_format_offset
// (through testdata/offsetc.c) on the lines and returns one answer each.
func cAnswers(t *testing.T, lines []string) []string {
	t.Helper()
	cmd := exec.Command(offsetC)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("offsetc: %v", err)
	}
	ans := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(ans) != len(lines) {
		t.Fatalf("offsetc gave %d answers for %d lines", len(ans), len(lines))
	}
	return ans
}

func goParseAnswer(text string) string {
	d, err := ParseOffset(text)
	if err == nil {
		return "ok " + strconv.FormatInt(int64(d), 10)
	}
	switch {
	case errors.Is(err, syscall.EINVAL):
		return "EINVAL"
	case errors.Is(err, syscall.ERANGE):
		return "ERANGE"
	}
	return "other: " + err.Error()
}

func bigParseAnswer(text string) string {
	v, e := bigParse(text)
	switch e {
	case 0:
		return "ok " + strconv.FormatInt(v, 10)
	case syscall.EINVAL:
		return "EINVAL"
	}
	return "ERANGE"
}

// checkLines holds Go, C and math/big to the same answer for each line.
func checkLines(t *testing.T, lines []string) {
	t.Helper()
	c := cAnswers(t, lines)
	bad := 0
	for i, l := range lines {
		var goAns, bigAns string
		arg := l[2:]
		if l[0] == 'p' {
			goAns, bigAns = goParseAnswer(arg), bigParseAnswer(arg)
		} else {
			v, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				t.Fatalf("bad case %q", l)
			}
			goAns, bigAns = FormatOffset(time.Duration(v)), bigFormat(v)
		}
		if goAns != c[i] || goAns != bigAns {
			if bad++; bad <= 20 {
				t.Errorf("%q: Go %q, libtimens %q, math/big %q", l, goAns, c[i], bigAns)
			}
		}
	}
	if bad > 20 {
		t.Errorf("... %d cases differ in all", bad)
	}
}

func TestOffsetTable(t *testing.T) {
	f, err := os.Open("testdata/offset-cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") || l == "" {
			continue
		}
		if len(l) < 2 || (l[0] != 'p' && l[0] != 'f') || l[1] != ' ' {
			t.Fatalf("bad line %q", l)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 100 {
		t.Fatalf("only %d cases read", len(lines))
	}
	checkLines(t, lines)
}

// Random texts near the grammar (valid ones and near misses) and random
// values, reproducible from the seed.
func TestOffsetRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	digits := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(byte('0' + rng.Intn(10)))
		}
		return b.String()
	}
	pieces := []string{"w", "d", "h", "m", "s", "ms", "us", "ns", "", ".", "+", "-", " ", "x"}
	var lines []string
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		switch rng.Intn(3) {
		case 0:
			b.WriteString("-")
		case 1:
			b.WriteString("+")
		}
		parts := 1 + rng.Intn(4)
		u := rng.Intn(8)
		for p := 0; p < parts; p++ {
			b.WriteString(digits(1 + rng.Intn(12)))
			if rng.Intn(3) == 0 {
				b.WriteString("." + digits(1+rng.Intn(20)))
			}
			if rng.Intn(10) == 0 {
				b.WriteString(pieces[rng.Intn(len(pieces))]) // a near miss
			} else {
				b.WriteString(unitOrder[u])
				if u < 7 && rng.Intn(4) != 0 {
					u += 1 + rng.Intn(7-u)
				}
			}
		}
		lines = append(lines, "p "+b.String())
	}
	for i := 0; i < 3000; i++ {
		v := int64(rng.Uint64())
		switch i % 4 {
		case 1:
			v %= 1e12 // around the minutes, where the two forms compete
		case 2:
			v = (v % 1e6) * 1e6
		case 3:
			v %= 100e9
		}
		lines = append(lines, "f "+strconv.FormatInt(v, 10))
		lines = append(lines, "p "+FormatOffset(time.Duration(v)))
	}
	checkLines(t, lines)
}

// Every text FormatOffset writes reads back to its value, and the errors
// are *Error wrapping the errno.
func TestOffsetRoundTripAndErrors(t *testing.T) {
	for _, v := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 86400e9, -1500000000} {
		s := FormatOffset(time.Duration(v))
		back, err := ParseOffset(s)
		if err != nil || int64(back) != v {
			t.Errorf("%d -> %q -> %d, %v", v, s, back, err)
		}
	}
	_, err := ParseOffset("1h30")
	var te *Error
	if !errors.As(err, &te) || !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), `"1h30"`) {
		t.Errorf("ParseOffset(1h30): %v", err)
	}
	_, err = ParseOffset("15251w")
	if !errors.Is(err, syscall.ERANGE) {
		t.Errorf("ParseOffset(15251w): %v", err)
	}
	if !bytes.Contains([]byte(FormatOffset(-1)), []byte("-1ns")) {
		t.Errorf("FormatOffset(-1) = %q", FormatOffset(-1))
	}
}

func TestKernelRelease(t *testing.T) {
	cases := []struct {
		rel  string
		want bool
	}{
		{"6.2.0", true}, {"6.1.90-foo", false}, {"6.18.44-fc", true}, {"5.19.0", false},
		{"7.0", true}, {"6.10", true}, {"6", false}, {"x.y", false}, {"", false}, {"10.1.2", true},
	}
	for _, c := range cases {
		if got := atLeast(c.rel, 6, 2); got != c.want {
			t.Errorf("atLeast(%q, 6, 2) = %v", c.rel, got)
		}
	}
}
