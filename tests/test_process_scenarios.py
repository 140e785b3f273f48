"""The test scenarios of spec/process.md §6, one test per scenario (or per non-WASM equivalent),
named `test_sNN_<scenario name>`. Scenarios whose natural home is a C++ unit (the process cache
API, patch@1.0, cron) are tested there; the mapping of every scenario to its test(s) is in the
table below.

| §6 | scenario | test |
|---|---|---|
| 1 | schedule_on_process | test_s01_schedule_on_process |
| 2 | get_scheduler_slot | test_s02_get_scheduler_slot |
| 3 | recursive_path_resolution | test_s03_recursive_path_resolution |
| 4 | test_device_compute | test_s04_test_device_compute |
| 5 | [WASM] wasm_compute -> T slots 0, 1 | test_s05_compute_slots_in_turn |
| 6 | [WASM] wasm_compute_from_id -> T by process ID | test_s06_compute_from_the_process_id |
| 7 | [HTTP][WASM] http_wasm_process_by_id -> T through the HTTP path | test_s07_process_by_id_through_the_http_path (HTTP server itself: test_http.py) |
| 8 | [AOS] aos_compute -> Python device | test_s08_compute_results_data |
| 9 | [AOS] aos_browsable_state -> Python device | test_s09_browsable_state |
| 10 | [HTTP][AOS] aos_state_access_via_http -> HTTP path | test_s10_state_access_through_the_http_path |
| 11 | [AOS] aos_state_patch -> Python device + patch@1.0 | test_s11_state_patch |
| 12 | [AOS] restore -> T, load not init | test_s12_restore_loads_instead_of_booting |
| 13 | [AOS] now_results -> T | test_s13_now_results |
| 14 | [AOS] prior_results_accessible -> T | test_s14_prior_results_accessible |
| 15 | persistent_process | test_s15_persistent_process (both option sets) |
| 16 | simple_wasm_persistent_worker_benchmark -> T | test_s16_persistent_worker_benchmark |
| 17 | aos_persistent_worker_benchmark -> T | test_s17_lagging_compute_benchmark |
| 18 | write_and_read_output | C++ ProcessCacheTest.Scenario18WriteAndReadOutput, WritesAreReadableBySlotAndByStateId |
| 19 | find_latest_outputs | C++ ProcessCacheTest.LatestMatchesTheReferenceExamples |
| 20 | latest_not_found | C++ ProcessCacheTest.EmptyNamespaceHasNoLatestAndNoSlots |
| 21 | info (grouper) | test_s21_s22_compute_requests_group_by_process |
| 22 | grouper | test_s21_s22_compute_requests_group_by_process |
| 23 | deduplicated_execution | test_s23_deduplicated_execution |
| 24 | persistent_worker | test_s24_persistent_worker_serialises |
| 25 | spawn_after_execution | test_s25_spawn_after_execution |
| 26 | worker_flow | test_s26_worker_flow |
| 27 | worker_idle_timeout | test_s27_worker_idle_timeout (+ C++ ProcessWorkers.AnIdleWorkerSnapshotsWhereRestoreFindsItAndRetires) |
| 28 | leader_died_retry | test_s28_a_stopped_worker_is_replaced (+ C++ worker_registry tests) |
| 29 | function_key | test_s29_function_key (+ test_resolver.py) |
| 30 | compute (test-device) | test_s30_test_device_compute |
| 31 | restore (test-device) | test_s31_test_device_restore |
| 32 | once_executed | test_s32_cron_once_executed |
| 33 | every_worker_loop | test_s33_cron_every_worker_loop |
| 34 | stop_once | test_s34_cron_stop_once |
| 35 | stop_every | test_s35_cron_stop_every (+ test_push.py test_cron_*, C++ Cron.*) |
| 36 | uninitialized_patch | C++ PatchDeviceTest.UninitializedPatchAppliesTheOutboxToTheRoot |
| 37 | patch_to_submessage | C++ PatchDeviceTest.PatchToASubmessageMergesIntoIt |
| 38 | all_mode | C++ PatchDeviceTest.AllModeMovesTheWholeSource |
| 39 | req_prefix | C++ PatchDeviceTest.ReqPrefixReadsFromTheRequest |
| 40 | already_calculated | test_s40_a_slot_below_the_live_state_is_never_already_calculated + C++ ProcessDeviceTest.Scenario40ASlotBelowTheLiveOneMissingFromTheCacheIsReplayed |
| 41 | cache_frequency | test_s41_cache_frequency (+ C++ ProcessDeviceTest.CacheFrequencyMakesRestorePointsAndRestoreReplaysFromThem) |
| 42 | compute_without_slot | test_s42_compute_without_slot |
| 43 | next_missing | test_s43_next_missing_is_a_503 |

The port's deliberate differences (docs/deviations.md) show in the assertions: `spawn` makes
the definition slot 0 (as a POSTed process, §1.16), the worker registry replaces hb_persistent's
generic groups (21-25 are about processes), `already_calculated_slot` is never raised (40).
"""

from __future__ import annotations

import threading
import time

import pytest

import aocore
from conftest import make_node, wait_for


_SEED = iter(range(10_000, 1_000_000))


def base_process(node: aocore.Node) -> dict:
    """The base process of §4.4 (no execution device)."""
    return {"device": "process@1.0", "scheduler-device": "scheduler@1.0",
            "scheduler-location": node.address, "type": "Process", "test-random-seed": next(_SEED)}


def process_t(node: aocore.Node, stack: list[str] | None = None, **extra) -> dict:
    """Process T of §4.4: the base process with a stack of two test devices."""
    return {**base_process(node), "execution-device": "stack@1.0",
            "device-stack": stack or ["test-device@1.0", "test-device@1.0"], **extra}


def seen(slot: int, first: int = 0) -> list[int]:
    return [s for s in range(slot, first - 1, -1) for _ in range(2)]


def post(node: aocore.Node, definition: dict, label: str) -> dict:
    """schedule_test_message (§4.4): POST a signed {type: Message, test-label: label}."""
    body = aocore.commit({"type": "Message", "test-label": label}, node.wallet)
    return node.resolve(definition, {"path": "schedule", "method": "POST", "body": body})


@pytest.fixture(scope="module")
def node():
    with make_node() as n:
        yield n


# --- process@1.0 ---------------------------------------------------------------------------------


def test_s01_schedule_on_process(node):
    """§6.1 schedule_on_process: two POSTs, then GET schedule lists them in order."""
    t = aocore.commit(process_t(node), node.wallet)
    post(node, t, "TEST TEXT 1")
    post(node, t, "TEST TEXT 2")
    schedule = node.resolve(t, {"path": "schedule", "method": "GET"})
    assert schedule["assignments"]["0"]["body"]["test-label"] == "TEST TEXT 1"
    assert schedule["assignments"]["1"]["body"]["test-label"] == "TEST TEXT 2"


def test_s02_get_scheduler_slot(node):
    """§6.2 get_scheduler_slot: `current` is the last assigned slot (exactly 1)."""
    b = aocore.commit(base_process(node), node.wallet)
    post(node, b, "one")
    post(node, b, "two")
    slot = node.resolve(b, {"path": "slot", "method": "GET"})
    assert slot["current"] == 1


def test_s03_recursive_path_resolution(node):
    """§6.3 recursive_path_resolution, with the assertion the reference meant: == 0."""
    b = aocore.commit(base_process(node), node.wallet)
    post(node, b, "one")
    assert node.resolve(b, "slot/current") == 0


def test_s04_test_device_compute(node):
    """§6.4 test_device_compute."""
    t = aocore.commit(process_t(node), node.wallet)
    post(node, t, "TEST TEXT 1")
    post(node, t, "TEST TEXT 2")
    assert node.resolve(t, "schedule/assignments/1/body/test-label") == "TEST TEXT 2"
    s1 = node.resolve(t, {"path": "compute", "slot": 1})
    assert s1["results"]["assignment-slot"] == 1
    assert s1["already-seen"] == [1, 1, 0, 0]


def test_s05_compute_slots_in_turn(node):
    """§6.5 wasm_compute, non-WASM equivalent: T, slots 0 then 1."""
    t = aocore.commit(process_t(node), node.wallet)
    post(node, t, "a")
    post(node, t, "b")
    assert node.resolve(t, {"path": "compute", "slot": 0})["results"]["assignment-slot"] == 0
    assert node.resolve(t, {"path": "compute", "slot": 1})["results"]["assignment-slot"] == 1


def test_s06_compute_from_the_process_id(node):
    """§6.6 wasm_compute_from_id, equivalent: the base is the process ID string; the definition
    is loaded from the store by that ID."""
    t = aocore.commit(process_t(node), node.wallet)
    pid = aocore.id(t, mode="all")
    node.write(t)
    post(node, t, "a")
    assert node.resolve(pid, {"path": "compute", "slot": 0})["results"]["assignment-slot"] == 0


def test_s07_process_by_id_through_the_http_path(node):
    """§6.7 http_wasm_process_by_id, equivalent: the process is POSTed (slot 0), a message is
    scheduled (slot 1), and `/<P>/compute?slot=1` is resolved as the HTTP server resolves it."""
    p = node.spawn(process_t(node))  # writes the definition and assigns it slot 0
    p.schedule({"type": "Message", "function": "fac", "parameters": [5.0]})
    assert node.resolve_path(f"/{p.id}/compute/results/assignment-slot", slot=1) == 1


# A stand-in for the AOS scenarios (8-11): a Python execution device whose `compute` evaluates
# a tiny "program" in the scheduled message: `set` (store a value), `return` (results/data) and
# `outbox` (results/outbox).
class MiniAos:
    def init(self, base):
        return {**base, "vars": {}}

    def compute(self, base, req):
        body = req["body"]
        state = {**base, "vars": dict(base.get("vars", {}))}
        results: dict = {}
        if "set" in body:
            state["vars"][body["set"]] = body["value"]
        if "return" in body:
            expr = body["return"]
            results["data"] = str(state["vars"][expr] if expr in state["vars"] else eval(expr, {}))  # noqa: S307
        if "outbox" in body:
            results["outbox"] = body["outbox"]
        state["results"] = results
        return state

    def snapshot(self, base):
        return {}


@pytest.fixture(scope="module")
def aos_node():
    with make_node() as n:
        n.register_device("mini-aos@1.0", MiniAos())
        yield n


def aos_process(node: aocore.Node, stack: list[str] | None = None, **extra) -> dict:
    return {**base_process(node), "execution-device": "stack@1.0",
            "device-stack": stack or ["mini-aos@1.0"], **extra}


def schedule_body(node: aocore.Node, definition: dict, body: dict) -> dict:
    signed = aocore.commit({"type": "Message", **body}, node.wallet)
    return node.resolve(definition, {"path": "schedule", "method": "POST", "body": signed})


def test_s08_compute_results_data(aos_node):
    """§6.8 aos_compute, with MiniAos: `return 1+1` then `return 2+2`."""
    p = aocore.commit(aos_process(aos_node), aos_node.wallet)
    schedule_body(aos_node, p, {"return": "1+1"})
    schedule_body(aos_node, p, {"return": "2+2"})
    assert aos_node.resolve(p, {"path": "compute", "slot": 0})["results"]["data"] == "2"
    assert aos_node.resolve(p, {"path": "compute", "slot": 1})["results"]["data"] == "4"


def test_s09_browsable_state(aos_node):
    """§6.9 aos_browsable_state: a chain of keys into the computed state's outbox."""
    p = aocore.commit(aos_process(aos_node), aos_node.wallet)
    schedule_body(aos_node, p, {"outbox": {"1": {"target": "self", "action": "State",
                                                 "data": {"deep": 4, "bool": True}}}})
    assert aos_node.resolve(p, {"path": "compute/results/outbox/1/data/deep", "slot": 0}) == 4


def test_s10_state_access_through_the_http_path(aos_node):
    """§6.10 aos_state_access_via_http: the process POSTed (slot 0), an outbox message with an
    HTML body at slot 1, read through `/<P>/compute/results/outbox/1/data?slot=1`."""
    p = aos_node.spawn(aos_process(aos_node))
    p.schedule({"outbox": {"1": {"data": {"content-type": "text/html", "body": "<h1>Hello, world!</h1>"}}}})
    data = aos_node.resolve_path(f"/{p.id}/compute/results/outbox/1/data", slot=1)
    assert data["body"] == "<h1>Hello, world!</h1>"


def test_s11_state_patch(aos_node):
    """§6.11 aos_state_patch: patch@1.0 in the stack applies a PATCH from the outbox."""
    p = aocore.commit(aos_process(aos_node, ["mini-aos@1.0", "patch@1.0"], **{"patch-from": "/results/outbox"}),
                      aos_node.wallet)
    schedule_body(aos_node, p, {"outbox": {"1": {"method": "PATCH", "x": "banana"}}})
    state = aos_node.resolve(p, {"path": "compute", "slot": 0})
    assert state["x"] == "banana"
    assert aos_node.resolve(p, {"path": "compute/x", "slot": 0}) == "banana"


class Probe:
    """A stack device that counts init and normalize calls (and can be slow to init)."""

    def __init__(self, init_delay: float = 0.0) -> None:
        self.inits = 0
        self.normalizes = 0
        self.init_delay = init_delay

    def init(self, base):
        self.inits += 1
        time.sleep(self.init_delay)
        return base

    def normalize(self, base):
        self.normalizes += 1
        return base

    def compute(self, base, req):
        return base

    def snapshot(self, base):
        return {}


def test_s12_restore_loads_instead_of_booting():
    """§6.12 restore, equivalent: T computed to slot 1; then slot 2 from the raw definition
    (another node over the same store, so nothing is in memory) restores slot 1: normalize
    once, init never."""
    with make_node(process_workers=False) as n:
        probe = Probe()
        n.register_device("probe@1.0", probe)
        t = aocore.commit(process_t(n, ["test-device@1.0", "test-device@1.0", "probe@1.0"]), n.wallet)
        for label in ("X = 42", "X = 1337", "return X"):
            post(n, t, label)
        assert n.resolve(t, {"path": "compute", "slot": 1})["already-seen"] == seen(1)
        assert probe.inits == 1 and probe.normalizes == 0
        s2 = n.resolve(t, {"path": "compute", "slot": 2})
        assert s2["already-seen"] == [2, 2, 1, 1, 0, 0]
        assert probe.inits == 1 and probe.normalizes == 1


def test_s13_now_results(node):
    """§6.13 now_results, equivalent: now/results/assignment-slot after two messages."""
    t = aocore.commit(process_t(node), node.wallet)
    post(node, t, "a")
    post(node, t, "b")
    assert node.resolve(t, "now/results/assignment-slot") == 1


def test_s14_prior_results_accessible():
    """§6.14 prior_results_accessible: after `now`, compute slot=1 comes from the cache."""
    with make_node() as n:
        t = aocore.commit(process_t(n), n.wallet)
        post(n, t, "a")
        post(n, t, "b")
        post(n, t, "c")
        assert n.resolve(t, "now/results/assignment-slot") == 2
        before = n.metrics()
        assert n.resolve(t, {"path": "compute", "slot": 1})["results"]["assignment-slot"] == 1
        after = n.metrics()
        assert after["slots_computed"] == before["slots_computed"]
        assert after["cache_hits"] == before["cache_hits"] + 1


@pytest.mark.parametrize("workers", [True, False], ids=["process_workers", "defaults_cold"])
def test_s15_persistent_process(workers):
    """§6.15 persistent_process, made real: with a slow init (300 ms), computing slot 2 after
    slot 0 is at least twice as fast as the first call, from the worker's memory (a) or from
    the slot-0 restore point (b, no workers)."""
    with make_node(process_workers=workers) as n:
        n.register_device("probe@1.0", Probe(init_delay=0.3))
        t = aocore.commit(process_t(n, ["test-device@1.0", "probe@1.0"]), n.wallet)
        for label in ("X=1", "return 2", "return X"):
            post(n, t, label)
        t0 = time.perf_counter()
        assert n.resolve(t, {"path": "compute", "slot": 0})["at-slot"] == 0
        t1 = time.perf_counter()
        assert n.resolve(t, {"path": "compute", "slot": 2})["at-slot"] == 2
        t2 = time.perf_counter()
        assert (t2 - t1) < (t1 - t0) / 2


def test_s16_persistent_worker_benchmark():
    """§6.16, equivalent: T computed to slot 1, then for 1 s: schedule one message and compute
    its slot. More than 2 iterations (upstream replays from slot 1 every time; here the worker
    applies one slot per iteration)."""
    with make_node(scheduling_mode="aggressive") as n:
        p = n.spawn(process_t(n))
        p.schedule(i=0)
        assert p.compute(1)["at-slot"] == 1
        i = 0
        deadline = time.perf_counter() + 1.0
        while time.perf_counter() < deadline:
            p.schedule(i=i + 1)
            assert p.compute(i + 2)["at-slot"] == i + 2
            i += 1
        assert i > 2
        assert n.metrics()["loads"] == 1


def test_s17_lagging_compute_benchmark():
    """§6.17 aos_persistent_worker_benchmark, equivalent: each iteration schedules a message
    and computes the slot scheduled in the previous iteration (the first is a cache hit)."""
    with make_node(scheduling_mode="aggressive") as n:
        p = n.spawn(process_t(n))
        assert p.compute(0)["at-slot"] == 0
        i = 0
        deadline = time.perf_counter() + 1.0
        while time.perf_counter() < deadline:
            p.schedule(i=i)
            assert p.compute(i)["at-slot"] == i
            i += 1
        assert i >= 2


# --- workers (hb_persistent / dev_process_worker) -------------------------------------------------


def test_s21_s22_compute_requests_group_by_process():
    """§6.21/22 info + grouper: compute requests of one process, whatever their other keys,
    go to its one worker; other keys (`schedule`, `slot`) never start one."""
    with make_node() as n:
        t = aocore.commit(process_t(n), n.wallet)
        post(n, t, "a")
        node_slot = n.resolve(t, {"path": "slot", "method": "GET"})
        assert node_slot["current"] == 0
        assert n.metrics()["workers_started"] == 0
        assert n.resolve(t, {"path": "compute", "slot": 0, "v": 1})["at-slot"] == 0
        assert n.resolve(t, {"path": "compute", "slot": 0, "v": 2})["at-slot"] == 0
        m = n.metrics()
        assert m["workers_started"] == 1 and m["live_workers"] == 1 and m["slots_computed"] == 1


class Slow:
    """An execution device whose compute sleeps `delay` seconds and returns fresh random bytes
    (two computations of a slot are distinguishable)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.computes = 0
        self.lock = threading.Lock()

    def init(self, base):
        return base

    def compute(self, base, req):
        with self.lock:
            self.computes += 1
        time.sleep(self.delay)
        import os
        return {**base, "results": {"random": os.urandom(4), "slot": req["slot"]}}

    def snapshot(self, base):
        return {}


def run_threads(targets: list, stagger: float = 0.0) -> list:
    out: list = [None] * len(targets)
    errors: list = []

    def run(i, fn):
        try:
            out[i] = fn()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = []
    for i, fn in enumerate(targets):
        th = threading.Thread(target=run, args=(i, fn))
        th.start()
        threads.append(th)
        if stagger:
            time.sleep(stagger)
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    return out


def test_s23_deduplicated_execution():
    """§6.23 deduplicated_execution: two callers of the same slow computation (the second
    100 ms later) get the identical result from one computation, in < 2x the slow time."""
    with make_node() as n:
        slow = Slow(0.2)
        n.register_device("slow@1.0", slow)
        t = aocore.commit({**base_process(n), "execution-device": "slow@1.0"}, n.wallet)
        post(n, t, "a")
        start = time.perf_counter()
        r1, r2 = run_threads([lambda: n.resolve(t, {"path": "compute", "slot": 0})] * 2, stagger=0.1)
        elapsed = time.perf_counter() - start
        assert r1["results"] == r2["results"]
        assert slow.computes == 1
        assert elapsed < 0.4


def test_s24_persistent_worker_serialises():
    """§6.24 persistent_worker: three concurrent callers of different slots are served by the
    one worker, one slot at a time: different results, total >= the three slow computations."""
    with make_node() as n:
        slow = Slow(0.2)
        n.register_device("slow@1.0", slow)
        t = aocore.commit({**base_process(n), "execution-device": "slow@1.0"}, n.wallet)
        for label in ("a", "b", "c"):
            post(n, t, label)
        start = time.perf_counter()
        rs = run_threads([lambda s=s: n.resolve(t, {"path": "compute", "slot": s}) for s in (0, 1, 2)])
        elapsed = time.perf_counter() - start
        randoms = [r["results"]["random"] for r in rs]
        assert len(set(randoms)) == 3
        assert slow.computes == 3 and elapsed >= 0.6
        assert n.metrics()["workers_started"] == 1


def test_s25_spawn_after_execution():
    """§6.25 spawn_after_execution: the first caller starts the worker; callers arriving 10 ms
    later join it (no second worker), each slot is computed once, results differ."""
    with make_node() as n:
        slow = Slow(0.25)
        n.register_device("slow@1.0", slow)
        t = aocore.commit({**base_process(n), "execution-device": "slow@1.0"}, n.wallet)
        for label in ("a", "b", "c"):
            post(n, t, label)
        start = time.perf_counter()
        rs = run_threads([lambda s=s: n.resolve(t, {"path": "compute", "slot": s}) for s in (0, 1, 2)],
                         stagger=0.01)
        elapsed = time.perf_counter() - start
        assert len({r["results"]["random"] for r in rs}) == 3
        assert elapsed >= 0.75 and slow.computes == 3
        assert n.metrics()["workers_started"] == 1


def test_s26_worker_flow():
    """§6.26 worker_flow: compute slot 1 starts a worker; slot 3 comes from its memory (no
    load, no init)."""
    with make_node() as n:
        probe = Probe()
        n.register_device("probe@1.0", probe)
        t = aocore.commit(process_t(n, ["test-device@1.0", "test-device@1.0", "probe@1.0"]), n.wallet)
        for label in ("a", "b", "c", "d"):
            post(n, t, label)
        assert n.resolve(t, {"path": "compute", "slot": 1})["at-slot"] == 1
        assert n.metrics()["live_workers"] == 1
        before = n.metrics()
        assert n.resolve(t, {"path": "compute", "slot": 3})["already-seen"] == [3, 3, 2, 2, 1, 1, 0, 0]
        after = n.metrics()
        assert after["loads"] == before["loads"] and probe.inits == 1 and probe.normalizes == 0


def test_s27_worker_idle_timeout():
    """§6.27 worker_idle_timeout: with process_worker_max_idle 200 ms the worker retires with a
    snapshot; the next call restores it (normalize, no init)."""
    with make_node(process_worker_max_idle=200) as n:
        probe = Probe()
        n.register_device("probe@1.0", probe)
        t = aocore.commit(process_t(n, ["test-device@1.0", "probe@1.0"], ), n.wallet)
        post(n, t, "a")
        post(n, t, "b")
        assert n.resolve(t, {"path": "compute", "slot": 0})["at-slot"] == 0
        wait_for(lambda: n.metrics()["live_workers"] == 0 and n.metrics()["workers_retired_idle"] >= 1)
        assert n.metrics()["snapshots"] >= 0
        assert n.resolve(t, {"path": "compute", "slot": 1})["at-slot"] == 1
        assert probe.inits == 1 and probe.normalizes == 1


def test_s28_a_stopped_worker_is_replaced():
    """§6.28 leader_died_retry, equivalent: workers evicted (max_workers 1) while their process
    is still used are replaced by a new one on the next call, which continues from the restore
    point the old one wrote; results stay correct."""
    with make_node(max_workers=1) as n:
        a = aocore.commit(process_t(n), n.wallet)
        b = aocore.commit(process_t(n), n.wallet)
        for d in (a, b):
            for label in ("x", "y", "z"):
                post(n, d, label)
        assert n.resolve(a, {"path": "compute", "slot": 1})["at-slot"] == 1
        assert n.resolve(b, {"path": "compute", "slot": 1})["at-slot"] == 1  # evicts a's worker
        assert n.resolve(a, {"path": "compute", "slot": 2})["already-seen"] == seen(2)
        m = n.metrics()
        assert m["workers_evicted"] >= 1 and m["workers_started"] == 3


# --- test-device@1.0 -----------------------------------------------------------------------------


def test_s29_function_key(node):
    """§6.29 function_key."""
    assert node.call({"device": "Test-Device@1.0"}, "test_func") == ("ok", "GOOD_FUNCTION")


def test_s30_test_device_compute(node):
    """§6.30 compute on the device itself."""
    s0 = node.resolve({"device": "test-device@1.0"}, "init")
    assert s0["already-seen"] == []
    s1 = node.resolve(s0, {"path": "compute", "slot": 1, "body": {"number": 1337}})
    assert s1["results"]["assignment-slot"] == 1
    s2 = node.resolve(s1, {"path": "compute", "slot": 2})
    assert s2["results"]["assignment-slot"] == 2
    assert s2["already-seen"] == [2, 1]


def test_s31_test_device_restore(node):
    """§6.31 restore."""
    r = node.resolve({"device": "test-device@1.0", "already-seen": [1]}, "restore")
    assert node.private_get(r, "test-key/started-state") == [1]
    status, value = node.call({"device": "test-device@1.0"}, "restore")
    assert status == "error" and value == "No viable state to restore."


# --- cron@1.0 (the named test worker is a Python device here) -------------------------------------


class TestWorker:
    """The named test worker of the cron scenarios: `increment_counter` counts, `update_state`
    keeps the request."""

    __test__ = False

    def __init__(self) -> None:
        self.count = 0
        self.state: dict | None = None
        self.lock = threading.Lock()

    def increment_counter(self, base, req):
        with self.lock:
            self.count += 1
        return "ok"

    def update_state(self, base, req):
        with self.lock:
            self.state = dict(req)
        return "ok"


@pytest.fixture
def cron_node():
    with make_node() as n:
        worker = TestWorker()
        n.register_device("test-worker@1.0", worker)
        yield n, worker


def cron(node: aocore.Node, request: dict):
    return node.call({"device": "cron@1.0"}, request)


def test_s32_cron_once_executed(cron_node):
    """§6.32 once_executed: the once task runs its path with the request's keys."""
    n, worker = cron_node
    status, task = cron(n, {"path": "once", "test-id": "ID-32", "cron-path": "/~test-worker@1.0/update_state"})
    assert status == "ok" and isinstance(task, str)
    wait_for(lambda: worker.state is not None and worker.state.get("test-id") == "ID-32")


def test_s33_cron_every_worker_loop(cron_node):
    """§6.33 every_worker_loop: every 500 ms, runs at about 0, 500 and 1000 ms."""
    n, worker = cron_node
    status, task = cron(n, {"path": "every", "test-id": "ID-33", "interval": "500-milliseconds",
                            "cron-path": "/~test-worker@1.0/increment_counter"})
    assert status == "ok"
    start = time.monotonic()
    wait_for(lambda: worker.count >= 3, timeout=10)
    assert time.monotonic() - start >= 0.9  # the third run is about 1000 ms after the first
    assert cron(n, {"path": "stop", "task": task})[0] == "ok"


def test_s34_cron_stop_once(cron_node):
    """§6.34 stop_once: a once task on test-device's `delay` (750 ms) is stopped while it runs;
    stopping it again is "Task not found."."""
    n, _ = cron_node
    status, task = cron(n, {"path": "once", "cron-path": "/~test-device@1.0/delay"})
    assert status == "ok"
    status, stopped = cron(n, {"path": "stop", "task": task})
    assert status == "ok" and stopped["status"] == 200 and stopped["body"]["task_id"] == task
    assert cron(n, {"path": "stop", "task": task}) == ("error", "Task not found.")


def test_s35_cron_stop_every(cron_node):
    """§6.35 stop_every: after some runs, stop gives 200, the count is > 0, a second stop is
    "Task not found."."""
    n, worker = cron_node
    status, task = cron(n, {"path": "every", "interval": "100-milliseconds",
                            "cron-path": "/~test-worker@1.0/increment_counter"})
    assert status == "ok"
    wait_for(lambda: worker.count >= 2)
    status, stopped = cron(n, {"path": "stop", "task": task})
    assert status == "ok" and stopped["status"] == 200
    assert worker.count > 0
    assert cron(n, {"path": "stop", "task": task}) == ("error", "Task not found.")


# --- derived edge cases ---------------------------------------------------------------------------


def test_s40_a_slot_below_the_live_state_is_never_already_calculated(node):
    """§6.40 already_calculated: computing slot 1 on the slot-2 state answers slot 1 (from the
    cache, or by replay when the entry is gone: C++ Scenario40*), never the reference's
    `already_calculated_slot` exception."""
    t = aocore.commit(process_t(node), node.wallet)
    for label in ("a", "b", "c"):
        post(node, t, label)
    s2 = node.resolve(t, {"path": "compute", "slot": 2})
    s1 = node.resolve(s2, {"path": "compute", "slot": 1})
    assert s1["at-slot"] == 1 and s1["already-seen"] == seen(1)


def test_s41_cache_frequency():
    """§6.41 cache_frequency: frequency 2, computed to slot 3; slot 4 from the raw definition
    (no live state: workers off) restores slot 2 (normalize once, no init) and replays 3, 4."""
    with make_node(process_workers=False, process_cache_frequency=2) as n:
        probe = Probe()
        n.register_device("probe@1.0", probe)
        t = aocore.commit(process_t(n, ["test-device@1.0", "test-device@1.0", "probe@1.0"]), n.wallet)
        for i in range(5):
            post(n, t, f"m{i}")
        assert n.resolve(t, {"path": "compute", "slot": 3})["at-slot"] == 3
        inits, normalizes = probe.inits, probe.normalizes
        s4 = n.resolve(t, {"path": "compute", "slot": 4})
        assert s4["already-seen"] == [4, 4, 3, 3, 2, 2, 1, 1, 0, 0]
        assert probe.inits == inits and probe.normalizes == normalizes + 1


def test_s42_compute_without_slot():
    """§6.42 compute_without_slot: the latest cached state (stale by design); on an empty
    cache it computes the current slot. (`process_now_from_cache: always` is not an option of
    this port.)"""
    with make_node() as n:
        t = aocore.commit(process_t(n), n.wallet)
        for label in ("a", "b", "c"):
            post(n, t, label)
        assert n.resolve(t, "compute")["at-slot"] == 2  # empty cache: computes to current
        post(n, t, "d")
        stale = n.resolve(t, "compute")
        assert stale["at-slot"] == 2 and stale["device"] == "process@1.0"
        assert n.resolve(t, "now")["at-slot"] == 3


def test_s43_next_missing_is_a_503(node):
    """§6.43 next_missing: slot 5 with two assignments is the 503 error result."""
    t = aocore.commit(process_t(node), node.wallet)
    post(node, t, "a")
    post(node, t, "b")
    status, value = node.call(t, {"path": "compute", "slot": 5})
    assert status == "error"
    assert value["status"] == 503 and value["phase"] == "get-schedule" and value["attempted-slot"] == 2
