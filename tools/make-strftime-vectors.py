#!/usr/bin/env python3
"""Writes tests/data/strftime_vectors.json: `struct tm` values and formats, each with what
ao-loader's own strftime returns or throws for it (tests/aoloader/glue_strftime.cjs runs the
glue's code). The cases reach what a module can pass that Lua's os.date never does: days and
months out of range, years JS Date cannot hold or reads as 19xx, zone offsets in seconds, zone
names with `$` patterns. cpp/aocore/wasm/js_strftime_test.cc checks aocore's port against the
file; tests/test_aos_aoloader.py checks the file against the installed glue.

Run from the repository root with the venv's Python (it needs aocore for the pinned loader)."""
import json
import pathlib
import random
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root / "python"))
from aocore import _wasm_deps  # noqa: E402

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
ALL = "%a %A %b %B %C %d %e %g %G %H %I %j %m %M %n %p %S %t %u %U %V %w %W %y %Y %z %Z %%"
COMPOSITE = "%c|%D|%F|%h|%r|%R|%T|%x|%X|%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy"
NO_NAMES = "%C %d %e %H %I %j %m %M %p %S %u %U %V %w %W %y %Y %z %Z"


def tm(sec=3, min=2, hour=1, mday=5, mon=1, year=71, wday=5, yday=35, gmtoff=0, zone="UTC"):
    return {"sec": sec, "min": min, "hour": hour, "mday": mday, "mon": mon, "year": year, "wday": wday,
            "yday": yday, "gmtoff": str(gmtoff), "zone": zone}


def cases():
    out = [(ALL, tm()), (COMPOSITE, tm()), ("%%a %%%a %%%%b %%c %%%c % %E %O %q %", tm()), ("", tm()),
           ("no specifiers at all", tm()), ("%Y-%m-%d é✓😀 %Z", tm(zone="é✓😀"))]
    # Names out of range: %a and %b throw, %A and %B read "undefined".
    for wday in (-1, 7, I32_MAX, I32_MIN):
        out += [("%a", tm(wday=wday)), ("%A %u %w %U %V %W", tm(wday=wday))]
    for mon in (-1, 12, 13, I32_MAX, I32_MIN):
        out += [("%b", tm(mon=mon)), ("%B %m", tm(mon=mon))]
    # %j sums the month table up to tm_mon (NaN past it), a step per month in the glue.
    for mon in (-1, 0, 11, 12, 13, 1000000, I32_MIN):
        out.append(("%j", tm(mon=mon)))
    # Years: 0-99 read as 19xx by JS Date, the ends of its range, and beyond.
    for year in (-1900, -1899, -1850, -1801, -1800, -1901, 0, 99, 100, 273860, 273859, 273861,
                 -273721, -273720, -273722, I32_MAX, I32_MIN):
        out.append((NO_NAMES + " %G %g", tm(year=year)))
        out.append(("%G", tm(year=year, yday=364)))
    # Days of the year far out (addDays walks them month by month), and before January.
    for yday in (-1, -400, 400, 100000, 99999999, I32_MIN):
        out.append(("%G %g %U %V %W", tm(yday=yday)))
    # Clock fields out of range.
    for value in (-1, 0, 12, 13, 24, 99, 100, I32_MAX, I32_MIN):
        out.append(("%d %e %H %I %M %S %p", tm(sec=value, min=value, hour=value, mday=value)))
    # Zone offsets: the glue divides in floating point.
    for gmtoff in (0, 3600, -3600, 5400, -5400, 1, -1, 59, 3630, 45296, 2**53 + 1, I64_MIN, I64_MAX):
        out.append(("%z", tm(gmtoff=gmtoff)))
    # Zone names are a replacement string: $-patterns apply.
    for zone in ("", "$&", "$`", "$'", "$$", "$", "$1", "$01", "$<n>", "%Y", "%%", "%Z", "a$`b$'c$&d$$e"):
        out += [("[%Z]", tm(zone=zone)), ("x%Zy%Zz %Y", tm(zone=zone))]
    # Random fields near and far from the valid ones, with random formats.
    rng = random.Random(20261204)
    tokens = ALL.split() + COMPOSITE.split("|") + ["%%", "%", "-", " ", "$", "é"]

    def field(low, high):
        return rng.choice([rng.randint(low, high), rng.randint(low - 50, high + 50), rng.randint(I32_MIN, I32_MAX)])

    for _ in range(300):
        t = tm(sec=field(0, 60), min=field(0, 59), hour=field(0, 23), mday=field(1, 31),
               mon=rng.choice([rng.randint(0, 11), rng.randint(-50, 61), rng.randint(-10**6, 10**6)]),
               year=rng.choice([field(-1900, 300), rng.randint(-1950, -1750)]), wday=field(0, 6),
               yday=rng.choice([rng.randint(-10, 400), rng.randint(-100000, 100000)]),
               gmtoff=rng.choice([0, rng.randint(-50400, 50400), rng.randint(I64_MIN, I64_MAX)]),
               zone=rng.choice(["UTC", "GMT", "", "$&", "X$`"]))
        out.append(("".join(rng.choice(tokens) for _ in range(rng.randint(1, 8))), t))
    return [{"format": f, "tm": t} for f, t in out]


def run_glue(case_list):
    loader = _wasm_deps.fetch_ao_loader()
    proc = subprocess.run(["node", str(root / "tests" / "aoloader" / "glue_strftime.cjs"), str(loader)],
                          input=json.dumps(case_list), capture_output=True, text=True, timeout=600, check=True)
    return json.loads(proc.stdout)


if __name__ == "__main__":
    case_list = cases()
    vectors = [dict(c, **r) for c, r in zip(case_list, run_glue(case_list), strict=True)]
    path = root / "tests" / "data" / "strftime_vectors.json"
    path.write_text(json.dumps({"loader": _wasm_deps.AO_LOADER_VERSION, "vectors": vectors}, indent=1,
                               ensure_ascii=False) + "\n")
    print(f"{path.relative_to(root)}: {len(vectors)} vectors, "
          f"{sum('thrown' in v for v in vectors)} of them thrown")
