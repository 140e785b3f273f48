"""Python devices, two builds of the extension in one run (docs/python-api.md "Large values").

B11's workload (a Python counter device, PyCount, whose state holds a payload no slot changes;
one compute(B11_SLOTS - 1) on a hot worker, default options) for a 1 KiB and a 100 KiB payload,
and the same 1 KiB process on the C++ test-device@1.0 (what the compute path costs without
Python). Each measurement runs in a fresh interpreter; the builds alternate, so the noise of a
shared machine falls on both alike. Prints medians.

    python bench/ab_python_devices.py --build before=DIR --build after=DIR [--runs 11]

DIR holds an `aocore` package with its compiled `_core` (and libwasmtime.so) beside it: e.g.
python/aocore of a commit, plus the .so files of its build (build/py/cpp/bindings/_core*.so and
the libwasmtime.so of the installed package). The interpreters run with -S, so the editable
install does not shadow DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

_CHILD = r"""
import json, pathlib, shutil, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
import aocore, process_workloads as pw
kind, size = sys.argv[2], int(sys.argv[3])
scratch = pathlib.Path(tempfile.mkdtemp())
try:
    if kind == "python":
        template, info = pw._prepared(f"b11-{pw.B11_SLOTS}-{size}", pw._build_b11(size))
        print(pw._b11_run(template, info["pid"], scratch, None))
    else:
        def build(d):
            with aocore.Node(d, scheduling_mode="aggressive") as n:
                p = n.spawn({"device": "process@1.0", "scheduler-device": "scheduler@1.0", "type": "Process",
                             "test-random-seed": 10, "execution-device": "test-device@1.0",
                             "payload": b"p" * size}, sign=False)
                pw._schedule_many(n, [p], pw.B11_SLOTS - 1, threads=1)
                return {"pid": p.id}
        template, info = pw._prepared(f"ab-cpp-{pw.B11_SLOTS}-{size}", build)
        d = pw._copy(template, scratch)
        with aocore.Node(d) as n:
            p = n.process(info["pid"])
            start = time.perf_counter()
            p.compute(pw.B11_SLOTS - 1)
            print((time.perf_counter() - start) / pw.B11_SLOTS * 1000)
finally:
    shutil.rmtree(scratch, ignore_errors=True)
"""


def measure(package_dir: str, kind: str, size: int) -> float:
    env = {"PYTHONPATH": package_dir, "PATH": os.environ.get("PATH", "")}
    out = subprocess.run([sys.executable, "-S", "-c", _CHILD, str(HERE), kind, str(size)], env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="append", required=True, help="NAME=DIR (twice or more)")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    builds = dict(b.split("=", 1) for b in args.build)
    last = list(builds)[-1]
    cases = [(name, "python", size) for size in (1024, 102400) for name in builds] + [(last, "cpp", 1024)]
    results: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, kind, size in cases:
            label = f"{kind} device, payload {size // 1024} KiB, {name}"
            results.setdefault(label, []).append(measure(builds[name], kind, size))
    out = {}
    for label, values in results.items():
        m = statistics.median(values)
        out[label] = {"median_ms_per_slot": m, "slots_per_s": 1000 / m, "min": min(values), "max": max(values),
                      "runs": len(values)}
        print(f"{label:45s} {1000 / m:9,.0f} slots/s  ({m:.3f} ms/slot; min {min(values):.3f}, max {max(values):.3f})")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
