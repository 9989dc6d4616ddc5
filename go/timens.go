// SPDX-License-Identifier: LGPL-2.1-or-later

// Package timens starts commands in new Linux time namespaces, with
// CLOCK_MONOTONIC and CLOCK_BOOTTIME (and so /proc/uptime) shifted by
// chosen offsets:
//
//	cmd := exec.Command("cat", "/proc/uptime")
//	cmd.Stdout = os.Stdout
//	err := timens.Run(cmd, timens.Offsets{Boottime: 100 * 24 * time.Hour})
//
// Start takes an ordinary *exec.Cmd and starts it with exec's own code,
// so pipes, Output-style capture, contexts and the SysProcAttr fields
// keep working. It needs Linux 6.2 or later and the privilege to make a
// time namespace (CAP_SYS_ADMIN and CAP_SYS_TIME: root).
//
// How it works, and why it is safe in a program with many goroutines,
// is in the section "Go binding" of docs/design.md in the timens
// repository.
package timens

import (
	"bytes"
	"errors"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Offsets of the new namespace's clocks, absolute (relative to the
// clocks of the initial time namespace, as /proc/PID/timens_offsets
// shows them): Boottime: 100 * 24 * time.Hour gives the child an uptime
// 100 days longer than the machine's.
type Offsets struct {
	Monotonic time.Duration
	Boottime  time.Duration
	// Uptime, when set (see the function Uptime), asks for an absolute
	// uptime instead of Boottime: the boottime offset is chosen as the
	// namespace is made so that the child's CLOCK_BOOTTIME and
	// /proc/uptime start from *Uptime. Boottime must then be zero.
	Uptime *time.Duration
}

// Uptime returns &d, for Offsets.Uptime: Offsets{Uptime: Uptime(0)} is
// a freshly booted machine.
func Uptime(d time.Duration) *time.Duration { return &d }

const cloneNewTime = 0x80 // CLONE_NEWTIME, Linux 5.6

// Start starts cmd, as cmd.Start does, in a new time namespace with the
// offsets off. On success use cmd as after cmd.Start: cmd.Wait,
// cmd.Process, the pipes from cmd.StdoutPipe and the others.
//
// The calling goroutine, its OS thread and every other goroutine are
// left as they were: the namespace is made on a locked OS thread that
// runs nothing else, serves the Starts that come within a second (with
// one close-on-exec file descriptor open), and then ends. With
// SysProcAttr.Pdeathsig set, the thread is one of its own that ends once
// the child has exited, so that the signal means what it says.
//
// Errors from this package are *Error, wrapping the errno: EPERM without
// the privilege, ERANGE for an offset that would take a clock below zero
// or past the kernel's limit, EINVAL for bad arguments (SysProcAttr
// asking for CLONE_NEWTIME itself, a negative Uptime, Uptime with
// Boottime), EOPNOTSUPP before Linux 6.2, ENOSYS without time
// namespaces. A failure of cmd.Start itself is returned as it gives it.
func Start(cmd *exec.Cmd, off Offsets) error {
	if cmd == nil {
		return newError("start", syscall.EINVAL, "cmd is nil")
	}
	if cmd.Process != nil {
		return errors.New("exec: already started")
	}
	if a := cmd.SysProcAttr; a != nil && (a.Cloneflags|a.Unshareflags)&cloneNewTime != 0 {
		return newError("start", syscall.EINVAL,
			"SysProcAttr asks for CLONE_NEWTIME itself; timens.Start makes the namespace: leave the flag out")
	}
	if off.Uptime != nil {
		if off.Boottime != 0 {
			return newError("start", syscall.EINVAL, "Boottime and Uptime both set CLOCK_BOOTTIME: give one")
		}
		if *off.Uptime < 0 {
			return newError("start", syscall.EINVAL, "Uptime: a clock cannot read a negative value")
		}
	}
	if err := kernelSupport(); err != nil {
		return err
	}
	r := &request{cmd: cmd, off: off, res: make(chan error, 1)}
	if off.Uptime != nil {
		// Read on this thread, which is in our namespace and has it as
		// time_for_children (Start never changes a thread it returns).
		info, err := Info(0)
		if err != nil {
			return err
		}
		if !info.OffsetsKnown {
			return newError("start", syscall.ENODATA,
				"the offsets of this process's own time namespace are unknown (its creator is gone), so Uptime cannot be computed: give Boottime instead")
		}
		r.ownBoot = info.Offsets.Boottime
	}
	if a := cmd.SysProcAttr; a != nil && a.Pdeathsig != 0 {
		// PR_SET_PDEATHSIG fires when the thread that made the child
		// ends: a spawner of its own, which ends after the child.
		go spawner(r, true, nil)
	} else {
		select {
		case requests <- r: // an idle spawner took it
		default:
			go spawner(r, false, nil)
		}
	}
	return <-r.res
}

// Run starts cmd in a new time namespace with the offsets off and waits
// for it, as cmd.Run does.
func Run(cmd *exec.Cmd, off Offsets) error {
	if err := Start(cmd, off); err != nil {
		return err
	}
	return cmd.Wait()
}

// Output runs cmd in a new time namespace with the offsets off and
// returns its standard output, as cmd.Output does: cmd.Stdout must be
// nil, and if cmd.Stderr is nil too, an *exec.ExitError carries the
// start and the end of what the command wrote there.
func Output(cmd *exec.Cmd, off Offsets) ([]byte, error) {
	if cmd == nil {
		return nil, Start(nil, off)
	}
	if cmd.Stdout != nil {
		return nil, errors.New("exec: Stdout already set")
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	var stderr *headTail
	if cmd.Stderr == nil {
		stderr = &headTail{max: 32 << 10}
		cmd.Stderr = stderr
	}
	err := Run(cmd, off)
	var ee *exec.ExitError
	if stderr != nil && errors.As(err, &ee) {
		ee.Stderr = stderr.Bytes()
	}
	return stdout.Bytes(), err
}

// headTail keeps the first and the last max bytes written to it.
type headTail struct {
	max  int
	head []byte
	tail []byte
	lost int64
}

func (h *headTail) Write(p []byte) (int, error) {
	n := len(p)
	if room := h.max - len(h.head); room > 0 {
		if room > len(p) {
			room = len(p)
		}
		h.head = append(h.head, p[:room]...)
		p = p[room:]
	}
	h.tail = append(h.tail, p...)
	if over := len(h.tail) - h.max; over > 0 {
		h.lost += int64(over)
		h.tail = append(h.tail[:0], h.tail[over:]...)
	}
	return n, nil
}

func (h *headTail) Bytes() []byte {
	if h.lost == 0 {
		return append(h.head, h.tail...)
	}
	b := append([]byte(nil), h.head...)
	b = append(b, "\n... omitting "+strconv.FormatInt(h.lost, 10)+" bytes ...\n"...)
	return append(b, h.tail...)
}

var kernel struct {
	once sync.Once
	err  error
}

// kernelSupport says whether Start can work here. Go's os/exec starts a
// child vfork-style (CLONE_VM): such a child enters its parent thread's
// time_for_children only at exec, which Linux does from 6.2 on; before,
// the kernel refuses to make such a child (EINVAL) from a thread whose
// time_for_children is not its own namespace.
func kernelSupport() error {
	kernel.once.Do(func() {
		if !haveTimeNS() {
			kernel.err = newError("start", syscall.ENOSYS,
				"this kernel has no time namespaces (Linux 5.6+ with CONFIG_TIME_NS)")
			return
		}
		var u syscall.Utsname
		if err := syscall.Uname(&u); err != nil {
			kernel.err = newError("uname", errno(err), "")
			return
		}
		rel := make([]byte, 0, len(u.Release))
		for _, c := range u.Release {
			if c == 0 {
				break
			}
			rel = append(rel, byte(c))
		}
		if !atLeast(string(rel), 6, 2) {
			kernel.err = newError("start", syscall.EOPNOTSUPP,
				"Linux "+string(rel)+" does not move a vfork-style child such as os/exec's into a new time namespace at exec; that needs Linux 6.2 or later (on older kernels use libtimens's timens_spawn or `timens run`)")
		}
	})
	return kernel.err
}

// atLeast reports whether a kernel release ("6.18.44-foo") is at least major.minor.
func atLeast(release string, major, minor int) bool {
	var v [2]int
	i := 0
	for k := 0; k < 2; k++ {
		start := i
		for i < len(release) && isDigit(release[i]) {
			v[k] = v[k]*10 + int(release[i]-'0')
			i++
		}
		if i == start {
			return false
		}
		if k == 0 {
			if i >= len(release) || release[i] != '.' {
				return false
			}
			i++
		}
	}
	return v[0] > major || (v[0] == major && v[1] >= minor)
}

// A request for a spawner: start cmd with offsets off, answer on res.
type request struct {
	cmd     *exec.Cmd
	off     Offsets
	ownBoot time.Duration // our namespace's boottime offset, for Uptime
	res     chan error
}

// Idle spawners wait here for the next Start.
var requests = make(chan *request)

// spawnerIdle is how long a spawner waits for another request before
// its thread ends (see docs/design.md, "Go binding": ending the thread
// after every Start costs more than the start itself on some kernels).
const spawnerIdle = time.Second

// spawner serves r, and then (unless once) the requests that come while
// it waits, on its own locked OS thread: os/exec forks from the calling
// thread, so the child takes this thread's time_for_children. A thread
// that has unshared is never unlocked: no goroutine but this one ever
// runs on it (and the runtime makes no thread from a locked one), and it
// ends when this goroutine returns. If started is not nil, it is closed
// once the spawner holds a thread other than the main one.
func spawner(r *request, once bool, started chan<- struct{}) {
	runtime.LockOSThread()
	if syscall.Gettid() == syscall.Getpid() {
		// The main thread does not end when a goroutine locked to it
		// returns (Go parks it for good), and its /proc entry speaks for
		// the whole process. Hold it, so that the spawner below gets
		// another thread, and give it back unchanged.
		ready := make(chan struct{})
		go spawner(r, once, ready)
		<-ready
		runtime.UnlockOSThread()
		if started != nil {
			close(started)
		}
		return
	}
	if started != nil {
		close(started)
	}
	st := thread{fd: -1}
	defer st.close()
	var idle *time.Timer
	for {
		err := st.unshareWithOffsets(r.off, r.ownBoot)
		if err == nil {
			err = r.cmd.Start()
		}
		if !st.changed {
			// Nothing happened to this thread: give it back.
			runtime.UnlockOSThread()
			r.res <- err
			return
		}
		if once {
			st.close()
			if err != nil {
				r.res <- err
				return
			}
			// Stay until the child has exited; WNOWAIT leaves it to cmd.Wait.
			pidfd := pidfdOpen(r.cmd.Process.Pid)
			r.res <- nil
			waitExit(pidfd, r.cmd.Process.Pid)
			return
		}
		r.res <- err
		if st.fd < 0 {
			return // its timens_offsets could not be opened: serve no more
		}
		if idle == nil {
			idle = time.NewTimer(spawnerIdle)
		} else {
			idle.Reset(spawnerIdle)
		}
		select {
		case r = <-requests:
			if !idle.Stop() {
				<-idle.C
			}
		case <-idle.C:
			return // still locked: the thread ends
		}
	}
}

func pidfdOpen(pid int) int {
	const sysPidfdOpen = 434 // Linux 5.3
	fd, _, e := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if e != 0 {
		return -1
	}
	return int(fd)
}

// waitExit blocks until the child has exited, without reaping it.
func waitExit(pidfd, pid int) {
	const pPID, pPIDFD = 1, 3
	const wExited, wNowait = 4, 0x01000000
	var info [128]byte // siginfo_t
	idtype, id := pPIDFD, pidfd
	if pidfd < 0 {
		idtype, id = pPID, pid // pidfd_open failed (EMFILE): the pid, less exact
	}
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, uintptr(idtype), uintptr(id),
			uintptr(unsafe.Pointer(&info[0])), wExited|wNowait, 0, 0)
		if e != syscall.EINTR {
			break
		}
	}
	if pidfd >= 0 {
		syscall.Close(pidfd)
	}
}

// thread is what a spawner keeps about its thread.
type thread struct {
	changed bool // it has unshared: it must never run anything else
	// fd is its /proc/TID/timens_offsets, open for writing, or -1. A
	// write goes to the thread's time_for_children at the time of the
	// write, so one open file serves every namespace the thread makes.
	fd int
}

func (t *thread) close() {
	if t.fd >= 0 {
		syscall.Close(t.fd)
		t.fd = -1
	}
}

// unshareWithOffsets gives the calling thread a new time_for_children
// with the offsets off. They are absolute: a new namespace starts with
// a copy of its parent's offsets, so both are always written.
func (t *thread) unshareWithOffsets(off Offsets, ownBoot time.Duration) error {
	if err := syscall.Unshare(cloneNewTime); err != nil {
		return unshareError(err)
	}
	t.changed = true
	if t.fd < 0 {
		tid, err := procTID()
		if err != nil {
			return newError("readlink /proc/thread-self", errno(err), "is /proc mounted?")
		}
		path := "/proc/" + tid + "/timens_offsets"
		if t.fd, err = syscall.Open(path, syscall.O_WRONLY|syscall.O_CLOEXEC, 0); err != nil {
			t.fd = -1
			return newError("open "+path, errno(err), "")
		}
	}
	if off.Uptime != nil {
		host := clockNow(clockBoottime) - ownBoot
		off.Boottime = *off.Uptime - host
	}
	rec := offsetsRecord(off)
	var n int
	var err error
	for {
		// Both clocks in one write: the kernel applies all or none.
		n, err = syscall.Write(t.fd, rec)
		if err != syscall.EINTR {
			break
		}
	}
	if err == nil && n != len(rec) {
		err = syscall.EIO
	}
	if err != nil {
		return writeError(err, off)
	}
	return nil
}

// offsetsRecord is the text the kernel reads: seconds rounded down and
// nanoseconds in [0, 1e9), one clock a line.
func offsetsRecord(off Offsets) []byte {
	var b []byte
	put := func(name string, d time.Duration) {
		sec, nsec := int64(d/time.Second), int64(d%time.Second)
		if nsec < 0 {
			sec, nsec = sec-1, nsec+1e9
		}
		b = append(b, name...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, sec, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, nsec, 10)
		b = append(b, '\n')
	}
	put("monotonic", off.Monotonic)
	put("boottime", off.Boottime)
	return b
}

const atFdcwd = -100

const (
	clockMonotonic = 1
	clockBoottime  = 7
)

func clockNow(id int) time.Duration {
	var ts syscall.Timespec
	// clock_gettime cannot fail for these clocks on a kernel with time namespaces.
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(id), uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

func unshareError(err error) error {
	e := errno(err)
	hint := ""
	switch e {
	case syscall.EPERM:
		hint = "making a time namespace needs CAP_SYS_ADMIN (and CAP_SYS_TIME to set its offsets): run as root"
	case syscall.ENOSPC:
		hint = "the limit user.max_time_namespaces is reached: raise it with sysctl or end some namespaces"
	case syscall.EINVAL:
		hint = "this kernel has no time namespaces (Linux 5.6+ with CONFIG_TIME_NS)"
	case syscall.ENOMEM:
		hint = "out of memory"
	}
	return newError("unshare(CLONE_NEWTIME)", e, hint)
}

func writeError(err error, off Offsets) error {
	e := errno(err)
	hint := ""
	switch e {
	case syscall.EPERM:
		hint = "setting offsets needs CAP_SYS_TIME: run as root"
	case syscall.ERANGE:
		// The kernel wants 0 <= host clock + offset <= about 146 years;
		// the host's clocks are ours less our own namespace's offsets.
		var own Offsets
		if ns, err := statNS(atFdcwd, "/proc/thread-self/ns/time"); err == nil {
			own, _ = offsetsOf(ns)
		}
		mono := clockNow(clockMonotonic) - own.Monotonic
		boot := clockNow(clockBoottime) - own.Boottime
		hint = "a clock of the new namespace must start between 0 and about 146 years"
		switch {
		case off.Monotonic < -mono:
			hint += ": CLOCK_MONOTONIC is " + FormatOffset(mono) + ", so the monotonic offset must be at least " + FormatOffset(-mono)
		case off.Boottime < -boot:
			hint += ": CLOCK_BOOTTIME is " + FormatOffset(boot) + ", so the boottime offset must be at least " + FormatOffset(-boot)
		}
	}
	return newError("write timens_offsets", e, hint)
}
