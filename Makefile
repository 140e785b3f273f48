# aocore: `make demo` builds the extension and runs the demo; `make test` also builds the C++ test
# suite and runs every test; `make bench` builds the benchmarks and runs them. Each does the set-up
# it needs first (Debian packages when missing, .venv, an editable install); a second run skips
# what is done and rebuilds only what changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BUILD_DIR := build/py
JOBS ?= $(shell nproc)
export CMAKE_BUILD_PARALLEL_LEVEL := $(JOBS)
# The editable install builds the extension in one persistent build dir. The C++ tests and the
# benchmarks are turned on in the same dir only by the targets that need them (`make test`,
# `make bench`), so a first `make demo` compiles the core and the extension and nothing else.
PIP_BUILD_FLAGS := --no-build-isolation -Cbuild-dir=$(BUILD_DIR)
# ccache, when the machine has it, makes rebuilds in several checkouts cheap; it is optional.
CCACHE := $(shell command -v ccache 2>/dev/null)
ifneq ($(CCACHE),)
PIP_BUILD_FLAGS += -Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)
endif
say = @echo "aocore: $(1)"

.PHONY: all setup build build-tests build-bench test test-cpp test-py demo bench sanitize tsan fuzz fuzz-build clean

all: test

setup: .stamps/system .stamps/venv build
	$(PYTHON) tools/fetch_wasm_deps.py all  # Wasmtime + AOS modules (CMake also fetches them)

.stamps/system: tools/ensure-system-deps.sh
	$(call say,checking the Debian packages aocore builds against)
	bash tools/ensure-system-deps.sh
	@mkdir -p .stamps && touch $@

.stamps/venv: pyproject.toml .stamps/system
	$(call say,creating $(VENV) with the build tools (scikit-build-core, pybind11))
	[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet "scikit-build-core>=0.10" "pybind11>=3.0"
	@mkdir -p .stamps && touch $@

# pytest and what the notebook tests run; only `make test` needs them.
.stamps/test-tools: .stamps/venv
	$(call say,installing the test tools into $(VENV) (pytest; nbclient and ipykernel for the notebooks))
	$(VPY) -m pip install --quiet "pytest>=8" nbclient ipykernel nbformat matplotlib tqdm
	@mkdir -p .stamps && touch $@

# Incremental: CMake rebuilds only what changed in $(BUILD_DIR).
build: .stamps/venv
	$(call say,building the extension aocore._core in $(BUILD_DIR) (a first build compiles the C++ core: minutes))
	$(VPY) -m pip install --quiet --no-deps $(PIP_BUILD_FLAGS) -e .

build-tests: build
	$(call say,building the C++ test suite aocore_tests in $(BUILD_DIR))
	cmake -S . -B $(BUILD_DIR) -DAOCORE_BUILD_TESTS=ON > /dev/null
	cmake --build $(BUILD_DIR) --target aocore_tests

build-bench: build
	$(call say,building the C++ benchmarks aocore_bench in $(BUILD_DIR))
	cmake -S . -B $(BUILD_DIR) -DAOCORE_BUILD_BENCH=ON > /dev/null
	cmake --build $(BUILD_DIR) --target aocore_bench

test: build-tests .stamps/test-tools
	$(call say,running the C++ tests (CTest))
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	$(call say,running the Python tests (pytest))
	$(VPY) -m pytest

test-cpp: build-tests
	ctest --test-dir $(BUILD_DIR) --output-on-failure

test-py: build .stamps/test-tools
	$(VPY) -m pytest

demo: setup
	$(VPY) -m aocore demo

bench: build-bench
	$(VPY) bench/run.py

# The C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer (no Python involved).
sanitize: .stamps/system
	cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAOCORE_BUILD_TESTS=ON \
	    -DAOCORE_BUILD_PYTHON=OFF -DAOCORE_SANITIZE=ON
	cmake --build build/asan --target aocore_tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure

# The C++ tests under ThreadSanitizer (data races, a lock order that can deadlock). LevelDB,
# from Debian, is not instrumented: its lock-free memtable reads would be reported as races on
# the memcpy/memcmp TSan intercepts, so tools/tsan.supp ignores what LevelDB's own code calls.
tsan: .stamps/system
	cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAOCORE_BUILD_TESTS=ON \
	    -DAOCORE_BUILD_PYTHON=OFF -DAOCORE_TSAN=ON
	cmake --build build/tsan --target aocore_tests
	TSAN_OPTIONS="suppressions=$(CURDIR)/tools/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
	    ctest --test-dir build/tsan --output-on-failure

# libFuzzer targets (cpp/fuzz/*_fuzz.cc) with ASan+UBSan, built with clang in build/fuzz, then
# each run for FUZZ_SECONDS (default 60), FUZZ_JOBS (default 2) at a time, under nice -n 19.
# FUZZ_TARGETS="json_codec path" runs only those. Logs and findings: build/fuzz/{logs,findings}/.
FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tools/run-fuzzers.sh build/fuzz/cpp/fuzz

fuzz-build: .stamps/system .stamps/fuzz-system
	cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
	    -DCMAKE_CXX_COMPILER=clang++-14 -DAOCORE_FUZZ=ON -DAOCORE_BUILD_PYTHON=OFF \
	    $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))
	cmake --build build/fuzz --target aocore_fuzz_decoders
	cmake --build build/fuzz --target aocore_fuzzers

.stamps/fuzz-system: tools/ensure-system-deps.sh
	bash tools/ensure-system-deps.sh --fuzz
	@mkdir -p .stamps && touch $@

clean:
	rm -rf build .stamps
