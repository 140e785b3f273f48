"""Several nodes (issue 9 point 5): a process whose `scheduler` is another node is scheduled
there and computed here from the peer's verified assignments. Two (or more) real nodes served
on loopback, talked to with urllib / http.client; a tiny http.server plays a malicious or
silent peer."""

from __future__ import annotations

import http.client
import http.server
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable

import pytest

import aocore
from aocore import _core


def request(url: str, path: str, body: Any = None, *, method: str | None = None,
            timeout: float = 30) -> tuple[int, dict[str, str], Any]:
    """One HTTP request; returns (status, headers, decoded JSON body) for every status."""
    data = None
    headers = {}
    if body is not None:
        data = _core.json_encode(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, dict(res.headers), _core.json_decode(res.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), _core.json_decode(e.read().decode())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def node_a():
    """The scheduler node."""
    node = aocore.Node()
    server = node.serve(port=0)
    yield node, server
    node.close()


@pytest.fixture(scope="module")
def node_b(node_a):
    """A node that knows node A as a peer (forward mode, the default)."""
    a, a_server = node_a
    node = aocore.Node(peers={a.address: a_server.url})
    server = node.serve(port=0)
    yield node, server
    node.close()


@pytest.fixture
def process(node_a):
    a, _ = node_a
    return a.spawn()


def assert_signed_by(assignment: dict[str, Any], address: str) -> None:
    committers = {c.get("committer") for c in assignment["commitments"].values()}
    assert address in committers


# --- options -------------------------------------------------------------------------------------

@pytest.mark.parametrize("peers", [
    {"not-an-address": "http://127.0.0.1:1"},
    {"A" * 43: "https://127.0.0.1:1"},
    {"A" * 43: "http://127.0.0.1"},
    {"A" * 43: "http://127.0.0.1:1/path"},
    {"A" * 43: 5},
    "http://127.0.0.1:1",
])
def test_malformed_peers_are_rejected(peers):
    with pytest.raises(aocore.InvalidMessageError, match="peers"):
        aocore.Node(peers=peers)


def test_scheduler_follow_redirects_must_be_a_bool():
    with pytest.raises(aocore.InvalidMessageError, match="scheduler_follow_redirects"):
        aocore.Node(scheduler_follow_redirects="yes")


def test_cli_serve_rejects_a_malformed_peer(tmp_path):
    for peer in ("no-equals-sign", f"{'A' * 43}=https://127.0.0.1:1"):
        res = subprocess.run([sys.executable, "-m", "aocore", "serve", "--store", str(tmp_path / "n"), "--port", "0",
                              "--peer", peer], capture_output=True, text=True, timeout=60)
        assert res.returncode != 0
        assert "peer" in (res.stderr + res.stdout).lower()


# --- scheduling on the peer ----------------------------------------------------------------------

def test_forwarded_schedule_requests_get_contiguous_slots_from_the_peer(node_a, node_b, process):
    a, a_server = node_a
    b, b_server = node_b
    slots = []
    for i in range(3):
        status, _, assignment = request(b_server.url, f"/{process.id}/schedule",
                                        body={"body": {"type": "Message", "n": i}})
        assert status == 200, assignment
        assert assignment["process"] == process.id
        assert_signed_by(assignment, a.address)  # assigned by A, not by B
        slots.append(assignment["slot"])
    # Through Python on B as well: node B resolves the process from A and forwards.
    remote = b.process(process.id)
    slots.append(remote.schedule(n=3)["slot"])
    assert slots == [1, 2, 3, 4]
    assert process.slot() == 4  # on A
    status, _, slot = request(b_server.url, f"/{process.id}/slot")  # forwarded too
    assert (status, slot["current"]) == (200, 4)


def test_redirect_mode_answers_307_with_the_peers_location(node_a, process):
    a, a_server = node_a
    with aocore.Node(peers={a.address: a_server.url}, scheduler_follow_redirects=False) as c, \
            c.serve(port=0) as c_server:
        conn = http.client.HTTPConnection("127.0.0.1", c_server.port, timeout=30)  # does not follow
        conn.request("POST", f"/{process.id}/schedule", body=_core.json_encode({"body": {"type": "Message"}}),
                      headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        res.read()
        conn.close()
        assert res.status == 307
        assert res.getheader("Location") == f"{a_server.url}/{process.id}/schedule"
    assert process.slot() == 0  # nothing was scheduled


def test_without_a_known_peer_scheduling_is_a_502_naming_the_peers_option(node_a, process):
    with aocore.Node() as lone, lone.serve(port=0) as server:
        lone.write(process.definition)
        status, _, error = request(server.url, f"/{process.id}/schedule", body={"body": {"type": "Message"}})
        assert status == 502
        assert error["error"] == "bad_gateway"
        assert "peers" in error["message"]


# --- computing from the peer's assignments -------------------------------------------------------

def test_compute_on_b_matches_compute_on_a(node_a, node_b, process):
    a, a_server = node_a
    b, b_server = node_b
    for i in range(4):
        process.schedule(v=str(i))
    for slot in (2, 4):
        status_a, _, on_a = request(a_server.url, f"/{process.id}/compute/{slot}")
        status_b, _, on_b = request(b_server.url, f"/{process.id}/compute/{slot}")
        assert (status_a, status_b) == (200, 200), on_b
        assert on_b == on_a
        assert on_b["at-slot"] == slot
    # More slots on A: B's `now` pulls the rest and catches up.
    process.schedule(v="late")
    status, _, now = request(b_server.url, f"/{process.id}/now")
    assert status == 200, now
    assert now["at-slot"] == 5
    assert now == request(a_server.url, f"/{process.id}/now")[2]
    # B's copy of the schedule is A's, assignment for assignment.
    assert b.process(process.id).assignments() == process.assignments()


class FakePeer:
    """A peer on loopback that proxies to `upstream` and lets a test edit what it answers."""

    def __init__(self, upstream: str | None = None):
        self.upstream = upstream
        self.edit: Callable[[str, Any], Any] | None = None
        self.silent = threading.Event()  # answer nothing (until the client gives up)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _proxy(self, body: bytes | None) -> None:
                if fake.silent.is_set():
                    fake.release.wait(30)
                    return
                req = urllib.request.Request(fake.upstream + self.path, data=body, method=self.command,
                                             headers={"Content-Type": "application/json"} if body else {})
                try:
                    with urllib.request.urlopen(req, timeout=30) as res:
                        status, payload = res.status, res.read()
                except urllib.error.HTTPError as e:
                    status, payload = e.code, e.read()
                if fake.edit is not None and status == 200:
                    payload = _core.json_encode(fake.edit(self.path, _core.json_decode(payload.decode()))).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._proxy(None)

            def do_POST(self) -> None:
                self._proxy(self.rfile.read(int(self.headers.get("Content-Length", 0))))

        self.release = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_tampered_assignment_is_rejected_with_422_and_not_stored(node_a, process):
    a, a_server = node_a
    for i in range(3):
        process.schedule(v=str(i))
    fake = FakePeer(a_server.url)

    def forge(path: str, doc: Any) -> Any:
        if "/schedule" in path and "2" in doc.get("assignments", {}):
            doc["assignments"]["2"]["body"]["v"] = "forged"
        return doc

    fake.edit = forge
    try:
        with aocore.Node(peers={a.address: fake.url}) as d, d.serve(port=0) as d_server:
            status, _, error = request(d_server.url, f"/{process.id}/compute/3")
            assert status == 422, error
            assert error["error"] == "invalid_signature"
            assert "slot 2" in error["message"]
            # The slots before the forged one were verified and kept; computing them works.
            status, _, state = request(d_server.url, f"/{process.id}/compute/1")
            assert status == 200, state
            assert state == request(a_server.url, f"/{process.id}/compute/1")[2]
            # Honest again: D's schedule continues from what it kept (no forged slot 2 in it).
            fake.edit = None
            status, _, state = request(d_server.url, f"/{process.id}/compute/3")
            assert status == 200, state
            assert state == request(a_server.url, f"/{process.id}/compute/3")[2]
    finally:
        fake.close()


def test_an_unreachable_peer_is_503_quickly(node_a, process):
    a, _ = node_a
    dead = f"http://127.0.0.1:{free_port()}"
    with aocore.Node(peers={a.address: dead}, request_timeout=5000) as e, e.serve(port=0) as server:
        e.write(process.definition)
        for method, path, body in (("POST", f"/{process.id}/schedule", {"body": {"type": "Message"}}),
                                   ("GET", f"/{process.id}/compute/0", None),
                                   ("GET", f"/{process.id}/slot", None)):
            start = time.monotonic()
            status, _, error = request(server.url, path, body=body, method=method)
            assert status == 503, (path, error)
            assert error["error"] == "unavailable"
            assert time.monotonic() - start < 4
        # A process this node has never seen cannot be fetched from the dead peer either.
        status, _, error = request(server.url, f"/{'C' * 43}/compute/0")
        assert status in (404, 503), error


def test_a_silent_peer_is_504_after_the_request_timeout(node_a, process):
    a, a_server = node_a
    fake = FakePeer(a_server.url)
    fake.silent.set()
    try:
        with aocore.Node(peers={a.address: fake.url}, request_timeout=800) as e, e.serve(port=0) as server:
            e.write(process.definition)
            start = time.monotonic()
            status, _, error = request(server.url, f"/{process.id}/schedule", body={"body": {"type": "Message"}})
            elapsed = time.monotonic() - start
            assert status == 504, error
            assert error["error"] == "timeout"
            assert 0.5 < elapsed < 10
    finally:
        fake.close()


def test_nodes_that_name_each_other_do_not_forward_in_a_loop():
    """B and C both believe the other schedules address X: every request ends after one hop."""
    x = "X" * 43
    b_port, c_port = free_port(), free_port()
    with aocore.Node(peers={x: f"http://127.0.0.1:{c_port}"}, request_timeout=10000) as b, \
            aocore.Node(peers={x: f"http://127.0.0.1:{b_port}"}, request_timeout=10000) as c, \
            b.serve(port=b_port) as b_server, c.serve(port=c_port):
        definition = {"device": "process@1.0", "type": "Process", "scheduler": x,
                      "execution-device": "test-device@1.0"}
        pid = aocore.id(definition, mode="all")
        b.write(definition)
        c.write(definition)
        start = time.monotonic()
        status, _, error = request(b_server.url, f"/{pid}/schedule", body={"body": {"type": "Message"}})
        assert status == 502, error
        assert "Not passed on" in error["message"]
        status, _, error = request(b_server.url, f"/{pid}/compute/0")
        assert status == 502, error
        status, _, error = request(b_server.url, f"/{'D' * 43}")
        assert status == 404, error
        assert time.monotonic() - start < 5
