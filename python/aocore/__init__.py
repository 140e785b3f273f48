"""aocore: the AO-Core device and process management subsystem, in C++, driven from Python.

Messages are plain dicts; see the README and docs/python-api.md for the API. Every public name
is re-exported here. `aocore.id` and `aocore.TimeoutError` shadow builtins: their aliases
`aocore.message_id` and `aocore.NodeTimeoutError` are the same objects, and only the aliases are
in `__all__`.
"""

from __future__ import annotations

from . import _core, ans104
from ._core import (
    SHARED_BINARY_MIN,
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
    signature_base,
    verify,
    verify_hashpath,
)
from ._logging import flush_logs
from .aos import AOInstance, AOModule
from .aos_process import AOSProcess
from .node import Node
from .process import Process

__version__: str = _core.__version__

# `id` and `TimeoutError` shadow builtins of the same name; they stay for compatibility, and these
# aliases are the names to use where the builtin is also needed (`from aocore import *` brings the
# aliases, not the shadowing names).
message_id = id
NodeTimeoutError = TimeoutError

__all__ = [
    "SHARED_BINARY_MIN",
    "AOInstance",
    "AOModule",
    "AOSProcess",
    "As",
    "Atom",
    "ClosedError",
    "DeviceError",
    "Error",
    "InvalidMessageError",
    "Node",
    "NodeTimeoutError",
    "NotFoundError",
    "Process",
    "ResolveError",
    "StoreError",
    "Wallet",
    "__version__",
    "ans104",
    "commit",
    "committed",
    "committers",
    "flush_logs",
    "get_log_level",
    "hashpath",
    "message_id",
    "normalize_key",
    "set_log_level",
    "signature_base",
    "verify",
    "verify_hashpath",
]
