"""`make bench`: runs the aocore benchmark workloads (shared/BENCHMARKS.md) and writes
bench/results.json plus a printed table.

Two sources of figures:
- the C++ Google Benchmark binary `aocore_bench` (built with AOCORE_BUILD_BENCH), run with
  repetitions; its per-repetition items/s are reduced to median/min/max here;
- Python workloads in bench/workloads.py, each timed over several runs.
Every figure is a median over >= 5 runs, and each workload reports the ratio it is about,
measured in the same run (e.g. aocore commits/s over the raw OpenSSL signing rate).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"


def find_cpp_bench() -> pathlib.Path | None:
    for candidate in (ROOT / "build/py/bench/aocore_bench", ROOT / "build/cpp/bench/aocore_bench"):
        if candidate.exists():
            return candidate
    return None


def run_cpp(binary: pathlib.Path, repetitions: int, filt: str | None) -> dict[str, dict]:
    """Runs the C++ benchmarks; returns name -> {median, min, max, unit} in items/s."""
    args = [str(binary), f"--benchmark_repetitions={repetitions}", "--benchmark_format=json",
            "--benchmark_report_aggregates_only=false", "--benchmark_min_time=0.2"]
    if filt:
        args.append(f"--benchmark_filter={filt}")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    runs: dict[str, list[float]] = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        rate = b.get("items_per_second")
        if rate is None:
            continue
        runs.setdefault(b["run_name"], []).append(rate)
    return {name: summarize(rates, "items/s") for name, rates in runs.items()}


def summarize(values: list[float], unit: str) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": len(values), "unit": unit}


def rate_of(fn, *, runs: int, min_time: float = 0.2) -> dict:
    """Calls fn(n) (which does n iterations) repeatedly; returns iterations/s statistics."""
    n = 1
    while True:  # calibrate n so one run takes about min_time
        start = time.perf_counter()
        fn(n)
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or n >= 1 << 24:
            break
        n = max(n * 2, int(n * min_time / max(elapsed, 1e-9)))
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(n)
        rates.append(n / (time.perf_counter() - start))
    return summarize(rates, "ops/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--filter", default=None, help="only workloads whose id or name contains this")
    args = parser.parse_args()
    runs = max(5, args.runs)

    results: dict[str, dict] = {}
    binary = find_cpp_bench()
    if binary is not None:
        results.update(run_cpp(binary, runs, None))
    else:
        print("note: aocore_bench not built (configure with AOCORE_BUILD_BENCH=ON)", file=sys.stderr)

    sys.path.insert(0, str(HERE))
    import workloads  # noqa: E402  (bench/workloads.py)

    for name, figure in workloads.run_all(rate_of, runs, args.filter).items():
        results[name] = figure

    ratios = workloads.ratios(results)
    payload = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "results": results, "ratios": ratios}
    RESULTS.write_text(json.dumps(payload, indent=2, sort_keys=True))

    width = max((len(k) for k in results), default=10)
    print(f"{'workload':<{width}}  {'median':>14}  {'min':>14}  {'max':>14}  unit")
    for name in sorted(results):
        r = results[name]
        print(f"{name:<{width}}  {r['median']:>14,.1f}  {r['min']:>14,.1f}  {r['max']:>14,.1f}  {r['unit']}")
    if ratios:
        print("\nratios (measured in the same run):")
        for name, value in sorted(ratios.items()):
            print(f"  {name}: {value:.3f}")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
