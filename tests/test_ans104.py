"""aocore.ans104: the golden ANS-104 vectors (tests/data/ans104_*.json, made by arbundles and by a
HyperBEAM-style salt-32 signer) decode, re-encode byte for byte and verify; items signed here
verify; malformed items raise InvalidMessageError."""

from __future__ import annotations

import base64
import hashlib
import json
import pathlib

import pytest

import aocore
from aocore import ans104

DATA = pathlib.Path(__file__).resolve().parent / "data"
VECTORS = json.loads((DATA / "ans104_vectors.json").read_text())["vectors"]
SALT32 = json.loads((DATA / "ans104_salt32_item.json").read_text())


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def as_bytes(v: str | bytes) -> bytes:
    return v.encode() if isinstance(v, str) else v


@pytest.fixture(scope="module")
def wallet():
    return aocore.Wallet.generate()


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_decodes_to_its_fields(vector):
    raw = b64(vector["item_b64url"])
    item = ans104.decode(raw)
    assert item["signature_type"] == 1
    assert item["id"] == vector["id"]
    assert item["id"] == b64e(hashlib.sha256(item["signature"]).digest())
    assert b64e(item["owner"]) == vector["owner_b64url"]
    assert item["owner_address"] == vector["owner_address"]
    assert item["target"] == (vector["target"] or None)
    assert (b64e(as_bytes(item["anchor"])) if item["anchor"] is not None else "") == vector["anchor_b64url"]
    assert [(as_bytes(n), as_bytes(v)) for n, v in item["tags"]] == [
        (t["name"].encode(), t["value"].encode()) for t in vector["tags"]
    ]
    assert as_bytes(item["data"]) == b64(vector["data_b64url"])


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_reencodes_byte_for_byte_and_verifies(vector):
    raw = b64(vector["item_b64url"])
    item = ans104.decode(raw)
    assert ans104.encode(item) == raw
    assert ans104.verify(raw)
    assert ans104.verify(item)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_built_from_its_fields_encodes_to_its_bytes(vector):
    raw = b64(vector["item_b64url"])
    item = {
        "signature": raw[2:514],
        "owner": b64(vector["owner_b64url"]),
        "target": vector["target"] or None,
        "anchor": b64(vector["anchor_b64url"]) if vector["anchor_b64url"] else None,
        "tags": [{"name": t["name"], "value": t["value"]} for t in vector["tags"]],
        "data": b64(vector["data_b64url"]),
    }
    assert ans104.encode(item) == raw


def test_salt32_item_verifies():
    raw = b64(SALT32["item_b64url"])
    item = ans104.decode(raw)
    assert item["id"] == SALT32["id"]
    assert item["data"] == SALT32["data"]
    assert ans104.verify(raw)
    assert ans104.encode(item) == raw


def test_tampered_item_does_not_verify():
    raw = bytearray(b64(VECTORS[0]["item_b64url"]))
    raw[-1] ^= 1  # the data
    assert not ans104.verify(bytes(raw))
    item = ans104.decode(b64(VECTORS[0]["item_b64url"]))
    item["tags"].append(("Extra", "1"))
    assert not ans104.verify(item)


@pytest.mark.parametrize("salt_length", [32, 478])
def test_wallet_signs_items(wallet, salt_length):
    item = {"target": VECTORS[0]["target"], "tags": [("Action", "Eval"), ("Data-Protocol", "ao")], "data": "1 + 1"}
    raw = wallet.sign_item(item, salt_length=salt_length)
    decoded = ans104.decode(raw)
    assert decoded["owner_address"] == wallet.address
    assert decoded["target"] == VECTORS[0]["target"]
    assert decoded["tags"] == [("Action", "Eval"), ("Data-Protocol", "ao")]
    assert ans104.verify(raw)
    # Re-signing encoded bytes replaces the signature; the content stays.
    again = ans104.sign(raw, wallet)
    assert ans104.decode(again)["id"] != decoded["id"]
    assert ans104.verify(again)


def test_public_only_wallet_cannot_sign(wallet):
    public = aocore.Wallet.from_jwk({"kty": "RSA", "n": wallet.to_jwk()["n"], "e": "AQAB"})
    with pytest.raises(aocore.InvalidMessageError, match="no private key"):
        public.sign_item({"data": "x"})


def _raw_item(tag_count: int, avro: bytes, sig_type: int = 1) -> bytes:
    return (
        sig_type.to_bytes(2, "little")
        + b"\x01" * 1024
        + b"\x00\x00"
        + tag_count.to_bytes(8, "little")
        + len(avro).to_bytes(8, "little")
        + avro
        + b"data"
    )


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "truncated in signature type"),
        (b64(VECTORS[0]["item_b64url"])[:600], "truncated in owner"),
        (b64(VECTORS[0]["item_b64url"])[:1040], "truncated"),
        (_raw_item(0, b"", sig_type=2), "unsupported signature type 2"),
        (_raw_item(1, b"\x02\x40"), "truncated in tag name"),
        (_raw_item(1, b"\xff" * 12), "varint"),
        (_raw_item(2, b"\x02\x02a\x021\x00"), "tag count field says 2"),
        (_raw_item(1, b"\x01\x08\x02a\x021\x00"), "canonical"),
        (_raw_item(129, b"\x82\x02" + b"\x02n\x02v" * 129 + b"\x00"), "over the limit of 128"),
        (_raw_item(1, b"\x02\x82\x10" + b"n" * 1025 + b"\x02v\x00"), "name is 1025 bytes"),
    ],
)
def test_malformed_items_raise_invalid_message_error(raw, reason):
    with pytest.raises(aocore.InvalidMessageError, match=reason):
        ans104.decode(raw)
    with pytest.raises(aocore.InvalidMessageError):
        ans104.verify(raw)


def test_bad_dicts_raise_invalid_message_error():
    with pytest.raises(aocore.InvalidMessageError, match="owner is 3 bytes"):
        ans104.encode({"owner": b"abc"})
    with pytest.raises(aocore.InvalidMessageError, match="tags"):
        ans104.encode({"tags": [("a",)]})
    with pytest.raises(aocore.InvalidMessageError, match="target is 5 bytes"):
        ans104.encode({"target": b"short"})
    with pytest.raises(aocore.InvalidMessageError, match="must be a dict"):
        ans104.encode(b"not a dict")
    with pytest.raises(aocore.InvalidMessageError, match="must be bytes"):
        ans104.decode("text")


# ---- items as messages (ans104@1.0), scheduled and served back ------------------------------


def test_item_is_a_message_whose_id_is_the_item_id():
    raw = b64(VECTORS[0]["item_b64url"])
    msg = ans104.to_message(raw)
    assert {k: v for k, v in msg.items() if k != "commitments"} == {
        "action": "Eval", "sdk": "aoconnect", "data-protocol": "ao", "variant": "ao.TN.1",
        "type": "Message", "target": VECTORS[0]["target"], "data": "1 + 1",
    }
    [(cid, c)] = msg["commitments"].items()
    assert cid == VECTORS[0]["id"] and c["commitment-device"] == "ans104@1.0"
    assert c["committer"] == VECTORS[0]["owner_address"]
    assert aocore.id(msg, mode="all") == VECTORS[0]["id"]
    assert aocore.verify(msg) and aocore.committers(msg) == [VECTORS[0]["owner_address"]]
    assert ans104.from_message(msg) == raw
    msg["action"] = "Other"
    assert not aocore.verify(msg)


def test_tampered_item_is_refused_as_a_message():
    raw = bytearray(b64(VECTORS[0]["item_b64url"]))
    raw[-1] ^= 1
    with pytest.raises(aocore.InvalidMessageError, match="does not verify"):
        ans104.to_message(bytes(raw))


def test_process_spawned_from_an_item_has_the_item_id_and_serves_items_back(wallet):
    with aocore.Node() as node:
        spawn_raw = wallet.sign_item({"tags": [
            ("Device", "process@1.0"), ("Scheduler-Device", "scheduler@1.0"),
            ("Execution-Device", "test-device@1.0"), ("Type", "Process"), ("Scheduler", node.address),
        ], "data": "init"})
        spawn_id = ans104.decode(spawn_raw)["id"]
        p = node.spawn(ans104.to_message(spawn_raw), sign=False)
        assert p.id == spawn_id

        msg_raw = wallet.sign_item({"target": p.id, "tags": [("Action", "Eval"), ("Type", "Message")], "data": "1 + 1"},
                                   salt_length=478)
        a = p.schedule(ans104.to_message(msg_raw))
        assert a["slot"] == 1
        assert aocore.id(a["body"], mode="all") == ans104.decode(msg_raw)["id"]

        # Read back from the store: the exact bytes that were signed.
        [a0, a1] = p.assignments()
        assert ans104.from_message(a0["body"]) == spawn_raw
        assert ans104.from_message(a1["body"]) == msg_raw

        # A changed message is refused by the scheduler and nothing is stored.
        tampered = ans104.to_message(msg_raw)
        tampered["action"] = "Steal"
        with pytest.raises(aocore.ResolveError):
            p.schedule(tampered)
        assert p.slot() == 1


# ---- items posted over HTTP (content-type application/ans104, as aoconnect sends) ------------


def _post_item(url: str, path: str, raw: bytes, content_type: str = "application/ans104"):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url + path, data=raw, method="POST",
                                 headers={"Content-Type": content_type, "codec-device": "ans104@1.0"})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_http_schedules_a_posted_item_and_refuses_bad_ones(wallet):
    with aocore.Node() as node:
        server = node.serve(port=0)
        try:
            p = node.spawn()
            raw = wallet.sign_item({"target": p.id, "tags": [("Action", "Eval"), ("Type", "Message")], "data": "x"},
                                   salt_length=478)
            status, assignment = _post_item(server.url, f"/{p.id}/schedule", raw)
            assert status == 200, assignment
            assert assignment["slot"] == 1
            assert ans104.from_message(p.assignments()[1]["body"]) == raw

            tampered = bytearray(raw)
            tampered[-1] ^= 1
            status, err = _post_item(server.url, f"/{p.id}/schedule", bytes(tampered))
            assert status == 422 and "does not verify" in err["message"]
            status, err = _post_item(server.url, f"/{p.id}/schedule", raw[:700])
            assert status == 400 and "truncated" in err["message"]
            status, err = _post_item(server.url, f"/{p.id}/schedule", _raw_item(0, b"", sig_type=3))
            assert status == 400 and "signature type 3" in err["message"]
            assert p.slot() == 1  # nothing else was scheduled
        finally:
            server.stop()
