"""Native log records reach Python's logging (and so pytest's caplog and Jupyter)."""

from __future__ import annotations

import logging

import pytest

import aocore
from aocore import _core


@pytest.fixture
def log_level():
    previous = aocore.get_log_level()
    yield aocore.set_log_level
    aocore.set_log_level(previous)


def test_records_reach_python_logging(caplog, log_level):
    log_level("info")
    with caplog.at_level(logging.INFO, logger="aocore"):
        _core._log("resolver", "info", "hello from C++")
        aocore.flush_logs()
    records = [r for r in caplog.records if r.name == "aocore.resolver"]
    assert any(r.getMessage() == "hello from C++" and r.levelno == logging.INFO for r in records)


def test_level_filters_records(caplog, log_level):
    log_level("error")
    with caplog.at_level(logging.DEBUG, logger="aocore"):
        _core._log("store", "info", "filtered out")
        _core._log("store", "error", "kept")
        aocore.flush_logs()
    messages = [r.getMessage() for r in caplog.records if r.name == "aocore.store"]
    assert "kept" in messages
    assert "filtered out" not in messages


def test_unknown_level_is_rejected():
    with pytest.raises(ValueError, match="unknown log level"):
        aocore.set_log_level("loud")
