"""`aocore demo`: a short tour of what the node does, on an embedded LevelDB store.

It builds messages, shows their IDs (byte-compatible with the reference node), follows a
HashPath chain, signs a message with the node wallet when signing is available, and stores
messages in the node's LevelDB directory (default ./.aocore), reading them back after a reopen.
Then it runs a process there: spawns one (or, on a later run, reuses the one it spawned before),
schedules a few messages, computes them on the process's hot worker, shows the slots, the hash
chain and the states, closes the node and reopens it, and computes `now` from the snapshot.
"""

from __future__ import annotations

import argparse
import pathlib
import time

import aocore

# The process the demo runs: two test-device@1.0 in a stack (spec/process.md §4.4); each slot
# prepends the slot number twice to `already-seen`.
DEMO_PROCESS = {
    "device": "process@1.0",
    "scheduler-device": "scheduler@1.0",
    "execution-device": "stack@1.0",
    "device-stack": ["test-device@1.0", "test-device@1.0"],
    "name": "aocore demo process",
}
MESSAGES_PER_RUN = 3


def _section(title: str) -> None:
    print(f"\n== {title}")


def run(args: argparse.Namespace) -> int:
    print(f"aocore {aocore.__version__}")

    _section("Messages and their IDs")
    messages = [{}, {"a": "1"}, {"a": 1}, {"A": "1"}, {"path": "compute", "slot": 7, "body": "hello"}]
    for m in messages:
        print(f"  {aocore.id(m)}  {m!r}")
    print("  (keys are case-insensitive: {'A': '1'} and {'a': '1'} share an ID; '1' and 1 differ)")

    _section("A HashPath chain: each result is linked to the base and request that made it")
    base = {"a": {"b": {"c": {"d": "1"}}}}
    hp = aocore.id(base)
    print(f"  base   {hp}")
    current = base
    for key in ("a", "b", "c"):
        hp = aocore.hashpath(current, key)
        current = dict(current[key], priv={"hashpath": hp})
        print(f"  /{key:<5} {hp}")

    _section(f"The node's LevelDB store in {args.store}")
    with aocore.Node(args.store) as node:
        print(f"  node address {node.address}")
        doc = {"title": "demo", "items": [1, 2, 3], "nested": {"greeting": "hello"}}
        if hasattr(aocore, "commit") and hasattr(aocore, "Wallet"):
            signed = aocore.commit(doc, aocore.Wallet.load(f"{args.store}/wallet.json"))
            print(f"  signed by the node wallet: verify -> {aocore.verify(signed)}")
            print(f"  committed ID {aocore.id(signed)}  content ID {aocore.id(signed, mode='none')}")
        mid = node.write(doc)
        print(f"  wrote {mid}")
    with aocore.Node(args.store) as node:
        print(f"  reopened: {node.read(mid)!r}")
        print(f"  lazy path read {mid[:8]}.../nested/greeting -> {node.read(mid + '/nested/greeting')!r}")
    _process_demo(args)
    return 0


def _show_state(state: dict) -> str:
    seen = state.get("already-seen", [])
    head = ", ".join(str(x) for x in seen[:6]) + (", ..." if len(seen) > 6 else "")
    return f"at-slot={state['at-slot']} results={state.get('results')} already-seen=[{head}] ({len(seen)} items)"


def _process_demo(args: argparse.Namespace) -> None:
    pid_file = pathlib.Path(args.store) / "demo-process-id"
    _section(f"A process on the same store: scheduled, computed hot, restarted from its snapshot")
    with aocore.Node(args.store) as node:
        if pid_file.exists():
            p = node.process(pid_file.read_text().strip())
            print(f"  reusing process {p.id} (spawned by an earlier run; last slot {p.slot()})")
        else:
            p = node.spawn(DEMO_PROCESS)
            pid_file.write_text(p.id + "\n")
            print(f"  spawned process {p.id} (its definition is slot 0)")
        first = p.slot() + 1
        print("  scheduling (each assignment is signed and extends the hash chain):")
        for i in range(MESSAGES_PER_RUN):
            a = p.schedule(data=f"demo message {first + i}")
            print(f"    slot {a['slot']:<4} hash-chain {a['hash-chain']}")
        print("  computing on the process's worker (the state stays in memory between calls):")
        for slot in range(first, first + MESSAGES_PER_RUN):
            print(f"    slot {slot:<4} {_show_state(p.compute(slot))}")
        m = node.metrics()
        print(f"  metrics: slots computed {m['slots_computed']}, loads {m['loads']}, "
              f"live workers {m['live_workers']}")
        last = p.slot()
    print("  closing the node (the worker writes a snapshot) and reopening it")
    with aocore.Node(args.store) as node:
        p = node.process(pid_file.read_text().strip())
        start = time.perf_counter()
        state = p.now()
        elapsed = time.perf_counter() - start
        m = node.metrics()
        assert state["at-slot"] == last
        print(f"  now -> {_show_state(state)}")
        print(f"  answered in {elapsed * 1000:.1f} ms from the stored state (slots re-executed: "
              f"{m['slots_computed']}, cache hits: {m['cache_hits']})")
