# Thin wrapper over CMake. `make demo` and `make test` are the two commands a
# fresh Debian 12 machine needs; both install missing packages first.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUSTODY_WERROR=ON
DEMO_DIR ?= demo-out

.PHONY: all deps build build-asan demo test test-fast test-asan test-slow bench bench-trace clean

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

demo: build
	@$(BUILD)/apps/cli/custody demo --out $(DEMO_DIR)

# Every test: the release build, then the same tests under ASan+UBSan.
test: test-fast test-asan

test-fast: build
	@ctest --test-dir $(BUILD) -LE slow --output-on-failure -j $(JOBS)

test-asan: build-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -LE 'slow|no-sanitizer' --output-on-failure -j $(JOBS)

test-slow: build
	@ctest --test-dir $(BUILD) -L slow --output-on-failure

bench: build
	@bench/run-all $(BUILD)

bench-trace: build
	@bench/run-trace $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(DEMO_DIR)
