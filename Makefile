# SPDX-License-Identifier: LGPL-2.1-or-later
# libtimens and the timens tool.  `make`, `make check`, `make install`.

# The version lives in include/timens.h; the library's file name, the
# .pc file and the tool take it from there.
VERSION := $(shell sed -n 's/^\#define TIMENS_VERSION_\(MAJOR\|MINOR\|PATCH\) *//p' \
	include/timens.h | paste -sd.)
SOVERSION  := 0

# Where `make install` puts things.  The upper-case names are the ones
# liburing and libbpf users pass (PREFIX, LIBDIR, ...); the GNU names
# (prefix, libdir, ...) are the defaults of the upper-case ones, so either
# spelling works, from the command line or the environment, and the
# upper-case one wins if both are given.  DESTDIR stages the whole tree
# elsewhere (for a package) without changing what the installed files say.
prefix       ?= /usr/local
PREFIX       ?= $(prefix)
exec_prefix  ?= $(PREFIX)
bindir       ?= $(exec_prefix)/bin
libdir       ?= $(exec_prefix)/lib
includedir   ?= $(PREFIX)/include
datarootdir  ?= $(PREFIX)/share
mandir       ?= $(datarootdir)/man
BINDIR       ?= $(bindir)
LIBDIR       ?= $(libdir)
INCLUDEDIR   ?= $(includedir)
DATADIR      ?= $(datarootdir)
MANDIR       ?= $(mandir)
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
DESTDIR      ?=

# A cross build names its compiler: CC=aarch64-linux-gnu-gcc, or
# CROSS_COMPILE=aarch64-linux-gnu- for gcc, ar and readelf of that prefix
# (README, "Building"; `make deps-cross` installs the arm64 ones).
CROSS_COMPILE ?=
ifneq ($(CROSS_COMPILE),)
CC         := $(CROSS_COMPILE)gcc
AR         := $(CROSS_COMPILE)ar
else
CC         ?= cc
endif
# CFLAGS, CPPFLAGS and LDFLAGS are the builder's (a distribution passes its
# hardening flags there: dpkg-buildflags); they reach every object, the
# assembly included, and every link.  The project's own flags come first,
# so the builder's can override them (-O, -g).
CFLAGS     ?= -O2 -g
CPPFLAGS   ?=
LDFLAGS    ?=
# SANITIZE=1 builds everything with ASan and UBSan, in its own folder.
SANITIZE   ?=
# WERROR=1 (CI) turns every warning into an error.
WERROR     ?=
# STATIC_TOOL=1 (the default) links the timens tool statically, for speed
# (BENCHMARKS.md, row 3: the dynamic loader costs a short-lived tool about
# as much as running /bin/true).  STATIC_TOOL=0 links it against
# libtimens.so and the shared libc, as a distribution wants it (the Debian
# package does: debian/rules says why).
STATIC_TOOL ?= 1

# The architecture the compiler builds for, and so the assembly and
# register layout the library takes (src/lib/arch/ARCH; src/lib/stubs.h
# says what each provides).  Anything else stops here, not at run time.
ARCH_SUPPORTED := $(notdir $(wildcard src/lib/arch/*))
ARCH       := $(shell $(CC) -dumpmachine 2>/dev/null | sed 's/-.*//')
ifeq ($(ARCH),)
$(error $(CC) -dumpmachine says nothing: is $(CC) installed?)
endif
ifeq ($(filter $(ARCH),$(ARCH_SUPPORTED)),)
$(error libtimens supports $(ARCH_SUPPORTED); $(CC) builds for $(ARCH))
endif
# A cross build (ARCH is not this machine's) builds what needs no host
# interpreter: the library, the tool, the tests, test-static; no binding.
CROSS_BUILD := $(if $(filter $(ARCH),$(shell uname -m)),,1)
# A cross build has a folder of its own, as make does not see a change
# of CC: build-ARCH.
ifeq ($(CROSS_BUILD),1)
BUILD      ?= build-$(ARCH)
endif

# The C library $(CC) builds against, told by its headers: glibc, or musl
# (musl-gcc: docs/design.md, "musl"), which builds in a folder of its own,
# since make does not see a change of CC.
LIBC := $(shell printf '\043include <features.h>\n\043ifdef __GLIBC__\nglibc\n\043elif __has_include(<bits/alltypes.h>)\nmusl\n\043endif\n' | \
	$(CC) -E -P -x c - 2>/dev/null | grep -E '^(glibc|musl)$$')
ifeq ($(LIBC),)
$(error cannot tell the C library $(CC) builds against (glibc or musl): is $(CC) installed?)
endif
ifeq ($(LIBC),musl)
ifeq ($(SANITIZE),1)
$(error SANITIZE=1: the sanitizers' runtimes need glibc; CC=$(CC) builds against musl)
endif
BUILD      ?= build-musl
endif

ifeq ($(SANITIZE),1)
BUILD      ?= build-san
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
else
BUILD      ?= build
SANFLAGS   :=
endif


# The architecture's control-flow hardening wherever the compiler has it,
# chosen here only: x86 control-flow protection (IBT, shadow stack), arm64
# branch protection (BTI landing pads, return addresses signed with PAC).
# The objects are then marked in their GNU property notes, the .S by hand
# (asm.h, OBJECT_NOTES), and the linker marks libtimens.so and programs
# only if every object is.  An old gcc or another compiler without it
# builds without.
HARDEN_FLAG_x86_64  := -fcf-protection
HARDEN_FLAG_aarch64 := -mbranch-protection=standard
CF_PROTECTION := $(shell $(CC) $(HARDEN_FLAG_$(ARCH)) -Werror -E -x c /dev/null \
	>/dev/null 2>&1 && echo $(HARDEN_FLAG_$(ARCH)))

# arm64: the library's atomic read-modify-writes inline (LL/SC), not as
# calls into libgcc's out-of-line helpers, which bring libgcc's LSE probe
# with them: a constructor without a BTI landing pad, which the loader
# calls indirectly and which then kills a guarded process with SIGILL.
ATOMICS_FLAG_aarch64 := -mno-outline-atomics
LIB_ATOMICS := $(shell $(CC) $(ATOMICS_FLAG_$(ARCH)) -Werror -E -x c /dev/null \
	>/dev/null 2>&1 && echo $(ATOMICS_FLAG_$(ARCH)))

# Every object's header dependencies, written as it is compiled.
DEPFLAGS = -MMD -MP -MF $@.d -MT $@

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wundef -Wpointer-arith -Wvla \
	-Werror=shadow -Werror=strict-prototypes -Werror=missing-prototypes \
	-Werror=format=2 -Werror=implicit-function-declaration \
	-Werror=incompatible-pointer-types -Werror=int-conversion \
	-Werror=return-type -Werror=vla
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

# The kernel's UAPI headers (<linux/...>, <asm/...>; linux-libc-dev),
# which musl-gcc does not search: for a compiler that does not find them,
# UAPI_DIR links to just those folders, searched after the libc's own
# (docs/design.md, "musl", says why not all of /usr/include).
# UAPI_INCLUDE and UAPI_ASM (its asm/ for this architecture) may point
# elsewhere, at a kernel's installed headers say.
UAPI_DIR := $(BUILD)/uapi
ifeq ($(shell printf '\043include <linux/types.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo y),y)
UAPI_FLAGS :=
UAPI_STAMP :=
else
UAPI_INCLUDE ?= /usr/include
UAPI_ASM     ?= $(firstword $(wildcard $(UAPI_INCLUDE)/$(shell $(CC) -print-multiarch 2>/dev/null)/asm \
                                        $(UAPI_INCLUDE)/asm))
UAPI_FLAGS := -idirafter $(UAPI_DIR)
UAPI_STAMP := $(UAPI_DIR)/.links
$(UAPI_STAMP):
	@test -f $(UAPI_INCLUDE)/linux/types.h && test -f "$(UAPI_ASM)/types.h" || \
		{ echo "$(CC) finds no kernel headers, nor are they in $(UAPI_INCLUDE) (apt-get install linux-libc-dev)" >&2; exit 1; }
	@mkdir -p $(@D)
	ln -sfn $(abspath $(UAPI_INCLUDE)/linux) $(@D)/linux
	ln -sfn $(abspath $(UAPI_INCLUDE)/asm-generic) $(@D)/asm-generic
	ln -sfn $(abspath $(UAPI_ASM)) $(@D)/asm
	@touch $@
endif

# What every object is compiled with, before the builder's flags.
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude $(UAPI_FLAGS) $(WARNINGS) $(SANFLAGS) $(CF_PROTECTION)
LIB_INC     := -Isrc/lib -Isrc/lib/arch/$(ARCH)
LIB_CFLAGS  := $(BASE_CFLAGS) -fPIC -fvisibility=hidden $(LIB_ATOMICS) $(LIB_INC)
ASM_FLAGS   := -fPIC $(LIB_INC) $(CF_PROTECTION)
LDFLAGS_SAN := $(SANFLAGS)
COMPILE      = $(CC) $(1) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS)

LIB_SRCS := $(wildcard src/lib/*.c)
LIB_ASM  := $(wildcard src/lib/arch/$(ARCH)/*.S)
LIB_HDRS := $(wildcard src/lib/*.h src/lib/arch/$(ARCH)/*.h)
LIB_OBJS := $(LIB_SRCS:src/lib/%.c=$(BUILD)/lib/%.o) \
            $(LIB_ASM:src/lib/arch/$(ARCH)/%.S=$(BUILD)/lib/%.o)
LIB_SO      := $(BUILD)/libtimens.so
LIB_SONAME  := libtimens.so.$(SOVERSION)
LIB_REAL    := libtimens.so.$(VERSION)
LIB_A       := $(BUILD)/libtimens.a
LIB_MAP     := src/lib/libtimens.map

CLI_SRCS := $(wildcard src/cli/*.c)
CLI_OBJS := $(CLI_SRCS:src/cli/%.c=$(BUILD)/cli/%.o)
CLI_BIN  := $(BUILD)/timens

# test/NAME.c is one test program; test/lib/*.c is shared by all of them.
TEST_SRCS  := $(wildcard test/*.c)
TEST_LIB   := $(wildcard test/lib/*.c)
TEST_PROGS := $(TEST_SRCS:test/%.c=$(BUILD)/test/%)
TEST_LIBOBJS := $(TEST_LIB:test/lib/%.c=$(BUILD)/test/lib/%.o)
TEST_CFLAGS := $(BASE_CFLAGS) -Itest/lib -pthread
TEST_LDLIBS := -L$(BUILD) -ltimens -Wl,-rpath,'$$ORIGIN/..' -pthread

BENCH_SRCS  := $(wildcard bench/*.c)
BENCH_PROGS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

MAN3 := $(wildcard man/*.3)
MAN1 := $(wildcard man/*.1)

.PHONY: all lib cli tests check test-static install uninstall clean bench kernel-check deps

# Debian packages the build and the tests use; `make deps` installs the
# missing ones (as root, or through sudo).  `make deps-pkg` installs what
# building and testing the Debian packages needs on top (make check-deb).
DEPS := gcc make perl util-linux python3 pkg-config procps
# musl-gcc and the kernel headers it is given (make check CC=musl-gcc).
DEPS += musl-tools linux-libc-dev
DEPS_PKG := dpkg-dev debhelper fakeroot lintian man-db bash-completion

define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing:" $$missing; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(DEPS))
# The arm64 cross build (make CROSS_COMPILE=aarch64-linux-gnu- ...: the
# library, the tool, the tests, test-static for arm64 guests).
DEPS_CROSS := gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
deps-cross:
	$(call apt_install,$(DEPS_CROSS))
.PHONY: deps-cross
deps-pkg: deps
	$(call apt_install,$(DEPS_PKG))
.PHONY: deps-pkg
.DEFAULT_GOAL := all

all: lib cli

lib: $(LIB_SO) $(LIB_A) $(BUILD)/libtimens.pc

cli: $(if $(CLI_SRCS),$(CLI_BIN))

$(BUILD)/lib/%.o: src/lib/%.c | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(LIB_CFLAGS)) -c -o $@ $<

$(BUILD)/lib/%.o: src/lib/arch/$(ARCH)/%.S | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(ASM_FLAGS)) -c -o $@ $<

# -z nodelete: threads that called timens_clone3 free their clone area
# with a pthread key destructor in the library, at their exit, which may
# come after a dlclose().
$(BUILD)/$(LIB_REAL): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(CF_PROTECTION) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script,$(LIB_MAP) -Wl,-z,noexecstack -Wl,-z,nodelete \
		-o $@ $(LIB_OBJS) $(LDFLAGS_SAN) -pthread

$(LIB_SO): $(BUILD)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(BUILD)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The .pc file says where the files will be once installed, so it is
# written for the directories of this make run, whatever an earlier build
# wrote (the FORCE and the compare keep it from being rewritten, and the
# things that depend on it rebuilt, when nothing changed).  libdir and
# includedir are written relative to ${prefix} when they are under it, so
# that pkg-config --define-prefix and sysroots relocate them.
pc_rel = $(if $(filter $(PREFIX)/%,$(1)),$${prefix}$(patsubst $(PREFIX)%,%,$(1)),$(1))
$(BUILD)/libtimens.pc: libtimens.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_rel,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_rel,$(INCLUDEDIR))|' -e 's|@VERSION@|$(VERSION)|' \
	    $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; echo "  GEN $@ (prefix $(PREFIX))"; fi
.PHONY: FORCE
FORCE:

$(BUILD)/cli/%.o: src/cli/%.c | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(BASE_CFLAGS) -Isrc/cli -DTIMENS_VERSION='"$(VERSION)"') -c -o $@ $<

# The tool: static by default (STATIC_TOOL, above): nothing to find at
# start-up, and it can be copied into a container as it is.  The
# sanitizers need the dynamic runtime, so SANITIZE=1 links dynamically
# (with the static libtimens, as the default tool has it).  STATIC_TOOL=0
# links libtimens.so; in the build tree `make check` finds it through
# LD_LIBRARY_PATH (no rpath: the installed tool must not carry one), which
# the loader ignores for test/privilege.sh's setuid copies: that test
# fails there, and test/pkg/debs.sh checks the installed dynamic tool's
# refusal instead.
ifeq ($(STATIC_TOOL),0)
$(CLI_BIN): $(CLI_OBJS) $(LIB_SO)
	$(CC) $(CFLAGS) $(CF_PROTECTION) $(LDFLAGS) -o $@ $(CLI_OBJS) -L$(BUILD) -ltimens \
		$(LDFLAGS_SAN) -pthread
else
$(CLI_BIN): $(CLI_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(CF_PROTECTION) $(LDFLAGS) $(if $(SANITIZE),,-static) -o $@ \
		$(CLI_OBJS) $(LIB_A) $(LDFLAGS_SAN) -pthread
endif

$(BUILD)/test/lib/%.o: test/lib/%.c | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(TEST_CFLAGS)) -c -o $@ $<

$(BUILD)/test/%: test/%.c $(TEST_LIBOBJS) $(LIB_SO) | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(TEST_CFLAGS)) $(LDFLAGS) -o $@ $< $(TEST_LIBOBJS) $(TEST_LDLIBS) $(LDFLAGS_SAN)

# The shell tests' helper (test/cli/helper.c: clock readings, a pending
# namespace), built like the test programs; test-static builds it static
# for the kernel harness's guests.
CLI_HELPER := $(BUILD)/test/cli/helper
$(CLI_HELPER): test/cli/helper.c | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(BASE_CFLAGS)) $(LDFLAGS) -o $@ $< $(LDFLAGS_SAN)

tests: $(TEST_PROGS) cli $(CLI_HELPER)
# Kept: make would delete them as intermediates of the pattern rule above.
.SECONDARY: $(TEST_LIBOBJS)

# Each test program speaks TAP; prove runs them.  TIMENS_TEST_STRICT=1
# (set by CI) turns a skip for lack of privilege or kernel support into a
# failure.
# Shell tests (test/*.sh) drive the timens tool end to end.
TEST_SCRIPTS := $(wildcard test/*.sh)
# valgrind cannot follow musl's allocator: a musl check leaves
# test/valgrind.sh out, by design, and says so (docs/design.md, "musl").
ifeq ($(LIBC),musl)
TEST_SCRIPTS := $(filter-out test/valgrind.sh,$(TEST_SCRIPTS))
check: valgrind-left-out
endif
.PHONY: valgrind-left-out
valgrind-left-out:
	@echo "valgrind: test/valgrind.sh left out (valgrind cannot follow musl's allocator): plain \`make check' runs it"

check: tests
	TIMENS_BUILD=$(abspath $(BUILD)) TIMENS_FUZZ_BUILD=$(abspath $(FUZZ_BUILD)) \
	TIMENS_VG_BUILD=$(abspath $(VG_BUILD)) \
	$(if $(filter 0,$(STATIC_TOOL)),LD_LIBRARY_PATH=$(abspath $(BUILD))) \
	prove -f --exec '' $(TEST_PROGS) $(TEST_SCRIPTS)

# Static test programs for the kernel harness's guests (kernel/), every
# test and bench-clone3; and for the shell tests there (test/cli-*.sh) the
# tool as timens and their helper as cli/helper.
STATIC := $(BUILD)/test-static
STATIC_BENCH := bench/bench-clone3.c
test-static: $(UAPI_STAMP)
	@mkdir -p $(STATIC)/lib
	@for f in $(LIB_SRCS) $(LIB_ASM); do \
		o=$(STATIC)/lib/$$(basename $$f).o; \
		$(CC) -std=gnu11 -D_GNU_SOURCE -Iinclude $(UAPI_FLAGS) $(LIB_INC) $(CF_PROTECTION) \
			$(CPPFLAGS) $(CFLAGS) -c -o $$o $$f || exit 1; \
	done
	@rm -f $(STATIC)/LIST $(STATIC)/BENCH
	@for t in $(filter-out $(BTI_TEST),$(TEST_SRCS)) $(STATIC_BENCH); do \
		n=$$(basename $$t .c); \
		$(CC) $(TEST_CFLAGS) $(LIB_INC) -Ibench $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
			-static -o $(STATIC)/$$n $$t $(TEST_LIB) $(STATIC)/lib/*.o -pthread || exit 1; \
		case $$t in bench/*) echo $$n >> $(STATIC)/BENCH;; \
		            *) echo $$n >> $(STATIC)/LIST;; esac; \
	done
	@mkdir -p $(STATIC)/cli
	@$(CC) $(BASE_CFLAGS) -Isrc/cli -DTIMENS_VERSION='"$(VERSION)"' $(CPPFLAGS) $(CFLAGS) \
		$(LDFLAGS) -static -o $(STATIC)/timens $(CLI_SRCS) $(STATIC)/lib/*.o -pthread
	@$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -static -o $(STATIC)/cli/helper \
		test/cli/helper.c
	@$(if $(BTI_SO),cp $(BUILD)/test/bti-guarded $(BTI_SO) $(STATIC)/ && echo bti-guarded >> $(STATIC)/LIST)

# test/bti-guarded.c wants libtimens's code mapped with BTI enforced,
# which no program linked with Debian 12's start files can have (they
# carry no BTI note).  On arm64 it is linked, dynamically, against a copy
# of libtimens.so made of the library's own objects without the start
# files, which the loader maps guarded; the guests get it with the
# program (test-static).  -z force-bti marks the copy despite libgcc's
# unmarked arithmetic routines, which is sound only while our objects
# reach them by direct calls alone (bl, b: BTI checks no direct branch),
# as the recipe checks.  docs/design.md, "The assembly entry", has the rest.
BTI_TEST := test/bti-guarded.c
ifeq ($(ARCH):$(CF_PROTECTION),aarch64:-mbranch-protection=standard)
BTI_SO := $(BUILD)/bti/$(LIB_SONAME)
# The binutils of $(CC)'s target, cross or not.
BTI_READELF := $(shell $(CC) -print-prog-name=readelf)
BTI_NM      := $(shell $(CC) -print-prog-name=nm)
$(BTI_SO): $(LIB_OBJS) $(LIB_MAP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CF_PROTECTION) $(LDFLAGS) -shared -nostartfiles -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script,$(LIB_MAP) -Wl,-z,noexecstack -Wl,-z,nodelete -Wl,-z,force-bti \
		-o $@ $(LIB_OBJS) $(LDFLAGS_SAN) -pthread 2> $@.warn || { cat $@.warn; exit 1; }
	@if grep -v -e '/libgcc\.a(' $@.warn | grep 'BTI turned on'; then \
		echo "$@: inputs without BTI besides libgcc's (above)"; rm -f $@; exit 1; fi
	@ours=" $$($(BTI_NM) --defined-only $(LIB_OBJS) | awk 'NF == 3 { print $$3 }' | tr '\n' ' ') "; \
	imported=" $$($(BTI_NM) -u $(LIB_OBJS) | awk '$$1 == "U" { print $$2 }' | tr '\n' ' ') "; \
	for s in $$($(BTI_NM) $@ | awk '$$2 == "t" { print $$3 }' | sort -u); do \
		case $$imported in *" $$s "*) ;; *) continue ;; esac; \
		case $$ours in *" $$s "*) continue ;; esac; \
		bad=$$($(BTI_READELF) -rW $(LIB_OBJS) | \
		       awk -v s=$$s '$$5 == s && $$3 !~ /^R_AARCH64_(CALL|JUMP)26$$/'); \
		[ -z "$$bad" ] || { echo "$@: $$s, linked in without BTI, is reached by more than a direct call:"; \
				    echo "$$bad"; rm -f $@; exit 1; }; \
	done
	@$(BTI_READELF) -n $@ | grep -q 'AArch64 feature: BTI' || { echo "$@: not BTI-marked"; rm -f $@; exit 1; }
$(BUILD)/test/bti-guarded: $(BTI_TEST) $(TEST_LIBOBJS) $(BTI_SO) | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(TEST_CFLAGS)) $(LDFLAGS) -o $@ $< $(TEST_LIBOBJS) $(BTI_SO) \
		-Wl,-rpath,'$$ORIGIN/../bti' -pthread $(LDFLAGS_SAN)
test-static: $(BUILD)/test/bti-guarded
endif

$(BUILD)/bench/%: bench/%.c $(LIB_A) | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(call COMPILE,$(BASE_CFLAGS) $(LIB_INC)) $(LDFLAGS) -o $@ $< $(LIB_A) -pthread $(LDFLAGS_SAN)

bench: $(BENCH_PROGS) cli
	@if [ -x bench/run ]; then bench/run $(BUILD); else \
		for b in $(BENCH_PROGS); do $$b || exit 1; done; fi

# The guests run $(BUILD)/test-static, which the harness makes.
kernel-check: test-static
	TIMENS_TEST_STATIC=$(abspath $(STATIC)) $(MAKE) -C kernel check

# ---- install, uninstall ----------------------------------------------
# What `make install` puts where, one list, which uninstall removes
# again: nothing else (no wildcard), so files of another version or
# another package beside them stay.
INST_HEADER := $(DESTDIR)$(INCLUDEDIR)/timens.h
INST_LIBS   := $(addprefix $(DESTDIR)$(LIBDIR)/,$(LIB_REAL) $(LIB_SONAME) libtimens.so libtimens.a)
INST_PC     := $(DESTDIR)$(PKGCONFIGDIR)/libtimens.pc
INST_MAN3   := $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
INST_MAN1   := $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
INST_TOOL   := $(if $(CLI_SRCS),$(DESTDIR)$(BINDIR)/timens $(DESTDIR)$(BASHCOMPDIR)/timens)

install: all
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/timens.h $(INST_HEADER)
	install -m 644 $(BUILD)/$(LIB_REAL) $(DESTDIR)$(LIBDIR)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libtimens.so
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libtimens.a
	install -m 644 $(BUILD)/libtimens.pc $(INST_PC)
	$(if $(MAN3),install -d $(DESTDIR)$(MANDIR)/man3 && install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN1),install -d $(DESTDIR)$(MANDIR)/man1 && install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(CLI_SRCS),install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(BASHCOMPDIR))
	$(if $(CLI_SRCS),install -m 755 $(CLI_BIN) $(DESTDIR)$(BINDIR)/timens)
	$(if $(CLI_SRCS),install -m 644 completion/timens.bash $(DESTDIR)$(BASHCOMPDIR)/timens)

uninstall:
	rm -f $(INST_HEADER) $(INST_LIBS) $(INST_PC) $(INST_MAN3) $(INST_MAN1) $(INST_TOOL)

clean:
	rm -rf $(BUILD) build build-san build-musl

# ---- Debian packages: `make deb`, `make check-deb` ----------------------
# dpkg-buildpackage in a copy of the tree (it cleans the tree it builds
# in and writes its results next to it), so the packages land in
# $(BUILD)/deb/ and the checkout is left alone.  check-deb then runs
# lintian on them and test/pkg/debs.sh, which installs them (root).
DEB_DIR := $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar -cf - --exclude=./.git --exclude='./build*' \
		$(if $(filter /%,$(BUILD)),,--exclude='./$(BUILD)') . | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_DIR)/src
	@ls $(DEB_DIR)/*.deb

check-deb: deb
	lintian --fail-on error,warning --display-info $(DEB_DIR)/*.changes
	prove -v test/pkg/debs.sh :: $(abspath $(DEB_DIR))
.PHONY: deb check-deb

# ---- Fuzzing: libFuzzer targets in fuzz/ (clang) ------------------------
# `make fuzz` runs each target for FUZZ_SECONDS (default 30) from its seed
# corpus in fuzz/corpus/<target>/; new inputs go to $(FUZZ_BUILD)/corpus/,
# crashes to $(FUZZ_BUILD)/<target>-crash-*.  test/fuzz.sh runs a short
# round inside `make check`.  The library is compiled in from source with
# the fuzzer's instrumentation.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
# Beside BUILD; the sanitizer and musl builds share the plain one's
# (build-fuzz): it is instrumented its own way, with FUZZ_CC's libc,
# whatever SANITIZE and CC say.
FUZZ_BUILD   ?= $(patsubst %-musl,%,$(patsubst %-san,%,$(BUILD)))-fuzz
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude $(LIB_INC) \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS    := $(wildcard fuzz/*.c)
FUZZ_BINS    := $(FUZZ_SRCS:fuzz/%.c=$(FUZZ_BUILD)/%)
DEPS         += clang valgrind

.PHONY: fuzz fuzz-build fuzz-clean

$(FUZZ_BUILD)/%: fuzz/%.c $(LIB_SRCS) $(LIB_ASM) include/timens.h $(LIB_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LIB_ASM) -pthread

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for t in $(FUZZ_BINS); do \
		n=$$(basename $$t); mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		echo "== $$n: $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/$$n- \
			$(FUZZ_BUILD)/corpus/$$n fuzz/corpus/$$n || exit 1; \
	done

fuzz-clean:
	rm -rf $(FUZZ_BUILD)
clean: fuzz-clean

# ---- valgrind: the tool's end-to-end cases under memcheck ----------------
# The installed tool is static, and valgrind cannot see through a static
# libc; this is the same code linked against the shared libc, plain
# (valgrind and ASan do not mix).  test/valgrind.sh runs the cases;
# `make valgrind` runs just that script.
VG_BUILD ?= $(patsubst %-san,%,$(BUILD))-vg
VG_BIN   := $(VG_BUILD)/timens

$(VG_BIN): $(CLI_SRCS) $(LIB_SRCS) $(LIB_ASM) include/timens.h $(LIB_HDRS) $(wildcard src/cli/*.h) | $(UAPI_STAMP)
	@mkdir -p $(@D)
	$(CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude $(UAPI_FLAGS) $(LIB_INC) -Isrc/cli \
		-DTIMENS_VERSION='"$(VERSION)"' -o $@ $(CLI_SRCS) $(LIB_SRCS) $(LIB_ASM) -pthread

.PHONY: valgrind valgrind-build
valgrind-build: $(VG_BIN)
valgrind: valgrind-build
	TIMENS_VG_BUILD=$(abspath $(VG_BUILD)) prove -v test/valgrind.sh
clean: valgrind-clean
valgrind-clean:
	rm -rf $(VG_BUILD)

# The header dependencies each compile wrote ($(DEPFLAGS)).
-include $(wildcard $(LIB_OBJS:=.d) $(CLI_OBJS:=.d) $(TEST_LIBOBJS:=.d) \
	$(TEST_PROGS:=.d) $(BENCH_PROGS:=.d))

# ---- The Python binding: python/python.mk ----------------------------------
include python/python.mk

# ---- Go: the timens package (go/) ---------------------------------------
include go/go.mk
