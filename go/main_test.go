// SPDX-License-Identifier: LGPL-2.1-or-later

package timens

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The tests' C programs, built once by TestMain with the system's cc:
// clockRead (testdata/clockread.c) is the child that reports its clocks;
// offsetC (testdata/offsetc.c, with the library's src/lib/offsets.c)
// gives libtimens's own parse and format answers.
var clockRead, offsetC string

// strict: under TIMENS_TEST_STRICT=1 (CI) a test that would skip for
// lack of privilege or kernel support fails instead.
var strict = os.Getenv("TIMENS_TEST_STRICT") == "1"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		clockRead = os.Getenv("TIMENS_GO_TEST_CLOCKREAD")
		os.Exit(childMain())
	}
	if d := os.Getenv("TIMENS_GO_TEST_BUILD_HELPERS"); d != "" {
		// `make go-test-static`: build the helpers into d (CC="cc
		// -static" there) for TIMENS_GO_TEST_HELPERS, and run nothing.
		clockRead, offsetC = filepath.Join(d, "clockread"), filepath.Join(d, "offsetc")
		if err := buildHelpers(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "timens-go-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Readable by everyone: the EPERM test runs a copy of the test
	// binary from here as nobody.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clockRead = filepath.Join(dir, "clockread")
	offsetC = filepath.Join(dir, "offsetc")
	if pre := os.Getenv("TIMENS_GO_TEST_HELPERS"); pre != "" {
		// Built beforehand, for a machine with no compiler (the
		// kernel harness's guests).
		clockRead, offsetC = filepath.Join(pre, "clockread"), filepath.Join(pre, "offsetc")
	} else if err := buildHelpers(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	testDir = dir
	// Before any Start: what a plain child has open is 3, and whatever
	// this process inherited without close-on-exec (make's jobserver
	// pipes, for one).
	out, err := exec.Command(clockRead).Output()
	if err == nil {
		_, err = fmt.Sscanf(string(out), "%d %d %d %d %d %d %d %d %d %s", new(int64), new(int64), new(int64),
			new(int64), new(int64), new(int64), new(int64), new(int), new(int), &plainFDs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "running clockread:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildHelpers builds clockRead and offsetC with the system's cc.
func buildHelpers() error {
	cc := strings.Fields(os.Getenv("CC")) // "ccache gcc" is two words
	if len(cc) == 0 {
		cc = []string{"cc"}
	}
	// The library's per-architecture headers are those of what CC builds
	// for, as the Makefile takes them.
	machine, err := exec.Command(cc[0], append(append([]string(nil), cc[1:]...), "-dumpmachine")...).Output()
	if err != nil {
		return fmt.Errorf("%v -dumpmachine: %v", cc, err)
	}
	archInc := "-I../src/lib/arch/" + strings.SplitN(strings.TrimSpace(string(machine)), "-", 2)[0]
	builds := [][]string{
		append(append([]string(nil), cc...), "-O2", "-Wall", "-Werror", "-o", clockRead, "testdata/clockread.c"),
		append(append([]string(nil), cc...), "-O2", "-Wall", "-Werror", "-std=gnu11", "-D_GNU_SOURCE", "-I../include", "-I../src/lib", archInc,
			"-o", offsetC, "testdata/offsetc.c", "../src/lib/offsets.c",
			"../src/lib/offsets-write.c"),
	}
	for _, b := range builds {
		out, err := exec.Command(b[0], b[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("building the tests' C helpers: %v: %v\n%s", b, err, out)
		}
	}
	return nil
}

var testDir string

// plainFDs are the fds a plain exec.Command child has open.
var plainFDs string

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if strict {
		t.Fatal("needs root (TIMENS_TEST_STRICT=1: a skip is a failure)")
	}
	t.Skip("needs root")
}
