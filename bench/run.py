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
import re
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
    # Interleaved: the repetitions of all benchmarks run in a shuffled order, so that a slow spell
    # of the shared machine reaches both sides of a ratio instead of one benchmark's repetitions.
    args = [str(binary), f"--benchmark_repetitions={repetitions}", "--benchmark_format=json",
            "--benchmark_report_aggregates_only=false", "--benchmark_min_time=0.2",
            "--benchmark_enable_random_interleaving=true"]
    if filt:
        args.append(f"--benchmark_filter={filt}")
    # Prepared process nodes (bench/cpp/process_bench.cc) are kept and reused across runs.
    env = dict(os.environ, AOCORE_BENCH_DATA=str(ROOT / "build" / "bench-data" / "cpp"))
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout
    return parse_cpp(out)


def parse_cpp(output: str) -> dict[str, dict]:
    """Google Benchmark's JSON output -> name -> {median, min, max, unit} in items/s. A name is
    the run name without "/iterations:N": a fixed iteration count says how a benchmark is timed,
    not what it is (Process_HotCompute/2000/iterations:1/real_time is
    Process_HotCompute/2000/real_time, the name the tables look up)."""
    runs: dict[str, list[float]] = {}
    cores: dict[str, list[float]] = {}
    for b in json.loads(output)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        rate = b.get("items_per_second")
        if rate is None:
            continue
        name = re.sub(r"/iterations:\d+", "", b["run_name"])
        runs.setdefault(name, []).append(rate)
        # B4's signatures' CPU time per wall-clock second (bench/cpp/scheduler_bench.cc).
        if "signing_cores" in b:
            cores.setdefault(name + " signing cores", []).append(b["signing_cores"])
    out = {name: summarize(rates, "items/s") for name, rates in runs.items()}
    out.update({name: summarize(values, "cores") for name, values in cores.items()})
    return out


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


def issue15_table(results: dict[str, dict]) -> list[tuple[str, float, float, float]]:
    """The figures of issue 15's table that this run measured: (figure, median, target, ratio of
    the median to the target; >= 1 meets it). Times (s, ms) are inverted in the ratio."""
    def med(key: str) -> float | None:
        r = results.get(key) or results.get(key + "/real_time")
        return r["median"] if r else None

    rows: list[tuple[str, float, float, float]] = []

    def rate(label: str, key: str, target: float) -> None:
        v = med(key)
        if v is not None:
            rows.append((label, v, target, v / target))

    def time_s(label: str, value: float | None, target: float) -> None:
        if value is not None and value > 0:
            rows.append((label, value, target, target / value))

    rate("hot compute, test-device, 2,000 slots one call, C++ (slots/s)", "Process_HotCompute/2000", 20000)
    rate("hot compute, test-device, 1,000 slots one call, C++ (slots/s)", "Process_HotCompute/1000", 20000)
    rate("hot compute, test-device, 2,000 slots one call, Python (slots/s)",
         "I15 py hot compute, one call (2000 slots)", 20000)
    b11 = med("B11 cost per slot, state 1 KiB, frequency default (300 slots)")
    if b11:
        rows.append(("hot compute, Python counter device, 300 slots (slots/s)", 1000 / b11, 10000, 1000 / b11 / 10000))
    small, large = med("Process_LargeState/1"), med("Process_LargeState/16384")
    if small and large:  # slots/s: per-slot time ratio = small rate / large rate
        rows.append(("per-slot time, 16 MiB state / 1 KiB state, default options", small / large, 1.5,
                     1.5 / (small / large)))
    reopen = med("Process_ReopenNow/2000")
    time_s("reopen + now at slot 2,000, C++ (s)", 1 / reopen if reopen else None, 0.1)
    reopen10k = med("Process_ReopenNow/10000")
    time_s("reopen + now at slot 10,000, C++ (s)", 1 / reopen10k if reopen10k else None, 0.2)
    time_s("reopen + now at slot 10,000, Python (s)", med("B7 reopen + now at slot 10000"), 0.2)
    # Both sides in wall-clock time (B4_RawCommit, bench/cpp/scheduler_bench.cc): the CPU-time
    # Raw_RsaPssSign4096 overstates what a loaded machine signs per second.
    sign = med("B4_RawCommit")
    local = med("B4_ScheduleLocal")
    if sign and local:
        rows.append(("sequential schedule / raw aocore.commit (one RSA-4096 signature)", local / sign, 0.9,
                     local / sign / 0.9))
    many = med("B4_Schedule16Processes")
    if sign and many:
        rows.append(("16 processes scheduled concurrently / raw commit (1 thread)", many / sign, 1.7,
                     many / sign / 1.7))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--filter", default=None, help="only workloads whose id or name contains this")
    parser.add_argument("--cpp-filter", default=None,
                        help="regex of the C++ benchmarks to run (default: all; with --filter and no "
                             "--cpp-filter, the C++ benchmarks are skipped)")
    args = parser.parse_args()
    runs = max(5, args.runs)

    results: dict[str, dict] = {}
    binary = find_cpp_bench()
    if binary is not None:
        if args.cpp_filter or not args.filter:
            results.update(run_cpp(binary, runs, args.cpp_filter))
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
    issue = issue15_table(results)
    if issue:
        print("\nissue 15 (the compute path at store speed), measured in this run:")
        print(f"  {'figure':<72} {'median':>12} {'must reach':>12} {'ratio':>8}")
        for label, value, target, ratio in issue:
            print(f"  {label:<72} {value:>12,.3f} {target:>12,.3f} {ratio:>8.3f}")
        payload["issue15"] = [{"figure": l, "median": v, "target": t, "ratio": r} for l, v, t, r in issue]
        RESULTS.write_text(json.dumps(payload, indent=2, sort_keys=True))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
