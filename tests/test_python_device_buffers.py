"""docs/python-api.md, "Large values": a Python device gets a binary of
aocore.SHARED_BINARY_MIN bytes or more as a read-only memoryview over the core's own buffer (no
copy per slot), writing to it raises, the view outlives the call and the node, and a view given
back unchanged is the same buffer again at the next slot (no copy back either). Smaller binaries
are str/bytes as before."""

from __future__ import annotations

import ctypes

import pytest

import aocore

BIG = bytes(range(256)) * (aocore.SHARED_BINARY_MIN // 256 + 1)  # not UTF-8: would be bytes
TEXT = b"p" * aocore.SHARED_BINARY_MIN                             # UTF-8: would be str


class _PyBuffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


def address(view: memoryview) -> int:
    """Where the bytes behind `view` live (the buffer protocol's pointer)."""
    buf = _PyBuffer()
    ctypes.pythonapi.PyObject_GetBuffer(ctypes.py_object(view), ctypes.byref(buf), 0)
    try:
        return buf.buf
    finally:
        ctypes.pythonapi.PyBuffer_Release(ctypes.byref(buf))


class Keeper:
    """Records what compute saw of `big`, `text` and `small`, and passes the state on."""

    def __init__(self):
        self.seen: list[dict] = []
        self.kept: list[memoryview] = []

    def compute(self, base, req):
        big, text = base["big"], base["text"]
        write = None
        try:
            big[0] = 0
        except TypeError as e:
            write = str(e)
        self.kept.append(big)
        self.seen.append({"big_type": type(big), "readonly": big.readonly, "write": write,
                          "big_addr": address(big), "text_type": type(text), "text_addr": address(text),
                          "small": base["small"], "equal": big == BIG and bytes(text) == TEXT})
        return {**base, "count": base.get("count", 0) + 1, "results": {"slot": req["slot"]},
                "head": big[:16]}


@pytest.fixture()
def keeper_process():
    keeper = Keeper()
    node = aocore.Node()
    node.register_device("keeper@1.0", keeper)
    p = node.spawn({"device": "process@1.0", "scheduler-device": "scheduler@1.0", "type": "Process",
                    "execution-device": "keeper@1.0", "big": BIG, "text": TEXT, "small": "short"},
                   sign=False)
    for i in range(3):
        p.schedule(i=i)
    try:
        yield node, p, keeper
    finally:
        node.close()


def test_large_binaries_reach_a_device_as_read_only_views_of_one_buffer(keeper_process):
    node, p, keeper = keeper_process
    state = p.compute(3)
    assert state["count"] == 4
    seen = keeper.seen
    assert len(seen) == 4
    for s in seen:
        assert s["big_type"] is memoryview and s["text_type"] is memoryview
        assert s["readonly"] and s["equal"]
        assert s["write"] and "read-only" in s["write"]
        assert s["small"] == "short"  # below the threshold: a str, as always
    # Every slot looked at the same bytes: the core's buffer, not a copy per slot, also after the
    # device handed the view back in its state (slot 1 onwards).
    assert len({s["big_addr"] for s in seen}) == 1
    assert len({s["text_addr"] for s in seen}) == 1
    # What the device returned is stored: the unchanged views as the same values, a slice copied.
    assert state["big"] == BIG and state["text"] == TEXT.decode()
    assert state["head"] == BIG[:16].decode()  # 16 bytes, valid UTF-8: a str


def test_a_kept_view_outlives_the_call_and_the_node(keeper_process):
    node, p, keeper = keeper_process
    p.compute(1)
    node.close()
    del p
    assert all(bytes(v) == BIG for v in keeper.kept)


def test_results_to_callers_stay_copies():
    # Only device arguments are shared: what resolve/compute return to a caller is str/bytes.
    with aocore.Node() as node:
        assert node.resolve({"device": "message@1.0", "big": BIG}, "big") == BIG
