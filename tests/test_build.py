"""The developer's build path (Makefile, pyproject.toml): a first `make demo` or `pip install .`
builds the extension only; `make test` adds the C++ tests, `make bench` the benchmarks; long
set-up steps say what they are doing. Checked on the commands make would run (`make -n -B`)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(target: str) -> str:
    """The commands `make <target>` would run from scratch (every prerequisite out of date)."""
    out = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout


def test_demo_builds_only_the_extension() -> None:
    plan = planned("demo")
    assert "pip install" in plan and " -e ." in plan
    assert "AOCORE_BUILD_TESTS=ON" not in plan and "aocore_tests" not in plan
    assert "AOCORE_BUILD_BENCH=ON" not in plan and "aocore_bench" not in plan
    assert "pytest" not in plan  # the test tools are not installed for the demo


def test_test_adds_the_cpp_tests_but_not_the_benchmarks() -> None:
    plan = planned("test")
    assert "AOCORE_BUILD_TESTS=ON" in plan and "--target aocore_tests" in plan
    assert "AOCORE_BUILD_BENCH=ON" not in plan
    assert "ctest" in plan and "-m pytest" in plan


def test_bench_adds_the_benchmarks() -> None:
    plan = planned("bench")
    assert "AOCORE_BUILD_BENCH=ON" in plan and "--target aocore_bench" in plan
    assert "AOCORE_BUILD_TESTS=ON" not in plan


def test_long_steps_say_what_they_do() -> None:
    lines = planned("test").splitlines()
    for slow in ("pip install", "cmake --build", "ensure-system-deps"):
        at = next(i for i, line in enumerate(lines) if slow in line)
        before = lines[max(0, at - 3):at]
        assert any(line.startswith('echo "aocore: ') for line in before), (slow, before)


def test_pip_install_builds_only_the_extension() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    defines = config["tool"]["scikit-build"].get("cmake", {}).get("define", {})
    assert str(defines.get("AOCORE_BUILD_TESTS", "OFF")).upper() in ("OFF", "FALSE", "0")
    assert str(defines.get("AOCORE_BUILD_BENCH", "OFF")).upper() in ("OFF", "FALSE", "0")
    cmake = (ROOT / "CMakeLists.txt").read_text()
    assert 'option(AOCORE_BUILD_TESTS "Build the aocore_tests GoogleTest binary" OFF)' in cmake
    assert "option(AOCORE_BUILD_BENCH" in cmake and 'benchmarks" OFF)' in cmake
