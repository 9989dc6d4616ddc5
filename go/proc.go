// SPDX-License-Identifier: LGPL-2.1-or-later

package timens

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// NSID identifies a namespace: the device and inode of its /proc/PID/ns file.
type NSID struct {
	Dev uint64
	Ino uint64
}

// NSInfo is what Info reports about one process.
type NSInfo struct {
	NS                 NSID    // /proc/PID/ns/time: the namespace it runs in
	NSForChildren      NSID    // /proc/PID/ns/time_for_children
	Offsets            Offsets // offsets of NS (Uptime unset); valid if OffsetsKnown
	OffsetsForChildren Offsets // offsets of NSForChildren
	// OffsetsKnown is false when no visible task has NS as its
	// time_for_children (the kernel shows offsets only there): the
	// offsets of NS cannot be read, and guessing zero would be wrong.
	OffsetsKnown bool
}

const rdDir = syscall.O_RDONLY | syscall.O_DIRECTORY | syscall.O_CLOEXEC

func openDir(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, rdDir, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func statNS(dir int, name string) (NSID, error) {
	var st syscall.Stat_t
	if err := fstatat(dir, name, &st); err != nil {
		return NSID{}, err
	}
	return NSID{Dev: st.Dev, Ino: st.Ino}, nil
}

func fstatat(dir int, name string, st *syscall.Stat_t) error {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return err
	}
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_NEWFSTATAT, uintptr(dir),
			uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), 0, 0, 0)
		if e != syscall.EINTR {
			if e != 0 {
				return e
			}
			return nil
		}
	}
}

// readAt reads a small /proc file relative to dir.
func readAt(dir int, name string, max int) ([]byte, error) {
	fd, err := syscall.Openat(dir, name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, max+1)
	n := 0
	for n < len(buf) {
		r, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r == 0 {
			break
		}
		n += r
	}
	if n > max {
		return nil, syscall.EIO
	}
	return buf[:n], nil
}

// parseOffsetsFile reads the kernel's timens_offsets text: one line per
// clock, "monotonic SEC NSEC" and "boottime SEC NSEC" (or the clock ids
// 1 and 7, as older kernels print them).
func parseOffsetsFile(b []byte) (Offsets, error) {
	var off Offsets
	seen := 0
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return off, syscall.EIO
		}
		sec, err1 := strconv.ParseInt(string(f[1]), 10, 64)
		nsec, err2 := strconv.ParseInt(string(f[2]), 10, 64)
		if err1 != nil || err2 != nil || nsec < 0 || nsec >= 1e9 ||
			sec > math.MaxInt64/1000000000-1 || sec < math.MinInt64/1000000000 {
			return off, syscall.EIO
		}
		d := time.Duration(sec)*time.Second + time.Duration(nsec)
		switch string(f[0]) {
		case "monotonic", "1":
			off.Monotonic = d
			seen |= 1
		case "boottime", "7":
			off.Boottime = d
			seen |= 2
		}
	}
	if seen != 3 {
		return off, syscall.EIO
	}
	return off, nil
}

// procTID is the calling thread's id as the /proc mount sees it, from
// the /proc/thread-self link ("PID/task/TID"): in a pid namespace whose
// /proc was not remounted, gettid() names some other task there.
func procTID() (string, error) {
	buf := make([]byte, 64)
	n, err := syscall.Readlink("/proc/thread-self", buf)
	if err != nil {
		return "", err
	}
	link := string(buf[:n])
	i := strings.Index(link, "/task/")
	if i < 0 {
		return "", syscall.ENOENT
	}
	tid := link[i+len("/task/"):]
	if _, err := strconv.ParseUint(tid, 10, 31); err != nil {
		return "", syscall.ENOENT
	}
	return tid, nil
}

// haveTimeNS says whether the kernel has time namespaces (CONFIG_TIME_NS).
func haveTimeNS() bool {
	var st syscall.Stat_t
	return syscall.Stat("/proc/thread-self/ns/time", &st) == nil
}

// Info returns the time namespaces of process pid and their offsets;
// pid 0 means the calling process (through the calling thread, whose
// namespaces are every Go thread's: Start never leaves a changed thread
// to run goroutines). Errors wrap ESRCH (no such process), EACCES
// (another user's process), ENOSYS (no time namespaces in this kernel).
func Info(pid int) (NSInfo, error) {
	var info NSInfo
	op := "info of process " + strconv.Itoa(pid)
	if pid < 0 {
		return info, newError(op, syscall.EINVAL, "pid is 0 (this process) or a process id")
	}
	nsDir, offDir := -1, -1
	var err error
	if pid == 0 {
		op = "info of this process"
		var tid string
		if nsDir, err = openDir("/proc/thread-self"); err == nil {
			if tid, err = procTID(); err == nil {
				offDir, err = openDir("/proc/" + tid)
			}
		}
	} else {
		nsDir, err = openDir("/proc/" + strconv.Itoa(pid))
		offDir = nsDir
		if err == syscall.ENOENT {
			err = syscall.ESRCH
		}
	}
	defer func() {
		if offDir >= 0 && offDir != nsDir {
			syscall.Close(offDir)
		}
		if nsDir >= 0 {
			syscall.Close(nsDir)
		}
	}()
	if err != nil {
		return info, infoError(op, err)
	}
	// The task may unshare while we read: accept the offsets only if
	// time_for_children is the same before and after.
	for try := 0; ; try++ {
		if try == 8 {
			return info, infoError(op, syscall.EAGAIN)
		}
		var again NSID
		var b []byte
		if info.NS, err = statNS(nsDir, "ns/time"); err != nil {
			break
		}
		if info.NSForChildren, err = statNS(nsDir, "ns/time_for_children"); err != nil {
			break
		}
		if b, err = readAt(offDir, "timens_offsets", 256); err != nil {
			break
		}
		if len(b) == 0 {
			// The kernel prints nothing once the task has dropped its namespaces.
			err = syscall.ESRCH
			break
		}
		if info.OffsetsForChildren, err = parseOffsetsFile(b); err != nil {
			break
		}
		if again, err = statNS(nsDir, "ns/time_for_children"); err != nil {
			break
		}
		if again == info.NSForChildren {
			break
		}
	}
	if err != nil {
		if err == syscall.ENOENT {
			err = syscall.ESRCH
			if !haveTimeNS() {
				err = syscall.ENOSYS
			}
		}
		return info, infoError(op, err)
	}
	if info.NS == info.NSForChildren {
		info.Offsets, info.OffsetsKnown = info.OffsetsForChildren, true
	} else {
		info.Offsets, info.OffsetsKnown = offsetsOf(info.NS)
	}
	return info, nil
}

func infoError(op string, err error) error {
	hint := ""
	switch err {
	case syscall.ESRCH:
		hint = "no such process, or it has exited"
	case syscall.EACCES, syscall.EPERM:
		hint = "another user's process: run as root or as its owner"
	case syscall.ENOSYS:
		hint = "this kernel has no time namespaces (Linux 5.6+ with CONFIG_TIME_NS)"
	}
	return newError(op, errno(err), hint)
}

// offsetsOf looks for a task whose time_for_children is ns, and reads
// its offsets: process leaders first, then every thread (as /proc/TID).
func offsetsOf(ns NSID) (Offsets, bool) {
	try := func(path string) (Offsets, bool) {
		dir, err := openDir(path)
		if err != nil {
			return Offsets{}, false
		}
		defer syscall.Close(dir)
		before, err1 := statNS(dir, "ns/time_for_children")
		b, err2 := readAt(dir, "timens_offsets", 256)
		after, err3 := statNS(dir, "ns/time_for_children")
		if err1 != nil || err2 != nil || err3 != nil || before != ns || after != ns {
			return Offsets{}, false
		}
		off, err := parseOffsetsFile(b)
		return off, err == nil
	}
	pids := dirNames("/proc")
	for _, p := range pids {
		if off, ok := try("/proc/" + p); ok {
			return off, true
		}
	}
	for _, p := range pids {
		for _, t := range dirNames("/proc/" + p + "/task") {
			if t == p {
				continue
			}
			if off, ok := try("/proc/" + t); ok {
				return off, true
			}
		}
	}
	return Offsets{}, false
}

// dirNames lists the numeric entries of a /proc directory.
func dirNames(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	all, _ := f.Readdirnames(-1)
	names := all[:0]
	for _, n := range all {
		if n != "" && isDigits(n) {
			names = append(names, n)
		}
	}
	return names
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
