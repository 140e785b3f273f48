"""Messages between processes (push@1.0), cron@1.0 tasks and process monitors, from Python."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import aocore
from conftest import wait_for


class PingPong:
    """An execution device: replies to each message's sender (`from-process`, else `peer`) with
    `count` + 1 until the definition's `limit`."""

    def init(self, base):
        return {**base, "received": 0}

    def snapshot(self, base):
        return {"kind": "pingpong"}

    def compute(self, base, req):
        body = req.get("body", {})
        state = {**base, "received": base.get("received", 0) + 1}
        if "count" not in body:
            return state  # the process message itself (slot 0)
        count = int(body["count"])
        state["last-count"] = count
        peer = body.get("from-process", body.get("peer"))
        outbox = {}
        if count < int(base.get("limit", 6)) and peer:
            outbox["1"] = {"target": peer, "count": count + 1}
        state["results"] = {"outbox": outbox}
        return state


def spawn(node: aocore.Node, name: str, limit: int = 6) -> aocore.Process:
    return node.spawn({"device": "process@1.0", "scheduler-device": "scheduler@1.0",
                       "execution-device": "pingpong@1.0", "name": name, "limit": limit})


_WALLET: list[aocore.Wallet] = []


def make_node(path=None) -> aocore.Node:
    # One wallet for the module: generating RSA-4096 keys dominates a test otherwise. A LevelDB
    # node stores it and reloads it on reopen.
    if not _WALLET:
        _WALLET.append(aocore.Wallet.generate())
    node = aocore.Node(path, wallet=_WALLET[0])
    node.register_device("pingpong@1.0", PingPong())
    return node


def every(node: aocore.Node, process: aocore.Process, interval: str, **extra) -> str:
    return node.resolve({"device": "cron@1.0"},
                        {"path": "every", "interval": interval, "cron-path": f"/{process.id}/schedule",
                         "type": "Message", **extra})


def test_ping_pong_via_push():
    with make_node() as node:
        a, b = spawn(node, "ping"), spawn(node, "pong")
        first = a.schedule(peer=b.id, count=0)["slot"]
        tree = a.push(first)
        assert tree["process"] == a.id and tree["slot"] == first
        assert tree["1"]["target"] == b.id and tree["1"]["slot"] == 1
        assert tree["1"]["resulted-in"]["1"]["target"] == a.id
        assert a.slot() == 4 and b.slot() == 3
        assert int(a.now()["last-count"]) == 6 and int(b.now()["last-count"]) == 5
        delivered = b.assignments(1, 1)[0]["body"]
        assert delivered["from-process"] == a.id and int(delivered["from-slot"]) == first
        # Re-pushing delivers nothing twice.
        again = a.push(first)
        assert again["1"]["id"] == tree["1"]["id"]
        assert a.slot() == 4 and b.slot() == 3


def test_push_to_a_missing_target_is_an_error_entry():
    with make_node() as node:
        a = spawn(node, "ping")
        tree = a.push(a.schedule(peer="Q" * 43, count=0)["slot"])
        assert tree["1"]["response"] == "error" and tree["1"]["status"] == 404


class CronWitness:
    """For absence checks: an independent `every` task on its own process, on the node's one
    timer. Once it ran `runs` more times, every run due before has been dispatched (the timer
    hands runs out in due order) and more than `runs` - 1 intervals have passed."""

    def __init__(self, node: aocore.Node, interval: str) -> None:
        self.node = node
        self.process = spawn(node, "witness")
        self.task = every(node, self.process, interval, tag="witness")

    def wait(self, runs: int) -> None:
        start = self.process.slot()
        wait_for(lambda: self.process.slot() >= start + runs, timeout=30)

    def stop(self) -> None:
        self.node.resolve({"device": "cron@1.0"}, {"path": "stop", "task": self.task})


def test_cron_every_schedules_until_stopped():
    with make_node() as node:
        p = spawn(node, "clock")
        task = every(node, p, "50-milliseconds")
        wait_for(lambda: p.slot() >= 3)
        stopped = node.resolve({"device": "cron@1.0"}, {"path": "stop", "task": task})
        assert stopped["status"] == 200 and stopped["body"]["task_id"] == task
        after = p.slot()
        # A witness of the same interval runs several times; the stopped task never again.
        CronWitness(node, "50-milliseconds").wait(5)
        assert p.slot() == after
        status, value = node.call({"device": "cron@1.0"}, {"path": "stop", "task": task})
        assert (status, value) == ("error", "Task not found.")


def test_cron_registering_twice_is_one_task():
    with make_node() as node:
        p = spawn(node, "clock")
        assert every(node, p, "1-minute") == every(node, p, "1-minute")
        wait_for(lambda: p.slot() >= 1)
        CronWitness(node, "20-milliseconds").wait(5)
        assert p.slot() == 1  # one task, one immediate first run


def test_cron_task_survives_restart(tmp_path):
    with make_node(tmp_path) as node:
        p = spawn(node, "clock")
        task = every(node, p, "100-milliseconds")
        wait_for(lambda: p.slot() >= 2)
        pid = p.id
    with make_node(tmp_path) as node:
        p = node.process(pid)
        start = p.slot()
        wait_for(lambda: p.slot() >= start + 2)
        node.resolve({"device": "cron@1.0"}, {"path": "stop", "task": task})


def test_monitor_pushes_and_its_cursor_survives_restart(tmp_path):
    with make_node(tmp_path) as node:
        a, b = spawn(node, "ping", limit=1), spawn(node, "pong", limit=1)
        a.schedule(peer=b.id, count=0)
        m = node.monitor(a.id, every=0.02)
        assert m.running and m.every == pytest.approx(0.02)
        wait_for(lambda: m.cursor == 1 and b.slot() == 1)
        assert node.monitor(a.id) is m or node.monitor(a.id).cursor == m.cursor
        m.stop()  # also removes the registration: the reopened node does not restart it
        assert not m.running and node.monitors() == []
        a_id, b_id = a.id, b.id
    with make_node(tmp_path) as node:
        assert node.monitors() == []
        a, b = node.process(a_id), node.process(b_id)
        a.schedule(peer=b.id, count=0)  # slot 2, while no monitor ran
        m = node.monitor(a.id, every=0.02)
        assert m.cursor == 1
        wait_for(lambda: m.cursor == 2 and b.slot() == 2)
        ticks = m.ticks
        wait_for(lambda: m.ticks >= ticks + 3)  # several more ticks: nothing pushed twice
        assert [int(x["body"]["from-slot"]) for x in b.assignments(1)] == [1, 2]


def test_monitor_is_restarted_when_the_node_reopens(tmp_path):
    with make_node(tmp_path) as node:
        a, b = spawn(node, "ping", limit=1), spawn(node, "pong", limit=1)
        a.schedule(peer=b.id, count=0)
        m = node.monitor(a.id, every=0.02)
        wait_for(lambda: m.cursor == 1)
        a_id, b_id = a.id, b.id
    with make_node(tmp_path) as node:
        (m,) = node.monitors()  # back by itself, with its options and cursor
        assert m.process_id == a_id and m.every == pytest.approx(0.02) and m.cursor == 1 and m.running
        a, b = node.process(a_id), node.process(b_id)
        a.schedule(peer=b.id, count=0)
        wait_for(lambda: m.cursor == 2 and b.slot() == 2)
        assert [int(x["body"]["from-slot"]) for x in b.assignments(1)] == [1, 2]


def test_devices_given_at_open_serve_a_restarted_monitor(tmp_path):
    if not _WALLET:
        _WALLET.append(aocore.Wallet.generate())
    with aocore.Node(tmp_path, wallet=_WALLET[0]) as node:  # pingpong@1.0 is not registered here
        a, b = spawn(node, "ping", limit=1), spawn(node, "pong", limit=1)
        a.schedule(peer=b.id, count=0)
        m = node.monitor(a.id, every=0.02)
        wait_for(lambda: m.failures >= 1)  # it cannot compute without the device
        assert m.cursor == -1
        a_id, b_id = a.id, b.id
    with aocore.Node(tmp_path, wallet=_WALLET[0], devices={"pingpong@1.0": PingPong()}) as node:
        assert "pingpong@1.0" in node.devices()
        (m,) = node.monitors()
        wait_for(lambda: m.cursor == 1 and node.process(b_id).slot() == 1)
        assert node.process(b_id).assignments(1)[0]["body"]["from-process"] == a_id


def test_devices_argument_is_checked():
    with pytest.raises(aocore.InvalidMessageError, match="devices must be a dict"):
        aocore.Node(devices=[PingPong()])
    with pytest.raises(aocore.InvalidMessageError, match="name@version"):
        aocore.Node(devices={"pingpong": PingPong()})
    with pytest.raises(aocore.InvalidMessageError, match="device name must be a str"):
        aocore.Node(devices={1: PingPong()})


# --- A restart with a pending cron task and a monitor -------------------------------------------

INTERVAL_MS = 400

# Reopens the node (the cron task and the monitor resume by themselves) and reports A's slot
# until it is killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[3])
    import aocore
    from test_push import PingPong
    node = aocore.Node(sys.argv[1])
    node.register_device("pingpong@1.0", PingPong())
    a = node.process(sys.argv[2])
    while True:
        print(a.slot(), flush=True)
        time.sleep(0.01)
    """
)


def start_ticking(path) -> tuple[str, str, str]:
    """A node at `path` with processes A and B, an `every` task that schedules {peer: B, count:
    0} on A (A then sends one message to B) and a monitor on A that pushes each tick on."""
    with make_node(path) as node:
        a, b = spawn(node, "ticked", limit=1), spawn(node, "sink", limit=1)
        task = every(node, a, f"{INTERVAL_MS}-milliseconds", peer=b.id, count=0)
        node.monitor(a.id, every=0.02)
        wait_for(lambda: a.slot() >= 2)
        return a.id, b.id, task


def check_resumed(node: aocore.Node, a_id: str, b_id: str, task: str, reopened_at_ms: int) -> None:
    a, b = node.process(a_id), node.process(b_id)
    (monitor,) = node.monitors()  # the monitor is back by itself
    assert monitor.process_id == a_id
    last_before = a.slot()
    wait_for(lambda: a.slot() >= last_before + 3, timeout=30)  # and so is the cron task
    node.resolve({"device": "cron@1.0"}, {"path": "stop", "task": task})
    ticks = a.slot()
    wait_for(lambda: monitor.cursor == ticks and b.slot() == ticks, timeout=30)

    # The monitor: every tick pushed exactly once, in order, across the restart.
    assert [int(x["body"]["from-slot"]) for x in b.assignments(1)] == list(range(1, ticks + 1))

    # The cron task: a tick never follows the previous one sooner than one interval after that
    # one started (no doubled tick, also across the restart: not run at once on reopen), with a
    # margin for the time between a run's start and its assignment's timestamp; the first tick
    # after the reopen comes within one interval of when it was due (no tick lost beyond one
    # interval), with a margin for a loaded machine.
    stamps = [int(x["timestamp"]) for x in a.assignments(1)]
    assert len(stamps) == ticks
    gaps = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
    assert min(gaps) >= INTERVAL_MS // 2, gaps
    first_after, last_pre = stamps[last_before], stamps[last_before - 1]
    assert first_after <= max(reopened_at_ms, last_pre + INTERVAL_MS) + INTERVAL_MS + 1000, (
        first_after - last_pre, reopened_at_ms - last_pre)


def test_restart_resumes_cron_task_and_monitor(tmp_path):
    a_id, b_id, task = start_ticking(tmp_path)
    with make_node(tmp_path) as node:
        check_resumed(node, a_id, b_id, task, int(time.time() * 1000))


def test_sigkill_resumes_cron_task_and_monitor_without_losing_or_doubling(tmp_path):
    a_id, b_id, task = start_ticking(tmp_path)
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    for _round in range(2):  # killed twice, wherever the kill lands (in a run, in a push, ...)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), a_id, tests_dir],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        watchdog = threading.Timer(60, child.kill)  # a child that never ticks fails, not hangs
        watchdog.start()
        try:
            first = None
            for line in child.stdout:
                slot = int(line)
                first = slot if first is None else first
                if slot >= first + 3:  # the resumed task ticked in the child
                    break
            else:
                pytest.fail("the cron task did not resume in the reopened node")
        finally:
            watchdog.cancel()
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            child.stdout.close()
    with make_node(tmp_path) as node:
        check_resumed(node, a_id, b_id, task, int(time.time() * 1000))


def test_monitor_every_must_be_positive():
    with make_node() as node:
        p = spawn(node, "x")
        with pytest.raises(aocore.InvalidMessageError):
            node.monitor(p.id, every=0)
