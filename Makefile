# mpmd: the two commands are `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps deps-build build build-server run test test-long clean format install deb testssl


all: build

deps:
	@scripts/install-deps

# What the build needs; `make test` installs the servers and tools its tests
# drive in the background while it builds (scripts/deps/test-only.list).
deps-build:
	@scripts/install-deps --build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The server, its tools, applications and man pages: everything but the unit
# tests (what make run, make install and make test's own suites need).
SERVER_TARGETS = $$(scripts/tree-targets $(BUILD) -)
build-server: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target $(SERVER_TARGETS)

# Serves www/ on port 8080 with conf/mpmd.conf (event engine), in the foreground.
run: build-server
	mkdir -p logs
	$(BUILD)/mpmd -f conf/mpmd.conf -D FOREGROUND

# Builds and runs every test through ctest, fuzzers included. First the unit
# and integration suites run under AddressSanitizer+UBSan and the threaded ones
# (event engine) under ThreadSanitizer (scripts/sanitize-tests, in build-asan/
# and build-tsan/); then the normal tree runs what only it can check: the
# fuzzers, the install/package/man/README suites, the integration suites
# whose checks are lighter under a sanitizer and the event engine's select,
# poll and io_uring runs (ctest labels fuzz, single, full_size and backends). The normal tree does not build the unit tests that ASan ran.
# The fuzzers' clang tree and the TSan tree build at the lowest priority in the
# background while the ASan tests run, and the packages that only tests use
# install in the background while the trees build.
# `make test SANITIZE=no` builds everything and runs every test in the normal
# tree only.
SANITIZE ?= yes
NORMAL_TREE_TESTS = fuzz|single|full_size|backends
ifneq ($(SANITIZE),no)
test: deps-build $(BUILD)/build.ninja
	scripts/install-deps --background $(BUILD)/deps.log
	cmake --build $(BUILD) -j $(JOBS) --target $(SERVER_TARGETS)
	(scripts/install-deps --wait $(BUILD)/deps.log >/dev/null && nice -n 19 env \
	  MPMD_FUZZ_BUILD_DIR=$(abspath $(BUILD))/fuzz-tree tests/fuzz/run-fuzzer --build-only) \
	  >$(BUILD)/fuzz-tree.log 2>&1 &
	JOBS=$(JOBS) MPMD_DEPS_LOG=$(abspath $(BUILD))/deps.log scripts/sanitize-tests
	cd $(BUILD) && MPMD_FUZZ_SECONDS=$${MPMD_FUZZ_SECONDS:-20} ctest --output-on-failure -j $(JOBS) -L '$(NORMAL_TREE_TESTS)'
else
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
endif

# The long run: everything under the sanitizers (TSan under the worker engine
# too), every test in the normal tree, and each fuzzer for 10 minutes.
test-long: build
	JOBS=$(JOBS) MPMD_TSAN_ENGINES='worker|event' MPMD_TSAN_SUITES=all scripts/sanitize-tests
	cd $(BUILD) && MPMD_FUZZ_SECONDS=$${MPMD_FUZZ_SECONDS:-600} ctest --output-on-failure -j $(JOBS)

# Installs under PREFIX (default /usr/local), into DESTDIR if set: binaries,
# headers, pkg-config and CMake packages, man pages, and the configuration, unit
# and logrotate file (/etc/mpmd etc. when PREFIX=/usr). See README "Installing".
PREFIX ?= /usr/local
install: build-server
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package (../mpmd_*.deb), built from scratch by dpkg-buildpackage.
deb: deps
	dpkg-buildpackage -us -uc -b

# testssl.sh against mpmd and nginx with Mozilla's intermediate TLS settings:
# fails on a HIGH or CRITICAL finding, or protocol/cipher results unlike
# nginx's (tests/integration/test_testssl.py; a few minutes).
testssl: build
	python3 tests/integration/test_testssl.py --mpmd $(BUILD)/mpmd

format:
	find src include tools tests bench examples -name '*.[ch]pp' 2>/dev/null | xargs -r clang-format -i

clean:
	rm -rf $(BUILD)

# Benchmark targets (make bench, make bench-quick) live with the harness.
-include bench/bench.mk
