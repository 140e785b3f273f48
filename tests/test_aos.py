"""aocore.AOModule / AOInstance against @permaweb/ao-loader 0.0.49's recorded outputs
(tests/data/aos/expected_aos2_0_6.json: exact inputs, raw module results and memory sha256 per
step of the shared scenario)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import aocore
from aocore import aos

EXPECTED = json.loads((Path(__file__).parent / "data" / "aos" / "expected_aos2_0_6.json").read_text())


@pytest.fixture(scope="session")
def aos2_0_6() -> aocore.AOModule:
    return aocore.AOModule.from_id(aos.AOS_2_0_6)


def eval_msg(n: int, code: str) -> dict:
    msg = json.loads(EXPECTED["steps"][1]["msg"])
    msg.update(Id=f"EVAL{n}".ljust(43, "_"), Data=code, Nonce=100 + n)
    return msg


def check_step(inst: aocore.AOInstance, i: int) -> dict:
    step = EXPECTED["steps"][i]
    result = inst.handle(step["msg"], EXPECTED["env"])
    raw = json.loads(step["raw"])
    response = raw["response"]
    for key in ("Output", "Messages", "Spawns", "Assignments", "Error"):
        assert result.get(key) == response.get(key), (i, key)
    mem = inst.memory()
    assert len(mem) == step["memoryBytes"]
    assert hashlib.sha256(mem).hexdigest() == step["memorySha256"], f"memory differs after step {i}"
    return result


def test_known_modules_carry_mainnet_ids_and_tags():
    known = aos.known_modules()
    assert known[aos.AOS_2_0_6]["name"] == "aos2_0_6"
    tags = {t["name"]: t["value"] for t in known[aos.AOS_2_0_6]["tags"]}
    assert tags["Module-Format"] == aos.FORMAT_WASM64
    assert tags["Type"] == "Module"
    assert known["WASM32-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g"]["format"] == aos.FORMAT_WASM32


def test_shared_scenario_results_and_memory_match_ao_loader(aos2_0_6):
    inst = aos2_0_6.instance()
    results = [check_step(inst, i) for i in range(len(EXPECTED["steps"]))]
    assert results[1]["Output"]["data"] == "2"
    assert results[3]["Messages"][0]["Data"] == "pong"
    assert "boom" in results[6]["Error"]
    assert results[1]["GasUsed"] == 0 and results[1]["Patches"] == []


def test_dict_inputs_are_serialised_as_json_stringify_does(aos2_0_6):
    # The same step 0 and 1 as dicts: JSON.stringify's text, hence the same memory bytes.
    inst = aos2_0_6.instance()
    env = json.loads(EXPECTED["env"])
    for i in (0, 1):
        msg = json.loads(EXPECTED["steps"][i]["msg"])
        assert aos.js_stringify(msg) == EXPECTED["steps"][i]["msg"]
        inst.handle(msg, env)
        assert hashlib.sha256(inst.memory()).hexdigest() == EXPECTED["steps"][i]["memorySha256"]


def test_js_stringify_number_and_string_forms():
    assert aos.js_stringify({"a": 1.0, "b": 1e21, "c": 1e-7, "d": 0.5, "e": float("nan")}) == \
        '{"a":1,"b":1e+21,"c":1e-7,"d":0.5,"e":null}'
    assert aos.js_stringify(["é\u001b\n", None, True]) == '["é\\u001b\\n",null,true]'
    with pytest.raises(aocore.InvalidMessageError):
        aos.js_stringify({"x": object()})


def test_restore_from_memory_dumped_midway(aos2_0_6):
    first = aos2_0_6.instance()
    for i in range(4):
        check_step(first, i)
    restored = aos2_0_6.instance(memory=first.memory(), clock=first.clock)
    for i in range(4, len(EXPECTED["steps"])):
        check_step(restored, i)


def test_wasm32_module_runs():
    m = aocore.AOModule.from_id("aos2_0_4_32")
    assert m.format == aos.FORMAT_WASM32
    inst = m.instance()
    inst.handle(EXPECTED["steps"][0]["msg"], EXPECTED["env"])
    result = inst.handle(EXPECTED["steps"][1]["msg"], EXPECTED["env"])
    assert result["Output"]["data"] == "2"
    assert inst.memory_size == 109969408


def test_unsupported_formats_and_imports_are_clear_errors(aos2_0_6):
    wasm = aos.module_path("aos2_0_6").read_bytes()
    with pytest.raises(aocore.InvalidMessageError, match="metering"):
        aocore.AOModule(wasm, "wasm64-unknown-emscripten-draft_2024_10_16-metering")
    with pytest.raises(aocore.InvalidMessageError, match="unknown module format"):
        aocore.AOModule(wasm, "wasm32-unknown-emscripten2")
    with pytest.raises(aocore.InvalidMessageError, match="unsupported import env.__syscall_faccessat"):
        aocore.AOModule.from_id("sqlite")
    with pytest.raises(aocore.InvalidMessageError, match="invalid WebAssembly"):
        aocore.AOModule(b"\0asm garbage")
    with pytest.raises(aocore.InvalidMessageError, match="message must be"):
        aos2_0_6.instance().handle(42, "{}")


def test_runaway_eval_ends_at_the_compute_limit_and_the_instance_goes_on(aos2_0_6):
    inst = aos2_0_6.instance(compute_limit=300)
    check_step(inst, 0)
    inst.checkpoint()
    result = inst.handle(eval_msg(1, "while true do end"), EXPECTED["env"])
    assert result["Error"].startswith("compute_limit: compute limit exceeded")
    check_step(inst, 1)  # back at the checkpoint, then exactly ao-loader's step 1


def _runaway_error(module: aocore.AOModule, queue) -> None:
    inst = module.instance(compute_limit=200)
    check_step(inst, 0)
    queue.put(inst.handle(eval_msg(1, "while true do end"), EXPECTED["env"]).get("Error", ""))


def test_a_forked_child_stops_a_runaway_eval_too(aos2_0_6):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    _runaway_error(aos2_0_6, queue)  # the parent's epoch ticker runs now; a child has none
    assert queue.get(timeout=60).startswith("compute_limit:")
    child = ctx.Process(target=_runaway_error, args=(aos2_0_6, queue))
    child.start()
    try:
        assert queue.get(timeout=60).startswith("compute_limit:")
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()


def test_memory_limit_is_enforced(aos2_0_6):
    limit = 160 << 20
    inst = aos2_0_6.instance(memory_limit=limit)
    check_step(inst, 0)
    result = inst.handle(eval_msg(2, "local s = string.rep('x', 100 * 1024 * 1024) return #s"), EXPECTED["env"])
    assert "not enough memory" in result["Error"]
    assert inst.memory_size <= limit
    assert inst.handle(eval_msg(3, "return 1+1"), EXPECTED["env"])["Output"]["data"] == "2"
    with pytest.raises(aocore.InvalidMessageError, match="exceeds the module's maximum"):
        aos2_0_6.instance(memory=bytes(aos2_0_6.max_memory + 65536))


def test_weavedrive_data_read_is_a_clear_error(aos2_0_6):
    inst = aos2_0_6.instance()
    check_step(inst, 0)
    result = inst.handle(eval_msg(4, f"return tostring(io.open('/data/{'A' * 43}'))"), EXPECTED["env"])
    assert "WeaveDrive" in result["Error"] and "unsupported" in result["Error"]
    check_step(inst, 0)  # no checkpoint taken: back to the fresh boot, which replays step 0 exactly


def test_a_second_process_loads_the_compiled_module_from_the_disk_cache(tmp_path):
    # Two fresh interpreters sharing one cache folder: the first compiles and serialises, the
    # second deserialises and compiles nothing.
    script = ("import json, sys, aocore\n"
              "aocore.AOModule(open(sys.argv[1], 'rb').read(), aocore.aos.FORMAT_WASM32)\n"
              "print(json.dumps(aocore._core._wasm_compile_stats()))\n")
    env = {**os.environ, "AOCORE_CACHE_DIR": str(tmp_path)}
    wasm = str(aos.module_path("aos2_0_4_32"))
    runs = [json.loads(subprocess.run([sys.executable, "-c", script, wasm], env=env, check=True,
                                      capture_output=True, text=True).stdout) for _ in range(2)]
    assert runs[0] == {"compiled": 1, "loaded_from_disk": 0, "from_memory": 0}
    assert runs[1] == {"compiled": 0, "loaded_from_disk": 1, "from_memory": 0}
    assert len(list((tmp_path / "compiled").glob("*.cwasm"))) == 1
