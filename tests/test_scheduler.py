"""Scheduling from Python: spawn, schedule, slot, assignments, the hash chain, restart and
concurrency (issue: the scheduler)."""

from __future__ import annotations

import base64
import hashlib
import threading

import pytest

import aocore


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_chain(assignments: list[dict]) -> None:
    """Recomputes the hash chain independently: chain_n = SHA-256(raw chain_{n-1} || id_n text)."""
    previous = b""
    for expected_slot, a in enumerate(assignments):
        assert a["slot"] == expected_slot
        digest = hashlib.sha256(previous + aocore.id(a["body"], mode="all").encode()).digest()
        assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == a["hash-chain"], f"slot {a['slot']}"
        previous = b64url_decode(a["hash-chain"])


@pytest.fixture(scope="module")
def node():
    with aocore.Node() as n:
        yield n


def test_spawn_assigns_the_definition_slot_zero(node):
    p = node.spawn()
    assert p.slot() == 0
    [a0] = p.assignments()
    assert a0["process"] == p.id and a0["slot"] == 0
    assert aocore.id(a0["body"], mode="all") == p.id
    assert p.definition["scheduler"] == node.address
    assert aocore.verify(p.definition)  # signed with the node wallet
    assert node.spawn().id != p.id      # signed spawns are unique


def test_assignment_fields_and_signature(node):
    p = node.spawn()
    a = p.schedule({"action": "Eval"}, data="1 + 1")
    assert a["slot"] == 1 and a["process"] == p.id
    assert isinstance(a["timestamp"], int) and isinstance(a["block-height"], int)
    assert len(a["block-hash"]) == 43 and len(a["hash-chain"]) == 43
    assert a["epoch"] == "0" and a["path"] == "compute"
    assert a["body"]["action"] == "Eval" and a["body"]["data"] == "1 + 1"
    assert aocore.verify(a) and aocore.committers(a) == [node.address]


def test_slots_are_consecutive_and_the_chain_verifies(node):
    p = node.spawn()
    timestamps = []
    for i in range(20):
        a = p.schedule(i=i)
        assert a["slot"] == i + 1
        timestamps.append(a["timestamp"])
    assert timestamps == sorted(timestamps)  # non-decreasing
    assert p.slot() == 20
    assignments = p.assignments()
    assert [a["body"].get("i") for a in assignments[1:]] == list(range(20))
    verify_chain(assignments)
    assert [a["slot"] for a in p.assignments(5, 7)] == [5, 6, 7]


def test_paging_returns_every_assignment_in_order(node):
    p = node.spawn()
    for i in range(30):
        p.schedule(i=i)
    assert [a["slot"] for a in p.assignments()] == list(range(31))
    assert p.assignments(40) == []


def test_tampered_signed_message_is_refused(node):
    p = node.spawn()
    signed = aocore.commit({"type": "Message", "target": p.id, "v": "1"}, node.wallet)
    signed["v"] = "2"
    with pytest.raises(aocore.ResolveError):
        p.schedule(signed)
    assert p.slot() == 0  # nothing scheduled


def test_aos2_format(node):
    p = node.spawn()
    p.schedule(v="1")
    page = node.resolve({"device": "scheduler@1.0"},
                        {"path": "schedule", "target": p.id, "accept": "application/aos-2"})
    text = page if isinstance(page, str) else page.get("body")
    assert "page_info" in text and "edges" in text


def test_concurrent_schedulers_give_each_slot_exactly_once(node):
    p = node.spawn()
    per_thread, threads_n = 15, 8
    slots: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for i in range(per_thread):
                a = p.schedule(t=t, i=i)
                with lock:
                    slots.append(a["slot"])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert sorted(slots) == list(range(1, per_thread * threads_n + 1))
    verify_chain(p.assignments())


def test_restart_continues_at_the_next_slot_with_the_chain_intact(tmp_path):
    with aocore.Node(tmp_path / "n") as n:
        p = n.spawn()
        for i in range(3):
            p.schedule(i=i)
        pid = p.id
    with aocore.Node(tmp_path / "n") as n:
        p = n.process(pid)
        assert p.slot() == 3
        assert p.schedule(i=3)["slot"] == 4
        verify_chain(p.assignments())
    with aocore.Node(tmp_path / "n") as n, pytest.raises(aocore.NotFoundError):
        n.process("C" * 43)


@pytest.mark.parametrize("mode", ["aggressive", "local_confirmation"])
def test_scheduling_modes(tmp_path, mode):
    with aocore.Node(tmp_path / mode, scheduling_mode=mode) as n:
        p = n.spawn()
        assert p.schedule(v=1)["slot"] == 1


def test_remote_confirmation_replies_after_the_uploader_accepts():
    uploaded: list[int] = []
    with aocore.Node(scheduling_mode="remote_confirmation", uploader=lambda a: uploaded.append(a["slot"]) or True) as n:
        p = n.spawn()
        assert p.schedule(v=1)["slot"] == 1
        assert uploaded == [0, 1]


def test_remote_confirmation_failure_is_an_error_reply_not_a_silent_success():
    def refuse(assignment):
        raise ConnectionError("bundler unreachable")

    with aocore.Node(scheduling_mode="remote_confirmation", uploader=refuse) as n:
        with pytest.raises(aocore.Error, match="bundler unreachable"):
            n.spawn()
    with aocore.Node(scheduling_mode="remote_confirmation") as n:
        with pytest.raises(aocore.Error, match="uploader"):
            n.spawn()
