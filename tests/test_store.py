"""The node's content store over both backends (in-memory and LevelDB), persistence, and
crash safety (issue: storage)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap

import pytest

import aocore


@pytest.fixture(params=["memory", "leveldb"])
def node(request, tmp_path):
    n = aocore.Node(None if request.param == "memory" else tmp_path / "node")
    yield n
    n.close()


def test_write_then_read_by_id(node):
    msg = {"a": 1, "b": "two", "f": 1.5, "t": True, "n": None, "l": [1, "x"], "lm": [{"y": b"\xff"}, {"z": 2}], "m": {"c": {"d": "e"}}}
    mid = node.write(msg)
    assert mid == aocore.id(msg)
    assert node.read(mid) == msg


def test_binary_and_integer_stay_distinct(node):
    one_bin, one_int = node.write({"v": "1"}), node.write({"v": 1})
    assert one_bin != one_int
    assert node.read(one_bin) == {"v": "1"}
    assert node.read(one_int) == {"v": 1}


def test_nested_paths_read_lazily(node):
    mid = node.write({"a": {"b": {"c": "deep"}}, "other": "x" * 10000})
    assert node.read(f"{mid}/a/b/c") == "deep"
    assert node.read(f"{mid}/a/b") == {"c": "deep"}


def test_missing_messages_are_not_found(node):
    with pytest.raises(aocore.NotFoundError):
        node.read("A" * 43)
    mid = node.write({"a": "1"})
    with pytest.raises(aocore.NotFoundError):
        node.read(f"{mid}/nope")


def test_use_after_close_raises_closed_error(tmp_path):
    n = aocore.Node(tmp_path / "n")
    n.close()
    n.close()  # idempotent
    assert n.closed
    with pytest.raises(aocore.ClosedError):
        n.write({"a": 1})


def test_reopen_keeps_messages_and_wallet(tmp_path):
    path = tmp_path / "node"
    with aocore.Node(path) as n:
        mid = n.write({"k": "v", "nested": {"x": [1, 2]}})
        address = n.address
    assert oct(os.stat(path / "wallet.json").st_mode & 0o777) == "0o600"
    with aocore.Node(str(path)) as n:
        assert n.address == address
        assert n.read(mid) == {"k": "v", "nested": {"x": [1, 2]}}


def test_second_node_on_the_same_directory_is_a_store_error(tmp_path):
    with aocore.Node(tmp_path / "node"):
        with pytest.raises(aocore.StoreError, match="in use"):
            aocore.Node(tmp_path / "node")


def test_corrupted_store_directory_is_a_store_error(tmp_path):
    path = tmp_path / "node"
    with aocore.Node(path) as n:
        n.write({"a": 1})
    for f in (path / "store").iterdir():
        if f.name.startswith(("MANIFEST", "CURRENT")):
            f.write_bytes(b"garbage" * 10)
    with pytest.raises(aocore.StoreError):
        aocore.Node(path)


def test_unreadable_store_path_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(aocore.StoreError):
        aocore.Node(blocker)


WRITER = textwrap.dedent(
    """
    import sys, aocore
    node = aocore.Node(sys.argv[1])
    i = 0
    while True:
        msg = {"seq": i, "payload": "x" * (i % 50), "nested": {"i": i, "l": [i, str(i)]}}
        mid = node.write(msg)
        print(mid, i, flush=True)
        i += 1
    """
)


def test_sigkill_loses_no_acknowledged_message(tmp_path):
    path = tmp_path / "node"
    acknowledged: dict[str, int] = {}
    rng = random.Random(1234)
    for _round in range(3):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        target = len(acknowledged) + rng.randint(5, 60)
        assert child.stdout is not None
        for line in child.stdout:  # wait for a random number of acknowledgements, then kill
            mid, seq = line.split()
            acknowledged[mid] = int(seq)
            if len(acknowledged) >= target:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        for line in child.stdout.read().splitlines():  # lines printed before the kill landed
            parts = line.split()
            if len(parts) == 2:  # a line cut by the kill was never acknowledged
                acknowledged[parts[0]] = int(parts[1])
        child.stdout.close()
    with aocore.Node(path) as n:
        for mid, seq in acknowledged.items():
            msg = n.read(mid)
            assert msg["seq"] == seq and msg["nested"] == {"i": seq, "l": [seq, str(seq)]}
