#!/usr/bin/env python3
"""Fetches Wasmtime's C API and the AOS modules into the cache (make setup, CMake configure).

The code lives in python/aocore/_wasm_deps.py, which the installed package uses too; it is run
by path here because the package cannot be imported before its extension is built.
"""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent.parent / "python" / "aocore" / "_wasm_deps.py"),
               run_name="__main__")
