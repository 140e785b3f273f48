"""`aocore inspect`: listing a store's processes and verifying signatures and hash chains."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

import aocore
from aocore import _inspect


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aocore", "inspect", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("inspect") / "node"
    with aocore.Node(path) as n:
        p = n.spawn()
        for i in range(4):
            p.schedule(i=i)
        p.compute(3)
        q = n.spawn()
        q.schedule(x=1)
        return path, p.id, q.id


def test_lists_processes_with_slots(store):
    path, pid, qid = store
    result = run_cli(str(path))
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert lines[pid][1:4] == ["4", "3", "3"]   # assigned, computed, snapshot
    assert lines[qid][1:4] == ["1", "-", "-"]


def test_verify_passes_on_an_intact_store(store):
    result = run_cli(str(store[0]), "--verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" ok") == 2


def test_prints_a_range_of_assignments(store):
    path, pid, _ = store
    result = run_cli(str(path), "--process", pid, "--from", "1", "--to", "2")
    assert result.returncode == 0, result.stderr
    assert [line.count('"slot": ') for line in result.stdout.splitlines()] == [1, 1]


def test_missing_or_locked_store_exits_2(store, tmp_path):
    assert run_cli(str(tmp_path / "nothing")).returncode == 2
    with aocore.Node(store[0]):
        locked = run_cli(str(store[0]))
    assert locked.returncode == 2 and "in use" in locked.stderr


def test_first_bad_slot_finds_tampering(store):
    path, pid, _ = store
    with aocore.Node(path) as n:
        good = n.process(pid).assignments()
    assert _inspect.first_bad_slot(good) is None
    tampered = copy.deepcopy(good)
    tampered[2]["body"]["i"] = 99
    assert _inspect.first_bad_slot(tampered)[0] == 2
    resigned = copy.deepcopy(good)
    resigned[3]["hash-chain"] = good[2]["hash-chain"]
    assert _inspect.first_bad_slot(resigned)[0] == 3
    assert _inspect.first_bad_slot(good[:2] + good[3:])[0] == 2


def test_a_process_id_that_begins_with_a_dash_is_taken_as_the_value(store):
    # Base64url IDs begin with '-' one time in 64; argparse would read such a value as an option.
    path, pid, _ = store
    dashed = "-" + pid[1:]
    result = run_cli(str(path), "--process", dashed, "--from", "0", "--to", "0")
    assert "expected one argument" not in result.stderr
    # Read as the value: a well-formed ID of no process in this store.
    assert result.returncode == 2 and f"no process '{dashed}'" in result.stderr, result.stderr
