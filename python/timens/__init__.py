# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start processes in a new Linux time namespace, with CLOCK_MONOTONIC and
CLOCK_BOOTTIME (and so /proc/uptime) shifted by the offsets you choose.

    import timens
    p = timens.Popen(["cat", "/proc/uptime"], uptime="100d", stdout=timens.PIPE)
    print(p.communicate()[0])

``Popen`` and ``run`` are ``subprocess.Popen`` and ``subprocess.run`` with
four more keyword arguments (subprocess's own ``user``, ``group`` and
``extra_groups`` keep their meaning: the ids the child runs as):

``monotonic``, ``boottime``
    The new namespace's offset for that clock, absolute (relative to the
    host's clocks, as /proc/PID/timens_offsets shows it).  A clock left
    alone keeps the offset of this process's own namespace, so it reads
    in the child what it reads here.
``uptime``
    The value CLOCK_BOOTTIME, and /proc/uptime, start at in the child
    (instead of ``boottime``).
``userns``
    True: make the namespace inside a new user namespace that maps this
    process's user and group to themselves, as ``timens run -U`` does, so
    that an unprivileged user can do it where the system allows
    unprivileged user namespaces.

Offsets and ``uptime`` are an ``int`` of nanoseconds, a
``datetime.timedelta``, or a string as ``timens run`` takes it ("100d",
"-1.5s", "1h30m", plain numbers are seconds).  Bad values raise
``TypeError``, ``ValueError`` or ``OverflowError`` before any process is
started; a failure to make the namespace is the ``OSError`` subclass of
the library's errno (``PermissionError`` for EPERM, ...), raised by the
constructor, with a note saying the cause and the fix.

This process is left as it was: its time namespace and the one its other
threads' children start in never change.  See docs/design.md, "Python
binding", for how.
"""
from __future__ import annotations

import datetime
import functools
import subprocess
import types
from subprocess import DEVNULL, PIPE, STDOUT, CalledProcessError, CompletedProcess, \
    SubprocessError, TimeoutExpired
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Union, cast

from . import _timens

__all__ = [
    "Popen", "run", "parse_offset", "format_offset", "info", "features",
    "Info", "NamespaceId", "Features", "Offset",
    "PIPE", "STDOUT", "DEVNULL", "CompletedProcess", "CalledProcessError",
    "SubprocessError", "TimeoutExpired",
]

#: What an offset or ``uptime`` may be given as.
Offset = Union[int, datetime.timedelta, str]


def parse_offset(text: str) -> int:
    """Nanoseconds from an offset as ``timens run`` takes it: seconds
    ("86400", "-1.5") or a number with units ns us ms s m h d w, which may
    be combined ("100d", "1h30m", "+250ms"; a leading sign applies to the
    whole).  ``ValueError`` on bad syntax, ``OverflowError`` beyond int64
    nanoseconds (about 292 years either way)."""
    return _timens.parse_offset(text)


def format_offset(ns: int) -> str:
    """The shortest exact text for ``ns`` nanoseconds that
    ``parse_offset()`` reads back to the same value ("100d", "-1.5s",
    "1h30m")."""
    return _timens.format_offset(ns)


_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _ns(value: Optional[Offset], name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{name}: an int of nanoseconds, a timedelta or a str, not bool")
    if isinstance(value, int):
        ns = value
    elif isinstance(value, datetime.timedelta):
        # Exact: a timedelta is whole microseconds.
        ns = ((value.days * 86400 + value.seconds) * 1000000 + value.microseconds) * 1000
    elif isinstance(value, str):
        try:
            return parse_offset(value)
        except ValueError as e:
            raise type(e)(f"{name}: {e}") from None
    else:
        raise TypeError(f"{name}: an int of nanoseconds, a timedelta or a str, "
                        f"not {type(value).__name__}")
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise OverflowError(f"{name}: {ns} ns is beyond int64 nanoseconds "
                            "(about 292 years either way)")
    return ns


def _offsets(monotonic: Optional[Offset], boottime: Optional[Offset],
             uptime: Optional[Offset]) -> tuple[int, int]:
    return _timens.resolve(_ns(monotonic, "monotonic"), _ns(boottime, "boottime"),
                           _ns(uptime, "uptime"))


# subprocess's own code, run with our fork_exec in place of
# _posixsubprocess's: a copy of the function with other globals, made per
# call (nothing in subprocess itself changes).  See docs/design.md.
_EXECUTE_CHILD = cast(types.FunctionType, getattr(subprocess.Popen, "_execute_child"))
_RUN = cast(types.FunctionType, subprocess.run)


def _check_subprocess() -> None:
    code = _EXECUTE_CHILD.__code__
    if code.co_freevars or not {"_fork_exec", "_posixsubprocess"} & set(code.co_names):
        raise ImportError("timens: this Python's subprocess.Popen does not start children "
                          "through _posixsubprocess.fork_exec; timens.Popen cannot work here")


_check_subprocess()


def _with_globals(fn: types.FunctionType, **overrides: Any) -> types.FunctionType:
    g = dict(fn.__globals__)
    g.update(overrides)
    copy = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


if TYPE_CHECKING:
    _Popen = subprocess.Popen[Any]
else:
    _Popen = subprocess.Popen


class Popen(_Popen):
    """A ``subprocess.Popen`` whose child starts in a new time namespace.

    Every argument of ``subprocess.Popen`` works as there, and so does the
    object (``communicate()``, ``wait(timeout)``, ``returncode``, ``with``).
    ``monotonic``, ``boottime``, ``uptime`` and ``userns`` are described in
    the module's documentation.
    """

    def __init__(self, args: Any, *popen_args: Any,
                 monotonic: Optional[Offset] = None, boottime: Optional[Offset] = None,
                 uptime: Optional[Offset] = None, userns: bool = False,
                 **popen_kwargs: Any) -> None:
        mono, boot = _offsets(monotonic, boottime, uptime)
        #: The absolute (monotonic, boottime) offsets of the child's namespace.
        self.timens_offsets = (mono, boot)
        self._timens_fork_exec = functools.partial(_timens.fork_exec, mono, boot, bool(userns))
        super().__init__(args, *popen_args, **popen_kwargs)

    def _execute_child(self, *args: Any) -> None:
        fork_exec = self._timens_fork_exec
        child = _with_globals(_EXECUTE_CHILD, _fork_exec=fork_exec,
                              _posixsubprocess=types.SimpleNamespace(fork_exec=fork_exec),
                              _USE_POSIX_SPAWN=False)
        child(self, *args)

    def _posix_spawn(self, *args: Any, **kwargs: Any) -> None:
        # Never taken (_USE_POSIX_SPAWN is False above): posix_spawn would
        # start the child in our own namespace.
        raise AssertionError("timens.Popen must not use posix_spawn")


def run(*popenargs: Any, monotonic: Optional[Offset] = None,
        boottime: Optional[Offset] = None, uptime: Optional[Offset] = None,
        userns: bool = False, **kwargs: Any) -> "CompletedProcess[Any]":
    """``subprocess.run`` (``input``, ``capture_output``, ``timeout``,
    ``check``, ...) with the command in a new time namespace: the same
    arguments, a ``subprocess.CompletedProcess``."""
    popen = functools.partial(Popen, monotonic=monotonic, boottime=boottime,
                              uptime=uptime, userns=userns)
    result: CompletedProcess[Any] = _with_globals(_RUN, Popen=popen)(*popenargs, **kwargs)
    return result


class NamespaceId(NamedTuple):
    """A namespace's identity: the device and inode of /proc/PID/ns/time."""
    dev: int
    ino: int


class Info(NamedTuple):
    """A process's time namespaces, their offsets and its clocks, in
    nanoseconds.  A field is None where /proc does not show it (the
    offsets of a namespace whose every creator is gone)."""
    ns: NamespaceId
    ns_for_children: NamespaceId
    monotonic_offset_ns: Optional[int]
    boottime_offset_ns: Optional[int]
    monotonic_offset_for_children_ns: int
    boottime_offset_for_children_ns: int
    monotonic_ns: Optional[int]
    boottime_ns: Optional[int]


def info(pid: Optional[int] = None) -> Info:
    """The time namespace identity, offsets and clocks of process ``pid``
    (None: this one); ``OSError`` (``ProcessLookupError``,
    ``PermissionError``, ...) if it cannot be read."""
    ns, tfc, off, off_tfc, clocks = _timens.get_info(0 if pid is None else pid)
    mono_off, boot_off = off if off else (None, None)
    mono, boot = clocks if clocks else (None, None)
    return Info(NamespaceId(*ns), NamespaceId(*tfc), mono_off, boot_off, off_tfc[0], off_tfc[1],
                mono, boot)


class Features(NamedTuple):
    """What the running kernel offers (``timens probe`` says the same)."""
    time_ns: bool          #: time namespaces (Linux 5.6)
    setns_pidfd: bool      #: setns() on a pidfd (5.9)
    exec_switch: bool      #: exec enters time_for_children (6.2)
    clone3_newtime: bool   #: clone3() takes CLONE_NEWTIME (6.3)
    native_offset: bool    #: clone3() takes timens_offset (the kernel series)
    clone3_refused: bool   #: clone3() answers ENOSYS where it must exist (seccomp?)


def features() -> Features:
    """What the running kernel offers, detected once per process."""
    f = _timens.features()
    return Features(bool(f & _timens.FEATURE_TIME_NS), bool(f & _timens.FEATURE_SETNS_PIDFD),
                    bool(f & _timens.FEATURE_EXEC_SWITCH),
                    bool(f & _timens.FEATURE_CLONE3_NEWTIME),
                    bool(f & _timens.FEATURE_NATIVE_OFFSET),
                    bool(f & _timens.FEATURE_CLONE3_REFUSED))
