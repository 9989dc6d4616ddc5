// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64: libtimens's code runs with BTI enforced and PAC live, on every
 * way timens_clone3() and timens_spawn() make a child.  Seen from outside:
 *
 *   - PAC: the CPU and kernel sign pointers (AT_HWCAP says PACA, a signed
 *     pointer differs from the plain one and authenticates back to it),
 *     and a pointer authenticated with the wrong modifier kills;
 *   - BTI: a page mapped PROT_BTI shows "bt" in smaps, a call to it lands
 *     on `bti c`, and a call to one without kills with SIGILL;
 *   - every executable mapping of libtimens.so, the one holding
 *     timens_clone3 included, is "bt" in /proc/self/smaps: the loader
 *     mapped it guarded;
 *   - then each path runs in a forked process of its own (TIMENS_PATH is
 *     read at the library's first call): the pass-through with and
 *     without CLONE_VM, native or inplace, the child path, the helper
 *     thread and the helper process, timens_spawn's vfork-style and fork
 *     paths, and, clone3 refused by seccomp, the clone(2) variants, and
 *     timens_for_each_process.  Each child's clocks carry the offsets.  A
 *     landing pad missing where something branches into the library
 *     indirectly (the PLTs, libc's pthread_once and key destructors, the
 *     spawn child's function pointer, the process walk's visitor) would
 *     end that process with SIGILL; a return address checked against the
 *     wrong stack pointer would kill it too.
 *
 * Debian 12's start files carry no BTI note, so no program linked with
 * them (a static one, or libtimens.so as the Makefile builds it) can be
 * mapped guarded: this test is linked against a copy of libtimens.so made
 * of the same objects without them (the Makefile, and docs/design.md,
 * "The assembly entry", say why that is sound).
 */
#include <stdio.h>

#if !defined(__aarch64__)
int main(void)
{
	printf("1..0 # SKIP not arm64 (BTI and PAC are arm64's; test/cet.sh is x86-64's)\n");
	return 0;
}
#else

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"
#include "fault.h"

#ifndef HWCAP_PACA
#define HWCAP_PACA	(1UL << 30)
#endif
#ifndef HWCAP2_BTI
#define HWCAP2_BTI	(1UL << 17)
#endif
#ifndef PROT_BTI
#define PROT_BTI	0x10
#endif
#ifndef PT_GNU_PROPERTY
#define PT_GNU_PROPERTY	0x6474e553
#endif
#ifndef GNU_PROPERTY_AARCH64_FEATURE_1_AND
#define GNU_PROPERTY_AARCH64_FEATURE_1_AND	0xc0000000u
#endif
#ifndef GNU_PROPERTY_AARCH64_FEATURE_1_BTI
#define GNU_PROPERTY_AARCH64_FEATURE_1_BTI	1u
#endif

#define DAY (86400 * NSEC_PER_SEC)
/* Positive: fits any uptime. */
static const struct timens_offset off = { DAY + 1, 2 * DAY + 2 };

/* ---- PAC: key A, the pac-ret instructions of the hint space ---- */

static uint64_t pac_sign(uint64_t ptr, uint64_t mod)
{
	register uint64_t x17 __asm__("x17") = ptr;
	register uint64_t x16 __asm__("x16") = mod;

	__asm__ volatile("hint 8" : "+r"(x17) : "r"(x16));	/* pacia1716 */
	return x17;
}

static uint64_t pac_auth(uint64_t ptr, uint64_t mod)
{
	register uint64_t x17 __asm__("x17") = ptr;
	register uint64_t x16 __asm__("x16") = mod;

	__asm__ volatile("hint 12" : "+r"(x17) : "r"(x16));	/* autia1716 */
	return x17;
}

static __attribute__((noinline)) void pac_target(void)
{
	__asm__ volatile("");
}

static const char *status_str(int st)
{
	static char buf[96];

	if (st == -1)
		snprintf(buf, sizeof(buf), "not waited for: %s", strerror(errno));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d, %s", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(st));
	return buf;
}

static void check_pac(void)
{
	uint64_t p = (uint64_t)(uintptr_t)&pac_target;
	bool changed = false, back = true;
	pid_t pid;
	int st;

	/* A PAC that happens to be the plain pointer's bits, four times over: no. */
	for (uint64_t mod = 1; mod <= 4; mod++) {
		uint64_t s = pac_sign(p, mod);

		changed |= s != p;
		back &= pac_auth(s, mod) == p;
	}
	tap_ok(changed && back, "PAC live: a signed pointer differs from the plain one (%#llx, "
	       "%#llx) and authenticates back to it", (unsigned long long)p,
	       (unsigned long long)pac_sign(p, 1));

	pid = fork();
	if (pid == 0) {
		/*
		 * Signed with modifier 1, authenticated with one whose PAC
		 * differs (the field may be as small as 7 bits: two modifiers
		 * can give the same one): a fault at the aut (FPAC) or at the
		 * call.  Where signing changes nothing, every PAC is the same
		 * and the call goes through.
		 */
		uint64_t s = pac_sign(p, 1), mod = 2;
		void (*f)(void);

		while (mod < 64 && pac_sign(p, mod) == s)
			mod++;
		f = (void (*)(void))(uintptr_t)pac_auth(s, mod);
		f();
		_exit(0);
	}
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	st = wait_status(pid);
	tap_ok(WIFSIGNALED(st) && (WTERMSIG(st) == SIGILL || WTERMSIG(st) == SIGSEGV),
	       "PAC enforced: a call through a pointer authenticated with the wrong modifier "
	       "kills (%s)", status_str(st));
}

/* ---- /proc/self/smaps ---- */

struct mapping {
	uintptr_t start, end;
	char perms[5];
	char path[256];
	char flags[160];
};

/* Every mapping, with its VmFlags; the count, or -1. */
static int read_smaps(struct mapping *m, int max)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512], perms[5];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int at = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &lo, &hi, perms, &at) == 3 && at > 0) {
			if (n == max) {
				n = -1;
				break;
			}
			m[n].start = lo;
			m[n].end = hi;
			memcpy(m[n].perms, perms, sizeof(perms));
			snprintf(m[n].path, sizeof(m[n].path), "%s", line + at);
			m[n].flags[0] = '\0';
			n++;
		} else if (n > 0 && !strncmp(line, "VmFlags:", 8)) {
			/* " rd ex mr mw me bt ": each flag between spaces. */
			snprintf(m[n - 1].flags, sizeof(m[n - 1].flags), "%.150s ", line + 8);
		}
	}
	fclose(f);
	return n;
}

static bool has_flag(const struct mapping *m, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(m->flags, want) != NULL;
}

static struct mapping maps[1024];

static const struct mapping *mapping_of(const void *addr, int n)
{
	for (int i = 0; i < n; i++)
		if ((uintptr_t)addr >= maps[i].start && (uintptr_t)addr < maps[i].end)
			return &maps[i];
	return NULL;
}

/* ---- BTI: the kernel's enforcement, on a page of our own ---- */

static void check_bti_page(void)
{
	static const uint32_t code[2][3] = {
		{ 0xd503245f, 0x52800540, 0xd65f03c0 },	/* bti c; mov w0, #42; ret */
		{ 0xd503201f, 0x52800540, 0xd65f03c0 },	/* nop; mov w0, #42; ret */
	};
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *page = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	const struct mapping *m;
	int st[2], n;

	if (page == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	memcpy(page, code[0], sizeof(code[0]));
	memcpy(page + 64, code[1], sizeof(code[1]));
	__builtin___clear_cache((char *)page, (char *)page + 128);
	if (mprotect(page, (size_t)pg, PROT_READ | PROT_EXEC | PROT_BTI))
		tap_bail("mprotect(PROT_BTI): %s", strerror(errno));
	n = read_smaps(maps, 1024);
	m = n > 0 ? mapping_of(page, n) : NULL;
	tap_ok(m && has_flag(m, "bt"), "a page mprotect()ed with PROT_BTI shows \"bt\" in smaps (%s)",
	       m ? m->flags : "no mapping");
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int (*f)(void) = (int (*)(void))(uintptr_t)(page + 64 * i);

			_exit(f());
		}
		if (pid < 0)
			tap_bail("fork: %s", strerror(errno));
		st[i] = wait_status(pid);
	}
	tap_ok(WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 42,
	       "a call to a guarded page that starts with bti c runs (%s)", status_str(st[0]));
	tap_ok(WIFSIGNALED(st[1]) && WTERMSIG(st[1]) == SIGILL,
	       "BTI enforced: a call to a guarded page without a landing pad is SIGILL (%s)",
	       status_str(st[1]));
	munmap(page, (size_t)pg);
}

/* ---- libtimens.so as the loader mapped it ---- */

struct mark_query {
	uintptr_t addr;
	bool found, bti;
};

/* The BTI bit of the GNU property note of the object holding q->addr. */
static int mark_of(struct dl_phdr_info *info, size_t size, void *data)
{
	struct mark_query *q = data;
	bool inside = false;
	const ElfW(Phdr) *prop = NULL;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && q->addr >= lo && q->addr < lo + ph->p_memsz)
			inside = true;
		if (ph->p_type == PT_GNU_PROPERTY)
			prop = ph;
	}
	if (!inside)
		return 0;
	q->found = true;
	if (prop) {
		/* One NT_GNU_PROPERTY_TYPE_0 note: header, "GNU\0", then properties. */
		const uint32_t *w = (const uint32_t *)(info->dlpi_addr + prop->p_vaddr);
		size_t words = prop->p_memsz / 4, i = 3 + (w[0] + 3) / 4;

		while (i + 2 <= words) {
			uint32_t type = w[i], sz = w[i + 1];

			if (type == GNU_PROPERTY_AARCH64_FEATURE_1_AND && sz >= 4)
				q->bti = w[i + 2] & GNU_PROPERTY_AARCH64_FEATURE_1_BTI;
			i += 2 + (sz + 7) / 8 * 2;
		}
	}
	return 1;
}

static void *lib_entry;
static Dl_info lib_info;

/*
 * Before the plan: timens_clone3 is libtimens.so's, which is BTI-marked
 * (else the loader rightly leaves it unguarded, and there is nothing to
 * test).
 */
static void require_marked_library(void)
{
	struct mark_query q;

	lib_entry = dlsym(RTLD_DEFAULT, "timens_clone3");
	if (!lib_entry || !dladdr(lib_entry, &lib_info) || !lib_info.dli_fname ||
	    !strstr(lib_info.dli_fname, "libtimens.so"))
		tap_skip_all("timens_clone3 is not libtimens.so's (%s): a static build?",
			     lib_entry && lib_info.dli_fname ? lib_info.dli_fname : "none");
	q = (struct mark_query){ .addr = (uintptr_t)lib_entry };
	dl_iterate_phdr(mark_of, &q);
	if (!q.bti)
		tap_skip_all("%s carries no BTI mark (linked with unmarked start files?): "
			     "the loader leaves it unguarded", lib_info.dli_fname);
}

static void check_library_guarded(void)
{
	const struct mapping *m;
	int n, exec = 0, guarded = 0;
	char unguarded[256] = "";

	n = read_smaps(maps, 1024);
	m = n > 0 ? mapping_of(lib_entry, n) : NULL;
	tap_ok(m && has_flag(m, "ex") && has_flag(m, "bt"),
	       "timens_clone3 (%p, in %s) is on a mapping the loader made guarded (VmFlags:%s)",
	       lib_entry, lib_info.dli_fname, m ? m->flags : " none");
	for (int i = 0; m && i < n; i++) {
		if (strcmp(maps[i].path, m->path) || maps[i].perms[2] != 'x')
			continue;
		exec++;
		if (has_flag(&maps[i], "bt"))
			guarded++;
		else
			snprintf(unguarded + strlen(unguarded), sizeof(unguarded) - strlen(unguarded),
				 " %lx-%lx", (unsigned long)maps[i].start, (unsigned long)maps[i].end);
	}
	tap_ok(exec > 0 && guarded == exec, "every executable mapping of %s is guarded (%d of %d%s%s)",
	       m ? m->path : "libtimens.so", guarded, exec, *unguarded ? "; not:" : "", unguarded);
	m = n > 0 ? mapping_of((void *)(uintptr_t)&check_library_guarded, n) : NULL;
	tap_diag("this program's own code (%s): VmFlags:%s", m ? m->path : "?", m ? m->flags : " ?");
}

/* ---- The paths, each in a process of its own ---- */

struct record {
	int ok;
	char what[252];
};
static int rec_fd = -1;

/* One result of the running phase, for the parent to report. */
static void step(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(bool ok, const char *fmt, ...)
{
	struct record r = { .ok = ok };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.what, sizeof(r.what), fmt, ap);
	va_end(ap);
	/* Below PIPE_BUF: one write, whole, whichever thread. */
	if (write(rec_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
}

static bool path_is(enum timens_path want, char *why, size_t len)
{
	enum timens_path got = timens_last_path();

	snprintf(why, len, "path %s, want %s", timens_path_name(got), timens_path_name(want));
	return got == want;
}

static bool sample_ok(const struct clock_sample *s, const struct clock_window *w)
{
	return s->err == 0 && s->time_ino != ns_ino("/proc/self/ns/time") &&
	       s->time_ino == s->tfc_ino &&
	       clocks_in_window(s->mono_raw, s->mono_vdso, s->boot_raw, s->boot_vdso, w, &off);
}

/* The sampler, for a child that reaches its namespace only at exec. */
static void exec_sampler(int fd)
{
	char *argv[] = { (char *)self_exe(), "--sample-clocks", "100", NULL };

	if (dup2(fd, 100) == 100)
		execv(self_exe(), argv);
	_exit(127);
}

/*
 * timens_clone3 with CLONE_NEWTIME|FLAGS and the offsets; the child
 * samples its clocks into SHARED, or, with CLONE_VM, writes them to FD
 * from the sampler it execs (it enters the namespace only there).  Apart,
 * so that nothing the parent sets afterwards lives in a frame the child
 * also returns to.
 */
static __attribute__((noinline)) pid_t clone_child(uint64_t flags, int fd,
						  struct clock_sample *shared)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | flags,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	pid_t pid = timens_clone3(&a, sizeof(a));

	if (pid == 0) {
		if (flags & CLONE_VM)
			exec_sampler(fd);
		sample_clocks(shared);
		_exit(0);
	}
	return pid;
}

static void clone_step(uint64_t flags, enum timens_path want, const char *what)
{
	static struct clock_sample *shared;
	bool vm = flags & CLONE_VM;
	struct clock_sample s;
	struct clock_window w;
	char why[96];
	int p[2], st, e;
	bool path, got = false;
	pid_t pid;

	if (!shared)
		shared = shared_alloc(sizeof(*shared));
	memset(shared, 0, sizeof(*shared));
	memset(&s, 0, sizeof(s));
	if (pipe2(p, O_CLOEXEC))
		_exit(4);
	window_open(&w);
	pid = clone_child(flags, p[1], shared);
	e = errno;
	path = path_is(want, why, sizeof(why));
	close(p[1]);
	if (pid > 0 && vm)
		got = read(p[0], &s, sizeof(s)) == (ssize_t)sizeof(s);
	close(p[0]);
	st = pid > 0 ? wait_status(pid) : -1;
	window_close(&w);
	if (pid > 0 && !vm) {
		s = *shared;
		got = true;
	}
	step(pid > 0 && path && st == 0 && got && sample_ok(&s, &w),
	     "%s: timens_clone3 %s (%s), child %s, its clocks %s", what,
	     pid > 0 ? "made a child" : strerror(e), why, pid > 0 ? status_str(st) : "none",
	     got && sample_ok(&s, &w) ? "carry the offsets" : "wrong or unread");
}

/* No CLONE_NEWTIME: the kernel's own call, through the pass-through. */
static void pass_through_step(uint64_t flags, const char *what)
{
	struct timens_clone_args a = { .flags = flags, .exit_signal = SIGCHLD };
	volatile uint64_t canary = 0x5eed5eed5eed5eedULL;
	char why[96];
	pid_t pid;
	int st, e;
	bool path;

	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(canary == 0x5eed5eed5eed5eedULL ? 0 : 5);
	e = errno;
	path = path_is(TIMENS_PATH_KERNEL, why, sizeof(why));
	st = pid > 0 ? wait_status(pid) : -1;
	step(pid > 0 && path && st == 0 && canary == 0x5eed5eed5eed5eedULL,
	     "%s: timens_clone3 %s (%s), child %s", what, pid > 0 ? "made a child" : strerror(e),
	     why, pid > 0 ? status_str(st) : "none");
}

static void spawn_step(enum timens_path want, const char *what)
{
	struct timens_file_action fa[1];
	char *argv[] = { (char *)self_exe(), "--sample-clocks", "100", NULL };
	struct clock_sample s;
	struct clock_window w;
	char why[96];
	pid_t pid = -1;
	int p[2], r, e, st = -1;
	bool path, got = false;

	if (pipe2(p, O_CLOEXEC))
		_exit(4);
	fa[0] = (struct timens_file_action){ .type = TIMENS_FA_DUP2, .src_fd = p[1], .fd = 100 };
	TIMENS_SPAWN_OPTS(o, .offset = &off, .file_actions = fa, .n_file_actions = 1);
	memset(&s, 0, sizeof(s));
	window_open(&w);
	r = timens_spawn(&pid, self_exe(), argv, NULL, &o);
	e = errno;
	path = path_is(want, why, sizeof(why));
	close(p[1]);
	if (r == 0) {
		got = read(p[0], &s, sizeof(s)) == (ssize_t)sizeof(s);
		st = wait_status(pid);
	}
	close(p[0]);
	window_close(&w);
	step(r == 0 && path && st == 0 && got && sample_ok(&s, &w),
	     "%s: timens_spawn %s (%s), program %s, its clocks %s", what,
	     r == 0 ? "ran it" : strerror(e), why, r == 0 ? status_str(st) : "none",
	     got && sample_ok(&s, &w) ? "carry the offsets" : "wrong or unread");
}

static enum timens_path native_or(enum timens_path emulated)
{
	return timens_features() & TIMENS_FEATURE_NATIVE_OFFSET ? TIMENS_PATH_NATIVE : emulated;
}

static void phase_auto(void)
{
	pass_through_step(0, "no offsets");
	pass_through_step(CLONE_VM | CLONE_VFORK, "no offsets, CLONE_VM|CLONE_VFORK");
	clone_step(0, native_or(TIMENS_PATH_INPLACE), "offsets");
	clone_step(CLONE_VM | CLONE_VFORK, native_or(TIMENS_PATH_CHILD),
		   "offsets, CLONE_VM|CLONE_VFORK");
	spawn_step(TIMENS_PATH_SPAWN_VFORK, "spawn");
}

static void phase_inplace(void)
{
	clone_step(0, TIMENS_PATH_INPLACE, "offsets");
}

/* Clone areas (wipe-on-fork mappings) of this process. */
static int areas(void)
{
	int n = read_smaps(maps, 1024), k = 0;

	for (int i = 0; i < n; i++)
		k += has_flag(&maps[i], "wf");
	return n < 0 ? -1 : k;
}

static void *thread_calls(void *arg)
{
	clone_step(0, TIMENS_PATH_CHILD, "offsets, from a second thread");
	*(int *)arg = areas();
	return NULL;
}

static void phase_child(void)
{
	pthread_t t;
	int before, during = -1, after, next = -1;

	clone_step(0, TIMENS_PATH_CHILD, "offsets");
	clone_step(CLONE_VM | CLONE_VFORK, TIMENS_PATH_CHILD, "offsets, CLONE_VM|CLONE_VFORK");
	/*
	 * Its exit runs the library's key destructor (libc calls it), which
	 * keeps its area for the next thread: that one makes none.
	 */
	before = areas();
	if (pthread_create(&t, NULL, thread_calls, &during) || pthread_join(t, NULL))
		_exit(6);
	after = areas();
	if (pthread_create(&t, NULL, thread_calls, &next) || pthread_join(t, NULL))
		_exit(6);
	step(before >= 0 && during > before && after == during && next == during,
	     "the thread's exit ran the library's destructor: its clone area is kept for the next "
	     "thread (wipe-on-fork mappings %d, with the thread's %d, after it %d, with the next's %d)",
	     before, during, after, next);
}

static void phase_helper(void)
{
	clone_step(0, TIMENS_PATH_HELPER_THREAD, "offsets");
	clone_step(CLONE_VM | CLONE_VFORK, TIMENS_PATH_HELPER_THREAD,
		   "offsets, CLONE_VM|CLONE_VFORK");
	clone_step(CLONE_NEWUSER, TIMENS_PATH_HELPER_PROCESS, "offsets, CLONE_NEWUSER");
}

static void phase_fork(void)
{
	spawn_step(TIMENS_PATH_SPAWN_FORK, "spawn");
}

static void phase_noclone3(void)
{
	static const int nr = SYS_clone3;

	if (fault_deny(&nr, 1, ENOSYS))
		_exit(7);
	step(timens_features() & TIMENS_FEATURE_CLONE3_REFUSED,
	     "the library sees clone3 refused (features %#x)", timens_features());
	pass_through_step(0, "no offsets");
	clone_step(0, TIMENS_PATH_INPLACE, "offsets");
	spawn_step(TIMENS_PATH_SPAWN_VFORK, "spawn");
}

struct self_search {
	uint64_t ino;
	int seen;
};

static int find_self(pid_t pid, const struct timens_ns_id *ns, const struct timens_ns_id *tfc,
		     void *arg)
{
	struct self_search *q = arg;

	(void)tfc;
	q->seen++;
	return pid == getpid() && ns->ino == q->ino ? 1 : 0;
}

/* The library calls a function of its own for each process (walk_proc), then ours. */
static void phase_walk(void)
{
	struct self_search q = { .ino = ns_ino("/proc/self/ns/time") };
	int r = timens_for_each_process(find_self, &q);

	step(r == 1, "timens_for_each_process finds this process in its time namespace "
	     "(returned %d after %d processes)", r, q.seen);
}

static const struct phase {
	const char *name;
	const char *force;	/* TIMENS_PATH, or NULL */
	int steps;
	void (*run)(void);
} phases[] = {
	{ "auto", NULL, 5, phase_auto },
	{ "TIMENS_PATH=inplace", "inplace", 1, phase_inplace },
	{ "TIMENS_PATH=child", "child", 5, phase_child },
	{ "TIMENS_PATH=helper", "helper", 3, phase_helper },
	{ "TIMENS_PATH=fork", "fork", 1, phase_fork },
	{ "clone3 refused (seccomp)", NULL, 4, phase_noclone3 },
	{ "process walk", NULL, 1, phase_walk },
};
#define NPHASES (int)(sizeof(phases) / sizeof(phases[0]))

static void run_phase(const struct phase *ph)
{
	struct record r;
	int p[2], st, got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		tap_bail("pipe2: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		rec_fd = p[1];
		if (ph->force)
			setenv("TIMENS_PATH", ph->force, 1);
		else
			unsetenv("TIMENS_PATH");
		ph->run();
		_exit(0);
	}
	close(p[1]);
	while (read(p[0], &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		r.what[sizeof(r.what) - 1] = '\0';
		if (got++ < ph->steps)
			tap_ok(r.ok, "%s: %s", ph->name, r.what);
	}
	close(p[0]);
	st = wait_status(pid);
	for (int i = got; i < ph->steps; i++)
		tap_ok(false, "%s: step %d of %d not reached (%s)", ph->name, i + 1, ph->steps,
		       status_str(st));
	tap_ok(st == 0 && got == ph->steps, "%s: the process ran every step and exited 0 (%s, %d steps)",
	       ph->name, status_str(st), got);
}

int main(int argc, char **argv)
{
	int n = 2 + 3 + 2;

	test_exec_hook(argc, argv);
	/*
	 * Not require_time_ns(): it asks the library, whose probe each
	 * phase's process must make itself.
	 */
	require_root();
	if (access("/proc/self/ns/time", F_OK))
		tap_skip_all("kernel without time namespaces (CONFIG_TIME_NS, 5.6+)");
	if (!(getauxval(AT_HWCAP) & HWCAP_PACA))
		tap_skip_all("no pointer authentication (AT_HWCAP %#lx has no PACA)",
			     getauxval(AT_HWCAP));
	if (!(getauxval(AT_HWCAP2) & HWCAP2_BTI))
		tap_skip_all("no BTI (AT_HWCAP2 %#lx has no BTI)", getauxval(AT_HWCAP2));
	require_marked_library();
	for (int i = 0; i < NPHASES; i++)
		n += phases[i].steps + 1;
	tap_plan(n);
	tap_diag("AT_HWCAP %#lx (PACA), AT_HWCAP2 %#lx (BTI)", getauxval(AT_HWCAP),
		 getauxval(AT_HWCAP2));
	check_pac();
	check_bti_page();
	check_library_guarded();
	/* No call into the library before this: each phase's process makes the first. */
	for (int i = 0; i < NPHASES; i++)
		run_phase(&phases[i]);
	return tap_done();
}
#endif
