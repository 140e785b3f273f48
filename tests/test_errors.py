"""The exception hierarchy of docs/python-api.md, "Errors"."""

from __future__ import annotations

import builtins
import subprocess
import sys
import traceback

import pytest

import aocore
from conftest import make_node


def test_hierarchy():
    assert issubclass(aocore.Error, Exception)
    assert issubclass(aocore.ResolveError, aocore.Error)
    assert issubclass(aocore.NotFoundError, aocore.ResolveError)
    assert issubclass(aocore.NotFoundError, KeyError)
    assert issubclass(aocore.DeviceError, aocore.ResolveError)
    assert issubclass(aocore.InvalidMessageError, aocore.Error)
    assert issubclass(aocore.InvalidMessageError, ValueError)
    assert issubclass(aocore.StoreError, aocore.Error)
    assert issubclass(aocore.StoreError, OSError)
    assert issubclass(aocore.TimeoutError, aocore.Error)
    assert issubclass(aocore.TimeoutError, builtins.TimeoutError)
    assert issubclass(aocore.ClosedError, aocore.Error)


def test_errors_carry_status_and_details():
    try:
        aocore._core.message({"a": object()})
    except aocore.Error as err:
        assert err.status == "InvalidArgument"
        assert err.details is None
    else:
        raise AssertionError("expected InvalidMessageError")


def test_version_is_a_string():
    assert isinstance(aocore.__version__, str) and aocore.__version__.count(".") == 2


# --- errors read like Python (issue: what failed, for which process and slot, and why) -----------

class Failing:
    def init(self, base):
        return base

    def compute(self, base, req):
        if req["slot"] == 2:
            raise RuntimeError("boom at 2")
        return base

    def explode(self, base):
        return {"x": 1} / 2  # a TypeError inside the device


class NoInitNoCompute:
    def normalize(self, base):
        return base


def test_a_device_exception_is_chained_with_its_traceback(aocore_node):  # aocore.testing fixture
    node = aocore_node
    node.register_device("failing@1.0", Failing())
    with pytest.raises(aocore.DeviceError) as info:
        node.resolve({"device": "failing@1.0"}, "explode")
    err = info.value
    assert str(err) == "device 'failing@1.0' raised TypeError in 'explode': unsupported operand type(s) for /: 'dict' and 'int'"
    assert err.device == "failing@1.0" and err.key == "explode" and err.slot is None and err.process is None
    assert isinstance(err.__cause__, TypeError)
    frames = [f.name for f in traceback.extract_tb(err.__cause__.__traceback__)]
    assert "explode" in frames
    assert err.value["error"] == "device_call"  # the structured details stay


def test_a_failing_slot_names_the_process_slot_and_phase(aocore_node):
    node = aocore_node
    node.register_device("failing@1.0", Failing())
    p = node.spawn({"device": "process@1.0", "execution-device": "failing@1.0"})
    p.schedule(n=1)
    p.schedule(n=2)
    with pytest.raises(aocore.DeviceError) as info:
        p.compute(2)
    err = info.value
    assert str(err) == (f"process {p.id}: computing slot 2 failed: device 'failing@1.0' raised RuntimeError "
                        "in 'compute': boom at 2")
    assert (err.process, err.slot, err.phase, err.key) == (p.id, 2, "compute", "compute")
    assert isinstance(err.__cause__, RuntimeError) and str(err.__cause__) == "boom at 2"
    for erlang in ("{error", "attempted-slot", "not_found"):
        assert erlang not in str(err)


def test_a_missing_phase_function_is_said_in_words(aocore_node):
    node = aocore_node
    node.register_device("partial@1.0", NoInitNoCompute())
    p = node.spawn({"device": "process@1.0", "execution-device": "partial@1.0"})
    with pytest.raises(aocore.ResolveError) as info:
        p.compute(0)
    err = info.value
    assert "initialising the process failed: the execution device has no 'init' function" in str(err)
    assert err.process == p.id and err.phase == "init" and err.slot == -1
    assert "{" not in str(err)


def test_a_missing_key_names_the_path(aocore_node):
    node = aocore_node
    with pytest.raises(aocore.NotFoundError) as info:
        node.resolve({"a": {"b": 1}}, "a/c")
    assert "'a/c' was not found" in str(info.value) and info.value.key == "a/c"


def test_every_error_has_the_detail_attributes():
    with pytest.raises(aocore.InvalidMessageError) as info:
        aocore.id({"a": object()})
    assert (info.value.process, info.value.slot, info.value.key) == (None, None, None)


# --- bad arguments name the argument and what is accepted ------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda n: aocore.Node(wallet="x"), "wallet must be an aocore.Wallet"),
    (lambda n: n.spawn("x"), "spawn: definition must be a dict"),
    (lambda n: n.spawn().schedule(5), "schedule: message must be a dict"),
    (lambda n: n.resolve({"a": 1}, "a", error_strategy="explode"), "option 'error_strategy' must be 'throw', 'return' or 'stop'"),
    (lambda n: n.resolve({"a": 1}, "a", cache_control="sometimes"), "option 'cache_control' must be 'store'"),
    (lambda n: n.resolve({"a": 1}, "a", cache_control=["no-store", 3]), "option 'cache_control' must be"),
    (lambda n: n.resolve({"a": 1}, "a", force_message="yes"), "option 'force_message' must be True or False"),
    (lambda n: n.resolve({"a": 1}, "a", max_stack_passes=0), "option 'max_stack_passes' must be an int >= 1"),
    (lambda n: n.resolve({"a": 1}, "a", hashpath=3), "option 'hashpath' must be 'update', 'reset' or 'ignore'"),
    (lambda n: aocore.Node(uploader=3), "uploader must be a callable"),
])
def test_bad_arguments_get_clear_errors(call, words):
    with make_node() as node:
        with pytest.raises(aocore.InvalidMessageError, match=words.replace("(", r"\(").replace(")", r"\)")):
            call(node)


def test_accepted_option_values_still_work():
    with make_node() as node:
        for strategy in ("throw", "return", "stop"):
            assert node.resolve({"a": 1}, "a", error_strategy=strategy) == 1
        assert node.resolve({"a": 1}, "a", cache_control="No-Store, no-cache") == 1
        assert node.resolve({"a": 1}, "a", cache_control=["no-store", "always"]) == 1


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_with_a_bad_port_is_a_usage_error(port):
    out = subprocess.run([sys.executable, "-m", "aocore", "serve", "--port", port], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert "argument --port" in out.stderr and "65535" in out.stderr
    assert "Traceback" not in out.stderr
