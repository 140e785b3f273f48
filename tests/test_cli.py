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


def test_unknown_command_fails_with_usage():
    result = run_cli("frobnicate")
    assert result.returncode != 0
    assert "usage" in result.stderr
