# SPDX-License-Identifier: LGPL-2.1-or-later
# The Python binding (python/): `import timens`.  Included by the top
# Makefile, whose variables it uses.  `make python` builds the package in
# $(BUILD)/python (PYTHONPATH=$(BUILD)/python imports it from there),
# `make check` runs its pytest suite, `make install` puts it in the
# interpreter's site-packages, `make bench` adds its row
# (bench/bench-python.py).  See docs/design.md, "Python binding".

# Debian's interpreter, the one `make deps` gives its headers and pytest
# (a per-user python3 earlier on PATH, pyenv's say, has neither).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
DEPS   += python3-dev python3-pytest python3-setuptools

# Asked of the interpreter only when a rule needs them.
PY_QUERY      = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("$(1)") or "")')
PY_INCLUDE    = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
PY_EXT_SUFFIX = $(call PY_QUERY,EXT_SUFFIX)
# Where `make install` puts the package: python/sitedir.py says why there.
PYTHON_SITEDIR ?= $(shell $(PYTHON) python/sitedir.py $(PREFIX))

PY_BUILD := $(BUILD)/python
PY_PKG   := $(PY_BUILD)/timens
PY_FILES := $(addprefix $(PY_PKG)/,__init__.py _timens.pyi py.typed)
PY_OBJ   := $(PY_BUILD)/_timens.o
PY_EXT    = $(PY_PKG)/_timens$(PY_EXT_SUFFIX)
# The module installed links the installed library.
PY_EXT_INSTALL = $(PY_BUILD)/install/_timens$(PY_EXT_SUFFIX)
PY_TESTS := $(wildcard python/tests/test_*.py)
# -z nodelete as for the library itself: threads free their clone area
# in a destructor of the library's at exit.
PY_LDFLAGS := -shared -Wl,-z,noexecstack -Wl,-z,nodelete

.PHONY: python python-check python-install python-uninstall
# PYTHON_BINDING=0 leaves the binding out of all, bench, check, install
# and uninstall (the Debian build does: the binding is not packaged yet).
# A musl build (CC=musl-gcc) leaves it out, by design, and `make check`
# says so: Debian's python3 runs on glibc, and cannot load a libtimens
# linked with musl (docs/design.md, "musl").  So does a cross build: no
# interpreter for the binding's architecture.
ifeq ($(LIBC),musl)
PYTHON_BINDING ?= 0
endif
ifneq ($(CROSS_BUILD),)
PYTHON_BINDING ?= 0
endif
PYTHON_BINDING ?= 1
ifneq ($(PYTHON_BINDING),0)
all: python
bench: python
check: python-check
install: python-install
uninstall: python-uninstall
else ifeq ($(LIBC),musl)
check: python-left-out
endif
.PHONY: python-left-out
python-left-out:
	@echo "python: binding left out (CC=$(CC) builds against musl; Debian's python3 runs on glibc): plain \`make check' tests it"

python: $(PY_FILES) $(PY_BUILD)/.ext

$(PY_PKG)/%: python/timens/%
	@mkdir -p $(@D)
	cp $< $@

$(PY_OBJ): python/_timens.c include/timens.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -isystem $(PY_INCLUDE) $(WARNINGS) \
		$(SANFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

# A stamp: the extension's name comes from the interpreter.
$(PY_BUILD)/.ext: $(PY_OBJ) $(LIB_SO)
	@mkdir -p $(PY_PKG)
	$(CC) $(CFLAGS) $(PY_LDFLAGS) -o $(PY_EXT) $(PY_OBJ) -L$(BUILD) -ltimens \
		-Wl,-rpath,'$$ORIGIN/../..' $(LDFLAGS_SAN)
	@touch $@

# Under SANITIZE=1 the interpreter is not instrumented: the sanitizers'
# runtimes are loaded first, and Python's deliberate leaks at exit are
# not reported.
PY_SAN_ENV := $(if $(SANITIZE),LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" ASAN_OPTIONS=detect_leaks=0)

# pytest's own summary line ends the output; nothing is written to the
# source tree (no cache, no bytecode).
python-check: python
	TIMENS_BUILD=$(CURDIR)/$(BUILD) PYTHONPATH=$(CURDIR)/$(PY_BUILD) PYTHONDONTWRITEBYTECODE=1 \
		$(PY_SAN_ENV) $(PYTHON) -m pytest -p no:cacheprovider -q -rs python/tests

python-install: python
	@mkdir -p $(dir $(PY_EXT_INSTALL))
	$(CC) $(CFLAGS) $(PY_LDFLAGS) -o $(PY_EXT_INSTALL) $(PY_OBJ) -L$(BUILD) -ltimens \
		-Wl,-rpath,$(LIBDIR) $(LDFLAGS_SAN)
	install -d $(DESTDIR)$(PYTHON_SITEDIR)/timens
	install -m 644 $(PY_FILES) $(DESTDIR)$(PYTHON_SITEDIR)/timens/
	install -m 755 $(PY_EXT_INSTALL) $(DESTDIR)$(PYTHON_SITEDIR)/timens/

python-uninstall:
	rm -rf $(DESTDIR)$(PYTHON_SITEDIR)/timens
