"""The exception hierarchy of API.md "Errors"."""

from __future__ import annotations

import builtins

import aocore


def test_hierarchy():
    assert issubclass(aocore.Error, Exception)
    assert issubclass(aocore.ResolveError, aocore.Error)
    assert issubclass(aocore.NotFoundError, aocore.ResolveError)
    assert issubclass(aocore.NotFoundError, KeyError)
    assert issubclass(aocore.DeviceError, aocore.ResolveError)
    assert issubclass(aocore.InvalidMessageError, aocore.Error)
    assert issubclass(aocore.InvalidMessageError, ValueError)
    assert issubclass(aocore.StoreError, aocore.Error)
    assert issubclass(aocore.StoreError, OSError)
    assert issubclass(aocore.TimeoutError, aocore.Error)
    assert issubclass(aocore.TimeoutError, builtins.TimeoutError)
    assert issubclass(aocore.ClosedError, aocore.Error)


def test_errors_carry_status_and_details():
    try:
        aocore._core.message({"a": object()})
    except aocore.Error as err:
        assert err.status == "InvalidArgument"
        assert err.details is None
    else:
        raise AssertionError("expected InvalidMessageError")


def test_version_is_a_string():
    assert isinstance(aocore.__version__, str) and aocore.__version__.count(".") == 2
