"""Hostile input (issue 18): re-entrant devices and deep paths give typed errors instead of
crashing the interpreter, a message cannot squat another message's ID, verify checks every
commitment, and the HTTP server bounds bodies and slow clients. A crash reproduction runs in a
subprocess, so a regression fails its test instead of killing the run."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request

import pytest

import aocore
from aocore import _core
from conftest import shared_wallet, wait_for


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


# --- 1. re-entrant devices ------------------------------------------------------------------------

def test_reentrant_device_hits_the_depth_limit_with_a_typed_error_and_the_node_keeps_working():
    proc = run_python("""
        import aocore
        n = aocore.Node()
        R = type('R', (), {'r': lambda s, b, q: n.resolve({'device': 'r@1.0'}, 'r')})
        n.register_device('r@1.0', R())
        try:
            n.resolve({'device': 'r@1.0'}, 'r')
        except aocore.Error as e:
            assert 'max_resolve_depth' in str(e), e
            print('typed-error')
        assert n.resolve({'a': 1}, 'a') == 1
        print('still-working')
    """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "typed-error" in proc.stdout and "still-working" in proc.stdout


def test_max_resolve_depth_is_a_node_option():
    with aocore.Node(max_resolve_depth=3) as node:
        depth = []

        class Down:
            def r(self, base, req):
                depth.append(len(depth))
                return node.resolve({"device": "down@1.0"}, "r")

        node.register_device("down@1.0", Down())
        with pytest.raises(aocore.Error):
            node.resolve({"device": "down@1.0"}, "r")
        assert len(depth) == 3  # three nested calls ran, the fourth was refused
    with pytest.raises(aocore.InvalidMessageError):
        aocore.Node(max_resolve_depth=0)


# --- 2. deep paths --------------------------------------------------------------------------------

def test_a_ten_thousand_segment_path_is_a_typed_error_not_a_segfault():
    proc = run_python("""
        import aocore
        n = aocore.Node()
        for call in (lambda p: n.set({'a': 1}, p, 1), lambda p: n.get({'a': 1}, p),
                     lambda p: n.resolve({'a': 1}, p), lambda p: n.resolve_path('/' + p)):
            try:
                call('/'.join(['k'] * 10000))
            except aocore.Error:
                pass
        print('alive')
    """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "alive" in proc.stdout


def test_set_refuses_to_build_a_message_deeper_than_any_input_may_be():
    with aocore.Node() as node:
        with pytest.raises(aocore.InvalidMessageError, match="deeper than 256"):
            node.set({"a": 1}, "/".join(["k"] * 300), 1)
        nested: dict = {}
        for _ in range(120):  # a value 121 levels deep, set 150 levels down: 271 in all
            nested = {"n": nested}
        with pytest.raises(aocore.InvalidMessageError, match="deeper than 256"):
            node.set({"a": 1}, "/".join(["k"] * 150), nested)
        shallow = node.set({"a": 1}, "/".join(["k"] * 100), 1)
        assert node.get(shallow, "/".join(["k"] * 100)) == 1


# --- 3. content-ID squatting ----------------------------------------------------------------------

def legit_and_squatter(node):
    legit = {"type": "Message", "data": "legitimate"}
    legit_id = aocore.id(legit)
    squatter = {"data": "attacker", "commitments": {
        legit_id: {"commitment-device": "httpsig@1.0", "alg": "hmac-sha256", "signature": "x",
                   "signature-input": "x"}}}
    return legit, legit_id, squatter


def test_a_fake_commitment_cannot_squat_another_messages_id():
    with aocore.Node() as node:
        legit, legit_id, squatter = legit_and_squatter(node)
        squatter_id = node.write(squatter)
        assert squatter_id != legit_id
        assert node.write(legit) == legit_id
        assert node.read(legit_id)["data"] == "legitimate"


def test_a_copied_signature_cannot_squat_the_signed_messages_id():
    with aocore.Node() as node:
        signed = aocore.commit({"type": "Message", "data": "legitimate"}, shared_wallet())
        signed_id = aocore.id(signed, "uncommitted")
        forged = dict(signed, data="attacker")
        assert aocore.id(forged, "uncommitted") == signed_id  # the premise: it claims the same ID
        node.write(forged)
        assert node.write(signed) == signed_id
        assert node.read(signed_id)["data"] == "legitimate"


def test_squatting_over_http_fails_too():
    with aocore.Node() as node, node.serve(port=0) as server:
        legit, legit_id, squatter = legit_and_squatter(node)
        # The squatter is stored (nested in a spawned process's definition, so no 422 stops it).
        req = urllib.request.Request(server.url + "/~process@1.0/spawn",
                                     data=_core.json_encode({"x": squatter}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(req, timeout=30).read()
        node.write(legit)
        with urllib.request.urlopen(server.url + "/" + legit_id, timeout=30) as res:
            assert _core.json_decode(res.read().decode())["data"] == "legitimate"


# --- 4. verify ------------------------------------------------------------------------------------

def test_verify_is_false_for_bogus_commitments():
    message = {"a": "1"}
    fake_hmac = dict(message, commitments={"A" * 43: {"commitment-device": "httpsig@1.0", "alg": "hmac-sha256"}})
    no_committer = dict(message, commitments={"B" * 43: {
        "commitment-device": "httpsig@1.0", "alg": "rsa-pss-sha512", "signature": "sig=:AAAA:",
        "signature-input": 'sig=("a");alg="rsa-pss-sha512";keyid="AAAA"'}})
    no_alg = dict(message, commitments={"C" * 43: {"x": "y"}})
    for bogus in (fake_hmac, no_committer, no_alg):
        assert aocore.verify(bogus) is False, bogus
    with aocore.Node() as node:
        for bogus in (fake_hmac, no_committer, no_alg):
            assert node.resolve(bogus, "verify") is False
    # Genuine commitments still verify: the HMAC one alone, and a signature.
    signed = aocore.commit({"a": "1"}, shared_wallet())
    assert aocore.verify(signed) is True
    hmac_only = dict(signed, commitments={k: v for k, v in signed["commitments"].items()
                                          if v.get("alg") == "hmac-sha256"})
    assert aocore.verify(hmac_only) is True
    assert aocore.verify({"a": "1"}) is True


# --- 5. chunked bodies ----------------------------------------------------------------------------

def test_a_chunked_body_over_the_limit_is_refused_before_the_rest_is_read():
    limit = 64 << 10
    with aocore.Node() as node, node.serve(port=0, max_body_bytes=limit) as server:
        pid = node.spawn().id
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
            s.sendall(f"POST /{pid}/schedule HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n".encode())
            chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
            sent = 0
            reply = b""
            # Offer up to 100 MB, whole chunks at a time, reading whatever the server answers
            # between chunks; it must answer (and stop reading) long before the end.
            while sent < 100 << 20 and b"\r\n\r\n" not in reply:
                readable, _, _ = select.select([s], [], [], 0)
                if readable:
                    more = s.recv(65536)
                    if not more:
                        break
                    reply += more
                    continue
                try:
                    s.sendall(chunk)
                    sent += len(chunk)
                except OSError:  # the server closed after answering
                    break
            s.settimeout(10)
            try:
                while b"\r\n\r\n" not in reply:
                    more = s.recv(65536)
                    if not more:
                        break
                    reply += more
            except OSError:
                pass
        assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
        assert sent < 32 << 20, sent  # refused early: not the whole 100 MB
        assert node.process(pid).slot() == 0  # nothing was scheduled


# --- 6. slow clients ------------------------------------------------------------------------------

def test_many_slow_clients_do_not_starve_normal_requests():
    slow_count = 80
    with aocore.Node() as node, node.serve(port=0, threads=4, read_timeout_ms=60_000,
                                          keep_alive_timeout_ms=60_000) as server:
        stop = threading.Event()
        slow: list[socket.socket] = []
        for _ in range(slow_count):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"GET /~meta@1.0/info HTTP/1.1\r\n")
            slow.append(s)
        # Plus idle kept-alive connections that finished one request.
        idle = []
        for _ in range(8):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"GET /~meta@1.0/info HTTP/1.1\r\nHost: x\r\n\r\n")
            wait_for(lambda s=s: s.recv(65536))
            idle.append(s)

        def dribble():
            while not stop.is_set():
                for s in slow:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                stop.wait(0.5)

        t = threading.Thread(target=dribble, daemon=True)
        t.start()
        try:
            answered = 0
            deadline = time.monotonic() + 30
            while answered < 10 and time.monotonic() < deadline:
                with urllib.request.urlopen(server.url + "/~meta@1.0/info", timeout=10) as res:
                    assert res.status == 200
                    answered += 1
            assert answered == 10
        finally:
            stop.set()
            t.join()
            for s in slow + idle:
                s.close()


def test_a_request_that_does_not_arrive_whole_in_time_gets_408():
    with aocore.Node() as node, node.serve(port=0, read_timeout_ms=300) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"GET /~meta@1.0/info HTTP/1.1\r\n")
            # Dribbling keeps each read short but the whole request is late.
            reply = b""
            deadline = time.monotonic() + 10
            s.settimeout(0.05)
            while not reply and time.monotonic() < deadline:
                try:
                    s.sendall(b"X-A: 1\r\n")
                except OSError:
                    pass
                try:
                    reply = s.recv(4096)
                except socket.timeout:
                    pass
            assert reply.startswith(b"HTTP/1.1 408"), reply


# --- also: documented behaviour -------------------------------------------------------------------

def test_call_returns_status_and_value_for_every_status():
    with aocore.Node() as node:
        assert node.call({"a": 1}, "a") == ("ok", 1)
        status, value = node.call({"a": 1}, "missing")
        assert status != "ok"
        # A C++ device failure under the default error_strategy "throw": an error Status in the
        # core, returned as the ("error", ...) result rather than raised.
        status, value = node.call({"device": "no-such-device@1.0"}, "x")
        assert status == "error" and value["error"] == "InvalidArgument" and "no-such-device" in value["message"]
        status, value = node.call_many([{"device": "no-such-device@1.0"}, "x"])
        assert status == "error"
        with pytest.raises(aocore.Error):
            node.resolve({"device": "no-such-device@1.0"}, "x")
    with pytest.raises(aocore.ClosedError):
        node.call({"a": 1}, "a")


def test_n_scoped_segments_and_other_methods_over_http():
    import http.client
    with aocore.Node() as node, node.serve(port=0) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", "/~meta@1.0/2.key")
        res = conn.getresponse()
        assert res.status == 400 and b"N-scoped" in res.read()
        for method in ("HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"):
            conn.request(method, "/~meta@1.0/info")
            res = conn.getresponse()
            res.read()
            assert res.status == 405, method
        conn.close()
