"""The node over HTTP (issue 9): node.serve, `aocore serve`, the paths, the JSON encoding, the
status codes and the limits, with real HTTP clients (urllib, http.client, raw sockets, curl)."""

from __future__ import annotations

import http.client
import json
import math
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

import aocore
from aocore import _core



def request(url: str, path: str, body: Any = None, *, method: str | None = None,
            headers: dict[str, str] | None = None, raw: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request; returns (status, headers, body) for every status."""
    data = raw
    hdrs = dict(headers or {})
    if body is not None:
        data = _core.json_encode(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url + path, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url: str, path: str, **kw: Any) -> tuple[int, Any]:
    status, _, body = request(url, path, **kw)
    return status, _core.json_decode(body.decode())


@pytest.fixture(scope="module")
def served():
    node = aocore.Node()
    server = node.serve(port=0)
    yield node, server
    server.stop()
    node.close()


@pytest.fixture
def process(served):
    node, server = served
    return node.spawn()


# --- the server handle ---------------------------------------------------------------------------

def test_serve_binds_loopback_on_a_chosen_port_and_stops(tmp_path):
    with aocore.Node(tmp_path / "n") as node:
        with node.serve(port=0) as server:
            assert server.running
            assert server.host == "127.0.0.1"
            assert server.port > 0
            assert server.url == f"http://127.0.0.1:{server.port}"
            status, info = get_json(server.url, "/~meta@1.0/info")
            assert status == 200
        assert not server.running
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(server.url + "/~meta@1.0/info", timeout=5)
        server.stop()  # idempotent


def test_a_port_in_use_is_an_error_and_closing_the_node_stops_its_servers():
    node = aocore.Node()
    server = node.serve(port=0)
    with pytest.raises(aocore.Error):
        node.serve(port=server.port)
    node.close()
    assert not server.running


def test_unknown_server_option_raises():
    with aocore.Node() as node, pytest.raises(aocore.Error):
        node.serve(port=0, frobnicate=1)


# --- paths ---------------------------------------------------------------------------------------

def test_meta_info_describes_the_node(served):
    node, server = served
    status, info = get_json(server.url, "/~meta@1.0/info")
    assert status == 200
    assert info["address"] == node.address
    assert info["version"] == aocore.__version__
    assert "process@1.0" in info["devices"] and "scheduler@1.0" in info["devices"]


def test_spawn_over_http_then_read_the_process_by_id(served):
    node, server = served
    definition = aocore.commit({"device": "process@1.0", "type": "Process", "scheduler": node.address,
                                "execution-device": "test-device@1.0", "nonce": "spawn-http"}, node.wallet)
    status, assignment = get_json(server.url, "/~scheduler@1.0/schedule", body={"body": definition})
    assert status == 200, assignment
    pid = assignment["process"]
    assert pid == aocore.id(definition, mode="all")
    assert assignment["slot"] == 0
    status, stored = get_json(server.url, f"/{pid}")
    assert status == 200
    assert stored == definition
    status, slot = get_json(server.url, f"/{pid}/slot")
    assert (status, slot["current"]) == (200, 0)


def test_spawn_alias_schedules_a_definition_at_slot_zero(served):
    node, server = served
    definition = {"device": "process@1.0", "execution-device": "test-device@1.0", "nonce": "alias"}
    status, assignment = get_json(server.url, "/~process@1.0/spawn", body=definition)
    assert status == 200, assignment
    assert assignment["slot"] == 0
    pid = assignment["process"]
    # Unsigned: completed (type, scheduler) and signed by the node, as node.spawn() does.
    status, stored = get_json(server.url, f"/{pid}")
    assert status == 200
    assert (stored["type"], stored["scheduler"], stored["nonce"]) == ("Process", node.address, "alias")
    assert {c["committer"] for c in stored["commitments"].values() if "committer" in c} == {node.address}
    status, state = get_json(server.url, f"/{pid}/compute/0")
    assert (status, state["at-slot"]) == (200, 0)
    # Each unsigned spawn is a new process; a signed definition keeps its ID (also as `body`).
    status, again = get_json(server.url, "/~process@1.0/spawn", body=definition)
    assert (status, again["slot"]) == (200, 0) and again["process"] != pid
    full = {"device": "process@1.0", "type": "Process", "scheduler": node.address,
            "execution-device": "test-device@1.0"}
    signed = aocore.commit(dict(full, nonce="alias-signed"), node.wallet)
    status, a = get_json(server.url, "/~process@1.0/spawn", body={"body": signed})
    assert (status, a["slot"], a["process"]) == (200, 0, aocore.id(signed, mode="all"))
    # The same over the existing spawn path gives the same kind of answer.
    status, via_scheduler = get_json(server.url, "/~scheduler@1.0/schedule",
                                     body={"body": aocore.commit(dict(full, nonce="n2"), node.wallet)})
    assert status == 200 and set(via_scheduler) == set(a)
    # Only POST spawns.
    status, error = get_json(server.url, "/~process@1.0/spawn?nonce=x")
    assert status == 405, error


def test_schedule_slot_and_schedule_ranges(served, process):
    _, server = served
    for i in range(3):
        status, a = get_json(server.url, f"/{process.id}/schedule", body={"body": {"type": "Message", "n": i}})
        assert status == 200, a
        assert a["slot"] == i + 1 and a["process"] == process.id
        assert a["body"]["n"] == i
    status, slot = get_json(server.url, f"/{process.id}/slot")
    assert slot["current"] == 3
    status, page = get_json(server.url, f"/{process.id}/schedule?from=1&to=2")
    assert status == 200
    assert sorted(page["assignments"]) == ["1", "2"]
    assert page["assignments"]["2"]["body"]["n"] == 1
    # The same over the scheduler device with a target.
    status, page = get_json(server.url, f"/~scheduler@1.0/schedule?target={process.id}&from=0")
    assert sorted(page["assignments"]) == ["0", "1", "2", "3"]


def test_schedule_as_aos2_by_accept_header_and_by_query(served, process):
    _, server = served
    process.schedule(action="hello")
    for kw in ({"headers": {"Accept": "application/aos-2"}}, {}):
        path = f"/{process.id}/schedule?from=0" + ("" if kw else "&accept=application/aos-2")
        status, _, body = request(server.url, path, **kw)
        assert status == 200
        doc = json.loads(body)
        assert doc["page_info"]["process"] == process.id
        assert [e["cursor"] for e in doc["edges"]] == [0, 1]


def test_posting_the_signed_message_fields_directly_schedules_that_message(served, process):
    node, server = served
    msg = aocore.commit({"type": "Message", "target": process.id, "data": "direct"}, node.wallet)
    status, a = get_json(server.url, f"/{process.id}/schedule", body=msg)
    assert status == 200, a
    assert aocore.id(a["body"], mode="all") == aocore.id(msg, mode="all")


def test_compute_by_path_segment_and_by_query_and_now(served, process):
    _, server = served
    process.schedule(v="1")
    process.schedule(v="2")
    status, by_segment = get_json(server.url, f"/{process.id}/compute/1")
    assert status == 200, by_segment
    status, by_query = get_json(server.url, f"/{process.id}/compute?slot=1")
    assert status == 200
    assert by_segment == by_query
    assert by_segment["at-slot"] == 1
    direct = process.compute(1)
    direct.pop("priv", None)  # private keys never leave the node over HTTP
    assert by_segment == direct
    status, now = get_json(server.url, f"/{process.id}/now")
    assert status == 200
    assert now["at-slot"] == 2
    status, at_slot = get_json(server.url, f"/{process.id}/now/at-slot")
    assert (status, at_slot) == (200, 2)


def test_resolve_path_from_python_matches_http(served, process):
    node, server = served
    process.schedule(v="x")
    assert node.resolve_path(f"/{process.id}/slot")["current"] == 1
    assert node.resolve_path(f"/{process.id}/compute", slot=1)["at-slot"] == 1
    direct = node.resolve_path(f"/{process.id}/compute/1")
    direct.pop("priv", None)
    assert direct == get_json(server.url, f"/{process.id}/compute/1")[1]
    assert node.resolve_path("/~meta@1.0/info")["address"] == node.address
    with pytest.raises(aocore.NotFoundError):
        node.resolve_path("/" + "A" * 43)


# --- encoding ------------------------------------------------------------------------------------

VALUES = {
    "int": -(2**62),
    "float": 1.5,
    "whole-float": 3.0,
    "text": "héllo wörld",
    "bytes": b"\x00\xff\xfe not utf-8",
    "atoms": [True, False, None],
    "list": [1, "two", [3.0, b"\xff"]],
    "messages": [{"four": 4}, {"five": [5]}],
    "nested": {"deeper": {"x": b"\x80"}},
    "empty": {},
}


def test_stored_messages_round_trip_every_value_type(served):
    node, server = served
    mid = node.write(VALUES)
    status, headers, body = request(server.url, f"/{mid}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    back = _core.json_decode(body.decode())
    assert back == VALUES
    assert isinstance(back["whole-float"], float)
    assert json.loads(body)["bytes"] == {"@binary": "AP_-IG5vdCB1dGYtOA"}


def test_json_codec_tags():
    assert _core.json_encode({"b": b"\xff"}) == '{"b":{"@binary":"_w"}}'
    assert _core.json_encode({"@k": 1}) == '{"@message":{"@k":1}}'
    assert _core.json_encode(float("inf")) == '{"@float":"inf"}'
    assert math.isnan(_core.json_decode('{"@float":"nan"}'))
    with pytest.raises(aocore.Error):
        _core.json_decode('{"@nope": 1}')


# --- status codes --------------------------------------------------------------------------------

def test_error_statuses_have_json_bodies(served, process):
    node, server = served
    status, err = get_json(server.url, "/" + "A" * 43)
    assert status == 404 and err["error"] == "not_found" and err["status"] == 404
    status, err = get_json(server.url, f"/{process.id}/no-such-key")
    assert status == 404
    status, err = get_json(server.url, "/a/(b/c)")
    assert status == 400 and err["error"] == "bad_request"
    status, err = get_json(server.url, f"/{process.id}/schedule?from=x")
    assert status == 400
    status, _, body = request(server.url, f"/{process.id}/schedule", raw=b"{not json",
                              headers={"Content-Type": "application/json"})
    assert status == 400 and b"JSON" in body
    status, _, body = request(server.url, "/~meta@1.0/info", method="PUT", raw=b"x")
    assert status == 405 and json.loads(body)["error"] == "method_not_allowed"


def test_invalid_signature_is_422_and_nothing_is_scheduled(served, process):
    node, server = served
    signed = aocore.commit({"type": "Message", "target": process.id, "data": "original"}, node.wallet)
    forged = dict(signed, data="forged")
    before = process.slot()
    status, err = get_json(server.url, f"/{process.id}/schedule", body={"body": forged})
    assert status == 422 and err["error"] == "invalid_signature"
    status, err = get_json(server.url, f"/{process.id}/schedule", body=forged)
    assert status == 422
    assert process.slot() == before


def test_scheduler_redirect_hint_is_a_307_with_location(served):
    _, server = served
    pid = "B" * 43
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)  # does not follow
    conn.request("GET", f"/~scheduler@1.0/slot?target={pid}%3Fhint%3Dhttp%3A%2F%2Fpeer%3A1")
    res = conn.getresponse()
    res.read()
    conn.close()
    assert res.status == 307
    assert res.getheader("Location").startswith("http://peer:1")


# --- limits --------------------------------------------------------------------------------------

def test_oversized_malformed_slow_and_unknown_requests_leave_the_node_serving():
    with aocore.Node() as node, node.serve(port=0, max_body_bytes=4096, read_timeout_ms=500) as server:
        # Oversized body.
        status, _, body = request(server.url, "/~meta@1.0/info", raw=b"x" * 100_000,
                                  headers={"Content-Type": "text/plain"})
        assert status == 413
        # A malformed request line, over a raw socket.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"NONSENSE\r\n\r\n")
            reply = s.recv(4096)
            assert reply.startswith(b"HTTP/1.1 400")
        # Deeply nested JSON is refused, not a crash.
        status, _, _ = request(server.url, "/~meta@1.0/info", raw=b"[" * 3000,
                               headers={"Content-Type": "application/json"})
        assert status == 400
        # Slow clients: connections that send half a request and stall.
        stalled = []
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"GET /~meta@1.0/info HTTP/1.1\r\nHost: x\r\n")
            stalled.append(s)
        try:
            for _ in range(5):
                status, info = get_json(server.url, "/~meta@1.0/info")
                assert status == 200 and info["address"] == node.address
            # The stalled ones are cut off by the read timeout.
            for s in stalled:
                s.settimeout(10)
                reply = s.recv(4096)
                assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), reply
        finally:
            for s in stalled:
                s.close()
        status, _ = get_json(server.url, "/~meta@1.0/info")
        assert status == 200


def test_sixteen_concurrent_clients_get_unique_contiguous_slots(served, process):
    _, server = served
    per_client = 5
    slots: list[int] = []
    errors: list[Any] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            for i in range(per_client):
                body = _core.json_encode({"body": {"type": "Message", "client": c, "i": i}})
                conn.request("POST", f"/{process.id}/schedule", body=body,
                             headers={"Content-Type": "application/json"})
                res = conn.getresponse()
                data = res.read()
                if res.status != 200:
                    with lock:
                        errors.append((res.status, data))
                    continue
                with lock:
                    slots.append(_core.json_decode(data.decode())["slot"])
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(slots) == list(range(1, 16 * per_client + 1))
    chain = process.assignments()
    assert [a["slot"] for a in chain] == list(range(0, 16 * per_client + 1))


# --- curl and the command line -------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_smoke(served, process):
    node, server = served
    out = subprocess.run(["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json",
                          "-d", json.dumps({"body": {"type": "Message", "via": "curl"}}),
                          f"{server.url}/{process.id}/schedule"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout)["slot"] == 1
    out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", f"{server.url}/{process.id}/slot"],
                         capture_output=True, text=True, timeout=60, check=True)
    body, code = out.stdout.rsplit("\n", 1)
    assert code == "200" and json.loads(body)["current"] == 1


def test_cli_serve_runs_until_sigterm_and_keeps_its_store(tmp_path):
    store = tmp_path / "served"
    with open(tmp_path / "stderr.txt", "w+") as err, subprocess.Popen(
            [sys.executable, "-m", "aocore", "serve", "--store", str(store), "--port", "0"],
            stdout=subprocess.PIPE, stderr=err, text=True) as proc:
        try:
            line = proc.stdout.readline()
            assert "serving node" in line, (line, (tmp_path / "stderr.txt").read_text())
            url = line.split(" on ")[1].split(" ")[0]
            status, info = get_json(url, "/~meta@1.0/info")
            assert status == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
            assert "stopping" in proc.stdout.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with aocore.Node(store) as node:  # same wallet: the store was closed cleanly
        assert node.address == info["address"]
