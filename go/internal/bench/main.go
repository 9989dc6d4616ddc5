// SPDX-License-Identifier: LGPL-2.1-or-later

// Command bench is the Go row of the benchmark suite (bench/run): the
// start and wait of /bin/true with offsets through timens.Start against
// exec.Command("/bin/true").Run(), measured as bench/bench.h does it:
// one small batch of each case per round, in turn, the order swapped
// every round; a row reports the median, min and max of its per-round
// values and the median of its per-round ratios to the baseline.
//
//	bench [--quick] [--rounds N] [--csv FILE]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"time"

	"timens"
)

type series struct {
	name, path, unit, target string
	base                     int
	v                        []float64
}

func median(v []float64) (m, lo, hi float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		m = s[n/2]
	} else {
		m = (s[n/2-1] + s[n/2]) / 2
	}
	return m, s[0], s[n-1]
}

func main() {
	quick := flag.Bool("quick", false, "a few rounds: a smoke test, not a measurement")
	rounds := flag.Int("rounds", 31, "rounds")
	csv := flag.String("csv", "", "append the rows to this file")
	flag.Parse()
	iters := 20
	if *quick {
		*rounds, iters = 5, 5
	}
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "bench-go: --rounds must be at least 1")
		os.Exit(1)
	}
	off := timens.Offsets{Boottime: 24 * time.Hour}
	cases := []func() error{
		func() error { return exec.Command("/bin/true").Run() },
		func() error { return timens.Run(exec.Command("/bin/true"), off) },
	}
	s := []series{
		{name: "go: exec.Command(/bin/true).Run()", path: "os/exec", unit: "us/run", base: 0},
		{name: "go: timens.Start +1d + Wait of /bin/true", path: "go-spawner", unit: "us/run", base: 0, target: "<=1.10"},
	}
	// One untimed batch of each first: thread pool, page cache.
	for _, c := range cases {
		for i := 0; i < iters; i++ {
			if err := c(); err != nil {
				fmt.Fprintln(os.Stderr, "bench-go:", err)
				os.Exit(1)
			}
		}
	}
	for r := 0; r < *rounds; r++ {
		for k := range cases {
			c := k
			if r%2 == 1 {
				c = len(cases) - 1 - k
			}
			t0 := time.Now()
			for i := 0; i < iters; i++ {
				if err := cases[c](); err != nil {
					fmt.Fprintln(os.Stderr, "bench-go:", err)
					os.Exit(1)
				}
			}
			s[c].v = append(s[c].v, float64(time.Since(t0).Microseconds())/float64(iters))
		}
	}
	var out *os.File
	if *csv != "" {
		var err error
		if out, err = os.OpenFile(*csv, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench-go:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("# go: %d rounds\n", *rounds)
	fmt.Printf("%-44s %-13s %-9s %11s %11s %11s %7s\n", "case", "path", "unit", "median", "min", "max", "ratio")
	for i, x := range s {
		m, lo, hi := median(x.v)
		rs, base := "-", ""
		if x.base != i {
			r := make([]float64, len(x.v))
			for k := range x.v {
				r[k] = x.v[k] / s[x.base].v[k]
			}
			ratio, _, _ := median(r)
			rs, base = fmt.Sprintf("%.3f", ratio), s[x.base].name
		}
		fmt.Printf("%-44s %-13s %-9s %11.2f %11.2f %11.2f %7s\n", x.name, x.path, x.unit, m, lo, hi, rs)
		if out != nil {
			ratioCol := ""
			if base != "" {
				ratioCol = rs
			}
			fmt.Fprintf(out, "go,%s,%s,%s,%.3f,%.3f,%.3f,%s,%s,%s\n", x.name, x.path, x.unit, m, lo, hi, base, ratioCol, x.target)
		}
	}
	if out != nil {
		if err := out.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "bench-go:", err)
			os.Exit(1)
		}
	}
}
