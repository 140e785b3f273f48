"""aocore's pytest plugin (aocore.testing), as a user's test suite sees it: registered by
installing aocore, its fixtures and its helpers."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re

import pytest

import aocore
from aocore import testing

pytest_plugins = ["pytester"]


def test_the_plugin_is_registered_by_the_install(pytestconfig: pytest.Config) -> None:
    points = importlib.metadata.entry_points(group="pytest11")
    assert any(p.name == "aocore" and p.value == "aocore.testing" for p in points)
    assert pytestconfig.pluginmanager.get_plugin("aocore") is testing


USER_SUITE = '''
import aocore
from aocore.testing import assert_outbox, outbox, results, wait_for_slot

seen = {}

class Echo:
    def compute(self, base, req):
        body = req["body"]
        if "say" not in body:
            return base
        state = dict(base)
        state["results"] = {"outbox": {"1": {"target": body["to"], "echo": body["say"]},
                                       "2": {"target": body["to"], "echo": "again"}}}
        return state

def test_node(aocore_node):
    seen["node"] = aocore_node
    assert isinstance(aocore_node, aocore.Node) and aocore_node.store_path is None
    aocore_node.register_device("echo@1.0", Echo())
    p = aocore_node.spawn({"device": "process@1.0", "execution-device": "echo@1.0"})
    q = aocore_node.spawn()
    p.schedule(to=q.id, say="hi")
    assert wait_for_slot(p, 1) == 1
    assert [m["echo"] for m in outbox(p, 1)] == ["hi", "again"]
    assert "outbox" in results(p, 1)
    assert_outbox(p, 1, {"target": q, "echo": "hi"}, {"echo": "again"})

def test_store(aocore_store, aocore_node, tmp_path):
    seen["store"] = aocore_store
    assert aocore_store.store_path.startswith(str(tmp_path))
    assert aocore_store.address == aocore_node.address  # one wallet per session

def test_closed_after_their_tests():
    assert seen["node"].closed and seen["store"].closed

def test_assert_outbox_says_what_differs(aocore_node):
    aocore_node.register_device("echo@1.0", Echo())
    p = aocore_node.spawn({"device": "process@1.0", "execution-device": "echo@1.0"})
    p.schedule(to="x", say="hi")
    assert_outbox(p, 1, {"echo": "bye"}, {})

def test_wait_for_slot_fails_with_a_deadline(aocore_node):
    wait_for_slot(aocore_node.spawn(), 5, timeout=0.2)
'''


def test_fixtures_and_helpers_in_a_user_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*message 1?'echo'? is 'hi', expected 'bye'*",
        "*slot 5 of process * not met within 0.2s*",
    ])


def test_helpers_directly(aocore_node: aocore.Node) -> None:
    p = aocore_node.spawn()
    assert testing.wait_for_slot(p, 0, timeout=1) == 0  # slot 0 (the definition) counts
    assert testing.outbox(p, 0) == []
    with pytest.raises(AssertionError, match="0 messages, expected 1"):
        testing.assert_outbox(p, 0, {"target": "x"})


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"```python\n(# test_echo\.py.*?)\n```", readme, re.S)
    assert block, "README.md has the pytest plugin example"
    pytester.makepyfile(test_echo=block.group(1))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
