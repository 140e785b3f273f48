"""The ``aocore`` command line: ``aocore demo`` (and, as they land, ``serve`` and ``inspect``)."""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from . import _demo

    return _demo.run(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aocore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build messages, show their IDs and a HashPath chain")
    demo.add_argument("--store", default=".aocore", help="LevelDB store directory (default ./.aocore)")
    demo.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
