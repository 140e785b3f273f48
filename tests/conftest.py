"""Shared fixtures and helpers for the aocore pytest suite."""

from __future__ import annotations

import functools
from typing import Any

import aocore
from aocore.testing import wait_for  # the plugin's deadline poll, for the test modules


@functools.cache
def shared_wallet() -> aocore.Wallet:
    """One wallet for the tests that do not care which wallet signs (an RSA-4096 key takes ~1 s).
    Nodes with the same wallet have the same address, so an unsigned definition names the same
    process on each of them."""
    return aocore.Wallet.generate()


def make_node(store: Any = None, **options: Any) -> aocore.Node:
    """A node (in memory, or on the LevelDB directory `store`) with the shared wallet."""
    return aocore.Node(store, wallet=shared_wallet(), **options)
