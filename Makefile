# Thin wrapper over CMake. `make demo` and `make test` are the two commands a
# fresh Debian 12 machine needs; both install missing packages first.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUSTODY_WERROR=ON
DEMO_DIR ?= demo-out
# `make fuzz`: seconds per target; FUZZ_TARGETS: a regex of target names.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= .
# The smoke run of every target in `make test`.
FUZZ_SMOKE_SECONDS ?= 5
CLANGXX ?= clang++
CLANG ?= clang

.PHONY: all deps build build-asan build-fuzz demo test test-fast test-asan test-fuzz test-slow \
	fuzz bench bench-trace bench-serve bench-scale screenshots man clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
	  -DCUSTODY_SANITIZE=address,undefined -DCUSTODY_BUILD_BENCH=OFF -DCUSTODY_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The libFuzzer targets (fuzz/), with clang, ASan and UBSan; every library
# is coverage-instrumented (CUSTODY_FUZZ). Only the fuzz targets are built.
build-fuzz: deps
	@fuzz/check-toolchain $(CLANGXX)
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O2 -g" \
	  -DCMAKE_C_COMPILER=$(CLANG) -DCMAKE_CXX_COMPILER=$(CLANGXX) \
	  -DCUSTODY_SANITIZE=address,undefined -DCUSTODY_FUZZ=ON -DCUSTODY_BUILD_BENCH=OFF \
	  -DCUSTODY_WERROR=ON -DFUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

# Runs every fuzz target for FUZZ_SECONDS on a copy of its seeds; new inputs
# and crashes land in $(FUZZ_BUILD)/fuzz-run/<target>/.
fuzz: build-fuzz
	@fuzz/run-all $(FUZZ_BUILD) $(FUZZ_SECONDS) '$(FUZZ_TARGETS)'

demo: build
	@$(BUILD)/apps/cli/custody demo --out $(DEMO_DIR)

# docs/screenshots/*.png: the first screen (1280x900) of each HTML report of
# a full demo run, taken by headless Chromium after the layout checks pass
# (tests/browser/README.md); docs/screenshots/dashboard-*.png: the pages of
# the `custody serve` dashboard after its browser checks pass.
screenshots: build
	@tests/browser/run_layout_test.sh $(BUILD)/apps/cli/custody docs/screenshots
	@tests/browser/run_dashboard_test.sh $(BUILD)/apps/cli/custody docs/screenshots

# Every test: the release build, then the same tests under ASan+UBSan, then a
# short run of every fuzz target (skipped, saying why, without clang).
test: test-fast test-asan test-fuzz

test-fast: build
	@ctest --test-dir $(BUILD) -LE slow --output-on-failure -j $(JOBS)

test-asan: build-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -LE 'slow|no-sanitizer' --output-on-failure -j $(JOBS)

test-fuzz:
	@if fuzz/check-toolchain $(CLANGXX); then \
	  $(MAKE) --no-print-directory build-fuzz && \
	  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir $(FUZZ_BUILD) -L fuzz --output-on-failure -j $(JOBS); \
	else \
	  echo "test-fuzz: SKIPPED: no clang with libFuzzer (see above); the fuzz smoke tests did not run"; \
	fi

test-slow: build
	@ctest --test-dir $(BUILD) -L slow --output-on-failure

# The custody(1) man page, generated from the command definitions
# (`custody man`): view it with `man -l $(BUILD)/man/custody.1`.
man: build
	@mkdir -p $(BUILD)/man
	@$(BUILD)/apps/cli/custody man > $(BUILD)/man/custody.1.tmp && mv $(BUILD)/man/custody.1.tmp $(BUILD)/man/custody.1
	@echo "wrote $(BUILD)/man/custody.1"

bench: build
	@bench/run-all $(BUILD)

bench-trace: build
	@bench/run-trace $(BUILD)

bench-serve: build
	@bench/serve/run $(BUILD) && bench/collect

# The sharded index: build and scan records/s per worker, 1 and 2 workers.
bench-scale: build
	@bench/scale/run $(BUILD) && bench/collect

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEMO_DIR)
