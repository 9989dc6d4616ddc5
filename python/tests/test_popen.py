# SPDX-License-Identifier: LGPL-2.1-or-later
"""timens.Popen and timens.run behave as subprocess's do: each feature is
run through both and the results compared, the timens one also checked to
be in a new time namespace."""
import os
import signal
import subprocess
import sys

import pytest
import timens
from conftest import need_root, ns_inodes

OWN_NS = os.stat("/proc/self/ns/time").st_ino


def both(args, **kw):
    """(plain, timens) results of communicate() for the same arguments."""
    results = []
    for popen, extra in ((subprocess.Popen, {}), (timens.Popen, {"boottime": "1d"})):
        with popen(args, **kw, **extra) as p:
            out, err = p.communicate()
        results.append((p.returncode, out, err))
    return results


def ns_of_child(**kw):
    """The time namespace inode a timens child with KW reports."""
    out = timens.run(["readlink", "/proc/self/ns/time"], boottime="1d",
                     stdout=subprocess.PIPE, text=True, check=True, **kw).stdout
    return int(out.strip().split("[")[1].rstrip("]"))


@pytest.fixture(autouse=True)
def _root(mode, parent_state):
    need_root()


def test_is_a_subprocess_popen():
    with timens.Popen(["true"], boottime=0) as p:
        assert isinstance(p, subprocess.Popen)
    assert p.returncode == 0


def test_pipes_and_input():
    plain, tn = both(["sh", "-c", "tr a-z A-Z; echo err >&2; exit 3"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert plain == tn == (3, b"", b"err\n")


def test_communicate_input_text():
    for popen, extra in ((subprocess.Popen, {}), (timens.Popen, {"uptime": "5d"})):
        with popen(["tr", "a-z", "A-Z"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                   text=True, **extra) as p:
            assert p.communicate("hello\n") == ("HELLO\n", None)
        assert p.returncode == 0


def test_stderr_to_stdout():
    plain, tn = both(["sh", "-c", "echo out; echo err >&2"],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert plain == tn == (0, b"out\nerr\n", None)


def test_devnull_and_file_objects(tmp_path):
    f = tmp_path / "out"
    with open(f, "wb") as w:
        timens.run(["echo", "to a file"], boottime="1d", stdout=w, stdin=subprocess.DEVNULL,
                   check=True)
    assert f.read_bytes() == b"to a file\n"


def test_cwd(tmp_path):
    plain, tn = both(["pwd"], cwd=tmp_path, stdout=subprocess.PIPE)
    assert plain == tn == (0, f"{tmp_path}\n".encode(), None)


def test_env():
    plain, tn = both(["sh", "-c", 'echo "$A:${HOME-unset}"'], env={"A": "b"},
                     stdout=subprocess.PIPE)
    assert plain == tn == (0, b"b:unset\n", None)


def test_path_search_uses_env_path(tmp_path):
    prog = tmp_path / "only-here"
    prog.write_text("#!/bin/sh\necho found\n")
    prog.chmod(0o755)
    plain, tn = both(["only-here"], env={"PATH": f"/nonexistent:{tmp_path}"},
                     stdout=subprocess.PIPE)
    assert plain == tn == (0, b"found\n", None)


def test_shell_and_executable():
    plain, tn = both("echo $0 $((6 * 7))", shell=True, stdout=subprocess.PIPE)
    assert plain == tn == (0, b"/bin/sh 42\n", None)
    plain, tn = both(["ignored-name", "-c", "echo $0"], executable="/bin/sh",
                     stdout=subprocess.PIPE)
    assert plain == tn == (0, b"ignored-name\n", None)


def test_pass_fds_and_close_fds():
    r, w = os.pipe()
    r2, w2 = os.pipe()
    os.set_inheritable(w2, True)       # inheritable, but close_fds closes it
    try:
        script = f"import os; os.write({w}, b'kept'); os.write({w2}, b'leaked')"
        for popen, extra in ((subprocess.Popen, {}), (timens.Popen, {"boottime": "2d"})):
            with popen([sys.executable, "-c", script], pass_fds=(w,),
                       stderr=subprocess.DEVNULL, **extra) as p:
                p.wait()
            assert p.returncode != 0      # writing to w2 fails: EBADF
            assert os.read(r, 100) == b"kept"
        os.close(w2)
        assert os.read(r2, 100) == b""
    finally:
        for fd in (r, w, r2):
            os.close(fd)
        if w2 in os.listdir("/proc/self/fd"):
            os.close(w2)


def test_close_fds_false_keeps_inheritable():
    r, w = os.pipe()
    os.set_inheritable(w, True)
    try:
        timens.run([sys.executable, "-c", f"import os; os.write({w}, b'inherited')"],
                   boottime="1d", close_fds=False, check=True)
        assert os.read(r, 100) == b"inherited"
    finally:
        os.close(r)
        os.close(w)


def test_never_posix_spawn():
    # The arguments with which subprocess would take posix_spawn, which
    # knows nothing of namespaces: the child is still in a new one.
    out = timens.run(["/usr/bin/readlink", "/proc/self/ns/time"], boottime="1d",
                     close_fds=False, stdout=subprocess.PIPE, text=True, check=True).stdout
    assert int(out.strip().split("[")[1].rstrip("]")) != OWN_NS


def test_start_new_session_and_process_group():
    cmd = [sys.executable, "-c", "import os; print(os.getsid(0) == os.getpid(), "
           "os.getpgid(0) == os.getpid())"]
    plain, tn = both(cmd, start_new_session=True, stdout=subprocess.PIPE)
    assert plain == tn == (0, b"True True\n", None)
    plain, tn = both(cmd, process_group=0, stdout=subprocess.PIPE)
    assert plain == tn == (0, b"False True\n", None)


def sig_ignored(status):
    """The signals /proc/PID/status says are ignored."""
    for line in status.splitlines():
        if line.startswith("SigIgn:"):
            mask = int(line.split()[1], 16)
            return {n for n in range(1, 65) if mask >> (n - 1) & 1}
    raise AssertionError("no SigIgn in " + status)


def test_umask():
    plain, tn = both(["sh", "-c", "umask"], umask=0o027, stdout=subprocess.PIPE)
    assert plain == tn == (0, b"0027\n", None)


@pytest.mark.parametrize("restore", [True, False])
def test_restore_signals(restore):
    # Python ignores SIGPIPE and SIGXFSZ; restore_signals gives the
    # program the defaults back.
    plain, tn = both(["cat", "/proc/self/status"], restore_signals=restore,
                     stdout=subprocess.PIPE)
    assert plain[0] == tn[0] == 0
    assert sig_ignored(plain[1].decode()) == sig_ignored(tn[1].decode())
    assert (signal.SIGPIPE in sig_ignored(tn[1].decode())) == (not restore)


def test_user_group_extra_groups():
    cmd = ["sh", "-c", "id -u; id -g; id -G"]
    plain, tn = both(cmd, user=65534, group=65534, extra_groups=[65534, 100],
                     stdout=subprocess.PIPE)
    assert plain == tn == (0, b"65534\n65534\n65534 100\n", None)
    assert ns_of_child(user=65534) != OWN_NS


def test_preexec_fn_runs_in_the_child(tmp_path):
    mark = tmp_path / "mark"
    def hook():
        with open(mark, "w") as f:
            f.write(str(os.getpid()))
    with timens.Popen(["true"], boottime="1d", preexec_fn=hook) as p:
        pass
    assert mark.read_text() == str(p.pid)
    assert ns_of_child(preexec_fn=lambda: None) != OWN_NS


def test_preexec_fn_exception_as_subprocess_reports_it():
    def boom():
        raise RuntimeError("no")
    for popen in (subprocess.Popen, timens.Popen):
        with pytest.raises(subprocess.SubprocessError, match="preexec_fn"):
            popen(["true"], preexec_fn=boom)


def test_wait_timeout_kill_returncode():
    with timens.Popen(["sleep", "60"], boottime="1d") as p:
        with pytest.raises(subprocess.TimeoutExpired):
            p.wait(timeout=0.05)
        assert p.poll() is None and p.returncode is None
        p.send_signal(signal.SIGTERM)
        assert p.wait() == -signal.SIGTERM
    assert p.returncode == -signal.SIGTERM


def test_exit_status():
    assert timens.run(["sh", "-c", "exit 7"], boottime=0).returncode == 7


def test_run_check_capture_timeout():
    r = timens.run(["sh", "-c", "echo hi; echo err >&2"], boottime="1d",
                   capture_output=True, text=True)
    assert isinstance(r, subprocess.CompletedProcess)
    assert (r.returncode, r.stdout, r.stderr) == (0, "hi\n", "err\n")
    with pytest.raises(subprocess.CalledProcessError) as e:
        timens.run(["false"], boottime="1d", check=True)
    assert e.value.returncode == 1
    with pytest.raises(subprocess.TimeoutExpired):
        timens.run(["sleep", "60"], boottime="1d", timeout=0.05)
    assert timens.run(["cat"], boottime="1d", input=b"in", stdout=subprocess.PIPE).stdout == b"in"


@pytest.mark.parametrize("kw", [{}, {"cwd": "/"}, {"env": {"PATH": "/nonexistent"}}])
def test_exec_failure_same_exception(kw):
    for popen, extra in ((subprocess.Popen, {}), (timens.Popen, {"boottime": "1d"})):
        with pytest.raises(FileNotFoundError) as e:
            popen(["no-such-program-anywhere"], **kw, **extra)
        got = (e.value.errno, e.value.filename, e.value.strerror)
        if popen is subprocess.Popen:
            want = got
    assert got == want


def test_exec_failure_not_executable(tmp_path):
    f = tmp_path / "plain"
    f.write_text("data")
    for popen in (subprocess.Popen, timens.Popen):
        with pytest.raises(PermissionError) as e:
            popen([str(f)])
        assert e.value.filename == str(f)


def test_cwd_failure_names_cwd(tmp_path):
    missing = tmp_path / "missing"
    for popen in (subprocess.Popen, timens.Popen):
        with pytest.raises(FileNotFoundError) as e:
            popen(["true"], cwd=missing)
        assert e.value.filename == missing


def test_no_zombie_left():
    for _ in range(3):
        with pytest.raises(FileNotFoundError):
            timens.Popen(["no-such-program-anywhere"], boottime="1d")
        timens.run(["true"], boottime="1d")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_parent_namespaces_unchanged_across_many():
    before = ns_inodes()
    for i in range(20):
        timens.run(["true"], boottime=i * 1000)
    assert ns_inodes() == before


def test_inherits_our_environment(monkeypatch):
    monkeypatch.setenv("TIMENS_PY_TEST", "inherited")
    plain, tn = both(["sh", "-c", 'echo "$TIMENS_PY_TEST"'], stdout=subprocess.PIPE)
    assert plain == tn == (0, b"inherited\n", None)
