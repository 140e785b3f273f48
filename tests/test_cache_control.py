"""Result caching in the resolver: the `cache_control` semantics of spec/core.md §2.10, and
loading a base message by ID."""

from __future__ import annotations

import pytest

import aocore


@pytest.fixture(scope="module")
def node():
    with aocore.Node() as n:
        yield n


def test_only_if_cached_alone_executes_normally(node):  # E27
    assert node.resolve({"a": 1}, "a", cache_control=["only-if-cached"]) == 1


def test_only_if_cached_miss_is_a_504_error(node):  # E28
    status, value = node.call({"a": 1}, "a", cache_control=["cache", "only-if-cached"])
    assert status == "error"
    assert value["status"] == 504 and value["cache-status"] == "miss"
    with pytest.raises(aocore.ResolveError):
        node.resolve({"a": 1}, "a", cache_control=["cache", "only-if-cached"])


def test_stored_results_are_served_without_executing(node):
    base, req = {"x": "1"}, {"path": "set", "y": "cached"}
    first = node.resolve(base, req, cache_control="store")
    assert first["y"] == "cached" and "hashpath" in first["priv"]
    hit = node.resolve(base, req, cache_control=["cache", "only-if-cached"])
    assert hit["y"] == "cached"
    assert "hashpath" not in hit.get("priv", {})  # a cache hit comes back without its HashPath


def test_no_store_is_the_default_and_no_store_wins(node):
    node.resolve({"k": "v"}, "k")
    node.resolve({"k": "w"}, "k", cache_control="no-store")
    for base in ({"k": "v"}, {"k": "w"}):
        status, _ = node.call(base, "k", cache_control=["cache", "only-if-cached"])
        assert status == "error"


def test_cache_directives_in_messages(node):
    base = {"m": "1", "cache-control": "always"}
    # Store precedence is options > result > request: the base's `always` does not store...
    node.resolve(base, "m")
    status, value = node.call(base, "m", cache_control="only-if-cached")
    assert status == "error" and value["status"] == 504  # ...but it enables the lookup (M1)
    node.resolve(base, "m", cache_control="store")
    assert node.resolve(base, "m", cache_control="only-if-cached") == "1"  # now a hit


def test_base_by_id_after_reopen(tmp_path):
    with aocore.Node(tmp_path / "n") as n:
        mid = n.write({"device": "message@1.0", "greeting": "hello"})
    with aocore.Node(tmp_path / "n") as n:
        assert n.resolve(mid, "greeting") == "hello"
        with pytest.raises(aocore.NotFoundError):
            n.resolve("B" * 43, "greeting")
