// SPDX-License-Identifier: LGPL-2.1-or-later

package timens

import (
	"errors"
	"syscall"
)

// Error is the error of every call in this package that fails for a
// reason of its own or of the kernel's (a failure of cmd.Start itself is
// returned as exec gives it). Err is the errno (a syscall.Errno), so
// errors.Is(err, syscall.EPERM) and errors.Is(err, fs.ErrPermission)
// work; Hint says what would fix it, when something would.
type Error struct {
	Op   string // what failed: "unshare(CLONE_NEWTIME)", "parse offset \"1h30\"", ...
	Err  error  // the cause, a syscall.Errno
	Hint string // how to fix it, or ""
}

func (e *Error) Error() string {
	s := "timens: " + e.Op + ": " + e.Err.Error()
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func newError(op string, err error, hint string) *Error {
	return &Error{Op: op, Err: err, Hint: hint}
}

// errno returns the syscall.Errno inside err, or EIO.
func errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}
