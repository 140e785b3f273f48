"""docs/python-api.md, "Python devices": key mapping, argument truncation, statuses, info, errors, and a
concurrency stress test (8 threads resolving through Python devices, including a stack)."""

from __future__ import annotations

import threading
import time

import pytest

import aocore
from aocore import Atom
from conftest import make_node


@pytest.fixture(scope="module")
def node():
    # One node for the module (creating one generates an RSA-4096 wallet); tests register
    # devices under their own names.
    with aocore.Node(hashpath="ignore") as n:
        yield n


class Arity:
    def zero(self):
        return "zero"

    def one(self, base):
        return sorted(k for k in base if k != "priv")

    def two(self, base, req):
        return req["x"]

    def three(self, base, req, opts):
        return opts["user_opt"]

    def star(self, *args):
        return len(args)


def test_arity_truncation(node):
    node.register_device("arity@1.0", Arity())
    base = {"device": "arity@1.0", "k": 1}
    assert node.resolve(base, "zero") == "zero"
    assert node.resolve(base, "one") == ["device", "k"]
    assert node.resolve(base, {"path": "two", "x": "from-request"}) == "from-request"
    assert node.resolve(base, "three", user_opt="seen") == "seen"
    assert node.resolve(base, "star") == 3  # *args: base, request, opts


def test_options_reach_the_device(node):
    class Opts:
        def show(self, base, req, opts):
            return {"hashpath": opts["hashpath"], "error_strategy": opts["error_strategy"], "mine": opts["mine"]}

    node.register_device("opts@1.0", Opts())
    assert node.resolve({"device": "opts@1.0"}, "show", mine=7) == {"hashpath": "ignore", "error_strategy": "throw",
                                                                      "mine": 7}


class Statuses:
    def plain(self):
        return {"a": 1}

    def ok(self):
        return ("ok", "fine")

    def error(self):
        return ("error", "bad")

    def skip(self):
        return ("skip", {"more": 1})

    def passing(self):
        return ("pass", {"more": 2})

    def custom(self):
        return ("my-status", "custom value")

    def not_a_status_tuple(self):
        return (1, 2)

    def three_tuple(self):
        return ("ok", 1, 2)


def test_statuses(node):
    node.register_device("statuses@1.0", Statuses())
    base = {"device": "statuses@1.0"}
    assert node.call(base, "plain") == ("ok", {"a": 1})
    assert node.call(base, "ok") == ("ok", "fine")
    assert node.call(base, "error") == ("error", "bad")
    # Non-ok map results always carry a priv map (spec §1.6).
    assert node.call(base, "skip") == ("skip", {"more": 1, "priv": {}})
    assert node.call(base, "passing") == ("pass", {"more": 2, "priv": {}})
    assert node.call(base, "custom") == ("my-status", "custom value")
    # An error *result* is a ResolveError; DeviceError is kept for devices that fail (raise).
    with pytest.raises(aocore.ResolveError, match="bad") as err:
        node.resolve(base, "error")
    assert not isinstance(err.value, aocore.DeviceError) and err.value.status == "error"
    with pytest.raises(aocore.ResolveError) as info:
        node.resolve(base, "custom")
    assert info.value.status == "my-status"
    assert info.value.value == "custom value"
    assert not isinstance(info.value, (aocore.DeviceError, aocore.NotFoundError))


def test_a_custom_status_stops_a_multi_step_path(node):
    node.register_device("statuses@1.0", Statuses())
    assert node.call({"device": "statuses@1.0"}, "custom/more") == ("my-status", "custom value")


def test_tuples_that_are_not_status_pairs(node):
    node.register_device("statuses@1.0", Statuses())
    base = {"device": "statuses@1.0"}
    # A tuple is not a message value: an error result naming the type, never a crash.
    for key in ("not_a_status_tuple", "three_tuple"):
        status, value = node.call(base, key)
        assert status == "error"
        assert value["error"] == "device_call" and value["type"] == "InvalidMessageError"


class Info:
    def info(self):
        return {"exports": ["visible", "handled"], "excludes": ["set"], "handler": "handle"}

    def handle(self, key, base):
        return f"handled:{key}"

    def visible(self):
        return "never: the handler takes every exported key"


class WithDefault:
    def info(self):
        return {"default": "fallback"}

    def fallback(self, key, base, req, opts):
        return f"default:{key}:{req.get('x', '')}"

    def own(self):
        return "own"


def test_info_exports_excludes_handler(node):
    node.register_device("info@1.0", Info())
    base = {"device": "info@1.0", "other": "data", "handled": "shadowed"}
    assert node.resolve(base, "handled") == "handled:handled"
    assert node.resolve(base, "visible") == "handled:visible"
    assert node.resolve(base, "other") == "data"  # not exported: message@1.0
    # set is excluded: message@1.0's set
    assert node.resolve(base, {"path": "set", "n": 1})["n"] == 1
    assert node.info(base) == {"exports": ["visible", "handled"], "excludes": ["set"], "handler": True,
                               "default": False}


def test_info_default(node):
    node.register_device("default@1.0", WithDefault())
    base = {"device": "default@1.0"}
    assert node.resolve(base, "own") == "own"
    assert node.resolve(base, {"path": "anything", "x": "1"}) == "default:anything:1"


def test_malformed_info_is_refused_at_registration(node):
    class BadInfo:
        def info(self):
            return {"handler": "missing_method"}

    class NotADict:
        def info(self):
            return ["exports"]

    with pytest.raises(ValueError, match="missing_method"):
        node.register_device("bad@1.0", BadInfo())
    with pytest.raises(TypeError):
        node.register_device("bad@1.0", NotADict())


def test_registration_needs_a_version(node):
    with pytest.raises(aocore.InvalidMessageError, match="name@version"):
        node.register_device("noversion", Statuses())


def test_registered_devices_are_listed(node):
    node.register_device("statuses@1.0", Statuses())
    assert "statuses@1.0" in node.devices()
    assert "message@1.0" in node.devices()


class Raises:
    def __init__(self):
        self.calls = 0

    def boom(self, base):
        self.calls += 1
        raise KeyError("no such thing")

    def fine(self):
        return "still serving"


def test_an_exception_becomes_a_device_error(node):
    dev = Raises()
    node.register_device("raises@1.0", dev)
    base = {"device": "raises@1.0"}
    with pytest.raises(aocore.DeviceError) as info:
        node.resolve(base, "boom")
    err = info.value
    assert err.status == "error"
    assert err.value["error"] == "device_call"
    assert err.value["type"] == "KeyError"
    assert "no such thing" in err.value["message"]
    assert err.value["device"] == "raises@1.0" and err.value["key"] == "boom"
    assert "Traceback" in err.value["traceback"] and "boom" in err.value["traceback"]
    status, value = node.call(base, "boom")
    assert status == "error" and value["type"] == "KeyError"
    # The node keeps serving, the same device too.
    assert node.resolve(base, "fine") == "still serving"
    assert node.resolve({"a": 1}, "a") == 1
    assert dev.calls == 2


def test_an_unsupported_return_value_is_an_error_not_a_crash(node):
    class Weird:
        def obj(self):
            return object()

        def nested(self):
            return {"a": {"b": {1, 2}}}

        def huge(self):
            return 1 << 70

    node.register_device("weird@1.0", Weird())
    for key in ("obj", "nested", "huge"):
        status, value = node.call({"device": "weird@1.0"}, key)
        assert status == "error", key
        assert value["type"] == "InvalidMessageError", key
    with pytest.raises(aocore.DeviceError):
        node.resolve({"device": "weird@1.0"}, "obj")
    assert node.resolve({"a": 1}, "a") == 1


def test_unknown_device_is_a_typed_error(node):
    with pytest.raises(aocore.InvalidMessageError, match="device_not_loadable"):
        node.resolve({"device": "nope@9.9"}, "a")


def test_values_round_trip_through_a_device(node):
    class Echo:
        def echo(self, base, req):
            return req["v"]

    node.register_device("echo@1.0", Echo())
    for v in ["s", b"\xff\x00", 7, -3, 1.5, True, False, None, Atom("sym"), [1, "a", [2]], {"n": {"m": 1}}]:
        assert node.resolve({"device": "echo@1.0"}, {"path": "echo", "v": v}) == v


# ---------------------------------------------------------------------------------------------
# Stress: 8 threads through Python devices, including a 2-slot stack of Python devices.


class Counter:
    def inc(self, base, req):
        return {**base, "n": base.get("n", 0) + req["by"]}


class Tag:
    def __init__(self, tag):
        self.tag = tag

    def append(self, base, req):
        return {**base, "result": base.get("result", "") + self.tag + req["bin"]}


def test_stress_eight_threads_through_python_devices():
    duration = 3.0
    with aocore.Node() as node:
        node.register_device("counter@1.0", Counter())
        node.register_device("tag-a@1.0", Tag("+A"))
        node.register_device("tag-b@1.0", Tag("+B"))
        stack = {"device": "stack@1.0", "device-stack": {"1": "tag-a@1.0", "2": "tag-b@1.0"}, "result": "I"}
        errors: list[str] = []
        counts = [0] * 8
        deadline = time.monotonic() + duration

        def worker(i: int) -> None:
            try:
                n = 0
                while time.monotonic() < deadline:
                    bin_ = f"{i}.{n}"
                    out = node.resolve(stack, {"path": "append", "bin": bin_}, hashpath="update" if n % 2 else "ignore")
                    if out["result"] != f"I+A{bin_}+B{bin_}" or out["device"] != "stack@1.0":
                        errors.append(f"thread {i}: stack gave {out!r}")
                        return
                    c = node.resolve({"device": "counter@1.0", "n": i}, {"path": "inc", "by": n})
                    if c["n"] != i + n:
                        errors.append(f"thread {i}: counter gave {c!r}")
                        return
                    if node.get({"k": bin_}, "k") != bin_:
                        errors.append(f"thread {i}: plain get failed")
                        return
                    n += 1
                counts[i] = n
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"thread {i}: {type(e).__name__}: {e}")

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + 30)
        assert not any(t.is_alive() for t in threads), "a resolving thread is stuck (deadlock?)"
        assert not errors, errors[:5]
        assert all(c > 0 for c in counts), counts


class ComputeOnly:
    """An execution device with only `compute`: no init, no snapshot, no normalize."""

    def compute(self, base, req):
        return {**base, "count": int(base.get("count", 0)) + 1, "results": {"slot": req["slot"]}}


COMPUTE_ONLY = {"device": "process@1.0", "scheduler-device": "scheduler@1.0",
                "execution-device": "compute-only@1.0", "label": "from-the-definition"}


@pytest.mark.parametrize("workers", [True, False])
def test_an_execution_device_needs_only_compute(tmp_path, workers: bool) -> None:
    with make_node(tmp_path / "n", process_workers=workers) as node:
        node.register_device("compute-only@1.0", ComputeOnly())
        p = node.spawn(COMPUTE_ONLY)
        for i in range(3):
            p.schedule(n=i)
        state = p.compute(2)
        assert state["count"] == 3 and state["label"] == "from-the-definition"  # init: the definition
        pid = p.id
    with make_node(tmp_path / "n", process_workers=workers) as node:  # restart: from the stored state
        node.register_device("compute-only@1.0", ComputeOnly())
        p = node.process(pid)
        assert p.compute(2)["count"] == 3
        assert p.compute(3)["count"] == 4 and p.now()["results"]["slot"] == 3


def test_compute_only_defaults_do_not_replace_a_devices_own_methods() -> None:
    class Full(ComputeOnly):
        def init(self, base):
            return {**base, "count": 100}

        def snapshot(self, base):
            return {"kept": "yes"}

    with make_node() as node:
        node.register_device("full@1.0", Full())
        node.register_device("compute-only@1.0", ComputeOnly())
        assert node.resolve({"device": "full@1.0"}, "snapshot", hashpath="ignore") == {"kept": "yes"}
        assert node.resolve({"device": "compute-only@1.0", "a": "1"}, "init")["a"] == "1"
        assert node.resolve({"device": "compute-only@1.0", "a": "1"}, "snapshot", hashpath="ignore") == {}
        p = node.spawn({**COMPUTE_ONLY, "execution-device": "full@1.0"})
        p.schedule(n=1)
        assert p.compute(1)["count"] == 102  # init, then slots 0 and 1

    class NotExecution:  # no compute: no defaults either
        def other(self):
            return 1

    with make_node() as node:
        node.register_device("plain@1.0", NotExecution())
        with pytest.raises(aocore.NotFoundError):
            node.resolve({"device": "plain@1.0"}, "init")
