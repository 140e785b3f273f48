"""Forwards the C++ core's log records (spdlog) to Python's :mod:`logging`.

Records are emitted on loggers named ``aocore.<subsystem>`` (``aocore.resolver``,
``aocore.scheduler``, ...), so they show in Jupyter and in pytest's captured logs. A daemon
thread drains the native queue; :func:`flush_logs` drains it synchronously (use it before
asserting on log output). The thread is stopped at interpreter exit.
"""

from __future__ import annotations

import atexit
import logging
import threading

from . import _core

_lock = threading.Lock()


def _emit(records: list[tuple[str, int, str]]) -> None:
    for subsystem, level, text in records:
        logging.getLogger(f"aocore.{subsystem}").log(level, "%s", text)


def flush_logs() -> None:
    """Emits every log record the native core has queued so far, in this thread."""
    with _lock:
        _emit(_core._drain_logs(0.0))


def _drain_forever() -> None:
    # Records are taken from the queue only under _lock, so flush_logs() returning means every
    # record queued before it was called has been emitted (by this thread or by the caller).
    while not _core._log_drain_stopped():
        if _core._wait_logs(0.25):
            with _lock:
                _emit(_core._drain_logs(0.0))


_thread = threading.Thread(target=_drain_forever, name="aocore-log-drain", daemon=True)
_thread.start()


@atexit.register
def _stop() -> None:
    _core._stop_log_drain()
    _thread.join(timeout=2.0)
