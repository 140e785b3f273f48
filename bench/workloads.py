"""Python-level benchmark workloads (ids as in shared/BENCHMARKS.md). Each entry times the
public Python API, so the figures include the binding overhead a user pays."""

from __future__ import annotations

from typing import Callable

import aocore
import process_workloads  # bench/process_workloads.py (B5, B7, B8, B9 process)

TEN_KEYS = {f"key-{i}": f"value-{i}" for i in range(10)}


class _Append:
    """The B3/B9 APPEND device as a Python device: appends its tag and req.bin to `result`."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def append(self, base, req):
        return {**base, "result": base.get("result", "") + self.tag + req["bin"]}


_node: aocore.Node | None = None


def _bench_node() -> aocore.Node:
    """One node for every workload (creating one generates an RSA-4096 wallet)."""
    global _node
    if _node is None:
        _node = aocore.Node()
        for i in range(1, 6):
            _node.register_device(f"bench-append-{i}@1.0", _Append(f"+D{i}"))
    return _node


# C++ benchmark names are "<name>/<arg>" with arg 0 = hashpath ignore, 1 = update
# (bench/cpp/resolver_bench.cc); the Python ones follow the same convention.
HASHPATH_ARGS = {"0": "ignore", "1": "update"}


def workloads() -> dict[str, Callable[[int], None]]:
    def b6_id(n: int) -> None:
        for _ in range(n):
            aocore.id(TEN_KEYS)

    wallets: list = []

    def b6_commit_setup() -> None:  # RSA-4096 generation takes ~1 s: not timed
        if not wallets:
            wallets.append(aocore.Wallet.generate())

    def b6_commit(n: int) -> None:
        wallet = wallets[0]
        for _ in range(n):
            aocore.commit(TEN_KEYS, wallet)

    b6_commit.setup = b6_commit_setup  # type: ignore[attr-defined]

    out: dict[str, Callable[[int], None]] = {}
    if hasattr(aocore, "id"):
        out["B6 py id (10 keys)"] = b6_id
    if hasattr(aocore, "commit") and hasattr(aocore, "Wallet"):
        out["B6 py commit"] = b6_commit
    if not hasattr(aocore, "Node"):
        return out
    node = _bench_node()
    stack = {"device": "stack@1.0", "result": "INIT",
             "device-stack": {str(i): f"bench-append-{i}@1.0" for i in range(1, 6)}}
    expected_stack = "INIT" + "".join(f"+D{i}2" for i in range(1, 6))
    for arg, mode in HASHPATH_ARGS.items():
        def b1(n: int, mode: str = mode) -> None:
            resolve = node.resolve
            base = {"a": 1}
            for _ in range(n):
                resolve(base, "a", hashpath=mode)

        def b2(n: int, mode: str = mode) -> None:
            resolve = node.resolve
            base = {"a": 1}
            req = {"path": "set", "b": 2}
            for _ in range(n):
                resolve(base, req, hashpath=mode)

        def b9(n: int, mode: str = mode) -> None:
            resolve = node.resolve
            req = {"path": "append", "bin": "2"}
            for _ in range(n):
                resolve(stack, req, hashpath=mode)

        assert node.resolve(stack, {"path": "append", "bin": "2"}, hashpath=mode)["result"] == expected_stack
        out[f"B1_PyResolveKey/{arg}"] = b1
        out[f"B2_PySet/{arg}"] = b2
        out[f"B9_PythonAppendStack/{arg}"] = b9
    return out


def run_all(rate_of, runs: int, filt: str | None) -> dict[str, dict]:
    results = {}
    for name, fn in workloads().items():
        if filt and filt not in name:
            continue
        setup = getattr(fn, "setup", None)  # untimed preparation (e.g. generating a wallet)
        if setup is not None:
            setup()
        results[name] = rate_of(fn, runs=runs)
    # The process workloads (B5, B7, B8, B9 process) time whole passes on prepared stores.
    results.update(process_workloads.run_all(runs, filt))
    return results


def ratios(results: dict[str, dict]) -> dict[str, float]:
    """The ratios each workload is about, from figures measured in this run."""
    out: dict[str, float] = {}

    def find(key: str) -> dict | None:
        # Benchmarks timed in wall-clock time (UseRealTime, e.g. B4) report "<name>/real_time".
        return results.get(key) or results.get(key + "/real_time")

    def ratio(name: str, num: str, den: str) -> None:
        n, d = find(num), find(den)
        if n is not None and d is not None and d["median"] > 0:
            out[name] = n["median"] / d["median"]

    ratio("B6 commit / raw RSA-PSS sign", "B6_Commit", "Raw_RsaPssSign4096")
    ratio("B6 py id / C++ id", "B6 py id (10 keys)", "B6_Id10Keys")
    ratio("B4 local_confirmation / raw RSA sign", "B4_ScheduleLocal", "Raw_RsaPssSign4096")
    for arg, mode in HASHPATH_ARGS.items():
        ratio(f"B1 py / C++ ({mode})", f"B1_PyResolveKey/{arg}", f"B1_ResolveKey/{arg}")
        ratio(f"B2 py / C++ ({mode})", f"B2_PySet/{arg}", f"B2_Set/{arg}")
        ratio(f"B9 python stack / C++ stack ({mode})", f"B9_PythonAppendStack/{arg}", f"B3_AppendStack/{arg}")
    ratio("B1 hashpath ignore / update", "B1_ResolveKey/0", "B1_ResolveKey/1")
    ratio("B1 py hashpath ignore / update", "B1_PyResolveKey/0", "B1_PyResolveKey/1")
    ratio("B6 py commit / C++ commit", "B6 py commit", "B6_Commit")
    ratio("B4 aggressive / raw RSA sign", "B4_ScheduleAggressive", "Raw_RsaPssSign4096")
    ratio("B4 16 processes / raw RSA sign", "B4_Schedule16Processes", "Raw_RsaPssSign4096")
    ratio("B4 local / raw synced LevelDB", "B4_ScheduleLocal", "Raw_LevelDbBatch/sync:1")
    ratio("B4 16 processes / raw synced LevelDB", "B4_Schedule16Processes", "Raw_LevelDbBatch/sync:1")
    ratio("Store write at 100k children / at 1k (flat = 1)", "Store_GroupChildWrite/100000",
          "Store_GroupChildWrite/1000")
    ratio("Store latest child at 100k / at 1k (one seek = 1)", "Store_LatestChild/100000", "Store_LatestChild/1000")
    out.update(process_workloads.ratios(results))
    return out
