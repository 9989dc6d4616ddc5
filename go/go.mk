# SPDX-License-Identifier: LGPL-2.1-or-later
# The Go package (go/, module timens), included by the top Makefile.
# Debian's own Go (golang-go, 1.19), offline and self-contained: no
# module proxy (GOPROXY=off; the module needs nothing outside the
# standard library), and the build cache and GOPATH live in the build
# folder, so that it works as root on a fresh machine with no HOME cache.
# The package is pure Go (CGO_ENABLED=0); its tests build two small C
# helpers with $(CC).
#
#   make go-check   gofmt, go vet and `go test ./...` (part of `make check`)
#   make go-bench   build the Go row of `make bench`

GO      ?= go
GO_DIR  := $(CURDIR)/$(BUILD)/go
GO_ENV  := GOCACHE=$(GO_DIR)/cache GOPATH=$(GO_DIR)/path GOMODCACHE=$(GO_DIR)/path/pkg/mod \
           GOENV=off GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off CGO_ENABLED=0 CC='$(CC)'
GO_SRCS := $(shell find go -name '*.go' 2>/dev/null) go/go.mod
DEPS    += golang-go

.PHONY: go-check go-bench

# One summary line of its own, as prove gives for the C suite; the whole
# log is kept in $(BUILD)/go/test.log and printed on failure.
go-check:
	@mkdir -p $(GO_DIR)
	@bad=$$(gofmt -l go); if [ -n "$$bad" ]; then echo "go: not gofmt'ed: $$bad"; exit 1; fi
	@cd go && $(GO_ENV) $(GO) vet ./...
	@cd go && $(GO_ENV) $(GO) test -count=1 -v ./... > $(GO_DIR)/test.log 2>&1; st=$$?; \
	pass=$$(grep -c '^--- PASS' $(GO_DIR)/test.log); fail=$$(grep -c '^--- FAIL' $(GO_DIR)/test.log); \
	skip=$$(grep -c '^--- SKIP' $(GO_DIR)/test.log); \
	if [ $$st -ne 0 ]; then cat $(GO_DIR)/test.log; fi; \
	echo "go: $$pass passed, $$fail failed, $$skip skipped (go test ./..., log in $(BUILD)/go/test.log)"; \
	exit $$st

check: go-check

$(BUILD)/bench/bench-go: $(GO_SRCS)
	@mkdir -p $(@D)
	cd go && $(GO_ENV) $(GO) build -o $(CURDIR)/$@ ./internal/bench

go-bench: $(BUILD)/bench/bench-go
# Without Go (no `make deps`) the rest of the suite still runs.
bench: $(if $(shell command -v $(GO) 2>/dev/null),go-bench)

# The suite as one static program for the kernel harness's guests, which
# have no compiler (kernel/scripts/build-bindings.sh): the test binary,
# and its C helpers built static by the binary itself (run with
# TIMENS_GO_TEST_HELPERS=DIR to use them).  testdata/ must be next to
# the binary's working directory, as for `go test`.
GO_STATIC := $(GO_DIR)/test-static
go-test-static:
	@mkdir -p $(GO_STATIC)
	cd go && $(GO_ENV) $(GO) test -c -o $(GO_STATIC)/timens.test .
	cd go && CC='$(CC) -static' TIMENS_GO_TEST_BUILD_HELPERS=$(GO_STATIC) $(GO_STATIC)/timens.test
.PHONY: go-test-static
