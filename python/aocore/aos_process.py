"""AOS processes on a node: ``node.spawn_aos()`` returns an :class:`AOSProcess`.

The process runs its module on the ``genesis-wasm@1.0`` execution device (docs/aos.md). What
this API spawns and sends is an ANS-104 item signed by the node's wallet (or the wallet given),
as aoconnect signs them, so the module sees the tags with their names and order, the node's
address as the process Owner and as the messages' From.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

from . import _core, ans104
from .aos import AOS_2_0_6, FORMAT_WASM64
from .process import Process

if TYPE_CHECKING:
    from .node import Node

Tags = Union[Mapping[str, str], Iterable[Any], None]


def tag_list(tags: Tags) -> list[tuple[str, str]]:
    """``tags`` as (name, value) pairs: a dict, or a list of pairs or ``{"name", "value"}`` dicts."""
    if tags is None:
        return []
    if isinstance(tags, Mapping):
        return [(str(k), str(v)) for k, v in tags.items()]
    out: list[tuple[str, str]] = []
    for t in tags:
        if isinstance(t, Mapping):
            out.append((str(t["name"]), str(t["value"])))
        else:
            name, value = t
            out.append((str(name), str(value)))
    return out


def _data_bytes(data: Any) -> bytes:
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    return str(data).encode("utf-8")


class AOSProcess(Process):
    """A process running an AOS module (``execution-device: genesis-wasm@1.0``).

    ``message`` schedules, ``result`` computes up to a slot and returns the compute unit's
    result for it (``Output``, ``Messages``, ``Spawns``, ``Assignments``, ``Error`` ...).
    Thread-safe, as Process.
    """

    def __init__(self, node: "Node", process_id: str, definition: dict[str, Any], wallet: Any = None) -> None:
        super().__init__(node, process_id, definition)
        self._wallet = wallet

    def message(self, data: Any = None, tags: Tags = None, *, wallet: Any = None) -> int:
        """Signs ``data`` and ``tags`` as an item to this process and schedules it; its slot."""
        signer = wallet or self._wallet or self._node.wallet
        raw = signer.sign_item({"target": self.id, "tags": tag_list(tags), "data": _data_bytes(data)})
        assignment = self.schedule(ans104.to_message(raw))
        return int(assignment["slot"])

    def result(self, slot: int) -> dict[str, Any]:
        """The compute unit's result of ``slot`` (computing the process up to it)."""
        state = self.compute(slot)
        return json.loads(state["results"]["json"]["body"])

    def eval(self, code: str, *, wallet: Any = None) -> dict[str, Any]:
        """Schedules an ``Eval`` of the Lua ``code`` and returns its result."""
        return self.result(self.message(code, [("Action", "Eval")], wallet=wallet))

    def dryrun(self, data: Any = None, tags: Tags = None, *, wallet: Any = None) -> dict[str, Any]:
        """Evaluates a message on the latest state without scheduling it: the state is unchanged."""
        signer = wallet or self._wallet or self._node.wallet
        raw = signer.sign_item({"target": self.id, "tags": tag_list(tags), "data": _data_bytes(data)})
        state = dict(self.now())
        state["device"] = self._definition.get("execution-device", "genesis-wasm@1.0")
        with self._about():
            answer = self._node.resolve(state, {"path": "dryrun", "body": ans104.to_message(raw)},
                                        hashpath="ignore")
        return json.loads(answer["results"]["json"]["body"])

    def __repr__(self) -> str:
        return f"<aocore.AOSProcess {self.id}>"


def spawn_aos(node: "Node", module: str = AOS_2_0_6, *, tags: Tags = None, data: Any = None,
              wallet: Any = None, device: str = "genesis-wasm@1.0") -> AOSProcess:
    """See Node.spawn_aos."""
    signer = wallet or node.wallet
    base = [("Data-Protocol", "ao"), ("Variant", "ao.TN.1"), ("Type", "Process"), ("Module", module),
            ("Scheduler", node.address), ("Authority", node.address), ("Device", "process@1.0"),
            ("Execution-Device", device)]
    given = tag_list(tags)
    names = {n.lower() for n, _ in given}
    item_tags = [t for t in base if t[0].lower() not in names] + given
    raw = signer.sign_item({"tags": item_tags, "data": _data_bytes(data if data is not None else "1984")})
    definition = ans104.to_message(raw)
    plain = node.spawn(definition, sign=False)
    return AOSProcess(node, plain.id, plain.definition, wallet)


def load_module(node: "Node", wasm: bytes, tags: Tags = None, *, wallet: Any = None) -> str:
    """See Node.load_module."""
    signer = wallet or node.wallet
    base = [("Data-Protocol", "ao"), ("Variant", "ao.TN.1"), ("Type", "Module"), ("Module-Format", FORMAT_WASM64),
            ("Input-Encoding", "JSON-V1"), ("Output-Encoding", "JSON-V1"), ("Memory-Limit", "1-gb"),
            ("Compute-Limit", "9000000000000")]
    given = tag_list(tags)
    names = {n.lower() for n, _ in given}
    item_tags = [t for t in base if t[0].lower() not in names] + given
    fmt = dict((n.lower(), v) for n, v in item_tags)["module-format"]
    _core._AOModule(bytes(wasm), fmt, None)  # refuses an unsupported module now, not at first use
    raw = signer.sign_item({"tags": item_tags, "data": bytes(wasm)})
    message = ans104.to_message(raw)
    node.write(message)
    return _core.id(message, mode="all")
