// SPDX-License-Identifier: LGPL-2.1-or-later

package timens

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// ---- Readings made by the tests themselves, not by the package ----

func rawClock(id int) int64 {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(id), uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		panic(e)
	}
	return ts.Nano()
}

// readOffsets parses a timens_offsets file with fmt, independently of
// the package's parser.
func readOffsets(path string) (mono, boot int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	seen := 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var name string
		var sec, nsec int64
		if _, err := fmt.Sscanf(l, "%s %d %d", &name, &sec, &nsec); err != nil {
			return 0, 0, fmt.Errorf("%s: %q: %v", path, l, err)
		}
		switch name {
		case "monotonic":
			mono, seen = sec*1e9+nsec, seen|1
		case "boottime":
			boot, seen = sec*1e9+nsec, seen|2
		}
	}
	if seen != 3 {
		return 0, 0, fmt.Errorf("%s: %q", path, b)
	}
	return mono, boot, nil
}

func inode(t testing.TB, path string) uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return st.Ino
}

// ownOffsets are the offsets of the test process's namespace (it is
// its own time_for_children, as for any process that did not unshare).
func ownOffsets(t testing.TB) (int64, int64) {
	if inode(t, "/proc/self/ns/time") != inode(t, "/proc/self/ns/time_for_children") {
		t.Fatal("the test process's main thread has a time_for_children of its own")
	}
	m, b, err := readOffsets("/proc/self/timens_offsets")
	if err != nil {
		t.Fatal(err)
	}
	return m, b
}

// window holds the host's clocks (the initial namespace's) around an event.
type window struct{ monoLo, monoHi, bootLo, bootHi int64 }

func openWindow(t testing.TB) window {
	m, b := ownOffsets(t)
	return window{monoLo: rawClock(clockMonotonic) - m, bootLo: rawClock(clockBoottime) - b}
}

func (w *window) close(t testing.TB) {
	m, b := ownOffsets(t)
	w.monoHi, w.bootHi = rawClock(clockMonotonic)-m, rawClock(clockBoottime)-b
}

// sample is one line of testdata/clockread.c.
type sample struct {
	monoVDSO, bootVDSO, monoRaw, bootRaw, uptimeCS int64
	timeIno, tfcIno                                uint64
	pid, sid                                       int
	fds                                            string // "0,1,2"
}

func parseSample(line string) (sample, error) {
	var s sample
	_, err := fmt.Sscanf(line, "%d %d %d %d %d %d %d %d %d %s", &s.monoVDSO, &s.bootVDSO, &s.monoRaw,
		&s.bootRaw, &s.uptimeCS, &s.timeIno, &s.tfcIno, &s.pid, &s.sid, &s.fds)
	return s, err
}

// check says what is wrong with a sample taken inside w in a namespace
// with offsets mono and boot, or "".
func (s sample) check(w window, mono, boot int64) string {
	var bad []string
	in := func(name string, v, lo, hi int64) {
		if v < lo || v > hi {
			bad = append(bad, fmt.Sprintf("%s %d not in [%d, %d]", name, v, lo, hi))
		}
	}
	in("vDSO CLOCK_MONOTONIC", s.monoVDSO, w.monoLo+mono, w.monoHi+mono)
	in("raw CLOCK_MONOTONIC", s.monoRaw, w.monoLo+mono, w.monoHi+mono)
	in("vDSO CLOCK_BOOTTIME", s.bootVDSO, w.bootLo+boot, w.bootHi+boot)
	in("raw CLOCK_BOOTTIME", s.bootRaw, w.bootLo+boot, w.bootHi+boot)
	// /proc/uptime is CLOCK_BOOTTIME cut to centiseconds.
	in("/proc/uptime (ns)", s.uptimeCS*1e7, w.bootLo+boot-1e7, w.bootHi+boot)
	return strings.Join(bad, "; ")
}

// fitNegative is want, a negative offset for clock, or less negative on
// a machine up too short a time for it (the kernel refuses a clock
// below zero): at most half the clock's value now.
func fitNegative(clock int, want time.Duration) time.Duration {
	half := time.Duration(rawClock(clock) / 2)
	if want < -half {
		return -half
	}
	return want
}

// threadNS is every thread's time and time_for_children inode.
func threadNS(t testing.TB) map[string][2]uint64 {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][2]uint64{}
	for _, e := range ents {
		var a, b syscall.Stat_t
		dir := "/proc/self/task/" + e.Name() + "/ns/"
		if syscall.Stat(dir+"time", &a) != nil || syscall.Stat(dir+"time_for_children", &b) != nil {
			continue // the thread has just ended
		}
		m[e.Name()] = [2]uint64{a.Ino, b.Ino}
	}
	return m
}

// checkThreads: every thread of the test process runs in its original
// namespace; a thread whose time_for_children is another one is a
// spawner of Start's, and it must end (after a second without work).
// The wait is for that thread's exit, not a timing assertion: it is
// bounded only so that a thread left behind fails the test rather than
// hanging it.
func checkThreads(t *testing.T, timeIno uint64) {
	t.Helper()
	for i := 0; ; i++ {
		left := 0
		for tid, ns := range threadNS(t) {
			if ns[0] != timeIno {
				t.Fatalf("thread %s runs in time namespace %d, not %d", tid, ns[0], timeIno)
			}
			if ns[1] != timeIno {
				left++
			}
		}
		if left == 0 {
			return
		}
		if i == 3000 {
			t.Fatalf("%d threads still have a shifted time_for_children", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// child is a running clockread "wait" started with Start.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	s     sample
}

func startChild(off Offsets, attr *syscall.SysProcAttr) (*child, error) {
	cmd := exec.Command(clockRead, "wait")
	cmd.SysProcAttr = attr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := Start(cmd, off); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err == nil {
		var s sample
		if s, err = parseSample(line); err == nil {
			return &child{cmd: cmd, stdin: stdin, s: s}, nil
		}
	}
	stdin.Close()
	cmd.Wait()
	return nil, fmt.Errorf("reading the child: %v", err)
}

func (c *child) finish() error {
	c.stdin.Close()
	return c.cmd.Wait()
}

// verify checks a live child started with offsets (mono, boot) inside w.
func (c *child) verify(w window, mono, boot int64, parentTime uint64) string {
	var bad []string
	if msg := c.s.check(w, mono, boot); msg != "" {
		bad = append(bad, msg)
	}
	// Nothing more than a plain child has. Fewer is Go's doing: its child
	// moves the exec-status pipe to one past the highest fd it is given,
	// over whatever this process inherited there (syscall/exec_linux.go).
	for _, fd := range strings.Split(c.s.fds, ",") {
		if !strings.Contains(","+plainFDs+",", ","+fd+",") {
			bad = append(bad, fmt.Sprintf("the child has fds %s open, a plain exec.Command child %s", c.s.fds, plainFDs))
			break
		}
	}
	if c.s.timeIno == parentTime || c.s.tfcIno != c.s.timeIno {
		bad = append(bad, fmt.Sprintf("child namespaces %d/%d, parent's %d", c.s.timeIno, c.s.tfcIno, parentTime))
	}
	m, b, err := readOffsets(fmt.Sprintf("/proc/%d/timens_offsets", c.cmd.Process.Pid))
	if err != nil {
		bad = append(bad, err.Error())
	} else if m != mono || b != boot {
		bad = append(bad, fmt.Sprintf("timens_offsets %d %d, want %d %d", m, b, mono, boot))
	}
	return strings.Join(bad, "; ")
}

func fdCount(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// ---- Tests ----

func TestStartOffsets(t *testing.T) {
	requireRoot(t)
	runtime.LockOSThread() // so that "the calling thread" is one thread
	defer runtime.UnlockOSThread()
	parent := inode(t, "/proc/self/ns/time")
	self := [2]uint64{inode(t, "/proc/thread-self/ns/time"), inode(t, "/proc/thread-self/ns/time_for_children")}
	checkThreads(t, parent) // earlier tests' spawners gone, with their fds
	fds := fdCount(t)
	cases := []Offsets{
		{Monotonic: 24 * time.Hour, Boottime: 100 * 24 * time.Hour},
		{Monotonic: fitNegative(clockMonotonic, -time.Hour), Boottime: fitNegative(clockBoottime, -2*time.Hour)},
		{Monotonic: 1500 * time.Millisecond, Boottime: -1},
		{}, // a new namespace with zero offsets
	}
	for _, off := range cases {
		w := openWindow(t)
		c, err := startChild(off, nil)
		if err != nil {
			t.Fatalf("%+v: %v", off, err)
		}
		w.close(t)
		if msg := c.verify(w, int64(off.Monotonic), int64(off.Boottime), parent); msg != "" {
			t.Errorf("%+v: %s", off, msg)
		}
		if err := c.finish(); err != nil {
			t.Errorf("%+v: wait: %v", off, err)
		}
	}
	now := [2]uint64{inode(t, "/proc/thread-self/ns/time"), inode(t, "/proc/thread-self/ns/time_for_children")}
	if now != self || self[0] != self[1] {
		t.Errorf("calling thread's namespaces %v, were %v", now, self)
	}
	checkThreads(t, parent)
	if n := fdCount(t); n != fds {
		t.Errorf("%d fds open, %d before", n, fds)
	}
}

func TestUptime(t *testing.T) {
	requireRoot(t)
	parent := inode(t, "/proc/self/ns/time")
	for _, up := range []time.Duration{0, time.Hour, 100 * 24 * time.Hour} {
		w := openWindow(t)
		c, err := startChild(Offsets{Uptime: Uptime(up)}, nil)
		if err != nil {
			t.Fatalf("uptime %v: %v", up, err)
		}
		w.close(t)
		// The offset is chosen inside the window: the child's boottime
		// started from up at some moment in it, and it read it later.
		m, b, err := readOffsets(fmt.Sprintf("/proc/%d/timens_offsets", c.cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		if m != 0 {
			t.Errorf("uptime %v: monotonic offset %d", up, m)
		}
		if lo, hi := int64(up)-w.bootHi, int64(up)-w.bootLo; b < lo || b > hi {
			t.Errorf("uptime %v: boottime offset %d not in [%d, %d]", up, b, lo, hi)
		}
		if msg := c.verify(w, 0, b, parent); msg != "" {
			t.Errorf("uptime %v: %s", up, msg)
		}
		if got, max := c.s.bootRaw, int64(up)+(w.bootHi-w.bootLo); got < int64(up) || got > max {
			t.Errorf("uptime %v: child's CLOCK_BOOTTIME %d not in [%d, %d]", up, got, int64(up), max)
		}
		c.finish()
	}
}

func TestPipesAndOutput(t *testing.T) {
	requireRoot(t)
	off := Offsets{Boottime: 100 * 24 * time.Hour}
	// StdoutPipe and Wait, through startChild; here Output and Run.
	w := openWindow(t)
	out, err := Output(exec.Command(clockRead), off)
	w.close(t)
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseSample(string(out))
	if err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if msg := s.check(w, 0, int64(off.Boottime)); msg != "" {
		t.Error(msg)
	}
	// An exit status, and stderr captured into the ExitError as exec does.
	_, err = Output(exec.Command("sh", "-c", "echo oops >&2; exit 3"), off)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || string(ee.Stderr) != "oops\n" {
		t.Errorf("Output of exit 3: %v %+v", err, ee)
	}
	cmd := exec.Command("true")
	cmd.Stdout = io.Discard
	if _, err := Output(cmd, off); err == nil || !strings.Contains(err.Error(), "Stdout already set") {
		t.Errorf("Output with Stdout set: %v", err)
	}
	// A non-file Stdout (exec copies it through a goroutine) and Stdin.
	var buf bytes.Buffer
	cmd = exec.Command("cat")
	cmd.Stdin = strings.NewReader("through cat\n")
	cmd.Stdout = &buf
	if err := Run(cmd, off); err != nil || buf.String() != "through cat\n" {
		t.Errorf("Run cat: %v %q", err, buf.String())
	}
	// A context ends the child, as with exec.CommandContext alone.
	ctx, cancel := context.WithCancel(context.Background())
	cmd = exec.CommandContext(ctx, "sleep", "1000")
	if err := Start(cmd, off); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("CommandContext after cancel: %v", err)
	}
	h := &headTail{max: 4}
	io.WriteString(h, "abcdefghijkl")
	if got := string(h.Bytes()); got != "abcd\n... omitting 4 bytes ...\nijkl" {
		t.Errorf("headTail: %q", got)
	}
}

func TestSysProcAttr(t *testing.T) {
	requireRoot(t)
	parent := inode(t, "/proc/self/ns/time")
	off := Offsets{Monotonic: 7 * 24 * time.Hour, Boottime: 3 * time.Hour}
	mono, boot := int64(off.Monotonic), int64(off.Boottime)

	// Setsid and a new pid namespace: Go's vfork-style start.
	w := openWindow(t)
	c, err := startChild(off, &syscall.SysProcAttr{Setsid: true, Cloneflags: syscall.CLONE_NEWPID})
	if err != nil {
		t.Fatal(err)
	}
	w.close(t)
	if c.s.pid != 1 || c.s.sid != 1 {
		t.Errorf("pid/sid in the new pid namespace: %d/%d, want 1/1", c.s.pid, c.s.sid)
	}
	if msg := c.verify(w, mono, boot, parent); msg != "" {
		t.Errorf("Setsid+CLONE_NEWPID: %s", msg)
	}
	c.finish()

	// A new user namespace: Go then forks without CLONE_VM.
	w = openWindow(t)
	c, err = startChild(off, &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.close(t)
	if msg := c.verify(w, mono, boot, parent); msg != "" {
		t.Errorf("CLONE_NEWUSER: %s", msg)
	}
	if inode(t, fmt.Sprintf("/proc/%d/ns/user", c.cmd.Process.Pid)) == inode(t, "/proc/self/ns/user") {
		t.Error("CLONE_NEWUSER: the child is in our user namespace")
	}
	c.finish()

	// Pdeathsig: the thread that made the child must outlive it, or
	// the child would be killed as soon as Start returned. The test
	// ends other goroutines' locked threads meanwhile; the child must
	// still be alive to answer afterwards.
	cmd := exec.Command("sh", "-c", "read x; echo alive $x")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, _ := cmd.StdinPipe()
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := Start(cmd, off); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if c, err := startChild(off, nil); err == nil {
			c.finish()
		}
	}
	io.WriteString(stdin, "yes\n")
	stdin.Close()
	if err := cmd.Wait(); err != nil || out.String() != "alive yes\n" {
		t.Errorf("Pdeathsig child: %v, %q", err, out.String())
	}
	checkThreads(t, parent)
}

func TestErrors(t *testing.T) {
	requireRoot(t)
	parent := inode(t, "/proc/self/ns/time")
	checkThreads(t, parent)
	fds := fdCount(t)
	check := func(what string, err error, want error) {
		t.Helper()
		var te *Error
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", what, err, want)
		} else if errors.As(err, &te) && (te.Hint == "" || !strings.HasPrefix(err.Error(), "timens: ")) {
			t.Errorf("%s: %q names no cause or fix", what, err)
		}
	}
	check("CLONE_NEWTIME in Cloneflags", Start(&exec.Cmd{Path: clockRead,
		SysProcAttr: &syscall.SysProcAttr{Cloneflags: cloneNewTime}}, Offsets{}), syscall.EINVAL)
	check("CLONE_NEWTIME in Unshareflags", Start(&exec.Cmd{Path: clockRead,
		SysProcAttr: &syscall.SysProcAttr{Unshareflags: cloneNewTime}}, Offsets{}), syscall.EINVAL)
	check("negative uptime", Start(exec.Command(clockRead), Offsets{Uptime: Uptime(-1)}), syscall.EINVAL)
	check("uptime and boottime", Start(exec.Command(clockRead), Offsets{Uptime: Uptime(1), Boottime: 1}), syscall.EINVAL)
	check("nil cmd", Start(nil, Offsets{}), syscall.EINVAL)

	// The kernel's range check: a clock below zero, past ~146 years.
	boot := time.Duration(rawClock(clockBoottime))
	err := Start(exec.Command(clockRead), Offsets{Boottime: -boot - time.Hour})
	check("boottime below zero", err, syscall.ERANGE)
	if err != nil && !strings.Contains(err.Error(), "boottime offset must be at least") {
		t.Errorf("ERANGE names no bound: %v", err)
	}
	check("monotonic past the limit", Start(exec.Command(clockRead), Offsets{Monotonic: 200 * 365 * 24 * time.Hour}), syscall.ERANGE)

	// exec's own failures come back as exec gives them.
	err = Start(exec.Command(filepath.Join(testDir, "no-such-program")), Offsets{Boottime: time.Hour})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing program: %v", err)
	}
	err = Start(exec.Command("no-such-program-in-path"), Offsets{Boottime: time.Hour})
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("program not in PATH: %v", err)
	}
	cmd := exec.Command(clockRead)
	cmd.Dir = filepath.Join(testDir, "no-such-dir")
	if err := Start(cmd, Offsets{Boottime: time.Hour}); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("missing Dir: %v", err)
	}
	cmd = exec.Command(clockRead)
	if err := Run(cmd, Offsets{}); err != nil {
		t.Fatal(err)
	}
	if err := Start(cmd, Offsets{}); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Errorf("second Start: %v", err)
	}

	// Nothing left behind by any of it.
	checkThreads(t, parent)
	if n := fdCount(t); n != fds {
		t.Errorf("%d fds open, %d before", n, fds)
	}
	var ws syscall.WaitStatus
	if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); err != syscall.ECHILD {
		t.Errorf("a child is left: wait4 %d, %v", pid, err)
	}
}

// childEnv makes the test binary run childMain instead of the tests.
const childEnv = "TIMENS_GO_TEST_CHILD"

// childMain runs one scenario in a process of its own.
func childMain() int {
	switch os.Getenv(childEnv) {
	case "eperm":
		// As nobody: Start must fail with EPERM and a hint.
		err := Start(exec.Command("true"), Offsets{Boottime: time.Hour})
		fmt.Printf("%v\n%v\n", errors.Is(err, syscall.EPERM) && errors.Is(err, fs.ErrPermission), err)
	case "m0":
		// With GOMAXPROCS=1 the goroutine Start makes would run on the
		// main thread (the caller's goroutine sleeps and frees it):
		// the main thread must come out as it was.
		for i := 0; i < 5; i++ {
			out, err := Output(exec.Command("cat", "/proc/self/timens_offsets"), Offsets{Monotonic: time.Hour})
			var mono, sec, nsec int64
			fmt.Sscanf(string(out), "monotonic %d %d\nboottime %d", &mono, &nsec, &sec)
			if err != nil || mono != 3600 {
				fmt.Printf("Output: %v %q\n", err, out)
				return 1
			}
		}
		var a, b syscall.Stat_t
		if syscall.Stat("/proc/self/ns/time", &a) != nil || syscall.Stat("/proc/self/ns/time_for_children", &b) != nil {
			return 1
		}
		fmt.Printf("%v\n", a.Ino == b.Ino)
	case "nested":
		// In a namespace with offsets of its own: offsets are absolute,
		// so zero offsets give a child the host's clocks, and Uptime
		// counts from the host's boot.
		out, err := Output(exec.Command("cat", "/proc/self/timens_offsets"), Offsets{})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		var m, mn, b, bn int64
		fmt.Sscanf(string(out), "monotonic %d %d\nboottime %d %d", &m, &mn, &b, &bn)
		fmt.Printf("%d %d\n", m*1e9+mn, b*1e9+bn)
		out, err = Output(exec.Command(clockRead), Offsets{Uptime: Uptime(time.Hour)})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Print(string(out))
	}
	return 0
}

func TestNested(t *testing.T) {
	requireRoot(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=nested", "TIMENS_GO_TEST_CLOCKREAD="+clockRead)
	w := openWindow(t)
	out, err := Output(cmd, Offsets{Monotonic: 5 * time.Hour, Boottime: 7 * time.Hour})
	w.close(t)
	lines := strings.Split(string(out), "\n")
	if err != nil || len(lines) < 2 {
		t.Fatalf("%v: %q", err, out)
	}
	if lines[0] != "0 0" {
		t.Errorf("zero offsets from a shifted namespace: child has %q", lines[0])
	}
	s, err := parseSample(lines[1])
	if err != nil {
		t.Fatalf("%q: %v", lines[1], err)
	}
	span := w.bootHi - w.bootLo
	if s.bootRaw < int64(time.Hour) || s.bootRaw > int64(time.Hour)+span {
		t.Errorf("Uptime 1h from a shifted namespace: CLOCK_BOOTTIME %d not in [1h, 1h+%d]", s.bootRaw, span)
	}
}

func TestMainThread(t *testing.T) {
	requireRoot(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=m0", "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "true\n" {
		t.Errorf("main thread after Start with GOMAXPROCS=1: %v %q", err, out)
	}
}

func TestEPERM(t *testing.T) {
	requireRoot(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A copy nobody can run (go test's own folder is private).
	copyPath := filepath.Join(testDir, "timens.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(copyPath)
	cmd.Env = append(os.Environ(), childEnv+"=eperm")
	cmd.Dir = testDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := strings.SplitN(string(out), "\n", 2)
	if lines[0] != "true" || !strings.Contains(lines[1], "CAP_SYS_ADMIN") {
		t.Errorf("as nobody: %s", out)
	}
}

func TestInfo(t *testing.T) {
	requireRoot(t)
	self, err := Info(0)
	if err != nil {
		t.Fatal(err)
	}
	m, b := ownOffsets(t)
	if self.NS.Ino != inode(t, "/proc/self/ns/time") || self.NS != self.NSForChildren ||
		!self.OffsetsKnown || int64(self.Offsets.Monotonic) != m || int64(self.Offsets.Boottime) != b {
		t.Errorf("Info(0) = %+v; own offsets %d %d", self, m, b)
	}
	off := Offsets{Monotonic: 2 * time.Hour, Boottime: fitNegative(clockBoottime, -30*time.Second)}
	c, err := startChild(off, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Info(c.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if info.NS.Ino != c.s.timeIno || info.NSForChildren.Ino != c.s.tfcIno || !info.OffsetsKnown ||
		info.Offsets.Monotonic != off.Monotonic || info.Offsets.Boottime != off.Boottime ||
		info.OffsetsForChildren != info.Offsets {
		t.Errorf("Info(child) = %+v, want offsets %+v, ns %d", info, off, c.s.timeIno)
	}
	pid := c.cmd.Process.Pid
	c.finish()
	if _, err := Info(pid); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("Info of a reaped child: %v", err)
	}
	if _, err := Info(-1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Info(-1): %v", err)
	}
	// parseOffsetsFile on what the kernel prints, and on what it never does.
	if o, err := parseOffsetsFile([]byte("monotonic -1 999999999\nboottime 5 0\n")); err != nil ||
		o.Monotonic != -1 || o.Boottime != 5*time.Second {
		t.Errorf("parseOffsetsFile: %+v %v", o, err)
	}
	for _, bad := range []string{"", "monotonic 1 0\n", "monotonic 1 1000000000\nboottime 0 0\n", "monotonic x 0\nboottime 0 0\n"} {
		if _, err := parseOffsetsFile([]byte(bad)); err == nil {
			t.Errorf("parseOffsetsFile(%q) took it", bad)
		}
	}
}

// The test: 100 commands started from 16 goroutines at once,
// each child's offsets and clocks checked, while other goroutines start
// plain exec.Command children that must not be shifted.
func TestConcurrent(t *testing.T) {
	requireRoot(t)
	const total, starters, plain = 100, 16, 4
	parent := inode(t, "/proc/self/ns/time")
	monoOwn, bootOwn := ownOffsets(t)
	checkThreads(t, parent)
	fds := fdCount(t)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var fails []string
	fail := func(f string, a ...any) {
		mu.Lock()
		fails = append(fails, fmt.Sprintf(f, a...))
		mu.Unlock()
	}
	go1 := make(chan struct{})
	stop := make(chan struct{})
	plainRuns := make([]int, plain)

	var pwg sync.WaitGroup
	for p := 0; p < plain; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			<-go1
			for {
				w := openWindow(t)
				out, err := exec.Command(clockRead).Output()
				w.close(t)
				if err != nil {
					fail("plain child: %v", err)
					return
				}
				s, err := parseSample(string(out))
				if err != nil {
					fail("plain child: %q: %v", out, err)
					return
				}
				if s.timeIno != parent || s.tfcIno != parent {
					fail("plain child in namespace %d/%d, not %d", s.timeIno, s.tfcIno, parent)
				}
				if msg := s.check(w, monoOwn, bootOwn); msg != "" {
					fail("plain child shifted: %s", msg)
				}
				plainRuns[p]++
				select {
				case <-stop:
					if plainRuns[p] >= 3 {
						return
					}
				default:
				}
			}
		}(p)
	}
	for g := 0; g < starters; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			<-go1
			var kids []*child
			var wins []window
			var offs []Offsets
			for i := g; i < total; i += starters {
				off := Offsets{
					Monotonic: time.Duration(i+1)*time.Hour + time.Duration(i),
					Boottime:  fitNegative(clockBoottime, -time.Duration(i+1)*time.Second-time.Duration(i)),
				}
				w := openWindow(t)
				c, err := startChild(off, nil)
				if err != nil {
					fail("child %d: %v", i, err)
					continue
				}
				w.close(t)
				kids, wins, offs = append(kids, c), append(wins, w), append(offs, off)
			}
			// All of this goroutine's children are alive now: check each.
			for k, c := range kids {
				if msg := c.verify(wins[k], int64(offs[k].Monotonic), int64(offs[k].Boottime), parent); msg != "" {
					fail("child %+v: %s", offs[k], msg)
				}
				if err := c.finish(); err != nil {
					fail("child wait: %v", err)
				}
			}
		}(g)
	}
	close(go1)
	wg.Wait()
	close(stop)
	pwg.Wait()
	for _, f := range fails {
		t.Error(f)
	}
	t.Logf("plain children started meanwhile: %v", plainRuns)

	// Afterwards: no thread left shifted, no fd, and a plain child is plain.
	checkThreads(t, parent)
	if n := fdCount(t); n != fds {
		t.Errorf("%d fds open, %d before", n, fds)
	}
	out, err := exec.Command(clockRead).Output()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := parseSample(string(out)); err != nil || s.timeIno != parent {
		t.Errorf("plain child after: %q %v", out, err)
	}
}

// TestKernelSupport: Start works from Linux 6.2 on and is EOPNOTSUPP
// before, for the reason kernelSupport gives, which the test checks on
// the kernel itself: a vfork-style child (os/exec's) of a thread that
// unshared CLONE_NEWTIME enters the new namespace at exec from 6.2 on;
// before, the kernel refuses to make it (EINVAL) (docs/design.md, "Go
// binding", Limits).
func TestKernelSupport(t *testing.T) {
	requireRoot(t)
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		t.Fatal(err)
	}
	var rel []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		rel = append(rel, byte(c))
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(rel), "%d.%d", &major, &minor); err != nil {
		t.Fatalf("kernel release %q: %v", rel, err)
	}
	exec62 := major > 6 || major == 6 && minor >= 2
	parent := inode(t, "/proc/self/ns/time")
	checkThreads(t, parent)
	fds := fdCount(t)

	// The kernel: unshare on a locked thread that then ends (the
	// goroutine returns locked), and a plain exec.Command from it.
	type result struct {
		out []byte
		err error
	}
	res := make(chan result, 1)
	var try func()
	try = func() {
		runtime.LockOSThread()
		if syscall.Gettid() == syscall.Getpid() {
			// Go parks the main thread instead of ending it: hold
			// it while another thread (not this one, it is locked)
			// does the work, and give it back unchanged.
			done := make(chan struct{})
			go func() { try(); close(done) }()
			<-done
			runtime.UnlockOSThread()
			return
		}
		if err := syscall.Unshare(cloneNewTime); err != nil {
			res <- result{err: fmt.Errorf("unshare(CLONE_NEWTIME): %v", err)}
			return
		}
		out, err := exec.Command(clockRead).Output()
		res <- result{out, err}
	}
	go try()
	r := <-res
	if !exec62 {
		if !errors.Is(r.err, syscall.EINVAL) {
			t.Errorf("Linux %s: a vfork-style child of a thread with another time_for_children: %v, want EINVAL", rel, r.err)
		}
	} else if r.err != nil {
		t.Error(r.err)
	} else if s, err := parseSample(string(r.out)); err != nil {
		t.Errorf("%q: %v", r.out, err)
	} else if s.timeIno == parent || s.timeIno != s.tfcIno {
		t.Errorf("Linux %s: the exec'ed vfork-style child is in namespaces %d/%d, ours is %d", rel, s.timeIno, s.tfcIno, parent)
	}
	checkThreads(t, parent)

	// Start's answer matches it, and a refusal leaves nothing behind.
	err := Run(exec.Command(clockRead), Offsets{Boottime: time.Hour})
	if exec62 {
		if err != nil {
			t.Errorf("Linux %s: Start: %v", rel, err)
		}
	} else {
		var te *Error
		if !errors.Is(err, syscall.EOPNOTSUPP) || !errors.As(err, &te) || !strings.Contains(te.Hint, "6.2") {
			t.Errorf("Linux %s: Start: %v, want EOPNOTSUPP naming 6.2", rel, err)
		}
		var ws syscall.WaitStatus
		if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); err != syscall.ECHILD {
			t.Errorf("a child is left: wait4 %d, %v", pid, err)
		}
	}
	checkThreads(t, parent)
	if n := fdCount(t); n != fds {
		t.Errorf("%d fds open, %d before", n, fds)
	}
}
