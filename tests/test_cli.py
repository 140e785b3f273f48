"""The command line (`aocore ...` / `python -m aocore ...`)."""

from __future__ import annotations

import subprocess
import sys

import aocore


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aocore", *args], capture_output=True, text=True, timeout=120)


def test_demo_runs_on_a_leveldb_store_and_is_repeatable(tmp_path):
    store = tmp_path / "demo"
    first = run_cli("demo", "--store", str(store))
    assert first.returncode == 0, first.stderr
    assert aocore.id({"a": "1"}) in first.stdout
    assert "JqM3Y2G4ZFzgpZRrWFxXNgTYX9cmKqwusPFIyx_YW7k/c" in first.stdout  # the reference's chain
    assert "reopened" in first.stdout
    assert (store / "store").is_dir()
    second = run_cli("demo", "--store", str(store))  # a second run reuses the store
    assert second.returncode == 0, second.stderr
    address = [line for line in first.stdout.splitlines() if "node address" in line]
    assert address and address[0] in second.stdout  # same wallet after reopening


def test_demo_runs_a_process_and_a_second_run_continues_it(tmp_path):
    store = tmp_path / "demo"
    first = run_cli("demo", "--store", str(store))
    assert first.returncode == 0, first.stderr
    assert "spawned process" in first.stdout
    pid = (store / "demo-process-id").read_text().strip()
    assert pid in first.stdout and len(pid) == 43
    assert "slot 1    hash-chain" in first.stdout and "slot 3    hash-chain" in first.stdout
    assert "at-slot=3" in first.stdout and "already-seen=[3, 3, 2, 2, 1, 1, ...] (8 items)" in first.stdout
    assert "now -> at-slot=3" in first.stdout
    second = run_cli("demo", "--store", str(store))
    assert second.returncode == 0, second.stderr
    assert f"reusing process {pid}" in second.stdout and "last slot 3" in second.stdout
    assert "slot 4    hash-chain" in second.stdout and "slot 1    hash-chain" not in second.stdout
    assert "at-slot=6" in second.stdout and "(14 items)" in second.stdout
    assert "now -> at-slot=6" in second.stdout
    assert "slots re-executed: 0" in second.stdout  # `now` after the restart is read, not recomputed


def test_unknown_command_fails_with_usage():
    result = run_cli("frobnicate")
    assert result.returncode != 0
    assert "usage" in result.stderr
