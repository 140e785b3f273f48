"""Node store paths are taken as the OS takes them (str, bytes, os.PathLike); anything else, an
empty path or a NUL byte is refused with a clear error before anything is created."""

from __future__ import annotations

import os
import pathlib

import pytest

import aocore
from conftest import make_node


class PathLike:
    def __init__(self, path: str | bytes) -> None:
        self.path = path

    def __fspath__(self) -> str | bytes:
        return self.path


@pytest.mark.parametrize("kind", ["str", "bytes", "pathlib", "pathlike-bytes"])
def test_store_path_kinds_open_the_same_directory(tmp_path: pathlib.Path, kind: str) -> None:
    target = tmp_path / "node"
    store = {
        "str": str(target),
        "bytes": os.fsencode(target),
        "pathlib": target,
        "pathlike-bytes": PathLike(os.fsencode(target)),
    }[kind]
    with make_node(store) as node:
        written = node.write({"a": "1"})
        assert node.store_path == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["node"]  # not "b'/...'"
    with make_node(target) as node:
        assert node.read(written) == {"a": "1"}


def test_undecodable_bytes_path_round_trips(tmp_path: pathlib.Path) -> None:
    raw = os.fsencode(tmp_path) + b"/n\xffde"
    with make_node(raw) as node:
        assert os.fsencode(node.store_path) == raw
    assert os.path.isdir(raw)


@pytest.mark.parametrize("bad", [5, 1.5, ["a"], object()])
def test_other_types_are_refused(bad: object) -> None:
    with pytest.raises(aocore.InvalidMessageError, match=r"store must be a path \(str, bytes or os.PathLike\), not"):
        make_node(bad)


@pytest.mark.parametrize("empty", ["", b"", PathLike("")])
def test_empty_path_is_refused_not_an_in_memory_node(empty: object) -> None:
    with pytest.raises(aocore.InvalidMessageError, match="store must not be an empty path"):
        make_node(empty)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_nul_byte_is_refused_and_creates_nothing(tmp_path: pathlib.Path, as_bytes: bool) -> None:
    path = str(tmp_path / "a\0b")
    with pytest.raises(aocore.InvalidMessageError, match="NUL byte"):
        make_node(os.fsencode(path) if as_bytes else path)
    assert list(tmp_path.iterdir()) == []


def test_wallet_paths_are_checked_the_same_way(tmp_path: pathlib.Path) -> None:
    with pytest.raises(aocore.InvalidMessageError, match="NUL byte"):
        aocore.Wallet.load(str(tmp_path / "w\0.json"))
    with pytest.raises(aocore.InvalidMessageError, match="path must be a path"):
        aocore.Wallet.load(7)
    assert list(tmp_path.iterdir()) == []
