# SPDX-License-Identifier: LGPL-2.1-or-later
# libtimens and the timens tool.  `make`, `make check`, `make install`.

VERSION    := 0.1.0
SOVERSION  := 0

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=

CC         ?= cc
CFLAGS     ?= -O2 -g
# SANITIZE=1 builds everything with ASan and UBSan, in its own folder.
SANITIZE   ?=
# WERROR=1 (CI) turns every warning into an error.
WERROR     ?=

ifeq ($(SANITIZE),1)
BUILD      ?= build-san
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
else
BUILD      ?= build
SANFLAGS   :=
endif

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wundef -Wpointer-arith -Wvla \
	-Werror=shadow -Werror=strict-prototypes -Werror=missing-prototypes \
	-Werror=format=2 -Werror=implicit-function-declaration \
	-Werror=incompatible-pointer-types -Werror=int-conversion \
	-Werror=return-type -Werror=vla
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude $(WARNINGS) $(SANFLAGS)
LIB_CFLAGS  := $(BASE_CFLAGS) -fPIC -fvisibility=hidden -Isrc/lib
LDFLAGS_SAN := $(SANFLAGS)

LIB_SRCS := $(wildcard src/lib/*.c)
LIB_ASM  := $(wildcard src/lib/*.S)
LIB_OBJS := $(LIB_SRCS:src/lib/%.c=$(BUILD)/lib/%.o) \
            $(LIB_ASM:src/lib/%.S=$(BUILD)/lib/%.o)
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
# missing ones (as root, or through sudo).
DEPS := gcc make perl util-linux python3 pkg-config procps

deps:
	@missing=$$(for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing:" $$missing; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
.DEFAULT_GOAL := all

all: lib cli

lib: $(LIB_SO) $(LIB_A) $(BUILD)/libtimens.pc

cli: $(if $(CLI_SRCS),$(CLI_BIN))

$(BUILD)/lib/%.o: src/lib/%.c include/timens.h $(wildcard src/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.o: src/lib/%.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

# -z nodelete: threads that called timens_clone3 free their clone area
# with a pthread key destructor in the library, at their exit, which may
# come after a dlclose().
$(BUILD)/$(LIB_REAL): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script,$(LIB_MAP) -Wl,-z,noexecstack -Wl,-z,nodelete \
		-o $@ $(LIB_OBJS) $(LDFLAGS_SAN) -pthread

$(LIB_SO): $(BUILD)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(BUILD)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libtimens.pc: libtimens.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(BUILD)/cli/%.o: src/cli/%.c include/timens.h $(wildcard src/cli/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -Isrc/cli -DTIMENS_VERSION='"$(VERSION)"' -c -o $@ $<

# The tool is one static executable: nothing to find at start-up (the
# dynamic loader alone costs about as much as running /bin/true, see
# BENCHMARKS.md), and it can be copied into a container as it is.  The
# sanitizers need the dynamic runtime, so SANITIZE=1 links dynamically.
CLI_STATIC := $(if $(SANITIZE),,-static)
$(CLI_BIN): $(CLI_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(CLI_STATIC) -o $@ $(CLI_OBJS) $(LIB_A) $(LDFLAGS_SAN) -pthread

$(BUILD)/test/lib/%.o: test/lib/%.c $(wildcard test/lib/*.h) include/timens.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/test/%: test/%.c $(TEST_LIBOBJS) $(LIB_SO) $(wildcard test/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -o $@ $< $(TEST_LIBOBJS) $(TEST_LDLIBS) $(LDFLAGS_SAN)

tests: $(TEST_PROGS) cli

# Each test program speaks TAP; prove runs them.  TIMENS_TEST_STRICT=1
# (set by CI) turns a skip for lack of privilege or kernel support into a
# failure.
# Shell tests (test/*.sh) drive the timens tool end to end.
TEST_SCRIPTS := $(wildcard test/*.sh)

check: tests
	TIMENS_BUILD=$(CURDIR)/$(BUILD) prove -f --exec '' $(TEST_PROGS) $(TEST_SCRIPTS)

# Static test programs for the kernel harness's guests (kernel/).  The
# fault-injection tests need seccomp user notification, which the
# guests' minimal kernels leave out; the guests run bench-clone3 only.
STATIC := build/test-static
STATIC_EXCLUDE := fault-%
STATIC_BENCH := bench/bench-clone3.c
test-static:
	@mkdir -p $(STATIC)/lib
	@for f in $(LIB_SRCS) $(LIB_ASM); do \
		o=$(STATIC)/lib/$$(basename $$f).o; \
		$(CC) $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc/lib -c -o $$o $$f || exit 1; \
	done
	@rm -f $(STATIC)/LIST $(STATIC)/BENCH
	@for t in $(TEST_SRCS) $(STATIC_BENCH); do \
		n=$$(basename $$t .c); \
		case $$n in $(subst %,*,$(STATIC_EXCLUDE))) continue;; esac; \
		$(CC) $(CFLAGS) $(TEST_CFLAGS) -Isrc/lib -Ibench -static -o $(STATIC)/$$n $$t \
			$(TEST_LIB) $(STATIC)/lib/*.o -pthread || exit 1; \
		case $$t in bench/*) echo $$n >> $(STATIC)/BENCH;; \
		            *) echo $$n >> $(STATIC)/LIST;; esac; \
	done

$(BUILD)/bench/%: bench/%.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -Isrc/lib -o $@ $< $(LIB_A) -pthread $(LDFLAGS_SAN)

bench: $(BENCH_PROGS) cli
	@if [ -x bench/run ]; then bench/run $(BUILD); else \
		for b in $(BENCH_PROGS); do $$b || exit 1; done; fi

kernel-check:
	$(MAKE) -C kernel check

install: all
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man1
	install -m 644 include/timens.h $(DESTDIR)$(INCLUDEDIR)/timens.h
	install -m 755 $(BUILD)/$(LIB_REAL) $(DESTDIR)$(LIBDIR)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libtimens.so
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libtimens.a
	install -m 644 $(BUILD)/libtimens.pc $(DESTDIR)$(PKGCONFIGDIR)/libtimens.pc
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(CLI_SRCS),install -d $(DESTDIR)$(BINDIR) && install -m 755 $(CLI_BIN) $(DESTDIR)$(BINDIR)/timens)
	install -D -m 644 completion/timens.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/timens

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/timens.h $(DESTDIR)$(LIBDIR)/libtimens.* \
	      $(DESTDIR)$(PKGCONFIGDIR)/libtimens.pc $(DESTDIR)$(BINDIR)/timens \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/timens
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))

clean:
	rm -rf build build-san

# ---- Fuzzing: libFuzzer targets in fuzz/ (clang) ------------------------
# `make fuzz` runs each target for FUZZ_SECONDS (default 30) from its seed
# corpus in fuzz/corpus/<target>/; new inputs go to $(FUZZ_BUILD)/corpus/,
# crashes to $(FUZZ_BUILD)/<target>-crash-*.  test/fuzz.sh runs a short
# round inside `make check`.  The library is compiled in from source with
# the fuzzer's instrumentation.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_BUILD   := build-fuzz
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc/lib \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS    := $(wildcard fuzz/*.c)
FUZZ_BINS    := $(FUZZ_SRCS:fuzz/%.c=$(FUZZ_BUILD)/%)
DEPS         += clang valgrind

.PHONY: fuzz fuzz-build fuzz-clean

$(FUZZ_BUILD)/%: fuzz/%.c $(LIB_SRCS) $(LIB_ASM) include/timens.h $(wildcard src/lib/*.h)
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
VG_BUILD := build-vg
VG_BIN   := $(VG_BUILD)/timens

$(VG_BIN): $(CLI_SRCS) $(LIB_SRCS) $(LIB_ASM) include/timens.h $(wildcard src/lib/*.h src/cli/*.h)
	@mkdir -p $(@D)
	$(CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc/lib -Isrc/cli \
		-DTIMENS_VERSION='"$(VERSION)"' -o $@ $(CLI_SRCS) $(LIB_SRCS) $(LIB_ASM) -pthread

.PHONY: valgrind valgrind-build
valgrind-build: $(VG_BIN)
valgrind: valgrind-build
	prove -v test/valgrind.sh
clean: valgrind-clean
valgrind-clean:
	rm -rf $(VG_BUILD)

# ---- Go: the timens package (go/) ---------------------------------------
include go/go.mk
