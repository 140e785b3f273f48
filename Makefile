# aocore: `make demo` runs the demo, `make test` runs every test. Both do the set-up first
# (Debian packages when missing, .venv, an editable install); a second run skips what is done.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BUILD_DIR := build/py
JOBS ?= $(shell nproc)
export CMAKE_BUILD_PARALLEL_LEVEL := $(JOBS)
# The editable install builds the extension and the C++ test binary in one persistent build dir.
PIP_BUILD_FLAGS := --no-build-isolation -Cbuild-dir=$(BUILD_DIR) -Ccmake.define.AOCORE_BUILD_TESTS=ON \
                   -Ccmake.define.AOCORE_BUILD_BENCH=ON
# ccache, when the machine has it, makes rebuilds in several checkouts cheap; it is optional.
CCACHE := $(shell command -v ccache 2>/dev/null)
ifneq ($(CCACHE),)
PIP_BUILD_FLAGS += -Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)
endif

.PHONY: all setup build test test-cpp test-py demo bench sanitize fuzz fuzz-build clean

all: test

setup: .stamps/system .stamps/venv build
	$(PYTHON) tools/fetch_wasm_deps.py all  # Wasmtime + AOS modules (CMake also fetches them)

.stamps/system: tools/ensure-system-deps.sh
	bash tools/ensure-system-deps.sh
	@mkdir -p .stamps && touch $@

.stamps/venv: pyproject.toml .stamps/system
	[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet "scikit-build-core>=0.10" "pybind11>=3.0" "pytest>=8" \
	    nbclient ipykernel nbformat matplotlib tqdm
	@mkdir -p .stamps && touch $@

# Incremental: CMake rebuilds only what changed in $(BUILD_DIR).
build: .stamps/venv
	$(VPY) -m pip install --quiet --no-deps $(PIP_BUILD_FLAGS) -e ".[test]"

test: setup
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	$(VPY) -m pytest

test-cpp: setup
	ctest --test-dir $(BUILD_DIR) --output-on-failure

test-py: setup
	$(VPY) -m pytest

demo: setup
	$(VPY) -m aocore demo

bench: setup
	$(VPY) bench/run.py

# The C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer (no Python involved).
sanitize: .stamps/system
	cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAOCORE_BUILD_TESTS=ON \
	    -DAOCORE_BUILD_PYTHON=OFF -DAOCORE_SANITIZE=ON
	cmake --build build/asan --target aocore_tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure

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
