# mpmd: the two commands are `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test clean format install deb


all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Serves www/ on port 8080 with conf/mpmd.conf (event engine), in the foreground.
run: build
	mkdir -p logs
	$(BUILD)/mpmd -f conf/mpmd.conf -D FOREGROUND

# Builds and runs every test through ctest, fuzzers included. First, the unit
# and integration suites run under AddressSanitizer+UBSan and the threaded
# ones under ThreadSanitizer (scripts/sanitize-tests, in build-asan/ and
# build-tsan/); `make test SANITIZE=no` skips that (about 20 minutes less).
SANITIZE ?= yes
test: build
ifneq ($(SANITIZE),no)
	JOBS=$(JOBS) scripts/sanitize-tests
endif
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Installs under PREFIX (default /usr/local), into DESTDIR if set: binaries,
# headers, pkg-config and CMake packages, man pages, and the configuration, unit
# and logrotate file (/etc/mpmd etc. when PREFIX=/usr). See README "Installing".
PREFIX ?= /usr/local
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package (../mpmd_*.deb), built from scratch by dpkg-buildpackage.
deb: deps
	dpkg-buildpackage -us -uc -b

format:
	find src include tools tests bench examples -name '*.[ch]pp' 2>/dev/null | xargs -r clang-format -i

clean:
	rm -rf $(BUILD)

# Benchmark targets (make bench, make bench-quick) live with the harness.
-include bench/bench.mk
