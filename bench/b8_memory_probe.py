"""Where B8's memory goes: computes compute(9) for the first N processes of the prepared B8 node
(build/bench-data/b8-<P>x10, made by `bench/run.py --filter B8`) on a scratch copy, printing one
JSON line every STEP processes: VmRSS, RssAnon, RssFile (/proc/self/status, KiB), glibc's main
arena from mallinfo2() (KiB), and the node's metrics at the end. docs/benchmarks.md, "B8: memory
per process", has the figures.

    .venv/bin/python bench/b8_memory_probe.py build/bench-data/b8-10000x10 10000 1000
"""

from __future__ import annotations

import ctypes
import json
import pathlib
import shutil
import sys
import tempfile
import time

import aocore

_libc = ctypes.CDLL("libc.so.6")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]


_libc.mallinfo2.restype = _MallInfo2


def sample() -> dict[str, int]:
    out = {}
    for line in open("/proc/self/status"):
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(line.split()[1])
    m = _libc.mallinfo2()
    out.update(arena_kib=m.arena // 1024, inuse_kib=(m.uordblks + m.hblkhd) // 1024,
               free_kib=m.fordblks // 1024)
    return out


def main() -> None:
    template, count, step = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    pids = json.loads((template / "bench-info.json").read_text())["pids"][:count]
    with tempfile.TemporaryDirectory(dir=template.parent) as scratch:
        copy = pathlib.Path(scratch) / "node"
        shutil.copytree(template, copy)
        node = aocore.Node(copy)
        print(json.dumps({"at": 0, **sample()}), flush=True)
        start = time.perf_counter()
        for i, pid in enumerate(pids, 1):
            assert node.process(pid).compute(9)["at-slot"] == 9
            if i % step == 0:
                print(json.dumps({"at": i, **sample(), "s": round(time.perf_counter() - start, 1)}), flush=True)
        _libc.malloc_trim(0)
        print(json.dumps({"at": "after malloc_trim", **sample()}), flush=True)
        print(json.dumps(node.metrics()), flush=True)
        node.close()


if __name__ == "__main__":
    main()
