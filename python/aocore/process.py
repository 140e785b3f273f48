"""aocore.Process: a handle to a process on a node (spawn one with Node.spawn)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ._core import Error, InvalidMessageError

if TYPE_CHECKING:
    from .node import Node

# The scheduler device as a bare base message: requests name their process with `target`.
_SCHEDULER = {"device": "scheduler@1.0"}


class Process:
    """A process: a message whose state advances one slot at a time.

    Every method is a resolution on the node, so the same operations are reachable through
    ``node.resolve`` with the reference paths (``schedule``, ``slot``, ``compute``, ``now``).
    Handles are cheap; several may refer to the same process. Thread-safe.
    """

    def __init__(self, node: "Node", process_id: str, definition: dict[str, Any]) -> None:
        self._node = node
        self._id = process_id
        self._definition = definition

    @property
    def id(self) -> str:
        """The process ID (the ID of its definition over the signers' commitments)."""
        return self._id

    @property
    def definition(self) -> dict[str, Any]:
        """The process message (a copy)."""
        return dict(self._definition)

    @property
    def node(self) -> "Node":
        return self._node

    def schedule(self, message: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Schedules a message on this process; returns its signed assignment (slot, process,
        hash-chain, timestamp, block-height, block-hash, epoch, body, ...).

        An unsigned message: ``fields`` are merged over ``message``, ``type`` defaults to
        ``"Message"`` and ``target`` is set to this process. A signed message (one with
        ``commitments``) is scheduled exactly as signed: nothing is added to it (keys added after
        signing would not be covered by its signature and are not stored), so ``fields`` are
        refused, and a signed ``target`` naming another process is an ``InvalidMessageError``.
        """
        if message is not None and not isinstance(message, Mapping):
            raise InvalidMessageError(
                f"schedule: message must be a dict (or None with keyword fields), not {type(message).__name__}")
        msg = dict(message or {})
        if msg.get("commitments"):
            if fields:
                raise InvalidMessageError(
                    f"cannot add {sorted(fields)} to a signed message: they would not be covered by its "
                    "signature; sign a message that already holds them")
            target = msg.get("target")
            if target is not None and target != self._id:
                raise InvalidMessageError(
                    f"the signed message targets {target!r}, not this process {self._id!r}")
            request = {"path": "schedule", "method": "POST", "target": self._id, "body": msg}
            with self._about():
                return self._node.resolve(_SCHEDULER, request, hashpath="ignore")
        msg.update(fields)
        msg.setdefault("type", "Message")
        msg["target"] = self._id
        with self._about():
            return self._node.resolve(_SCHEDULER, {"path": "schedule", "method": "POST", "body": msg},
                                      hashpath="ignore")

    def slot(self) -> int:
        """The last assigned slot, -1 when none."""
        with self._about():
            return int(self._node.resolve(_SCHEDULER, {"path": "slot", "target": self._id}, hashpath="ignore")["current"])

    def assignments(self, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
        """The assignments from ``start`` to ``end`` inclusive (``None``: the latest), in slot order."""
        out: list[dict[str, Any]] = []
        cursor = start
        while True:
            request: dict[str, Any] = {"path": "schedule", "target": self._id, "from": cursor}
            if end is not None:
                request["to"] = end
            with self._about():
                page = self._node.resolve(_SCHEDULER, request, hashpath="ignore")
            batch = sorted(page.get("assignments", {}).values(), key=lambda a: a["slot"])
            out.extend(batch)
            if not page.get("continues") or not batch:
                return out
            cursor = batch[-1]["slot"] + 1

    def compute(self, slot: int | str) -> dict[str, Any]:
        """The process state after applying ``slot``: an int (or decimal text), or the ID of a
        scheduled message or of its assignment (the state after that message's slot).

        With ``process_workers`` on (the default) the node keeps the process's state hot in a
        worker: a higher slot is computed from memory, a lower one is read from the cache.
        Raises :class:`aocore.ResolveError` when the slot is not scheduled (status 503) or the
        execution device fails; the worker keeps its last good state."""
        with self._about(slot):
            return self._node.resolve(self._definition, {"path": "compute", "slot": slot})

    def now(self) -> dict[str, Any]:
        """The state after the latest assigned slot (computed if needed, not just cached)."""
        with self._about():
            return self._node.resolve(self._definition, "now")

    def push(self, slot: int) -> dict[str, Any]:
        """Delivers the outbox of ``slot`` to the targets' schedules; returns the tree of
        assignments created."""
        with self._about(slot):
            return self._node.resolve(self._definition, {"path": "push", "slot": slot})

    @contextlib.contextmanager
    def _about(self, slot: Any = None) -> Iterator[None]:
        # An error from this process's calls names the process (and the slot asked for, when the
        # error does not say), in the message and as .process / .slot.
        try:
            yield
        except Error as err:
            if getattr(err, "process", None) is None:
                err.process = self._id
                if getattr(err, "slot", None) is None and isinstance(slot, int) and not isinstance(slot, bool):
                    err.slot = slot
                if err.args and isinstance(err.args[0], str):
                    err.args = (f"process {self._id}: {err.args[0]}", *err.args[1:])
            raise

    def __repr__(self) -> str:
        return f"<aocore.Process {self._id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Process) and other._id == self._id and other._node is self._node

    def __hash__(self) -> int:
        return hash(self._id)
