"""AOS processes on a node (genesis-wasm@1.0 under process@1.0, docs/aos.md).

The reference is AOModule.instance().handle (itself proved equal to ao-loader in test_aos.py /
test_aos_aoloader.py) given the CU messages built here, independently, from the scheduled items
and assignments, with the CU's rule for a message whose result has an Error: the memory before
it and a new Date.now counter. Slot by slot the results and the memory sha256 must be equal,
also after the node is closed and reopened.
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import resource
import sys

import pytest

import aocore
from aocore import ans104, aos

SCENARIO = [
    "x = 41",
    "return x + 1",
    "error('boom')",
    "x = x + 1; return x",
    "Handlers.add('ping', Handlers.utils.hasMatchingTag('Action', 'Ping'), "
    "function(m) ao.send({Target = m.From, Data = 'pong'}) end)",
    "return os.time()",
    "local keys = {} for k in pairs({alpha=1, beta=2, gamma=3, delta=4}) do keys[#keys+1] = k end "
    "return table.concat(keys, ',')",
    "return #Inbox",
]


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cu_message(assignment: dict) -> dict:
    item = ans104.decode(ans104.from_message(assignment["body"]))
    tags = [{"name": n, "value": v} for n, v in item["tags"]]
    from_process = next((t["value"] for t in tags if t["name"] == "From-Process"), None)
    # The CU's process message targets the process itself (its ID is the assignment's process).
    target = item.get("target") or (item["id"] if item["id"] == assignment["process"] else "")
    data = item["data"]
    return {"Id": item["id"], "Signature": b64url(item["signature"]),
            "Data": data if isinstance(data, str) else data.decode("utf-8", "replace"),
            "Owner": item["owner_address"], "Target": target or "", "Anchor": "",
            "From": from_process or item["owner_address"], "Tags": tags,
            "Epoch": int(assignment.get("epoch", 0)), "Nonce": assignment["slot"],
            "Timestamp": assignment["timestamp"], "Block-Height": assignment["block-height"],
            "Hash-Chain": assignment["hash-chain"], "Cron": False, "Read-Only": False}


class Reference:
    """The CU: one AOInstance, rolled back to the memory before a message whose result has an Error."""

    def __init__(self, process: aocore.Process):
        self.module = aocore.AOModule.from_id(aos.AOS_2_0_6)
        self.inst = self.module.instance()
        item = ans104.decode(ans104.from_message(process.definition))
        self.env = {"Process": {"Id": process.id, "Owner": item["owner_address"],
                                "Tags": [{"name": n, "value": v} for n, v in item["tags"]]},
                    "Module": {"Id": aos.AOS_2_0_6, "Owner": "", "Tags": aos.known_modules()[aos.AOS_2_0_6]["tags"]}}

    def run(self, assignment: dict) -> dict:
        before = self.inst.memory()
        result = self.inst.handle(cu_message(assignment), self.env)
        if "Error" in result:
            self.inst = self.module.instance(memory=before, clock=10004)
        return result

    def sha256(self) -> str:
        return hashlib.sha256(self.inst.memory()).hexdigest()


def device_memory_sha256(node: aocore.Node, process: aocore.Process, slot: int) -> str:
    state = dict(process.compute(slot))
    state["device"] = "genesis-wasm@1.0"
    return node.resolve(state, {"path": "memory"}, hashpath="ignore")["sha256"]


def check_slots(node, process, reference, assignments, start=0):
    for a in assignments:
        expected = reference.run(a)
        if a["slot"] < start:
            continue
        assert process.result(a["slot"]) == expected, f"slot {a['slot']}"
        assert device_memory_sha256(node, process, a["slot"]) == reference.sha256(), f"slot {a['slot']}"


def test_results_and_memory_equal_the_instance_slot_by_slot(aocore_node):
    p = aocore_node.spawn_aos()
    for code in SCENARIO:
        p.message(code, {"Action": "Eval"})
    check_slots(aocore_node, p, Reference(p), p.assignments())
    assert p.result(2)["Output"]["data"] == "42"
    assert "boom" in p.result(3)["Error"]
    assert p.result(4)["Output"]["data"] == "42"  # the failed slot changed nothing


def test_a_reopened_node_resumes_from_its_restore_points(tmp_path, aocore_wallet):
    with aocore.Node(tmp_path / "store", wallet=aocore_wallet) as node:
        p = node.spawn_aos()
        for code in SCENARIO[:4]:
            p.message(code, {"Action": "Eval"})
        assert p.result(4)["Output"]["data"] == "42"
        pid = p.id
    with aocore.Node(tmp_path / "store", wallet=aocore_wallet) as node:
        p = node.process(pid)
        assert isinstance(p, aocore.AOSProcess)
        for code in SCENARIO[4:]:
            p.message(code, {"Action": "Eval"})
        check_slots(node, p, Reference(p), p.assignments(), start=4)


def _kernel_lists_written_pages() -> bool:
    """PAGEMAP_SCAN (Linux 6.7+), which tells the device which memory pages were ever written."""
    release = platform.release().split(".")
    try:
        return (int(release[0]), int(release[1].split("-")[0])) >= (6, 7)
    except (IndexError, ValueError):
        return False


@pytest.mark.skipif(sys.platform != "linux" or not _kernel_lists_written_pages(), reason="needs PAGEMAP_SCAN")
def test_a_memory_image_write_leaves_the_never_written_pages_alone(tmp_path, aocore_wallet):
    # AOS's linear memory is 105 MiB (~27,000 pages), of which a few MiB were ever written.
    # Writing the restore point's image must not read the others: each read faults a page in
    # (~40-150 ms at an instance's first image). The image still restores exactly.
    with aocore.Node(tmp_path / "store", wallet=aocore_wallet, process_cache_frequency=1) as node:
        p = node.spawn_aos()
        for _ in range(64):
            p.message("return 1+1", {"Action": "Eval"})
        p.compute(62)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        p.compute(63)  # slot 63's restore point holds the first memory image (kImageInterval 64)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
        assert faults < 8000, f"{faults} page faults while writing the memory image"
        expected = device_memory_sha256(node, p, 63)
        pid = p.id
    with aocore.Node(tmp_path / "store", wallet=aocore_wallet) as node:
        p = node.process(pid)
        assert device_memory_sha256(node, p, 63) == expected  # rebuilt from the image
        assert p.result(64)["Output"]["data"] == "2"


def test_eval_handler_and_messages_between_processes(aocore_node):
    a = aocore_node.spawn_aos()
    b = aocore_node.spawn_aos()
    assert a.eval("return 1 + 1")["Output"]["data"] == "2"
    b.eval("Handlers.add('ping', Handlers.utils.hasMatchingTag('Action', 'Ping'), "
           "function(m) Pinged = (Pinged or 0) + 1; m.reply({Data = 'pong'}) end)")
    sent = a.eval(f"Send({{Target = '{b.id}', Action = 'Ping', Data = 'hi'}}) return 'ok'")
    assert sent["Messages"][0]["Target"] == b.id
    slot = a.slot()
    tree = a.push(slot)  # push@1.0 delivers the outbox: b handles it, its reply goes back to a
    assert tree["1"]["target"] == b.id
    assert b.eval("return Pinged")["Output"]["data"] == "1"
    assert a.eval("return Inbox[#Inbox].Data")["Output"]["data"] == "pong"


def test_dryrun_leaves_the_state_unchanged(aocore_node):
    p = aocore_node.spawn_aos()
    p.eval("x = 1")
    before = device_memory_sha256(aocore_node, p, p.slot())
    r = p.dryrun("x = 99; return x", {"Action": "Eval"})
    assert r["Output"]["data"] == "99"
    assert "boom" in p.dryrun("error('boom')", {"Action": "Eval"})["Error"]
    assert device_memory_sha256(aocore_node, p, p.slot()) == before
    assert p.eval("return x")["Output"]["data"] == "1"


def test_load_module_gives_an_id_spawn_aos_runs(aocore_node):
    wasm = aos.module_path("aos2_0_6").read_bytes()
    mid = aocore_node.load_module(wasm, {"Name": "my-aos"})
    assert mid != aos.AOS_2_0_6 and len(mid) == 43
    p = aocore_node.spawn_aos(module=mid)
    assert p.eval("return 6 * 7")["Output"]["data"] == "42"
    with pytest.raises(aocore.InvalidMessageError):
        aocore_node.load_module(b"\0asm\1\0\0\0", {"Module-Format": "wasm64-unknown-emscripten-draft_2024_10_16-metering"})


def test_aos_process_fixture(aos_process):
    assert aos_process.eval("return 'hello'")["Output"]["data"] == "hello"


def test_two_hundred_processes_within_the_default_budget(aocore_node):
    processes = [aocore_node.spawn_aos() for _ in range(200)]
    slots = [p.message(f"return {i}", {"Action": "Eval"}) for i, p in enumerate(processes)]
    for i, (p, slot) in enumerate(zip(processes, slots)):
        assert p.result(slot)["Output"]["data"] == str(i)
    stats = aocore_node.resolve({"device": "genesis-wasm@1.0"}, {"path": "stats"})
    assert stats["budget"] == 4 << 30
    assert stats["resident-bytes"] <= stats["budget"]
    assert stats["evictions"] > 0  # 200 instances of ~70-105 MiB do not fit in 4 GiB
    # An evicted process is restored on its next use.
    assert processes[0].eval("return 'back'")["Output"]["data"] == "back"
