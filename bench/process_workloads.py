"""Process benchmarks B5, B7, B8 and B9 (processes) of shared/BENCHMARKS.md, and B11 (store growth),
through the Python API.

Each workload needs a prepared LevelDB node (processes spawned and messages scheduled, which
costs one RSA-4096 signature per assignment). It is prepared once and kept under
build/bench-data/ (reused by later runs with the same parameters); every timed run works on a
fresh copy, so a run never sees what an earlier run computed.

  B5  a process whose execution device is stack@1.0 over two test-device@1.0; B5_SLOTS
      scheduled messages (slots 0..B5_SLOTS-1, slot 0 being the spawn); compute every slot in
      order, one call per slot: cold (process_workers=False: each call loads the previous
      slot's snapshot from the store) and hot (a live worker advances from memory). slots/s;
      the ratio hot/cold.
      Also: hot with one compute(B5_SLOTS-1) call (no Python round trip per slot).
  B9  the B5 hot workload with the two test devices replaced by an equivalent Python device.
      slots/s; the ratio Python/C++ (the overhead).
  B7  reopen a node holding one process computed to slot B7_SLOTS (10,000, as planned; prepared
      with a restore point every 100 slots) and compute `now`: seconds from Node(path) to the
      first answer.
  B11 store growth (spec/process.md §7.12): a process with a Python counter device and a `payload`
      key of 1 KiB or 100 KiB that no slot changes; one compute(B11_SLOTS-1) on a hot worker with
      the default process_cache_frequency (deltas between restore points) and 1 (a full state every slot):
      ms per slot, and the ratio 100 KiB / 1 KiB for each frequency (flat = ~1).
  B8  B8_PROCESSES processes x 10 slots, each computed once (compute(9)) with max_workers at
      its default: peak RSS of a fresh Python process doing only that (resource.getrusage),
      in MiB, and the growth of the peak over the resident size right after opening the node.

Sizes are those of the plan (B8: 10,000 processes); set AOCORE_B5_SLOTS, AOCORE_B7_SLOTS,
AOCORE_B8_PROCESSES, AOCORE_B11_SLOTS to change them. B8 runs min(runs, AOCORE_B8_RUNS = 3) times:
one run computes 100,000 slots (~2-3 min on the shared 2-core box), and a peak RSS varies far less
between runs than a time (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable

import aocore

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "build" / "bench-data"

B5_SLOTS = int(os.environ.get("AOCORE_B5_SLOTS", "1000"))
B7_SLOTS = int(os.environ.get("AOCORE_B7_SLOTS", "10000"))
# The plan's size. Preparing it (100,000 RSA-4096 assignment signatures) takes ~15 min once on
# the shared 2-core box; the node is kept in build/bench-data/ and reused.
B8_PROCESSES = int(os.environ.get("AOCORE_B8_PROCESSES", "10000"))
B8_RUNS = int(os.environ.get("AOCORE_B8_RUNS", "3"))
B8_SLOTS = 10
B11_SLOTS = int(os.environ.get("AOCORE_B11_SLOTS", "300"))
B11_SIZES = (1024, 100 * 1024)          # bytes of the `payload` key no slot changes
# process_cache_frequency: the node's default (restore points every 1,000 slots, deltas between;
# issue 15) / 1 (a full state every slot, the reference's default). None: the option is not passed.
B11_FREQUENCIES = (None, 1)
# Issue 15's hot compute: one compute(I15_SLOTS - 1) of a test-device process.
I15_SLOTS = int(os.environ.get("AOCORE_I15_SLOTS", "2000"))


def _definition(seed: int, stack: list[str] | None = None) -> dict[str, Any]:
    return {"device": "process@1.0", "scheduler-device": "scheduler@1.0", "type": "Process",
            "test-random-seed": seed, "execution-device": "stack@1.0",
            "device-stack": stack or ["test-device@1.0", "test-device@1.0"]}


class PySeen:
    """test-device@1.0's init/compute/snapshot as a Python device (B9)."""

    def init(self, base):
        return {**base, "already-seen": []}

    def compute(self, base, req):
        s = req["slot"]
        return {**base, "random-key": "random-value", "results": {"assignment-slot": s},
                "already-seen": [s, *base["already-seen"]]}

    def snapshot(self, base):
        return {}


PY_STACK = ["bench-seen@1.0", "bench-seen@1.0"]


def _summarize(values: list[float], unit: str) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": len(values), "unit": unit}


def _prepared(name: str, build: Callable[[pathlib.Path], dict]) -> tuple[pathlib.Path, dict]:
    """A node directory prepared once by build(dir) -> info (kept in build/bench-data/)."""
    target = DATA / name
    info_file = target / "bench-info.json"
    if info_file.exists():
        return target, json.loads(info_file.read_text())
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=name + "-", dir=target.parent))
    start = time.perf_counter()
    try:
        info = build(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    info["prepare_seconds"] = time.perf_counter() - start
    (tmp / "bench-info.json").write_text(json.dumps(info))
    tmp.rename(target)
    return target, info


def _copy(template: pathlib.Path, scratch: pathlib.Path) -> pathlib.Path:
    dest = pathlib.Path(tempfile.mkdtemp(dir=scratch))
    shutil.rmtree(dest)
    shutil.copytree(template, dest)
    return dest


def _schedule_many(node: aocore.Node, procs: list[aocore.Process], count: int, threads: int = 8) -> None:
    """Schedules `count` messages on each process, from several threads (signing runs in parallel
    across the processes' schedulers)."""
    errors: list[BaseException] = []

    def work(chunk: list[aocore.Process]) -> None:
        try:
            for p in chunk:
                for i in range(count):
                    p.schedule(i=i)
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    chunks = [procs[i::threads] for i in range(threads)]
    ts = [threading.Thread(target=work, args=(c,)) for c in chunks if c]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def _build_b5(stack: list[str] | None) -> Callable[[pathlib.Path], dict]:
    def build(d: pathlib.Path) -> dict:
        with aocore.Node(d, scheduling_mode="aggressive") as n:
            p = n.spawn(_definition(5, stack), sign=False)
            _schedule_many(n, [p], B5_SLOTS - 1, threads=1)
            assert p.slot() == B5_SLOTS - 1
            return {"pid": p.id}
    return build


def _b5_run(template: pathlib.Path, pid: str, scratch: pathlib.Path, *, workers: bool,
            py_device: bool = False, one_call: bool = False) -> float:
    """One timed pass: compute 0..B5_SLOTS-1 in order on a fresh copy; returns slots/s.
    one_call: a single compute(B5_SLOTS-1) (the worker applies every slot without a round trip
    to Python per slot: the engine's own rate)."""
    d = _copy(template, scratch)
    try:
        with aocore.Node(d, process_workers=workers) as n:
            if py_device:
                n.register_device("bench-seen@1.0", PySeen())
            p = n.process(pid)
            compute = p.compute
            start = time.perf_counter()
            for s in ([B5_SLOTS - 1] if one_call else range(B5_SLOTS)):
                state = compute(s)
            elapsed = time.perf_counter() - start
            assert state["at-slot"] == B5_SLOTS - 1 and len(state["already-seen"]) == 2 * B5_SLOTS
        return B5_SLOTS / elapsed
    finally:
        shutil.rmtree(d, ignore_errors=True)


def b5_figures(runs: int, scratch: pathlib.Path) -> dict[str, dict]:
    template, info = _prepared(f"b5-{B5_SLOTS}", _build_b5(None))
    cold = [_b5_run(template, info["pid"], scratch, workers=False) for _ in range(runs)]
    hot = [_b5_run(template, info["pid"], scratch, workers=True) for _ in range(runs)]
    one = [_b5_run(template, info["pid"], scratch, workers=True, one_call=True) for _ in range(runs)]
    return {f"B5 process cold ({B5_SLOTS} slots)": _summarize(cold, "slots/s"),
            f"B5 process hot ({B5_SLOTS} slots)": _summarize(hot, "slots/s"),
            f"B5 process hot, one call ({B5_SLOTS} slots)": _summarize(one, "slots/s")}


def b9_figures(runs: int, scratch: pathlib.Path) -> dict[str, dict]:
    template, info = _prepared(f"b9-{B5_SLOTS}", _build_b5(PY_STACK))
    hot = [_b5_run(template, info["pid"], scratch, workers=True, py_device=True) for _ in range(runs)]
    return {f"B9 python process hot ({B5_SLOTS} slots)": _summarize(hot, "slots/s")}


def _build_b7(d: pathlib.Path) -> dict:
    # Restore points every 100 slots, deltas in between (spec/process.md §7.12): the state grows
    # every slot (`already-seen`), so storing it whole every slot would make the preparation
    # quadratic (~45 min for 10,000 slots). One long compute call is fine: request_timeout only
    # fails a wait when the worker stops making progress.
    with aocore.Node(d, scheduling_mode="aggressive", process_cache_frequency=100) as n:
        p = n.spawn(_definition(7), sign=False)
        _schedule_many(n, [p], B7_SLOTS, threads=1)
        assert p.compute(B7_SLOTS)["at-slot"] == B7_SLOTS
        return {"pid": p.id}


def b7_figures(runs: int, scratch: pathlib.Path) -> dict[str, dict]:
    template, info = _prepared(f"b7-{B7_SLOTS}", _build_b7)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        n = aocore.Node(template)
        try:
            state = n.process(info["pid"]).now()
            times.append(time.perf_counter() - start)
            assert state["at-slot"] == B7_SLOTS
            assert n.metrics()["slots_computed"] == 0
        finally:
            n.close()
    return {f"B7 reopen + now at slot {B7_SLOTS}": _summarize(times, "s")}


def _build_b8(d: pathlib.Path) -> dict:
    with aocore.Node(d, scheduling_mode="aggressive") as n:
        procs = [n.spawn(_definition(100000 + i), sign=False) for i in range(B8_PROCESSES)]
        _schedule_many(n, procs, B8_SLOTS - 1)
        return {"pids": [p.id for p in procs]}


_B8_CHILD = r"""
import json, resource, sys
import aocore
store, pids, last = sys.argv[1], json.loads(open(sys.argv[2]).read()), int(sys.argv[3])
n = aocore.Node(store)
# Current RSS after opening (ru_maxrss would be the peak so far, e.g. during LevelDB recovery).
opened = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() // 1024
for pid in pids:
    assert n.process(pid).compute(last)["at-slot"] == last
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
m = n.metrics()
n.close()
print(json.dumps({"opened_kib": opened, "peak_kib": peak, "metrics": m}))
"""


def b8_figures(runs: int, scratch: pathlib.Path) -> dict[str, dict]:
    template, info = _prepared(f"b8-{B8_PROCESSES}x{B8_SLOTS}", _build_b8)
    pids_file = scratch / "b8-pids.json"
    pids_file.write_text(json.dumps(info["pids"]))
    peaks, growth = [], []
    for _ in range(max(1, min(runs, B8_RUNS))):
        d = _copy(template, scratch)
        try:
            out = subprocess.run([sys.executable, "-c", _B8_CHILD, str(d), str(pids_file), str(B8_SLOTS - 1)],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            peaks.append(r["peak_kib"] / 1024)
            growth.append((r["peak_kib"] - r["opened_kib"]) / 1024)
            assert r["metrics"]["live_workers"] <= 1024
            evicted = r["metrics"]["workers_evicted"]
            schedulers = r["metrics"].get("live_schedulers", 0)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    label = f"{B8_PROCESSES} processes x {B8_SLOTS} slots"
    print(f"  B8: {evicted} workers evicted in the last run (max_workers default 1024), "
          f"{schedulers} schedulers live at the end", file=sys.stderr)
    return {f"B8 peak RSS ({label})": _summarize(peaks, "MiB"),
            f"B8 RSS growth over open ({label})": _summarize(growth, "MiB")}


class PyCount:
    """B11's execution device: a counter whose state does not grow (so the cost per slot is
    what storing the state costs, not what the device does)."""

    def init(self, base):
        return {**base, "count": 0}

    def compute(self, base, req):
        return {**base, "count": base["count"] + 1, "results": {"slot": req["slot"]}}

    def snapshot(self, base):
        return {}


def _b11_label(size: int, freq: int | None) -> str:
    return f"B11 cost per slot, state {size // 1024} KiB, frequency {freq or 'default'} ({B11_SLOTS} slots)"


def _build_b11(size: int) -> Callable[[pathlib.Path], dict]:
    def build(d: pathlib.Path) -> dict:
        with aocore.Node(d, scheduling_mode="aggressive") as n:
            p = n.spawn({"device": "process@1.0", "scheduler-device": "scheduler@1.0", "type": "Process",
                         "test-random-seed": 10, "execution-device": "bench-count@1.0",
                         "payload": b"p" * size}, sign=False)
            _schedule_many(n, [p], B11_SLOTS - 1, threads=1)
            return {"pid": p.id}
    return build


def _b11_run(template: pathlib.Path, pid: str, scratch: pathlib.Path, freq: int | None) -> float:
    """One pass: compute(B11_SLOTS-1) in one call on a hot worker; milliseconds per slot."""
    d = _copy(template, scratch)
    try:
        with aocore.Node(d, **({} if freq is None else {"process_cache_frequency": freq})) as n:
            n.register_device("bench-count@1.0", PyCount())
            p = n.process(pid)
            start = time.perf_counter()
            state = p.compute(B11_SLOTS - 1)
            elapsed = time.perf_counter() - start
            assert state["count"] == B11_SLOTS
        return elapsed / B11_SLOTS * 1000
    finally:
        shutil.rmtree(d, ignore_errors=True)


def b11_figures(runs: int, scratch: pathlib.Path) -> dict[str, dict]:
    """B11 (store growth, spec/process.md §7.12): the cost of a slot at two state sizes. With
    frequency 100 the slots between restore points store deltas, so the cost should not depend
    on the size of the state; frequency 1 (a full state every slot, the reference's default)
    shows what it costs otherwise."""
    out: dict[str, dict] = {}
    for size in B11_SIZES:
        template, info = _prepared(f"b11-{B11_SLOTS}-{size}", _build_b11(size))
        for freq in B11_FREQUENCIES:
            out[_b11_label(size, freq)] = _summarize(
                [_b11_run(template, info["pid"], scratch, freq) for _ in range(runs)], "ms/slot")
    return out


def _build_i15(d: pathlib.Path) -> dict:
    with aocore.Node(d, scheduling_mode="aggressive") as n:
        p = n.spawn(_definition(15), sign=False)
        _schedule_many(n, [p], I15_SLOTS - 1, threads=1)
        return {"pid": p.id}


def i15_figures(runs: int, scratch: pathlib.Path) -> dict[str, dict]:
    """Issue 15's first figure through Python: a test-device process, one compute(I15_SLOTS-1)
    on a fresh worker of a LevelDB node with default options (the C++ twin is
    Process_HotCompute/2000)."""
    template, info = _prepared(f"i15-{I15_SLOTS}", _build_i15)
    rates = []
    for _ in range(runs):
        d = _copy(template, scratch)
        try:
            with aocore.Node(d) as n:
                p = n.process(info["pid"])
                start = time.perf_counter()
                state = p.compute(I15_SLOTS - 1)
                rates.append(I15_SLOTS / (time.perf_counter() - start))
                assert state["at-slot"] == I15_SLOTS - 1
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return {f"I15 py hot compute, one call ({I15_SLOTS} slots)": _summarize(rates, "slots/s")}


FIGURES: dict[str, Callable[[int, pathlib.Path], dict[str, dict]]] = {
    "B5": b5_figures, "B7": b7_figures, "B8": b8_figures, "B9 process": b9_figures, "B11": b11_figures,
    "I15": i15_figures,
}


def run_all(runs: int, filt: str | None) -> dict[str, dict]:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="aocore-bench-") as scratch:
        for key, fn in FIGURES.items():
            if filt and filt not in key and not key.startswith(filt):
                continue
            results.update(fn(runs, pathlib.Path(scratch)))
    return results


def ratios(results: dict[str, dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    cold = results.get(f"B5 process cold ({B5_SLOTS} slots)")
    hot = results.get(f"B5 process hot ({B5_SLOTS} slots)")
    py = results.get(f"B9 python process hot ({B5_SLOTS} slots)")
    if cold and hot and cold["median"] > 0:
        out["B5 hot / cold"] = hot["median"] / cold["median"]
    if py and hot and hot["median"] > 0:
        out["B9 python process / C++ process (hot)"] = py["median"] / hot["median"]
    small, large = B11_SIZES
    for freq in B11_FREQUENCIES:
        a, b = results.get(_b11_label(small, freq)), results.get(_b11_label(large, freq))
        if a and b and a["median"] > 0:
            out[f"B11 cost per slot {large // 1024} KiB / {small // 1024} KiB state, frequency {freq or 'default'}"] = \
                b["median"] / a["median"]
    return out
