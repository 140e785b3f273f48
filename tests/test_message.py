"""Values and messages crossing the Python boundary (docs/python-api.md, "Values")."""

from __future__ import annotations

import pytest

import aocore
from aocore import _core


def roundtrip(message: dict) -> dict:
    return _core.message(message)


def test_scalar_values_round_trip():
    msg = {"s": "text", "i": -5, "f": 2.5, "t": True, "n": None, "z": False, "big": 2**63 - 1}
    assert roundtrip(msg) == msg
    assert type(roundtrip({"t": True})["t"]) is bool


def test_binaries_come_back_as_str_when_utf8_else_bytes():
    out = roundtrip({"u": b"hello", "x": b"\xff\xfe", "e": "", "uni": "h\u00e9"})
    assert out == {"u": "hello", "x": b"\xff\xfe", "e": "", "uni": "h\u00e9"}
    assert isinstance(out["x"], bytes)


def test_bytearray_and_memoryview_are_binaries():
    assert roundtrip({"a": bytearray(b"ab"), "m": memoryview(b"cd")}) == {"a": "ab", "m": "cd"}


def test_nested_messages_and_lists():
    msg = {"a": {"b": {"c": [1, "two", [3.0, None], {"d": False}]}}, "empty": {}, "l": []}
    assert roundtrip(msg) == msg


def test_top_level_keys_are_lowercased_unless_id_shaped_nested_keep_spelling():
    id_key = "A" * 43
    out = roundtrip({"Key": {"Inner-Key": 1, id_key: 2}, id_key: "x"})
    # As in the reference: nested maps keep their spelling (their IDs depend on it).
    assert out == {"key": {"Inner-Key": 1, id_key: 2}, id_key: "x"}
    assert aocore.normalize_key("Test-Header") == "test-header"
    assert aocore.normalize_key("\u00c4BC") == "\u00e4bc"
    assert aocore.normalize_key("B" * 44) == "b" * 44


def test_key_collisions_keep_the_last_sorting_key():
    # Sorted original keys: "A" < "a", so the value of "a" survives (as in the reference).
    assert roundtrip({"a": "2", "A": "1"}) == {"a": "2"}


def test_private_keys_are_kept():
    msg = {"a": 1, "priv": {"hashpath": "x"}, "private-key": "k"}
    assert roundtrip(msg) == msg


def test_atoms_other_than_true_false_null():
    out = roundtrip({"u": aocore.Atom("unset")})
    assert out["u"] == aocore.Atom("unset")
    assert out["u"].name == "unset"
    assert out["u"] != aocore.Atom("undefined")
    assert repr(out["u"]) == "Atom('unset')"


@pytest.mark.parametrize(
    ("message", "key", "type_name"),
    [
        ({"a": {1, 2}}, "a", "set"),
        ({"a": {"b": object()}}, "a/b", "object"),
        ({"l": [1, (2, 3)]}, "l/2", "tuple"),
        ({"a": 1j}, "a", "complex"),
    ],
)
def test_unsupported_values_raise_invalid_message_naming_key_and_type(message, key, type_name):
    with pytest.raises(aocore.InvalidMessageError) as err:
        roundtrip(message)
    assert f"'{key}'" in str(err.value)
    assert type_name in str(err.value)
    assert isinstance(err.value, ValueError)


def test_non_str_keys_and_non_dicts_are_rejected():
    with pytest.raises(aocore.InvalidMessageError, match="keys must be str"):
        roundtrip({1: "a"})
    with pytest.raises(aocore.InvalidMessageError, match="must be a dict"):
        roundtrip(["not", "a", "dict"])  # type: ignore[arg-type]


def test_integers_beyond_64_bits_are_rejected():
    with pytest.raises(aocore.InvalidMessageError, match="64 bits"):
        roundtrip({"n": 2**64})


def test_self_referencing_dict_is_an_error_not_a_crash():
    d: dict = {}
    d["self"] = d
    with pytest.raises(aocore.InvalidMessageError, match="nested too deeply"):
        roundtrip(d)


def nested_dicts(levels: int) -> dict:
    message: dict = {"leaf": 1}
    for _ in range(levels - 1):
        message = {"n": message}
    return message


def nested_lists(levels: int) -> dict:
    value: list = [1]
    for _ in range(levels - 2):
        value = [value]
    return {"l": value}  # the message is one level, each list another


def test_python_accepts_exactly_the_nesting_every_other_input_may_have():
    # 256 levels (message.h kMaxNesting) is the limit of the JSON codec and the content cache too;
    # each dict or list level counts once.
    assert roundtrip(nested_dicts(256)) == nested_dicts(256)
    assert roundtrip(nested_lists(256)) == nested_lists(256)
    with pytest.raises(aocore.InvalidMessageError, match="nested too deeply"):
        roundtrip(nested_dicts(257))
    with pytest.raises(aocore.InvalidMessageError, match="nested too deeply"):
        roundtrip(nested_lists(257))
