"""`aocore inspect STORE`: what a node's LevelDB store holds.

Lists every process with its latest assigned slot, latest computed slot and latest snapshot.
``--verify`` re-checks every assignment's signature and the hash chain (chain_n =
SHA-256(raw chain_{n-1} || id_n), id_n the ID of the scheduled message) and reports the first
bad slot of each process. ``--process PID [--from N] [--to M]`` prints those assignments as JSON
lines. Exit code: 0 when everything checked verified, 1 when something did not, 2 when the store
cannot be opened (missing, corrupt, or in use by a running node).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys

import aocore


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def first_bad_slot(assignments: list[dict]) -> tuple[int, str] | None:
    """The first assignment whose slot, signature or hash-chain link is wrong, with the reason."""
    previous = b""
    for expected, a in enumerate(assignments):
        if a.get("slot") != expected:
            return expected, f"slot {expected} is missing (found {a.get('slot')})"
        if not aocore.verify(a) or not aocore.committers(a):
            return expected, "the assignment's signature does not verify"
        digest = hashlib.sha256(previous + aocore.id(a["body"], mode="all").encode()).digest()
        if _b64url(digest) != a.get("hash-chain"):
            return expected, "the hash chain does not link to the previous assignment"
        previous = digest
    return None


def _jsonable(value):
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, aocore.Atom):
        return {"atom": value.name}
    return value


def run(args: argparse.Namespace) -> int:
    if not os.path.isdir(args.store):
        print(f"aocore inspect: no node store at {args.store!r}", file=sys.stderr)
        return 2
    try:
        node = aocore.Node(args.store)
    except aocore.Error as err:
        print(f"aocore inspect: cannot open {args.store!r}: {err}", file=sys.stderr)
        return 2
    with node:
        if args.process:
            p = node.process(args.process) if args.process in {s["process"] for s in node.inspect_processes()} else None
            if p is None:
                print(f"aocore inspect: no process {args.process!r} in this store", file=sys.stderr)
                return 2
            for a in p.assignments(args.start, args.end):
                print(json.dumps(_jsonable(a), sort_keys=True))
            return 0
        summaries = node.inspect_processes()
        print(f"store {args.store}: {len(summaries)} process(es), node address {node.address}")
        print(f"{'process':<44} {'slot':>8} {'computed':>9} {'snapshot':>9}" + ("  verified" if args.verify else ""))
        ok = True
        for s in summaries:
            show = lambda v: "-" if v is None else str(v)  # noqa: E731
            line = f"{s['process']:<44} {show(s['slot']):>8} {show(s['computed']):>9} {show(s['snapshot']):>9}"
            if args.verify:
                bad = first_bad_slot(node.process(s["process"]).assignments()) if s["slot"] is not None else None
                if bad is None:
                    line += "  ok"
                else:
                    ok = False
                    line += f"  FIRST BAD SLOT {bad[0]}: {bad[1]}"
            print(line)
        return 0 if ok else 1
