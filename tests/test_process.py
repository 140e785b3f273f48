"""Processes from Python (issue 7; spec/process.md §1, §3, §4.4, §7): compute and now, the
test-device worked example, hot workers and their metrics, concurrency, restart from a
snapshot, idle retirement, LRU eviction, Python execution devices, forged process keys and
use after close."""

from __future__ import annotations

import random
import threading

import pytest

import aocore
from conftest import make_node, wait_for


def test_device_process(node: aocore.Node, seed: int | None = None) -> dict:
    """The test-device process of spec/process.md §4.4 (unsigned; `spawn(sign=True)` signs it)."""
    return {
        "device": "process@1.0",
        "scheduler-device": "scheduler@1.0",
        "scheduler-location": node.address,
        "type": "Process",
        "test-random-seed": random.randint(1, 1337) if seed is None else seed,
        "execution-device": "stack@1.0",
        "device-stack": ["test-device@1.0", "test-device@1.0"],
    }


test_device_process.__test__ = False  # a helper, not a test


def seen(slot: int) -> list[int]:
    """`already-seen` after `slot` for the two-device test stack: [s, s, s-1, s-1, ..., 0, 0]."""
    return [s for s in range(slot, -1, -1) for _ in range(2)]


def plain(state: dict) -> dict:
    """A state without `priv` (its HashPath names the request that produced it)."""
    return {k: v for k, v in state.items() if k != "priv"}


def spawn_with(node: aocore.Node, n: int, **kw) -> aocore.Process:
    p = node.spawn(test_device_process(node), **kw)
    for i in range(n):
        p.schedule(i=i)
    return p


@pytest.fixture(scope="module")
def node():
    with make_node() as n:
        yield n


# --- the worked example, compute, now ------------------------------------------------------------


def test_worked_example_of_the_test_device_process(node):
    definition = test_device_process(node, seed=742)
    p = node.spawn(definition, sign=True)
    assert p.id == aocore.id(p.definition, mode="all")  # the signer's commitment ID
    for label in ("TEST TEXT 1", "TEST TEXT 2"):
        body = aocore.commit({"type": "Message", "test-label": label}, node.wallet)
        node.resolve(p.definition, {"path": "schedule", "method": "POST", "body": body})
    assert p.slot() == 2
    s1 = p.compute(1)
    assert s1["already-seen"] == [1, 1, 0, 0]
    assert s1["results"] == {"assignment-slot": 1}
    assert s1["at-slot"] == 1
    assert s1["initialized"] == "true"
    assert s1["device"] == "process@1.0"
    assert s1["random-key"] == "random-value"
    assert s1["process"] == p.definition
    assert "snapshot" not in s1 and "commitments" not in s1
    # Further keys resolve on the computed state; slot 0 is the spawn itself.
    assert node.resolve(p.definition, {"path": "compute/results/assignment-slot", "slot": 1}) == 1
    assert p.compute(0)["already-seen"] == [0, 0]
    assert p.compute(2)["already-seen"] == seen(2)


def test_compute_by_the_id_of_a_scheduled_message_or_its_assignment(node):
    p = spawn_with(node, 0)
    assignments = [p.schedule(n=i) for i in range(4)]
    a2 = assignments[1]  # slot 2
    assert a2["slot"] == 2
    by_body = p.compute(aocore.id(a2["body"], mode="all"))
    assert by_body["at-slot"] == 2 and by_body["already-seen"] == seen(2)
    by_assignment = p.compute(aocore.id(a2, mode="all"))
    assert plain(by_assignment) == plain(by_body)
    # Decimal text is a slot too.
    assert p.compute("3")["at-slot"] == 3
    with pytest.raises(aocore.ResolveError, match="no message"):
        p.compute("A" * 43)


def test_now_is_the_state_after_the_latest_assigned_slot(node):
    p = spawn_with(node, 3)
    now = p.now()
    assert now["at-slot"] == 3 == p.slot()
    assert now["already-seen"] == seen(3)
    p.schedule(more=True)
    assert p.now()["at-slot"] == 4


def test_a_process_without_an_execution_device_gives_a_clear_error(node):
    p = node.spawn({"device": "process@1.0", "scheduler-device": "scheduler@1.0"})
    p.schedule(v=1)
    assert p.slot() == 1  # it can be scheduled...
    with pytest.raises(aocore.ResolveError, match="execution"):
        p.compute(1)  # ...but not computed
    status, value = node.call(p.definition, {"path": "compute", "slot": 1})
    assert status != "ok"


# --- workers ------------------------------------------------------------------------------------


def test_state_is_kept_hot_between_calls():
    with make_node() as n:
        p = spawn_with(n, 6)
        assert p.compute(3)["already-seen"] == seen(3)
        m = n.metrics()
        assert m["live_workers"] == 1 and m["workers_started"] == 1
        assert m["loads"] == 1 and m["slots_computed"] == 4  # boot, then slots 0..3
        assert p.compute(6)["already-seen"] == seen(6)
        assert p.compute(6)["at-slot"] == 6
        m2 = n.metrics()
        assert m2["loads"] == 1                      # no reload: slots 4..6 came from memory
        assert m2["slots_computed"] == 7
        assert m2["live_hits"] >= 1                  # the second compute(6) is the live state
        assert m2["workers_started"] == 1
        assert m2["resolves"] > m["resolves"]


def test_compute_below_the_live_slot_is_answered_from_the_cache():
    with make_node() as n:
        p = spawn_with(n, 11)
        assert p.compute(10)["at-slot"] == 10
        before = n.metrics()
        low = p.compute(3)
        assert low["already-seen"] == seen(3) and low["at-slot"] == 3
        after = n.metrics()
        assert after["cache_hits"] == before["cache_hits"] + 1
        assert after["slots_computed"] == before["slots_computed"]
        # The live state was not rolled back: slot 11 is one more step from memory.
        assert p.compute(11)["already-seen"] == seen(11)
        last = n.metrics()
        assert last["slots_computed"] == before["slots_computed"] + 1 and last["loads"] == before["loads"]


def test_eight_threads_computing_random_slots_agree_with_a_sequential_run():
    slots = 40
    with make_node(scheduling_mode="aggressive") as hot, make_node(process_workers=False) as cold:
        definition = test_device_process(hot, seed=4242)
        p = hot.spawn(definition, sign=False)
        q = cold.spawn(definition, sign=False)
        assert p.id == q.id
        for i in range(slots):
            p.schedule(i=i)
            q.schedule(i=i)
        results: dict[int, dict] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(15):
                    s = rng.randint(0, slots)
                    state = p.compute(s)
                    with lock:
                        if s in results:
                            assert results[s] == plain(state)
                        results[s] = plain(state)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert not any(t.is_alive() for t in threads)
        assert results
        for s, state in results.items():
            assert state == plain(q.compute(s)), f"slot {s} differs"
        # Every slot was applied once by the one worker, however many callers asked.
        assert hot.metrics()["workers_started"] == 1
        assert hot.metrics()["slots_computed"] == max(results) + 1
        assert cold.metrics()["workers_started"] == 0 and cold.metrics()["live_workers"] == 0


def test_without_process_workers_states_are_computed_cold_and_are_the_same():
    with make_node() as hot, make_node(process_workers=False) as cold:
        definition = test_device_process(hot, seed=77)
        p, q = hot.spawn(definition, sign=False), cold.spawn(definition, sign=False)
        for i in range(5):
            p.schedule(i=i)
            q.schedule(i=i)
        for s in range(6):
            assert plain(p.compute(s)) == plain(q.compute(s))
        assert plain(q.now()) == plain(p.now())
        m = cold.metrics()
        assert m["live_workers"] == 0 and m["workers_started"] == 0 and m["live_hits"] == 0
        assert hot.metrics()["workers_started"] == 1


def test_restart_computes_the_next_slot_from_the_snapshot(tmp_path):
    store = tmp_path / "node"
    with make_node(store, process_cache_frequency=10, scheduling_mode="aggressive") as n:
        p = spawn_with(n, 101)
        assert p.compute(100)["at-slot"] == 100
        pid = p.id
        reference = p.compute(100)
    with make_node(store, process_cache_frequency=10) as n:
        p = n.process(pid)
        assert n.metrics()["slots_computed"] == 0
        s101 = p.compute(101)
        assert s101["already-seen"] == seen(101)
        m = n.metrics()
        assert m["slots_computed"] <= 1   # at most one slot re-executed
        assert m["loads"] == 1            # one load: the snapshot of slot 100
        assert plain(p.compute(100)) == plain(reference)


def test_restart_between_snapshots_uses_the_snapshot_written_on_close(tmp_path):
    store = tmp_path / "node"
    with make_node(store, process_cache_frequency=10, scheduling_mode="aggressive") as n:
        p = spawn_with(n, 16)
        assert p.compute(15)["at-slot"] == 15
        pid = p.id
    with make_node(store, process_cache_frequency=10) as n:
        now = n.process(pid).now()  # slot 16
        assert now["already-seen"] == seen(16)
        m = n.metrics()
        assert m["loads"] == 1 and m["slots_computed"] == 1


def test_an_idle_worker_retires_and_a_later_call_reloads_it():
    with make_node(process_worker_max_idle=100) as n:
        p = spawn_with(n, 3)
        assert p.compute(3)["at-slot"] == 3
        wait_for(lambda: n.metrics()["workers_retired_idle"] >= 1 and n.metrics()["live_workers"] == 0)
        p.schedule(i=99)
        before = n.metrics()
        assert p.compute(4)["already-seen"] == seen(4)
        after = n.metrics()
        assert after["loads"] == before["loads"] + 1           # restored from the retire snapshot
        assert after["slots_computed"] == before["slots_computed"] + 1


def test_max_workers_evicts_the_least_recently_used():
    with make_node(max_workers=2) as n:
        procs = [spawn_with(n, 2) for _ in range(5)]
        for p in procs:
            assert p.compute(1)["at-slot"] == 1
        m = n.metrics()
        assert m["live_workers"] <= 2
        assert m["workers_evicted"] >= 3
        # An evicted process continues correctly from its snapshot.
        assert procs[0].compute(2)["already-seen"] == seen(2)
        assert n.metrics()["live_workers"] <= 2


# --- Python execution devices -------------------------------------------------------------------


class PyCounter:
    """An execution device in Python: counts slots; raises on the slots in `fail`."""

    def __init__(self) -> None:
        self.fail: set[int] = set()
        self.calls = 0

    def init(self, base):
        return {**base, "count": 0}

    def compute(self, base, req):
        self.calls += 1
        slot = req["slot"]
        if slot in self.fail:
            raise ValueError(f"boom at {slot}")
        return {**base, "count": base["count"] + 1, "results": {"slot": slot}}

    def snapshot(self, base):
        return {}


def test_a_python_device_as_the_execution_device():
    with make_node() as n:
        dev = PyCounter()
        n.register_device("pycount@1.0", dev)
        p = n.spawn({"device": "process@1.0", "scheduler-device": "scheduler@1.0",
                     "execution-device": "pycount@1.0"})
        for i in range(5):
            p.schedule(i=i)
        assert p.compute(2)["count"] == 3
        dev.fail = {3}
        with pytest.raises(aocore.ResolveError, match="boom at 3"):
            p.compute(4)
        status, value = n.call(p.definition, {"path": "compute", "slot": 3})
        assert status == "error"
        # The worker keeps its last good state and keeps serving.
        assert p.compute(2)["count"] == 3
        dev.fail = set()
        s4 = p.compute(4)
        assert s4["count"] == 5 and s4["results"] == {"slot": 4}
        m = n.metrics()
        assert m["workers_started"] == 1 and m["failures"] >= 1 and m["loads"] == 1


# --- identity -----------------------------------------------------------------------------------


def test_a_forged_process_key_does_not_reach_another_process_cache(node):
    a = spawn_with(node, 0)
    b = spawn_with(node, 0)
    # A scheduled message that claims to be (for) process A, scheduled on B.
    b.schedule({"process": a.id, "at-slot": 0})
    b.schedule({"process": a.definition})
    sb = b.compute(2)
    assert sb["process"] == b.definition and sb["at-slot"] == 2
    # A has only its spawn: nothing of B's landed at A's slots.
    assert a.now()["at-slot"] == 0
    with pytest.raises(aocore.ResolveError):
        a.compute(1)
    # A base that is B but carries A's definition as `process` is refused.
    forged = {**b.definition, "process": a.definition}
    with pytest.raises(aocore.Error, match="process"):
        node.resolve(forged, {"path": "compute", "slot": 1})


def test_use_after_close_raises_closed_error():
    n = make_node()
    p = spawn_with(n, 1)
    assert p.compute(1)["at-slot"] == 1
    n.close()
    with pytest.raises(aocore.ClosedError):
        p.compute(1)
    with pytest.raises(aocore.ClosedError):
        p.now()
    with pytest.raises(aocore.ClosedError):
        n.metrics()


# --- scheduling signed messages -------------------------------------------------------------------


def test_a_signed_message_is_scheduled_exactly_as_signed(node):
    p = node.spawn(test_device_process(node))
    signed = aocore.commit({"type": "Message", "note": "as signed"}, node.wallet)
    assignment = p.schedule(signed)
    assert assignment["slot"] == 1
    body = p.assignments(1, 1)[0]["body"]
    assert aocore.verify(body)
    assert "target" not in body  # nothing was added after signing
    assert body["note"] == "as signed"


def test_a_signed_message_for_another_process_or_with_added_fields_is_refused(node):
    p = node.spawn(test_device_process(node))
    other = node.spawn(test_device_process(node))
    for_other = aocore.commit({"type": "Message", "target": other.id}, node.wallet)
    with pytest.raises(aocore.InvalidMessageError, match="targets"):
        p.schedule(for_other)
    with pytest.raises(aocore.InvalidMessageError, match="signed message"):
        p.schedule(aocore.commit({"type": "Message"}, node.wallet), extra=1)
    assert p.slot() == 0 and other.slot() == 0  # neither process got a message
    # Signed for this process, it is accepted.
    assert p.schedule(aocore.commit({"type": "Message", "target": p.id}, node.wallet))["slot"] == 1

# --- request_timeout and long computations --------------------------------------------------------


class Gated:
    """An execution device taking `delay` s per slot, which blocks at slot `gate_at` until
    `gate` is set."""

    def __init__(self, delay: float = 0.0, gate_at: int = -1) -> None:
        self.delay = delay
        self.gate_at = gate_at
        self.gate = threading.Event()

    def init(self, base):
        return {**base, "count": 0}

    def compute(self, base, req):
        import time
        if req["slot"] == self.gate_at:
            assert self.gate.wait(timeout=30)
        time.sleep(self.delay)
        return {**base, "count": base["count"] + 1}

    def snapshot(self, base):
        return {}


def test_a_compute_longer_than_request_timeout_succeeds_while_it_progresses():
    with make_node(request_timeout=150) as n:
        n.register_device("gated@1.0", Gated(delay=0.02))
        p = n.spawn({"device": "process@1.0", "execution-device": "gated@1.0"})
        for i in range(25):
            p.schedule(i=i)
        import time
        start = time.perf_counter()
        assert p.compute(25)["count"] == 26
        assert time.perf_counter() - start > 0.3  # > 2 request_timeouts, never a timeout


def test_a_stalled_compute_times_out_and_the_worker_keeps_computing_it():
    with make_node(request_timeout=150) as n:
        dev = Gated(gate_at=3)
        n.register_device("gated@1.0", dev)
        p = n.spawn({"device": "process@1.0", "execution-device": "gated@1.0"})
        for i in range(6):
            p.schedule(i=i)
        with pytest.raises(aocore.TimeoutError, match="keeps computing"):
            p.compute(6)
        dev.gate.set()
        # Without another call, the worker reaches slot 6 (slots 0..6 computed once each)...
        wait_for(lambda: n.metrics()["slots_computed"] >= 7)
        # ...so the retry is answered from memory.
        assert p.compute(6)["count"] == 7
        assert n.metrics()["slots_computed"] == 7
