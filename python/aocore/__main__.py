"""The ``aocore`` command line: ``aocore demo`` (and, as they land, ``serve`` and ``inspect``)."""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from . import _demo

    return _demo.run(args)


def _inspect(args: argparse.Namespace) -> int:
    from . import _inspect

    return _inspect.run(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aocore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build messages, show their IDs and a HashPath chain")
    demo.add_argument("--store", default=".aocore", help="LevelDB store directory (default ./.aocore)")
    demo.set_defaults(func=_demo)
    inspect = sub.add_parser("inspect", help="list a store's processes; --verify signatures and hash chains")
    inspect.add_argument("store", help="the node's LevelDB directory")
    inspect.add_argument("--verify", action="store_true", help="re-check every assignment signature and hash chain")
    inspect.add_argument("--process", help="print this process's assignments as JSON lines")
    inspect.add_argument("--from", dest="start", type=int, default=0, help="first slot (with --process)")
    inspect.add_argument("--to", dest="end", type=int, default=None, help="last slot, inclusive (with --process)")
    inspect.set_defaults(func=_inspect)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
