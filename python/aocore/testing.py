"""aocore's pytest plugin (registered through the `pytest11` entry point when aocore is installed).

Fixtures:

- ``aocore_node``: an in-memory :class:`aocore.Node`, closed after the test.
- ``aocore_store``: a :class:`aocore.Node` on a LevelDB directory in ``tmp_path`` (its
  ``store_path``), closed after the test; reopen it with ``aocore.Node(node.store_path)``.
- ``aocore_wallet``: one wallet for the whole session (an RSA-4096 key takes about a second to
  generate); both node fixtures use it, so their addresses are equal.
- ``aos_process``: an AOS 2.0.6 process (:class:`aocore.AOSProcess`, genesis-wasm@1.0) spawned
  on ``aocore_node``: ``aos_process.eval("return 1+1")["Output"]["data"] == "2"``.

Helpers for a test of a process (import them from ``aocore.testing``): :func:`wait_for`,
:func:`wait_for_slot`, :func:`results`, :func:`outbox` and :func:`assert_outbox`. Every wait
polls against a deadline and fails the test with a message saying what it waited for.
"""

from __future__ import annotations

import pathlib
import time
from typing import Any, Callable, Iterator, TypeVar

import pytest

import aocore

__all__ = ["assert_outbox", "outbox", "results", "wait_for", "wait_for_slot"]

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01,
             what: str = "condition") -> T:
    """Polls ``predicate`` until it returns a truthy value (returned) or ``timeout`` seconds
    pass (the test fails, naming ``what``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not met within {timeout}s")
        time.sleep(interval)


def wait_for_slot(process: aocore.Process, slot: int, timeout: float = 10.0) -> int:
    """Waits until ``process`` has an assignment at ``slot`` (e.g. one a monitor, a cron task or
    a push delivers); returns the process's latest slot."""
    wait_for(lambda: process.slot() >= slot, timeout, what=f"slot {slot} of process {process.id}")
    return process.slot()


def results(process: aocore.Process, slot: int) -> dict[str, Any]:
    """The ``results`` of ``process`` after ``slot`` (computed if needed); ``{}`` when the
    execution device set none."""
    return process.compute(slot).get("results", {})


def outbox(process: aocore.Process, slot: int) -> list[dict[str, Any]]:
    """The messages ``process`` sent at ``slot`` (``results/outbox``), in their numbered order."""
    box = results(process, slot).get("outbox", {})
    if isinstance(box, list):
        return list(box)
    numbered = all(k.isdigit() for k in box)
    return [box[k] for k in sorted(box, key=int if numbered else str)]


def assert_outbox(process: aocore.Process, slot: int, *expected: dict[str, Any]) -> list[dict[str, Any]]:
    """Asserts that ``process`` sent exactly ``len(expected)`` messages at ``slot`` and that the
    i-th one has every key of ``expected[i]`` with that value (other keys may be there too).
    ``expected`` values may name a target by its :class:`aocore.Process`. Returns the messages."""
    sent = outbox(process, slot)
    where = f"outbox of process {process.id} at slot {slot}"
    assert len(sent) == len(expected), f"{where}: {len(sent)} messages, expected {len(expected)}: {sent!r}"
    for i, (message, want) in enumerate(zip(sent, expected), 1):
        for key, value in want.items():
            if isinstance(value, aocore.Process):
                value = value.id
            assert key in message, f"{where}: message {i} has no {key!r}: {message!r}"
            assert message[key] == value, f"{where}: message {i}[{key!r}] is {message[key]!r}, expected {value!r}"
    return sent


@pytest.fixture(scope="session")
def aocore_wallet() -> aocore.Wallet:
    """One wallet for the session's nodes."""
    return aocore.Wallet.generate()


@pytest.fixture
def aocore_node(aocore_wallet: aocore.Wallet) -> Iterator[aocore.Node]:
    """An in-memory node, closed after the test."""
    with aocore.Node(wallet=aocore_wallet) as node:
        yield node


@pytest.fixture
def aocore_store(aocore_wallet: aocore.Wallet, tmp_path: pathlib.Path) -> Iterator[aocore.Node]:
    """A node on a LevelDB directory in tmp_path, closed after the test."""
    with aocore.Node(tmp_path / "aocore-store", wallet=aocore_wallet) as node:
        yield node


@pytest.fixture
def aos_process(aocore_node: aocore.Node) -> aocore.AOSProcess:
    """An AOS 2.0.6 process (genesis-wasm@1.0) spawned on ``aocore_node`` by the node's wallet."""
    return aocore_node.spawn_aos()
