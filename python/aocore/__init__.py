"""aocore: the AO-Core device and process management subsystem, in C++, driven from Python.

Messages are plain dicts; see the README and docs/ for the API. Every public name is
re-exported here.
"""

from __future__ import annotations

from . import _core, ans104
from ._core import (
    As,
    Atom,
    ClosedError,
    DeviceError,
    Error,
    InvalidMessageError,
    NotFoundError,
    ResolveError,
    StoreError,
    TimeoutError,
    Wallet,
    commit,
    committed,
    committers,
    get_log_level,
    hashpath,
    id,
    normalize_key,
    set_log_level,
    verify,
    verify_hashpath,
)
from ._logging import flush_logs
from .node import Node
from .process import Process

__version__: str = _core.__version__

__all__ = [
    "As",
    "Atom",
    "ClosedError",
    "DeviceError",
    "Error",
    "InvalidMessageError",
    "Node",
    "NotFoundError",
    "Process",
    "ResolveError",
    "StoreError",
    "TimeoutError",
    "Wallet",
    "__version__",
    "ans104",
    "commit",
    "committed",
    "committers",
    "flush_logs",
    "get_log_level",
    "hashpath",
    "id",
    "normalize_key",
    "set_log_level",
    "verify",
    "verify_hashpath",
]
