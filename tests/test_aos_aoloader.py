"""aocore against @permaweb/ao-loader 0.0.49 itself, on a scenario corpus beyond the shared one:
handlers, errors and recovery, JSON, os.time/os.date, Spawns, pairs order, heap growth, invalid
UTF-8. The tests install the pinned loader with npm into a folder they own (the aocore cache,
npm/ao-loader-0.0.49) and run it under Node with --experimental-wasm-memory64; each step's raw
module result, ao-loader's result and the memory sha256 must be equal. They skip, saying why,
only when node/npm are missing or the npm registry cannot be reached."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import aocore
from aocore import _wasm_deps, aos

LOADER_VERSION = "0.0.49"
RUNNER = Path(__file__).parent / "aoloader" / "run_scenario.cjs"

PID = "PROCESS_ID_000000000000000000000000000000000"
OWNER = "OWNER_ADDR_00000000000000000000000000000000"
USER2 = "USER2_ADDR_00000000000000000000000000000000"
AUTH = "AUTHORITY_00000000000000000000000000000000"
T0, H0 = 1700000000000, 1300000


@pytest.fixture(scope="session")
def ao_loader() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to run @permaweb/ao-loader")
    try:
        folder = _wasm_deps.fetch_ao_loader()
    except RuntimeError as e:
        pytest.skip(str(e))
    package = folder / "node_modules" / "@permaweb" / "ao-loader" / "package.json"
    assert json.loads(package.read_text())["version"] == LOADER_VERSION
    return folder


def process_tags(module_id: str) -> list[dict]:
    pairs = [("Data-Protocol", "ao"), ("Variant", "ao.TN.1"), ("Type", "Process"), ("Module", module_id),
             ("Scheduler", "SCHEDULER_0000000000000000000000000000000000"), ("SDK", "aoconnect"),
             ("Content-Type", "text/plain"), ("Authority", AUTH), ("Name", "corpus-proc")]
    return [{"name": n, "value": v} for n, v in pairs]


def cu_msg(n: int, *, id: str, frm: str, tags: list[dict], data: str) -> dict:
    # The CU's message shape, keys in its order.
    return {"Id": id, "Signature": f"SIG{n}", "Data": data, "Owner": frm, "Target": PID, "Anchor": "",
            "From": frm, "Tags": tags, "Epoch": 0, "Nonce": n, "Timestamp": T0 + n * 1000,
            "Block-Height": H0 + n, "Hash-Chain": f"HASHCHAIN{n}", "Cron": False, "Read-Only": False}


def corpus(module_id: str) -> tuple[str, list[str]]:
    m = aos.known_modules()[module_id]
    env = {"Process": {"Id": PID, "Owner": OWNER, "Tags": process_tags(module_id)},
           "Module": {"Id": module_id, "Owner": OWNER, "Tags": m["tags"]}}
    evals = [
        # handlers: one that replies, one that counts
        'Handlers.add("echo", Handlers.utils.hasMatchingTag("Action","Echo"), function(msg) '
        'ao.send({Target=msg.From, Data="echo:" .. msg.Data, Echoed="yes", Zeta="z", Alpha="a"}) end) '
        'Count = 0 Handlers.add("count", Handlers.utils.hasMatchingTag("Action","Count"), '
        'function(msg) Count = Count + 1 end) return "ok"',
        None,  # Echo from another user
        None,  # Count
        'return Count',
        # errors and recovery
        'error({code = 42})',
        'local t = nil; return t.field',
        'return "recovered " .. tostring(Count)',
        # JSON
        'local json = require("json") return json.encode({list = {1, 2.5, "three", true}, nested = {k = "v"}})',
        'local json = require("json") local d = json.decode(\'{"a":[1,{"b":null}],"s":"\\\\u00e9"}\') return d.s .. #d.a',
        # os.time / os.date / os.clock
        'return tostring(os.time()) .. " | " .. os.date("%c") .. " | " .. os.date("!%x %X %j", 0) '
        '.. " | " .. tostring(os.clock())',
        # Spawns and outgoing messages
        'ao.spawn(ao.env.Module.Id, {Data = "child", ["Custom-Tag"] = "v", Name = "kid"}) return "spawned"',
        'Send({Target = "' + USER2 + '", Action = "Probe", One = "1", Two = "2", Three = "3", Four = "4", Data = "d"})',
        # pairs order over mixed keys
        'local t = {} for k in pairs({x = 1, y = 2, zz = 3, w = 4, ["long key"] = 5, [10] = 6, [2.5] = 7}) do '
        't[#t + 1] = tostring(k) end return table.concat(t, ",")',
        # heap growth (emscripten_resize_heap's policy decides the memory size) and invalid UTF-8
        'Big = string.rep("y", 24 * 1024 * 1024) return #Big',
        'Big = nil collectgarbage() return "A\\255\\254B"',
        'for i = 1, 50 do print("line " .. i) end return math.random(1, 1000)',
        # week numbers of the glue's strftime, around year boundaries
        'local out = {} for _, t in ipairs({0, 1609459200, 1735516800, 1704067200, 951782400}) do '
        'out[#out + 1] = os.date("!%U %W %V %G %g %j", t) end return table.concat(out, "|")',
        # JS Date at its edges, as the glue's gmtime, localtime and strftime use it: years 0-99
        # read as 19xx, and times beyond +-8.64e15 ms give an all-zero struct tm (the probes
        # where the glue throws are in test_glue_exceptions_match_ao_loader)
        'local out = {} for _, t in ipairs({-62135596800, -61000000000, -59011459200, -59042995200, '
        '-2208988800, 8640000086400, 1125899906842624, -1125899906842624, 1152921504606846976}) do '
        'out[#out + 1] = os.date("!%Y %m %d %j %U %V %W %G %g %a %c", t) end return table.concat(out, "|")',
        'local out = {} for _, t in ipairs({-62135596800, -59042995200, 8639999999999}) do '
        'out[#out + 1] = os.date("%Y %j %U %c %z", t) end return table.concat(out, "|")',
        # a buffer past the memory's maximum: Lua's allocation fails and the module then copies
        # 512 MiB from 0 to 0 (HEAPU8.copyWithin in the glue, clamped, not a trap)
        'local ok, e = pcall(string.rep, "x", 2^29) return tostring(ok) .. " " .. tostring(e)',
    ]
    msgs = [cu_msg(0, id=PID, frm=OWNER, tags=process_tags(module_id), data="")]
    for i, code in enumerate(evals, start=1):
        mid = f"MSG{i}_".ljust(43, "0")
        if code is not None:
            msgs.append(cu_msg(i, id=mid, frm=OWNER, tags=[{"name": "Action", "value": "Eval"}], data=code))
        elif i == 2:
            msgs.append(cu_msg(i, id=mid, frm=USER2, tags=[{"name": "Action", "value": "Echo"}], data="héllo ✓"))
        else:
            msgs.append(cu_msg(i, id=mid, frm=USER2, tags=[{"name": "Action", "value": "Count"}], data=""))
    return aos.js_stringify(env), [aos.js_stringify(m) for m in msgs]


def run_ao_loader(loader: Path, tmp_path: Path, module_id: str, env: str, messages: list[str]) -> list[dict]:
    name, fmt = aos.known_modules()[module_id]["name"], aos.known_modules()[module_id]["format"]
    scenario = tmp_path / f"{name}.json"
    scenario.write_text(json.dumps({"wasm": str(aos.module_path(name)), "format": fmt, "env": env,
                                    "messages": messages}))
    proc = subprocess.run(["node", "--experimental-wasm-memory64", str(RUNNER), str(loader), str(scenario)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "TZ": "UTC"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)["steps"]


@pytest.mark.parametrize("module_id", [aos.AOS_2_0_6, "WASM32-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g"],
                         ids=["aos2_0_6", "aos2_0_4_32"])
def test_corpus_matches_ao_loader_step_by_step(ao_loader, tmp_path, module_id):
    env, messages = corpus(module_id)
    expected = run_ao_loader(ao_loader, tmp_path, module_id, env, messages)
    inst = aocore.AOModule.from_id(module_id).instance()
    for i, (msg, exp) in enumerate(zip(messages, expected, strict=True)):
        raw = inst.handle_raw(msg, env)
        assert raw == exp["raw"], f"step {i}: raw result differs"
        if "thrown" in exp:  # {"ok":false}: ao-loader throws and returns no Memory to compare
            continue
        mem = inst.memory()
        assert len(mem) == exp["memoryBytes"], f"step {i}: memory size differs"
        assert hashlib.sha256(mem).hexdigest() == exp["memorySha256"], f"step {i}: memory differs"
    # The corpus exercised what it claims to (so a silent no-op module could not pass).
    results = [e.get("result") for e in expected]
    assert results[2]["Messages"][0]["Data"] == "echo:héllo ✓"
    assert "thrown" in expected[5] and "Error" in results[6]  # error(table) is ok:false
    assert results[7]["Output"]["data"].endswith("recovered 1")  # aos2_0_4_32 adds a nonce warning
    assert results[11]["Spawns"], "the spawn step produced no Spawns"
    assert "\ufffd" in results[15]["Output"]["data"]
    assert results[17]["Output"]["data"].startswith("00 00 01 1970 70 001|00 00 53 2020 20 001|")
    # Year 1 is 1901 to the week-based year; past JS Date's range every field is zero.
    assert results[18]["Output"]["data"].startswith("1 01 01 001 -99137 -99136 -99137 1901 01 Mon")
    assert results[18]["Output"]["data"].endswith("|1900 01 00 000 01 52 00 1900 00 Sun Sun Jan 00 00:00:00 1900")
    assert results[19]["Output"]["data"].startswith("1 001 00 Mon Jan 01 00:00:00 1 +0000|")
    assert results[20]["Output"]["data"] == "false not enough memory for buffer allocation"


# Probes where the glue itself throws (a JS exception out of an import, not the module's
# ok:false): %G of a date whose next year JS Date cannot hold, and the wasm64 localtime of a time
# it cannot hold (BigInt(NaN)); the wasm32 glue stores zeros there instead. Each runs as the last
# step of its own scenario: after a throw ao-loader's memory is left as the unwound call left it,
# while aocore's instance is back at its checkpoint.
GLUE_PROBES = {"week-based year past the range": 'return os.date("!%G", 8640000000000)',
               "localtime past the range": 'return os.date("%Y %j %c", 8640000086400)'}


@pytest.mark.parametrize("probe", sorted(GLUE_PROBES))
@pytest.mark.parametrize("module_id", [aos.AOS_2_0_6, "WASM32-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g"],
                         ids=["aos2_0_6", "aos2_0_4_32"])
def test_glue_exceptions_match_ao_loader(ao_loader, tmp_path, module_id, probe):
    env, messages = corpus(module_id)
    probe_message = cu_msg(1, id="MSG1_".ljust(43, "0"), frm=OWNER, tags=[{"name": "Action", "value": "Eval"}],
                           data=GLUE_PROBES[probe])
    messages = [messages[0], aos.js_stringify(probe_message)]
    expected = run_ao_loader(ao_loader, tmp_path, module_id, env, messages)
    inst = aocore.AOModule.from_id(module_id).instance()
    assert inst.handle_raw(messages[0], env) == expected[0]["raw"]
    throws = module_id == aos.AOS_2_0_6 or probe != "localtime past the range"
    if not throws:
        assert inst.handle_raw(messages[1], env) == expected[1]["raw"]
        assert expected[1]["result"]["Output"]["data"] == "1900 000 Sun Jan 00 00:00:00 1900"
        return
    assert expected[1]["raw"] is None and expected[1]["thrown"]
    with pytest.raises(aocore.Error) as error:
        inst.handle_raw(messages[1], env)
    assert expected[1]["thrown"] in str(error.value)


def test_strftime_vectors_are_what_the_glue_gives(ao_loader):
    """tests/data/strftime_vectors.json, which the C++ port is tested against, holds what ao-loader's
    own strftime returns or throws for each case (tests/aoloader/glue_strftime.cjs runs it)."""
    data = json.loads((Path(__file__).parent / "data" / "strftime_vectors.json").read_text())
    assert data["loader"] == LOADER_VERSION
    cases = [{"format": v["format"], "tm": v["tm"]} for v in data["vectors"]]
    proc = subprocess.run(["node", str(Path(__file__).parent / "aoloader" / "glue_strftime.cjs"), str(ao_loader)],
                          input=json.dumps(cases), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = [{k: v[k] for k in ("result", "thrown") if k in v} for v in data["vectors"]]
    got = json.loads(proc.stdout)
    assert got == expected
    assert sum("thrown" in g for g in got) > 50 and len(got) > 400


def test_dict_results_equal_ao_loader_results(ao_loader, tmp_path):
    env, messages = corpus(aos.AOS_2_0_6)
    messages = messages[:4]
    expected = run_ao_loader(ao_loader, tmp_path, aos.AOS_2_0_6, env, messages)
    inst = aocore.AOModule.from_id(aos.AOS_2_0_6).instance()
    for msg, exp in zip(messages, expected, strict=True):
        assert inst.handle(json.loads(msg), json.loads(env)) == exp["result"]
