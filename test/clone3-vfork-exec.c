// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CLONE_VM|CLONE_VFORK children run on the caller's stack until they
 * exec.  With offsets they stay in the caller's time namespace until the
 * exec and land in the new one at it (Linux 6.2+; before that the call
 * is refused with EINVAL, since the child could never get there).  The
 * caller's frame survives the child's use of the stack.  A CLONE_VM child
 * on a stack of its own that the caller does not wait for (no
 * CLONE_VFORK) still shares the caller's memory when the call returns:
 * the caller's namespaces must be its own all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

static volatile uint64_t pre_exec_ino;
static volatile int pre_exec_pid, pre_exec_tid;

static void exec_sampler(int fd)
{
	char fdarg[16];
	char *argv[] = { (char *)self_exe(), "--sample-clocks", fdarg, NULL };

	snprintf(fdarg, sizeof(fdarg), "%d", fd);
#ifdef __SANITIZE_ADDRESS__
	/*
	 * The frames of a CLONE_VM child that execs on the caller's stack
	 * never return: their poisoned shadow would be the parent's, which
	 * runs there next.
	 */
	__asan_handle_no_return();
#endif
	execv(self_exe(), argv);
	_exit(127);
}

static void run(bool offsets, const char *what)
{
	struct timens_offset off = { 3600 * NSEC_PER_SEC + 1, 7200 * NSEC_PER_SEC + 2 };
	struct timens_offset none = { 0, 0 };
	static int tid_word;
	struct timens_clone_args a = {
		.flags = CLONE_VM | CLONE_VFORK | (offsets ? CLONE_NEWTIME : 0) |
			 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID,
		.exit_signal = SIGCHLD,
		.timens_offset = offsets ? to_u64(&off) : 0,
		.child_tid = to_u64(&tid_word),
	};
	volatile uint64_t canary = 0x5eed5eed5eed5eedULL;
	struct clock_sample s;
	struct clock_window w;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		tap_bail("pipe2");
	pre_exec_ino = 0;
	pre_exec_tid = 0;
	tid_word = -1;
	window_open(&w);
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		/* Shared memory: the parent reads these after we exec. */
		pre_exec_ino = ns_ino("/proc/self/ns/time");
		pre_exec_pid = (int)getpid();
		pre_exec_tid = tid_word;
		if (dup2(p[1], 100) < 0)
			_exit(126);
		exec_sampler(100);
	}
	close(p[1]);
	if (offsets && !(timens_features() & TIMENS_FEATURE_EXEC_SWITCH)) {
		tap_ok(pid < 0 && errno == EINVAL,
		       "%s: refused with EINVAL on a kernel without the exec switch", what);
		close(p[0]);
		return;
	}
	tap_ok(pid > 0, "%s: timens_clone3 returned %d (%s) via %s", what, pid,
	       pid < 0 ? strerror(errno) : "ok", timens_path_name(timens_last_path()));
	tap_ok(canary == 0x5eed5eed5eed5eedULL, "%s: the caller's frame survived the child", what);
	tap_ok(pre_exec_pid == pid, "%s: the child ran before the call returned (vfork)", what);
	tap_ok(pre_exec_tid == pid, "%s: CLONE_CHILD_SETTID wrote the child's tid (%d)", what,
	       pre_exec_tid);
	tap_ok(tid_word == 0, "%s: CLONE_CHILD_CLEARTID: the shared word is 0 after its exec (%d)",
	       what, tid_word);
	tap_ok(pre_exec_ino == ns_ino("/proc/self/ns/time"),
	       "%s: before exec the child is in the caller's time namespace", what);
	memset(&s, 0, sizeof(s));
	tap_ok(read(p[0], &s, sizeof(s)) == (ssize_t)sizeof(s), "%s: the exec'd child reported", what);
	close(p[0]);
	st = wait_status(pid);
	window_close(&w);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: exec'd child exited 0", what);
	check_sample(&s, &w, offsets ? &off : &none, what);
	if (offsets)
		tap_ok(s.time_ino != ns_ino("/proc/self/ns/time"),
		       "%s: after exec the child is in a new time namespace", what);
	else
		tap_ok(s.time_ino == ns_ino("/proc/self/ns/time"),
		       "%s: without offsets it stays in ours", what);
}

#define VM_STACK (256 * 1024)
static int vm_go[2], vm_report[2];
static char *vm_argv[4];

/*
 * The CLONE_VM child, on its own stack, while the caller goes on: it
 * shares the caller's memory and thread-local storage (errno, the
 * sanitizers' state), so it makes raw system calls only, with what the
 * caller prepared, and never returns.
 */
__attribute__((noreturn, noinline, no_sanitize_address))
static void vm_child(void)
{
	char c;

	if (syscall(SYS_read, vm_go[0], &c, 1) != 1)
		syscall(SYS_exit, 125);
	if (syscall(SYS_dup3, vm_report[1], 100, 0) < 0)
		syscall(SYS_exit, 126);
	syscall(SYS_execve, vm_argv[0], vm_argv, environ);
	syscall(SYS_exit, 127);
	__builtin_unreachable();
}

static void run_vm_no_vfork(void)
{
	const char *what = thread_count() > 1 ? "CLONE_VM without CLONE_VFORK, own stack, 2 threads"
					      : "CLONE_VM without CLONE_VFORK, own stack";
	struct timens_offset off = { 5 * NSEC_PER_SEC + 3, 86400 * NSEC_PER_SEC + 4 };
	struct timens_clone_args a = {
		.flags = CLONE_VM | CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.stack_size = VM_STACK,
		.timens_offset = to_u64(&off),
	};
	uint64_t time_ino = ns_ino("/proc/thread-self/ns/time");
	uint64_t tfc_ino = ns_ino("/proc/thread-self/ns/time_for_children");
	struct clock_sample s;
	struct clock_window w;
	void *stack;
	int st;
	pid_t pid;

	stack = mmap(NULL, VM_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED || pipe2(vm_go, O_CLOEXEC) || pipe2(vm_report, O_CLOEXEC))
		tap_bail("mmap/pipe2");
	a.stack = to_u64(stack);
	vm_argv[0] = (char *)self_exe();
	vm_argv[1] = "--sample-clocks";
	vm_argv[2] = "100";
	vm_argv[3] = NULL;
	window_open(&w);
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		vm_child();
	if (!(timens_features() & TIMENS_FEATURE_EXEC_SWITCH)) {
		tap_ok(pid < 0 && errno == EINVAL,
		       "%s: refused with EINVAL on a kernel without the exec switch", what);
		goto out;
	}
	tap_ok(pid > 0, "%s: timens_clone3 returned %d (%s) via %s", what, pid,
	       pid < 0 ? strerror(errno) : "ok", timens_path_name(timens_last_path()));
	if (pid < 0)
		goto out;
	/* The child is alive and shares our memory until we let it exec. */
	tap_ok(ns_ino("/proc/thread-self/ns/time") == time_ino &&
	       ns_ino("/proc/thread-self/ns/time_for_children") == tfc_ino,
	       "%s: the caller's time and time_for_children are its own while the child runs", what);
	if (write(vm_go[1], "x", 1) != 1)
		tap_bail("write");
	close(vm_report[1]);
	memset(&s, 0, sizeof(s));
	tap_ok(read(vm_report[0], &s, sizeof(s)) == (ssize_t)sizeof(s),
	       "%s: the exec'd child reported", what);
	st = wait_status(pid);
	window_close(&w);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: exec'd child exited 0", what);
	check_sample(&s, &w, &off, what);
out:
	close(vm_go[0]);
	close(vm_go[1]);
	close(vm_report[0]);
	if (pid <= 0)
		close(vm_report[1]);
	munmap(stack, VM_STACK);
}

int main(int argc, char **argv)
{
	struct caller_state before;
	struct idle_thread idle;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	caller_state_get(&before);
	run(false, "CLONE_VM|CLONE_VFORK, no offsets");
	run(true, "CLONE_VM|CLONE_VFORK with offsets");
	run_vm_no_vfork();
	caller_state_check(&before, "after vfork-style calls");
	/* The same from a multi-threaded caller (the child path). */
	idle_thread_start(&idle);
	caller_state_get(&before);
	run(true, "CLONE_VM|CLONE_VFORK with offsets, 2 threads");
	run_vm_no_vfork();
	caller_state_check(&before, "after vfork-style calls, 2 threads");
	idle_thread_stop(&idle);
	return tap_done();
}
