"""Messages between processes (push@1.0), cron@1.0 tasks and process monitors, from Python."""

from __future__ import annotations

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


def test_cron_every_schedules_until_stopped():
    with make_node() as node:
        p = spawn(node, "clock")
        task = every(node, p, "50-milliseconds")
        wait_for(lambda: p.slot() >= 3)
        stopped = node.resolve({"device": "cron@1.0"}, {"path": "stop", "task": task})
        assert stopped["status"] == 200 and stopped["body"]["task_id"] == task
        after = p.slot()
        deadline = time.monotonic() + 0.3  # several intervals: nothing more arrives
        while time.monotonic() < deadline:
            assert p.slot() == after
            time.sleep(0.02)
        status, value = node.call({"device": "cron@1.0"}, {"path": "stop", "task": task})
        assert (status, value) == ("error", "Task not found.")


def test_cron_registering_twice_is_one_task():
    with make_node() as node:
        p = spawn(node, "clock")
        assert every(node, p, "1-minute") == every(node, p, "1-minute")
        wait_for(lambda: p.slot() >= 1)
        time.sleep(0.2)
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
        assert m.running
        wait_for(lambda: m.cursor == 1 and b.slot() == 1)
        assert node.monitor(a.id) is m or node.monitor(a.id).cursor == m.cursor
        m.stop()
        assert not m.running
        a_id, b_id = a.id, b.id
    with make_node(tmp_path) as node:
        a, b = node.process(a_id), node.process(b_id)
        a.schedule(peer=b.id, count=0)  # slot 2, while no monitor ran
        m = node.monitor(a.id, every=0.02)
        assert m.cursor == 1
        wait_for(lambda: m.cursor == 2 and b.slot() == 2)
        time.sleep(0.1)
        assert b.slot() == 2  # slot 1 was not pushed again


def test_monitor_every_must_be_positive():
    with make_node() as node:
        p = spawn(node, "x")
        with pytest.raises(aocore.InvalidMessageError):
            node.monitor(p.id, every=0)
