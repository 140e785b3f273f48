"""Python-level benchmark workloads (ids as in shared/BENCHMARKS.md). Each entry times the
public Python API, so the figures include the binding overhead a user pays."""

from __future__ import annotations

from typing import Callable

import aocore

TEN_KEYS = {f"key-{i}": f"value-{i}" for i in range(10)}


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
    ratio("B6 py commit / C++ commit", "B6 py commit", "B6_Commit")
    ratio("B1 hashpath ignore / update", "B1_ResolveKey/ignore", "B1_ResolveKey/update")
    ratio("B9 python stack / C++ stack", "B9_PythonAppendStack", "B3_AppendStack5")
    ratio("B4 local_confirmation / raw RSA sign", "B4_ScheduleLocal", "Raw_RsaPssSign4096")
    ratio("B4 aggressive / raw RSA sign", "B4_ScheduleAggressive", "Raw_RsaPssSign4096")
    ratio("B4 16 processes / raw RSA sign", "B4_Schedule16Processes", "Raw_RsaPssSign4096")
    ratio("B4 local / raw synced LevelDB", "B4_ScheduleLocal", "Raw_LevelDbBatch/sync:1")
    ratio("B4 16 processes / raw synced LevelDB", "B4_Schedule16Processes", "Raw_LevelDbBatch/sync:1")
    return out
