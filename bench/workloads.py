"""Python-level benchmark workloads (ids as in shared/BENCHMARKS.md). Each entry times the
public Python API, so the figures include the binding overhead a user pays."""

from __future__ import annotations

from typing import Callable

import aocore
import aos_workloads  # bench/aos_workloads.py (B12)
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
    if hasattr(node, "serve"):
        out.update(_http_workloads(node))
    return out


def _http_workloads(node: aocore.Node) -> dict[str, Callable[[int], None]]:
    """B10: the node over HTTP, driven by http.client on keep-alive connections (the Python
    client's own cost is part of the figure). Schedules: every client posts to the same process
    (one sequencer, the contended case). Computes: each client schedules on its own process
    and then GETs /<pid>/compute/<slot> for that slot, so every compute is a fresh slot."""
    import http.client
    import threading

    from aocore import _core

    state: dict = {}

    def setup() -> None:
        if state:
            return
        state["server"] = node.serve(port=0, threads=32)
        # The schedule workloads pile thousands of slots on one process; the compute workloads
        # use their own processes, so no compute has to catch up on those.
        state["schedule_pid"] = node.spawn().id
        state["pids"] = [node.spawn().id for _ in range(16)]

    def run_clients(clients: int, n: int, compute: bool) -> None:
        port = state["server"].port
        per = max(1, n // clients)
        errors: list = []

        def client(c: int) -> None:
            pid = state["pids"][c] if compute else state["schedule_pid"]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            body = _core.json_encode({"body": {"type": "Message", "client": c}})
            headers = {"Content-Type": "application/json"}
            try:
                for _ in range(per):
                    conn.request("POST", f"/{pid}/schedule", body=body, headers=headers)
                    res = conn.getresponse()
                    data = res.read()
                    if res.status != 200:
                        errors.append(res.status)
                        return
                    if compute:
                        slot = _core.json_decode(data.decode())["slot"]
                        conn.request("GET", f"/{pid}/compute/{slot}")
                        res = conn.getresponse()
                        res.read()
                        if res.status != 200:
                            errors.append(res.status)
                            return
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"HTTP benchmark requests failed: {errors[:5]}")

    out: dict[str, Callable[[int], None]] = {}
    for clients in (1, 16):
        def schedule(n: int, clients: int = clients) -> None:
            run_clients(clients, n, compute=False)

        def schedule_compute(n: int, clients: int = clients) -> None:
            run_clients(clients, n, compute=True)

        schedule.setup = setup  # type: ignore[attr-defined]
        schedule_compute.setup = setup  # type: ignore[attr-defined]
        out[f"B10 HTTP schedule ({clients} client{'s' if clients > 1 else ''})"] = schedule
        out[f"B10 HTTP schedule+compute ({clients} client{'s' if clients > 1 else ''})"] = schedule_compute
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
    results.update(aos_workloads.run_all(runs, filt))
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
    ratio("B10 HTTP schedule 16 clients / 1 client", "B10 HTTP schedule (16 clients)", "B10 HTTP schedule (1 client)")
    ratio("B10 HTTP schedule / in-process local schedule", "B10 HTTP schedule (1 client)", "B4_ScheduleLocal")
    ratio("B1 py hashpath ignore / update", "B1_PyResolveKey/0", "B1_PyResolveKey/1")
    ratio("B6 py commit / C++ commit", "B6 py commit", "B6_Commit")
    ratio("B4 aggressive / raw RSA sign", "B4_ScheduleAggressive", "Raw_RsaPssSign4096")
    ratio("B4 16 processes / raw RSA sign", "B4_Schedule16Processes", "Raw_RsaPssSign4096")
    ratio("B4 one process, 16 callers / raw RSA sign", "B4_OneProcess16Callers/helpers:2", "Raw_RsaPssSign4096")
    ratio("B4 one process, 16 callers: parallel / serial signing", "B4_OneProcess16Callers/helpers:2",
          "B4_OneProcess16Callers/helpers:0")
    # Issue 15's scheduling figures: wall-clock rates over the wall-clock commit rate.
    ratio("B4 local_confirmation / raw commit (wall clock)", "B4_ScheduleLocal", "B4_RawCommit")
    ratio("B4 16 processes / raw commit (wall clock, 1 thread)", "B4_Schedule16Processes", "B4_RawCommit")
    # The same with the reservation pipelining off (a random-salt signer: sign, then fsync).
    ratio("B4 local, sync after signing / raw commit (wall clock)", "B4_ScheduleLocalSyncAfterSigning", "B4_RawCommit")
    ratio("B4 16 processes, sync after signing / raw commit (wall clock, 1 thread)",
          "B4_Schedule16ProcessesSyncAfterSigning", "B4_RawCommit")
    ratio("B4 16 processes / raw commit on 2 threads (wall clock)", "B4_Schedule16Processes",
          "B4_RawCommit/real_time/threads:2")
    ratio("B4 16 processes synced / not synced (what fsync costs them)", "B4_Schedule16Processes",
          "B4_Schedule16ProcessesAggressive")
    ratio("B4 16 processes in rounds / back to back (what the old rounds' barrier cost)",
          "B4_Schedule16ProcessesInRounds", "B4_Schedule16Processes")
    ratio("B4 local: on the caller's thread / via the worker (what the hand-offs cost)", "B4_ScheduleLocal",
          "B4_ScheduleLocalViaWorker")
    ratio("B4 16 processes: on the callers' threads / via the workers", "B4_Schedule16Processes",
          "B4_Schedule16ProcessesViaWorker")
    ratio("B4 raw commit 2 threads / 1 thread (what the cores give)", "B4_RawCommit/real_time/threads:2", "B4_RawCommit")
    # Cores kept signing: 16 processes / raw commit would read this if a signature cost them what
    # it costs one thread alone; the two part by the host's slowdown of two signatures at once.
    many_cores = find("B4_Schedule16Processes/real_time signing cores")
    if many_cores is not None:
        out["B4 16 processes: cores kept signing"] = many_cores["median"]
    ratio("B4 local / raw synced LevelDB", "B4_ScheduleLocal", "Raw_LevelDbBatch/sync:1")
    ratio("B4 16 processes / raw synced LevelDB", "B4_Schedule16Processes", "Raw_LevelDbBatch/sync:1")
    ratio("Store write at 100k children / at 1k (flat = 1)", "Store_GroupChildWrite/100000",
          "Store_GroupChildWrite/1000")
    ratio("Store latest child at 100k / at 1k (one seek = 1)", "Store_LatestChild/100000", "Store_LatestChild/1000")
    out.update(process_workloads.ratios(results))
    out.update(aos_workloads.ratios(results))
    return out
