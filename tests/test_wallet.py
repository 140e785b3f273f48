"""Wallets and commitments from Python (issue 4; spec/core.md §1.5, §1.7, §3.6).

RSA-4096 generation takes about a second, so the suite generates two wallets per module."""

from __future__ import annotations

import base64
import copy
import errno
import hashlib
import hmac
import json
import math
import os
import pathlib
import shutil
import stat
import subprocess

import pytest

import aocore

MESSAGE = {"a": "1", "b": 2, "c": [1, "x"], "d": {"e": "f"}, "flag": True}


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_int(text: str) -> int:
    return int.from_bytes(b64u_decode(text), "big")


def signer_keys(msg: dict) -> list[str]:
    """Keys of the commitments that have a committer (RSA signatures)."""
    return sorted(k for k, c in msg["commitments"].items() if "committer" in c)


def hmac_keys(msg: dict) -> list[str]:
    return sorted(k for k, c in msg["commitments"].items() if "committer" not in c)


def signature_bytes(commitment: dict) -> bytes:
    """The raw signature of a `<name>=:<base64>:` signature member."""
    value = commitment["signature"]
    _, _, rest = value.partition("=")
    assert rest.startswith(":") and rest.endswith(":"), value
    return base64.b64decode(rest[1:-1])


@pytest.fixture(scope="module")
def wallet_a() -> aocore.Wallet:
    return aocore.Wallet.generate()


@pytest.fixture(scope="module")
def wallet_b() -> aocore.Wallet:
    return aocore.Wallet.generate()


@pytest.fixture(scope="module")
def signed(wallet_a) -> dict:
    return aocore.commit(MESSAGE, wallet_a)


# --- Wallets -------------------------------------------------------------------------------


def test_address_is_base64url_sha256_of_modulus(wallet_a):
    n = b64u_decode(wallet_a.to_jwk()["n"])
    assert len(n) == 512  # RSA-4096
    assert wallet_a.address == b64u_encode(hashlib.sha256(n).digest())
    assert len(wallet_a.address) == 43


def test_jwk_is_a_consistent_rsa_key(wallet_a):
    jwk = wallet_a.to_jwk()
    assert set(jwk) == {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"}
    assert jwk["kty"] == "RSA" and jwk["e"] == "AQAB"
    n, e, d, p, q = (b64u_int(jwk[k]) for k in ("n", "e", "d", "p", "q"))
    dp, dq, qi = (b64u_int(jwk[k]) for k in ("dp", "dq", "qi"))
    assert n == p * q
    assert n.bit_length() == 4096
    assert e == 65537
    assert (d * e) % math.lcm(p - 1, q - 1) == 1
    assert dp == d % (p - 1) and dq == d % (q - 1)
    assert (qi * q) % p == 1
    # Unpadded base64url, as RFC 7518 requires.
    assert all("=" not in v and "+" not in v and "/" not in v for v in jwk.values())


def test_from_jwk_round_trips(wallet_a):
    jwk = wallet_a.to_jwk()
    again = aocore.Wallet.from_jwk(jwk)
    assert again.address == wallet_a.address
    assert again.to_jwk() == jwk
    assert again == wallet_a
    assert hash(again) == hash(wallet_a)
    assert aocore.Wallet.from_jwk(json.dumps(jwk)).address == wallet_a.address


def test_generated_wallets_differ(wallet_a, wallet_b):
    assert wallet_a.address != wallet_b.address
    assert wallet_a != wallet_b


def test_save_writes_mode_0600_and_load_round_trips(wallet_a, tmp_path):
    old = os.umask(0)  # the mode must not depend on the umask
    try:
        path = tmp_path / "wallet.json"
        wallet_a.save(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == wallet_a.to_jwk()
    for arg in (path, str(path), os.fsencode(path)):
        loaded = aocore.Wallet.load(arg)
        assert loaded.address == wallet_a.address
        assert loaded.to_jwk() == wallet_a.to_jwk()
    assert not list(tmp_path.glob("*.tmp*")), "no temporary file left behind"


def test_save_over_an_existing_file_keeps_0600(wallet_a, wallet_b, tmp_path):
    path = tmp_path / "wallet.json"
    path.write_text("old")
    path.chmod(0o644)
    wallet_b.save(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert aocore.Wallet.load(path).address == wallet_b.address


def der_int(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # leading 0 keeps it positive
    return b"\x02" + der_len(len(body)) + body


def der_len(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def pkcs1_der(jwk: dict) -> bytes:
    """RFC 8017 RSAPrivateKey DER from the JWK members, built with plain Python."""
    body = der_int(0) + b"".join(der_int(b64u_int(jwk[k])) for k in ("n", "e", "d", "p", "q", "dp", "dq", "qi"))
    return b"\x30" + der_len(len(body)) + body


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")


@needs_openssl
def test_jwk_loads_in_an_independent_reader(wallet_a, tmp_path):
    der = tmp_path / "key.der"
    der.write_bytes(pkcs1_der(wallet_a.to_jwk()))
    out = subprocess.run(["openssl", "rsa", "-inform", "DER", "-in", str(der), "-check", "-noout"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "RSA key ok" in out.stdout


@needs_openssl
def test_signatures_interoperate_with_openssl_and_any_salt_length(wallet_a, tmp_path):
    der = tmp_path / "key.der"
    der.write_bytes(pkcs1_der(wallet_a.to_jwk()))
    data = tmp_path / "data"
    data.write_bytes(b"signed by somebody else")
    pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_mgf1_md:sha512"]
    for salt in ("max", "32", "0"):  # other AO clients use the maximum salt, the reference 32
        sig = tmp_path / f"sig-{salt}"
        subprocess.run(["openssl", "dgst", "-sha512", "-keyform", "DER", "-sign", str(der), *pss,
                        "-sigopt", f"rsa_pss_saltlen:{salt}", "-out", str(sig), str(data)],
                       check=True, capture_output=True)
        assert wallet_a.verify(data.read_bytes(), sig.read_bytes()), salt
        assert not wallet_a.verify(b"other data", sig.read_bytes())
    # And OpenSSL verifies aocore's signatures.
    ours = tmp_path / "ours"
    ours.write_bytes(wallet_a.sign(data.read_bytes()))
    pub = tmp_path / "pub.pem"
    subprocess.run(["openssl", "rsa", "-inform", "DER", "-in", str(der), "-pubout", "-out", str(pub)],
                   check=True, capture_output=True)
    out = subprocess.run(["openssl", "dgst", "-sha512", "-verify", str(pub), *pss,
                          "-sigopt", "rsa_pss_saltlen:auto", "-signature", str(ours), str(data)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Verified OK" in out.stdout, out.stdout + out.stderr


def test_reference_short_jwk_form_loads(wallet_a):
    jwk = wallet_a.to_jwk()
    short = {"kty": "RSA", "ext": True, "e": jwk["e"], "n": jwk["n"], "d": jwk["d"]}  # ar_wallet:to_json
    again = aocore.Wallet.from_jwk(short)
    assert again.address == wallet_a.address
    assert again.to_jwk() == jwk  # the factors are recovered


def test_public_only_wallet_verifies_but_cannot_sign(wallet_a, signed):
    jwk = wallet_a.to_jwk()
    public = aocore.Wallet.from_jwk({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]})
    assert not public.has_private_key and wallet_a.has_private_key
    assert public.address == wallet_a.address
    assert public.to_jwk() == {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
    assert "public-only" in repr(public)
    assert public.verify(b"x", wallet_a.sign(b"x"))
    with pytest.raises(aocore.InvalidMessageError, match="no private key"):
        aocore.commit(MESSAGE, public)
    with pytest.raises(aocore.InvalidMessageError, match="no private key"):
        public.sign(b"x")


def test_repr_shows_the_address_and_no_key_material(wallet_a):
    text = repr(wallet_a)
    assert wallet_a.address in text
    jwk = wallet_a.to_jwk()
    for member in ("n", "d", "p", "q"):
        assert jwk[member][:16] not in text


def test_wallet_has_no_public_constructor():
    with pytest.raises(TypeError):
        aocore.Wallet()


def _mutate(jwk: dict, **changes) -> dict:
    out = dict(jwk)
    for k, v in changes.items():
        if v is None:
            out.pop(k)
        else:
            out[k] = v
    return out


@pytest.mark.parametrize(
    "change, match",
    [
        ({"n": None}, "'n' is missing"),
        ({"kty": None}, "'kty' is missing"),
        ({"kty": "EC"}, "'kty' is 'EC'"),
        ({"e": "Aw"}, "'e' must be 65537"),
        ({"e": "AAM"}, "'e' has a leading zero"),
        ({"n": 12345}, "'n' is not a string"),
        ({"d": ""}, "'d' is empty"),
        ({"n": "not base64url!"}, "'n'"),
        ({"q": None}, "'q' is missing"),
        ({"d": "AQAB"}, "inconsistent"),
    ],
)
def test_malformed_jwk_dict_names_the_problem(wallet_a, change, match):
    with pytest.raises(aocore.InvalidMessageError, match=match) as info:
        aocore.Wallet.from_jwk(_mutate(wallet_a.to_jwk(), **change))
    assert isinstance(info.value, ValueError)
    assert info.value.status == "InvalidArgument"


def test_truncated_member_is_rejected(wallet_a):
    jwk = wallet_a.to_jwk()
    with pytest.raises(aocore.InvalidMessageError, match="'n'|modulus|inconsistent"):
        aocore.Wallet.from_jwk(_mutate(jwk, n=jwk["n"][: len(jwk["n"]) // 2]))


def test_from_jwk_rejects_non_mappings():
    with pytest.raises(aocore.InvalidMessageError, match="dict"):
        aocore.Wallet.from_jwk(42)
    with pytest.raises(aocore.InvalidMessageError, match="not a JSON object"):
        aocore.Wallet.from_jwk("[1, 2]")


def test_truncated_and_malformed_files_give_clear_errors(wallet_a, tmp_path):
    text = json.dumps(wallet_a.to_jwk())
    cases = {
        "truncated.json": (text[: len(text) // 2], "not valid JSON"),
        "empty.json": ("", "not valid JSON"),
        "array.json": ("[]", "not a JSON object"),
        "no-n.json": (json.dumps(_mutate(wallet_a.to_jwk(), n=None)), "'n' is missing"),
    }
    for name, (content, match) in cases.items():
        path = tmp_path / name
        path.write_text(content)
        with pytest.raises(aocore.InvalidMessageError, match=match):
            aocore.Wallet.load(path)


def test_missing_wallet_file_is_a_file_not_found_oserror(tmp_path):
    path = tmp_path / "absent.json"
    with pytest.raises(aocore.StoreError) as info:
        aocore.Wallet.load(path)
    err = info.value
    assert isinstance(err, OSError) and isinstance(err, aocore.Error)
    assert err.errno == errno.ENOENT
    assert err.filename == path
    assert err.status == "NotFound"
    assert "absent.json" in str(err)


def test_unreadable_paths_raise_store_error(wallet_a, tmp_path):
    with pytest.raises(aocore.StoreError):
        aocore.Wallet.load(tmp_path)  # a directory
    with pytest.raises(aocore.StoreError):
        wallet_a.save(tmp_path / "no-such-dir" / "wallet.json")


# --- Commitments ---------------------------------------------------------------------------


def test_commit_adds_a_signer_and_an_hmac_commitment(wallet_a, signed):
    assert {k: v for k, v in signed.items() if k != "commitments"} == aocore._core.message(MESSAGE)
    assert "commitments" not in MESSAGE  # the input is not modified
    [rsa_key] = signer_keys(signed)
    [hmac_key] = hmac_keys(signed)
    rsa = signed["commitments"][rsa_key]
    assert rsa["commitment-device"] == "httpsig@1.0"
    assert rsa["alg"] == "rsa-pss-sha512"
    assert rsa["committer"] == wallet_a.address
    sig = signature_bytes(rsa)
    assert len(sig) == 512
    assert rsa_key == b64u_encode(hashlib.sha256(sig).digest())
    assert 'alg="rsa-pss-sha512"' in rsa["signature-input"]
    assert f'keyid="{wallet_a.to_jwk()["n"]}"' in rsa["signature-input"]
    hmac = signed["commitments"][hmac_key]
    assert hmac["alg"] == "hmac-sha256"
    assert hmac_key == aocore.id(MESSAGE)


def test_commit_then_verify(signed, wallet_a):
    assert aocore.verify(signed) is True
    assert aocore.verify(MESSAGE) is True  # nothing to check, as in the reference
    assert aocore.committers(signed) == [wallet_a.address]
    assert aocore.committers(MESSAGE) == []
    assert aocore.committed(signed) == sorted(MESSAGE) + ["signature-input", "signature"]
    assert aocore.committed(MESSAGE) == []


@pytest.mark.parametrize(
    "key, value",
    [("a", "2"), ("b", 3), ("b", "2"), ("c", [1, "y"]), ("d", {"e": "g"}), ("flag", False)],
)
def test_any_change_to_a_committed_field_fails_verification(signed, key, value):
    changed = copy.deepcopy(signed)
    changed[key] = value
    assert aocore.verify(changed) is False


def test_removing_a_committed_field_fails_verification(signed):
    changed = copy.deepcopy(signed)
    del changed["a"]
    assert aocore.verify(changed) is False


def test_swapped_signature_fails_verification(wallet_a, signed):
    other = aocore.commit({**MESSAGE, "a": "other"}, wallet_a)
    [rsa_key] = signer_keys(signed)
    [other_key] = signer_keys(other)
    other_sig = other["commitments"][other_key]["signature"]
    # Same commitment key, other signature.
    swapped = copy.deepcopy(signed)
    swapped["commitments"][rsa_key]["signature"] = other_sig
    assert aocore.verify(swapped) is False
    # Re-keyed to match the new signature: the signature still does not cover this message.
    rekeyed = copy.deepcopy(signed)
    commitment = rekeyed["commitments"].pop(rsa_key)
    commitment["signature"] = other_sig
    rekeyed["commitments"][other_key] = commitment
    assert aocore.verify(rekeyed) is False


def test_committer_replaced_by_another_wallet_fails_verification(signed, wallet_b):
    [rsa_key] = signer_keys(signed)
    forged = copy.deepcopy(signed)
    forged["commitments"][rsa_key]["committer"] = wallet_b.address
    assert aocore.verify(forged) is False
    assert aocore.committers(forged) == [wallet_b.address]


def test_commitment_from_another_message_fails_verification(signed, wallet_b):
    # (A commitment over {"a": "1"} alone would verify here: it covers only field `a`, which
    # has the same value. Signatures cover the fields their signature-input lists.)
    theirs = aocore.commit({"a": "2"}, wallet_b)
    [their_key] = signer_keys(theirs)
    mixed = copy.deepcopy(signed)
    mixed["commitments"][their_key] = theirs["commitments"][their_key]
    assert aocore.verify(mixed) is False


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c.update({"signature-input": "garbage"}),
        lambda c: c.update({"signature": "nonsense"}),
        lambda c: c.update({"signature": "x=:not base64!:"}),
        lambda c: c.pop("signature-input"),
        lambda c: c.pop("signature"),
        lambda c: c.update({"alg": "rsa-pss-sha1024"}),
        lambda c: c.update({"signature-input": 'http-sig-00=("a");alg="rsa-pss-sha512";keyid="AQAB"'}),
        lambda c: c.update({"signature": 7}),
    ],
)
def test_unparseable_commitment_is_false_not_an_exception(signed, breakage):
    broken = copy.deepcopy(signed)
    [rsa_key] = signer_keys(broken)
    breakage(broken["commitments"][rsa_key])
    assert aocore.verify(broken) is False


def test_commitments_key_that_is_not_a_message_is_false(signed):
    broken = copy.deepcopy(signed)
    broken["commitments"] = "junk"
    assert aocore.verify(broken) is False


def test_commitment_that_is_not_a_message_fails_when_selected(signed):
    broken = copy.deepcopy(signed)
    [rsa_key] = signer_keys(broken)
    broken["commitments"][rsa_key] = "not a commitment"
    assert aocore.verify(broken, commitments="all") is False
    assert aocore.verify(broken, commitments=rsa_key) is False


def test_commitment_that_is_not_a_message_is_false(signed):
    broken = copy.deepcopy(signed)
    [rsa_key] = signer_keys(broken)
    broken["commitments"][rsa_key] = "not a commitment"
    assert aocore.verify(broken) is False


def test_id_modes_on_a_signed_message(signed):
    [rsa_key] = signer_keys(signed)
    keys = sorted(signed["commitments"])
    assert len(keys) == 2
    assert aocore.id(signed, "none") == aocore.id(MESSAGE)
    assert aocore.id(signed, "all") == rsa_key
    expected = b64u_encode(hashlib.sha256(", ".join(keys).encode()).digest())
    assert aocore.id(signed, "uncommitted") == expected
    assert aocore.id(signed) == expected


def test_two_signers(wallet_a, wallet_b, signed):
    both = aocore.commit(signed, wallet_b)
    assert sorted(aocore.committers(both)) == sorted([wallet_a.address, wallet_b.address])
    assert len(signer_keys(both)) == 2 and len(hmac_keys(both)) == 1
    assert aocore.verify(both) is True
    signers = signer_keys(both)
    assert aocore.id(both, "all") == b64u_encode(hashlib.sha256(", ".join(signers).encode()).digest())
    assert aocore.verify(both, committers=wallet_a.address) is True
    assert aocore.verify(both, committers=[wallet_a.address, wallet_b.address]) is True
    assert aocore.committed(both, committers=wallet_b.address) == sorted(MESSAGE) + ["signature-input", "signature"]
    # Break only B's commitment: selecting A still verifies, the default does not.
    broken = copy.deepcopy(both)
    for key, c in broken["commitments"].items():
        if c.get("committer") == wallet_b.address:
            c["committer"] = wallet_a.address
    assert aocore.verify(broken) is False


def test_verify_selectors_for_absent_commitments_raise(signed, wallet_b):
    with pytest.raises(aocore.NotFoundError):
        aocore.verify(signed, committers=wallet_b.address)
    with pytest.raises(aocore.NotFoundError):
        aocore.verify(signed, commitments="A" * 43)


def test_fields_added_after_signing_are_not_covered(signed):
    extended = {**copy.deepcopy(signed), "later": "value"}
    assert "later" not in aocore.committed(extended)


def test_commit_rejects_unsupported_values(wallet_a):
    with pytest.raises(aocore.InvalidMessageError):
        aocore.commit({"a": object()}, wallet_a)
    with pytest.raises(TypeError):
        aocore.commit(MESSAGE, "not a wallet")


# --- signature_base: what a commitment signs, for checking a signature by hand -------------------


def _signature_bytes(commitment: dict) -> bytes:
    # `signature` is an RFC 8941 dictionary: name=:base64:
    return base64.b64decode(commitment["signature"].split("=:", 1)[1].rstrip(":"))


def test_signature_base_is_what_the_wallet_signed(wallet_a):
    signed = aocore.commit({"a": "1", "nested": {"b": 2}, "Big": "x" * 5000}, wallet_a)
    base = aocore.signature_base(signed)
    assert base.splitlines()[-1].startswith('"@signature-params": (')
    (signer,) = [k for k, c in signed["commitments"].items() if "committer" in c]
    assert aocore.signature_base(signed, commitment=signer) == base
    assert wallet_a.verify(base.encode(), _signature_bytes(signed["commitments"][signer]))
    tampered = {**signed, "a": "2"}
    assert not wallet_a.verify(aocore.signature_base(tampered).encode(), _signature_bytes(signed["commitments"][signer]))


def test_signature_base_of_an_unsigned_message_gives_its_id():
    message = {"a": "1"}
    digest = hmac.new(b"ao", aocore.signature_base(message).encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == aocore.id(message)


def test_signature_base_needs_a_commitment_it_can_name(wallet_a, wallet_b):
    twice = aocore.commit(aocore.commit({"a": "1"}, wallet_a), wallet_b)
    with pytest.raises(aocore.InvalidMessageError, match="2 signer commitments; name one"):
        aocore.signature_base(twice)
    with pytest.raises(aocore.NotFoundError, match="no commitment 'nope'"):
        aocore.signature_base(twice, commitment="nope")
