"""How a resolution that ended with a non-ok status reads as a Python exception: the message in
words (what failed, at which key, slot and phase, and why) and the details as attributes.

Called by the extension (errors.cc) when it raises a ResolveError; the structured error value
stays available as ``.value`` (and ``.details``)."""

from __future__ import annotations

from typing import Any

from ._core import Atom

# The attributes every ResolveError carries (None when the error does not say).
ATTRIBUTES = ("process", "slot", "phase", "device", "key")

_PHASES = {
    "init": "initialising the process",
    "normalize": "restoring the process from its snapshot",
    "get-schedule": "reading the assignment",
    "compute": "computing",
    "snapshot": "taking a snapshot",
}


def _text(value: Any) -> str | None:
    if isinstance(value, Atom):
        return value.name
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    return None


def describe(status: str, value: Any, summary: str, path: str) -> tuple[str, dict[str, Any]]:
    """The exception message and attributes for a result with ``status`` and ``value``.

    ``summary`` is the extension's one-line reading of the value (its message, body or reason);
    ``path`` the request path when the caller knows it ("" otherwise)."""
    info: dict[str, Any] = dict.fromkeys(ATTRIBUTES)
    v = value if isinstance(value, dict) else {}
    slot = v.get("attempted-slot", v.get("slot"))
    if isinstance(slot, int) and not isinstance(slot, bool):
        info["slot"] = slot
    info["phase"] = _text(v.get("phase"))
    info["device"] = _text(v.get("device"))
    info["key"] = _text(v.get("key")) or (path or None)
    error = _text(v.get("error"))
    not_found = status == "not_found" or error == "not_found" or summary == "not_found"

    if error == "device_call":
        kind = _text(v.get("type")) or "an exception"
        reason = f"device {info['device']!r} raised {kind} in {info['key']!r}: {_text(v.get('message')) or ''}"
    elif info["phase"] and not_found:
        reason = f"the execution device has no {info['phase']!r} function"
    elif not_found:
        reason = f"{path!r} was not found" if path else "not found"
    else:
        reason = summary

    if info["phase"]:
        doing = _PHASES.get(info["phase"], info["phase"])
        at = "" if info["slot"] in (None, -1) else f" slot {info['slot']}"
        message = f"{doing}{at} failed: {reason}"
    else:
        message = reason
    return message, info
