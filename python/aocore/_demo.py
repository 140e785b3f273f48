"""`aocore demo`: a short tour of what the node does, on an embedded LevelDB store.

It builds messages, shows their IDs (byte-compatible with the reference node), follows a
HashPath chain, signs a message with the node wallet when signing is available, and stores
messages in the node's LevelDB directory (default ./.aocore), reading them back after a reopen.
"""

from __future__ import annotations

import argparse

import aocore


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
    return 0
