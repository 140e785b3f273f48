"""`make bench`'s report (bench/run.py): Google Benchmark's JSON output becomes the results, and
issue 15's table finds every figure it names in them, whatever the benchmark's timing options."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_run():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_workloads():
    """bench/workloads.py, which imports its sibling modules by their plain names."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("bench_workloads", ROOT / "bench" / "workloads.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bench"))


def benchmark_output(rates: dict[str, list[float]]) -> str:
    """The JSON aocore_bench prints with --benchmark_repetitions: one "iteration" entry per
    repetition, and aggregates, which the report leaves to its own median."""
    entries = []
    for run_name, values in rates.items():
        for i, rate in enumerate(values):
            entries.append({"name": run_name, "run_name": run_name, "run_type": "iteration",
                            "repetition_index": i, "items_per_second": rate})
        entries.append({"name": run_name + "_median", "run_name": run_name, "run_type": "aggregate",
                        "aggregate_name": "median", "items_per_second": 1.0})
    return json.dumps({"context": {}, "benchmarks": entries})


def test_every_figure_of_issue_15_reaches_the_table_with_its_ratio_to_the_target() -> None:
    run = load_run()
    results = run.parse_cpp(benchmark_output({
        # Iterations(1)->UseRealTime(), as bench/cpp/process_bench.cc registers them.
        "Process_HotCompute/2000/iterations:1/real_time": [25000.0, 30000.0, 28000.0],
        "Process_LargeState/1/iterations:1/real_time": [40000.0, 40000.0, 40000.0],
        "Process_LargeState/16384/iterations:1/real_time": [32000.0, 32000.0, 32000.0],
        "Process_ReopenNow/2000/iterations:1/real_time": [100.0, 125.0, 150.0],
        "B4_RawCommit/real_time": [240.0, 240.0, 240.0],
        "B4_ScheduleLocal/real_time": [228.0, 228.0, 228.0],
        "B4_Schedule16Processes/real_time": [400.0, 408.0, 420.0],
    }))
    assert results["Process_HotCompute/2000/real_time"]["median"] == 28000.0
    assert results["Process_HotCompute/2000/real_time"]["runs"] == 3  # the aggregates are not runs

    rows = {label: (value, target, ratio) for label, value, target, ratio in run.issue15_table(results)}
    assert rows["hot compute, test-device, 2,000 slots one call, C++ (slots/s)"] == (28000.0, 20000, 1.4)
    small_over_large = 40000.0 / 32000.0
    assert rows["per-slot time, 16 MiB state / 1 KiB state, default options"] == (
        small_over_large, 1.5, 1.5 / small_over_large)
    reopen_s, target, ratio = rows["reopen + now at slot 2,000, C++ (s)"]
    assert (reopen_s, target) == (1 / 125.0, 0.1) and abs(ratio - 12.5) < 1e-9
    assert rows["sequential schedule / raw aocore.commit (one RSA-4096 signature)"][0] == 228.0 / 240.0
    assert rows["16 processes scheduled concurrently / raw commit (1 thread)"][0] == 408.0 / 240.0


def test_cores_kept_signing_reach_the_ratios_beside_the_rates() -> None:
    """B4's `signing_cores` counter is reported with its own median; the rates stay as they were."""
    run = load_run()
    entries = []
    for i, (rate, cores) in enumerate([(400.0, 1.71), (380.0, 1.75), (420.0, 1.73)]):
        entries.append({"name": "B4_Schedule16Processes/real_time", "run_name": "B4_Schedule16Processes/real_time",
                        "run_type": "iteration", "repetition_index": i, "items_per_second": rate,
                        "signing_cores": cores})
    results = run.parse_cpp(json.dumps({"context": {}, "benchmarks": entries}))
    assert results["B4_Schedule16Processes/real_time"]["median"] == 400.0
    cores = results["B4_Schedule16Processes/real_time signing cores"]
    assert (cores["median"], cores["min"], cores["max"], cores["unit"]) == (1.73, 1.71, 1.75, "cores")
    assert load_workloads().ratios(results)["B4 16 processes: cores kept signing"] == 1.73
