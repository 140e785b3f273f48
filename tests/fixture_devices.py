"""The fixture devices of spec/core.md §5 (preamble) as Python devices.

ARGS, DEFAULT, HANDLER, SETCOUNT, FLAG, EXPORTS, EXCLUDES, APPEND(sep, status), PREFIXER and
MAKE_COOL. The reference writes them as device *maps* placed inside messages; a Python message
cannot hold a device object, so each instance is registered on the node under its own
``name@1.0`` and messages name it (``{"device": "args@1.0"}``, ``device-stack: {"1":
"append-...@1.0"}``). Python devices use the module-device key mapping (docs/python-api.md): key
``my-key`` calls method ``my_key``.

Devices that the reference writes with engine calls (HANDLER's ``message@1.0.set``,
PREFIXER's ``hb_ao:set``/``get``) call back into the node they are registered on.
"""

from __future__ import annotations

from typing import Any

import aocore


class Args:
    """ARGS: argument truncation (arity 1, 2, 3) and user options reaching the device."""

    def key_using_only_state(self, base):
        return "ok", base["state_key"]

    def key_using_state_and_msg(self, base, req):
        return "ok", base["state_key"] + req["msg_key"]

    def key_using_all(self, base, req, opts):
        return "ok", base["state_key"] + req["msg_key"] + opts["opts_key"]


class Default:
    """DEFAULT: info.default answers every key without its own function."""

    def info(self):
        return {"default": "fallback"}

    def fallback(self, key, base):
        return "ok", "DEFAULT"

    def state_key(self, base):
        return "ok", "STATE"


def _message_set(node: aocore.Node, base: dict, req: dict) -> tuple[str, Any]:
    """message@1.0's set(base, req), through the node (the device swapped, then restored)."""
    device = base.get("device")
    status, out = node.call({**base, "device": "message@1.0"}, {**req, "path": "set"}, hashpath="ignore")
    if status == "ok" and isinstance(out, dict) and device is not None and "device" not in req:
        out["device"] = device
    return status, out


class Handler:
    """HANDLER: info.handler captures every key; `set` is delegated to message@1.0."""

    def __init__(self, node: aocore.Node) -> None:
        self._node = node

    def info(self):
        return {"handler": "handle"}

    def handle(self, key, base, req, opts):
        if key == "set":
            return _message_set(self._node, base, req)
        return "ok", "HANDLER VALUE"


class SetCount:
    """SETCOUNT: a `set` that ignores the values and counts its calls."""

    def set(self, base, req):
        return "ok", {**base, "set_count": base.get("set_count", "") + "."}


class Flag:
    """FLAG: a `set` that writes the smallest key of the request and flags the message."""

    def set(self, base, req):
        k = min(key for key in req if key not in ("path", "priv"))
        return "ok", {**base, k: req[k], "modified": True}


class Exports:
    """EXPORTS: the handler only sees the exported keys."""

    def info(self):
        return {"exports": ["test1", "Test2"], "handler": "handle"}

    def handle(self):
        return "ok", "Handler-Value"


class ExportsSet:
    """A device whose info only exports `set` (TV-18's is_exported cases)."""

    def info(self):
        return {"exports": ["set"]}


class Excludes:
    """EXCLUDES: `set` bypasses the handler and goes to message@1.0."""

    def info(self):
        return {"excludes": ["set"], "handler": "handle"}

    def handle(self):
        return "ok", "Handler-Value"


class Append:
    """APPEND(sep, status): appends sep ++ req.bin to base.result; on pass 3 returns ok, unchanged."""

    def __init__(self, sep: str, status: str = "ok") -> None:
        self.sep = sep
        self.status = status

    def append(self, base, req):
        if base.get("pass") == 3:
            return "ok", base
        return self.status, {**base, "result": base.get("result", "") + self.sep + req["bin"]}


class AppendSpecial(Append):
    """APPEND plus a `special` key (TV-40): special(base) -> ok, base + {output: 1337}."""

    def special(self, base):
        return "ok", {**base, "output": 1337}


class Failing:
    """A stack slot that fails: append returns {error, "bad"} (E23)."""

    def append(self, base, req):
        return "error", "bad"


class AlwaysPass:
    """A stack slot that always asks for another pass (the endless-pass guard)."""

    def append(self, base, req):
        return "pass", base


class Prefixer:
    """PREFIXER: copies req[in/key] to base[out/key] with the engine's get and deep set."""

    def __init__(self, node: aocore.Node) -> None:
        self._node = node

    def prefix_set(self, base, req, opts):
        inp = base.get("input-prefix", "")
        out = base.get("output-prefix", "")
        k = req["key"]
        value = self._node.get(req, inp + "/" + k)
        return "ok", self._node.set(base, out + "/" + k, value, hashpath="ignore")


class MakeCool:
    """MAKE_COOL: its handler appends "-Cool" to the key it is asked for."""

    def info(self):
        return {"handler": "handle"}

    def handle(self, key, base):
        if key == "keys":
            return "ok", [k for k in base if not k.startswith("priv")]
        return "ok", {**base, key: base[key] + "-Cool"}


class StepHook:
    """A step hook (TV-26): records each call; returns the request, optionally with a body."""

    def __init__(self, body: str | None = None) -> None:
        self.calls = 0
        self.body = body

    def step(self, base, req):
        self.calls += 1
        if self.body is not None:
            return "ok", {**req, "body": self.body}
        return "ok", req


class Fixtures:
    """Registers the fixture devices on a node and hands out their names."""

    def __init__(self, node: aocore.Node) -> None:
        self.node = node
        self._appends: dict[tuple[str, str, str], str] = {}
        node.register_device("args@1.0", Args())
        node.register_device("default@1.0", Default())
        node.register_device("handler@1.0", Handler(node))
        node.register_device("setcount@1.0", SetCount())
        node.register_device("flag@1.0", Flag())
        node.register_device("exports@1.0", Exports())
        node.register_device("exports-set@1.0", ExportsSet())
        node.register_device("excludes@1.0", Excludes())
        node.register_device("prefixer@1.0", Prefixer(node))
        node.register_device("make-cool@1.0", MakeCool())
        node.register_device("failing@1.0", Failing())
        node.register_device("always-pass@1.0", AlwaysPass())

    def append(self, sep: str, status: str = "ok", *, special: bool = False) -> str:
        """The name of an APPEND(sep, status) instance (registered on first use)."""
        key = (sep, status, "special" if special else "")
        if key not in self._appends:
            name = f"append-{sep.encode().hex()}-{status}{'-special' if special else ''}@1.0"
            # A 32/42/43-character name would be taken for a (remote device) ID.
            assert len(name) not in (32, 42, 43), name
            device = AppendSpecial(sep, status) if special else Append(sep, status)
            self.node.register_device(name, device)
            self._appends[key] = name
        return self._appends[key]
