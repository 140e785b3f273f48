"""Node lifecycle: close is idempotent, use after close raises ClosedError, closing while other
threads resolve is safe, and Python devices may call back into their node (but not close it)."""

from __future__ import annotations

import threading
import time

import pytest

import aocore


class Slow:
    """A device that holds its call open until released (or a deadline passes)."""

    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()

    def wait(self):
        self.entered.set()
        self.release.wait(timeout=10)
        return "done"

    def quick(self, base, req):
        return req.get("x", 0)


def test_double_close():
    node = aocore.Node()
    assert not node.closed
    node.close()
    assert node.closed
    node.close()
    assert node.closed


def test_context_manager_closes():
    with aocore.Node() as node:
        assert node.resolve({"a": 1}, "a") == 1
    assert node.closed


@pytest.mark.parametrize("use", [
    lambda n: n.resolve({"a": 1}, "a"),
    lambda n: n.call({"a": 1}, "a"),
    lambda n: n.get({"a": 1}, "a"),
    lambda n: n.get({"a": 1}, "b", default=0),
    lambda n: n.write({"a": 1}),
    lambda n: n.read("A" * 43),
    lambda n: n.register_device("x@1.0", Slow()),
    lambda n: n.set({"a": 1}, "b", 2),
    lambda n: n.keys({"a": 1}),
    lambda n: n.remove({"a": 1}, "a"),
    lambda n: n.resolve_many([{"a": 1}, "a"]),
    lambda n: n.get_as("message@1.0", {"a": 1}, "a"),
], ids=["resolve", "call", "get", "get-default", "write", "read", "register_device", "set", "keys", "remove",
        "resolve_many", "get_as"])
def test_use_after_close_raises_closed_error(use):
    node = aocore.Node()
    node.close()
    with pytest.raises(aocore.ClosedError):
        use(node)


def test_close_waits_for_a_resolve_in_flight():
    node = aocore.Node()
    slow = Slow()
    node.register_device("slow@1.0", slow)
    result: list[object] = []
    t = threading.Thread(target=lambda: result.append(node.resolve({"device": "slow@1.0"}, "wait")), daemon=True)
    t.start()
    assert slow.entered.wait(10)
    closer = threading.Thread(target=node.close, daemon=True)
    closer.start()
    # close() is waiting for the operation in flight; new operations are refused meanwhile.
    deadline = time.monotonic() + 10
    while not node.closed and time.monotonic() < deadline:
        time.sleep(0.005)
    assert node.closed
    with pytest.raises(aocore.ClosedError):
        node.resolve({"a": 1}, "a")
    slow.release.set()
    t.join(10)
    closer.join(10)
    assert not t.is_alive() and not closer.is_alive()
    assert result == ["done"]


def test_close_while_threads_resolve():
    node = aocore.Node()
    node.register_device("slow@1.0", Slow())
    outcomes: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + 20

    def worker(i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            try:
                v = node.resolve({"device": "slow@1.0"}, {"path": "quick", "x": n})
                assert v == n
                n += 1
            except aocore.ClosedError:
                with lock:
                    outcomes.append("closed")
                return
            except Exception as e:  # noqa: BLE001
                with lock:
                    outcomes.append(f"{type(e).__name__}: {e}")
                return
        with lock:
            outcomes.append("timeout")

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.2)  # let them get going (not a synchronisation: any interleaving is valid)
    node.close()
    for t in threads:
        t.join(timeout=15)
    assert not any(t.is_alive() for t in threads)
    assert outcomes == ["closed"] * 6


def test_a_device_can_resolve_through_its_node():
    with aocore.Node() as node:
        class Reentrant:
            def inner(self, base, req):
                return node.resolve({"x": req["v"]}, "x") * 2

            def deeper(self, base, req):
                return node.resolve({"device": "reentrant@1.0"}, {"path": "inner", "v": req["v"]}) + 1

        node.register_device("reentrant@1.0", Reentrant())
        assert node.resolve({"device": "reentrant@1.0"}, {"path": "inner", "v": 21}) == 42
        assert node.resolve({"device": "reentrant@1.0"}, {"path": "deeper", "v": 21}) == 43


def test_closing_the_node_from_inside_a_device_is_an_error_not_a_deadlock():
    node = aocore.Node()

    class Closer:
        def close_it(self):
            node.close()
            return "closed?"

    node.register_device("closer@1.0", Closer())
    result: list[object] = []

    def run() -> None:
        try:
            result.append(node.call({"device": "closer@1.0"}, "close_it"))
        except Exception as e:  # noqa: BLE001
            result.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=15)
    assert not t.is_alive(), "close() from inside a device deadlocked"
    status, value = result[0]
    assert status == "error"
    assert value["type"] == "Error" and "inside one of its own operations" in value["message"]
    assert not node.closed
    assert node.resolve({"a": 1}, "a") == 1
    node.close()
    assert node.closed
