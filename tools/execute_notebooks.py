"""Re-executes notebooks in place so that their stored outputs are real.

    .venv/bin/python tools/execute_notebooks.py                 # every notebook in notebooks/
    .venv/bin/python tools/execute_notebooks.py notebooks/02_processes.ipynb

Each notebook runs headless (nbclient, the `python3` kernel of this interpreter) in a fresh
temporary working directory, as tests/test_notebooks.py runs them; a cell error stops with a
non-zero exit and leaves the file untouched.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import time

import nbclient
import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent


def execute(path: pathlib.Path, timeout: int = 300) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as cwd:
        client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                         coalesce_streams=True,
                                         resources={"metadata": {"path": cwd}})
        client.execute()
    nbformat.write(nb, path)
    return time.monotonic() - start


def main(argv: list[str]) -> int:
    paths = [pathlib.Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        try:
            elapsed = execute(path)
        except nbclient.exceptions.CellExecutionError as err:
            print(f"{path.name}: FAILED\n{err}", file=sys.stderr)
            return 1
        print(f"{path.name}: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
