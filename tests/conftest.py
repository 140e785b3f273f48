"""Shared fixtures and helpers for the aocore pytest suite."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable, TypeVar

import pytest

import aocore

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01) -> T:
    """Polls `predicate` until it returns a truthy value or `timeout` seconds pass (then fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(interval)


@functools.cache
def shared_wallet() -> aocore.Wallet:
    """One wallet for the tests that do not care which wallet signs (an RSA-4096 key takes ~1 s).
    Nodes with the same wallet have the same address, so an unsigned definition names the same
    process on each of them."""
    return aocore.Wallet.generate()


def make_node(store: Any = None, **options: Any) -> aocore.Node:
    """A node (in memory, or on the LevelDB directory `store`) with the shared wallet."""
    return aocore.Node(store, wallet=shared_wallet(), **options)
