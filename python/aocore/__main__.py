"""The ``aocore`` command line: ``aocore demo``, ``aocore serve`` (and, as it lands, ``inspect``)."""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from . import _demo

    return _demo.run(args)


def _inspect(args: argparse.Namespace) -> int:
    from . import _inspect

    return _inspect.run(args)


def _port(text: str) -> int:
    """argparse type of --port: an int from 0 to 65535 (a usage error otherwise, not a traceback)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 65535, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535 (0 picks a free port), not {port}")
    return port


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from ._core import InvalidMessageError
    from .node import Node

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    options: dict = {}
    if args.peer:
        peers = {}
        for item in args.peer:
            address, sep, url = item.partition("=")
            if not sep:
                raise SystemExit(f"aocore serve: --peer takes ADDRESS=http://host:port, got {item!r}")
            peers[address] = url
        options["peers"] = peers
    if args.redirect:
        options["scheduler_follow_redirects"] = False
    if args.default_execution_device:
        options["default_execution_device"] = args.default_execution_device
    try:  # a bad --peer is a usage error, not a traceback
        node = Node(args.store, **options)
    except InvalidMessageError as e:
        raise SystemExit(f"aocore serve: {e}") from None
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with node, node.serve(args.host, args.port) as server:
            print(f"aocore: serving node {node.address} on {server.url} (store {args.store}); "
                  "Ctrl-C to stop", flush=True)
            while not stop.wait(0.5):
                pass
            print("aocore: stopping", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


# Options whose value is an ID or an address: base64url IDs may begin with '-', which argparse
# would take for an option, so "--process -abc" is passed on as "--process=-abc".
_ID_OPTIONS = ("--process", "--peer")


def _join_id_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in _ID_OPTIONS and i + 1 < len(argv):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


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

    serve = sub.add_parser("serve", help="serve a node over HTTP until SIGINT/SIGTERM")
    serve.add_argument("--store", default=".aocore", help="LevelDB store directory (default ./.aocore)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=10000, help="port (default 10000; 0 picks a free one)")
    serve.add_argument("--peer", action="append", metavar="ADDRESS=URL",
                       help="another node: its address and http://host:port (repeatable; see docs/http.md)")
    serve.add_argument("--redirect", action="store_true",
                       help="answer 307 for a peer's process instead of forwarding (scheduler_follow_redirects=False)")
    serve.add_argument("--default-execution-device", metavar="NAME@VERSION",
                       help="execution device of processes that name none (legacy aoconnect spawns; docs/interop.md)")
    serve.set_defaults(func=_serve)
    args = parser.parse_args(_join_id_values(sys.argv[1:] if argv is None else list(argv)))
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
