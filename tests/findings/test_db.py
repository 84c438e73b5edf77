"""Engines and the errors a user sees when the database cannot be used: one line, no secret."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from accessproof.findings import DatabaseUnavailableError, DatabaseURLError, FindingsStore
from accessproof.findings.db import make_engine


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def assert_one_line(error: Exception) -> str:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("url", ["not a url", "://nothing", "postgresql://host:notaport/db", "", "   "])
def test_malformed_url(url):
    with pytest.raises(DatabaseURLError) as caught:
        make_engine(url)
    assert_one_line(caught.value)


@pytest.mark.parametrize("url", ["nosuchdb://host/db", "mysql://user@host/db"])
def test_url_without_a_driver(url):
    with pytest.raises(DatabaseURLError, match="unsupported database URL|no driver") as caught:
        make_engine(url)
    assert_one_line(caught.value)


def test_default_is_a_sqlite_file(tmp_path: Path):
    engine = make_engine(None, default_path=tmp_path / "default.db")
    assert engine.url.get_backend_name() == "sqlite"
    assert engine.url.database == str(tmp_path / "default.db")


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db"])
def test_postgresql_urls_use_psycopg_3(url):
    assert make_engine(url).url.drivername == "postgresql+psycopg"


def test_unreachable_postgresql():
    url = f"postgresql://app:s3cret@127.0.0.1:{closed_port()}/findings"
    with pytest.raises(DatabaseUnavailableError) as caught:
        FindingsStore.open(url)
    message = assert_one_line(caught.value)
    assert message.startswith("cannot reach database postgresql+psycopg://app:***@127.0.0.1:")
    assert "s3cret" not in message


def test_unreachable_during_use():
    store = FindingsStore(make_engine(f"postgresql://app@127.0.0.1:{closed_port()}/findings"))
    with pytest.raises(DatabaseUnavailableError) as caught:
        store.list_analyzers()
    assert_one_line(caught.value)


def test_sqlite_file_that_cannot_be_opened(tmp_path: Path):
    with pytest.raises(DatabaseUnavailableError, match="cannot reach database sqlite:///") as caught:
        FindingsStore.open(f"sqlite:///{tmp_path / 'missing-dir' / 'findings.db'}")
    assert_one_line(caught.value)


def test_error_codes_map_to_aws_exceptions():
    from accessproof.api import errors as api_errors
    from accessproof.findings import ConflictError, NotFoundError, ValidationError

    for error in (ConflictError("x"), NotFoundError("x"), ValidationError("x"), DatabaseUnavailableError("x")):
        assert error.code in api_errors.exceptions.__dict__


def test_a_writer_that_waited_too_long_for_the_lock_says_so(tmp_path: Path, monkeypatch):
    import sqlite3

    from accessproof.findings import db

    url = f"sqlite:///{tmp_path / 'findings.db'}"
    FindingsStore.open(url).close()
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_SECONDS", 0.2)
    store = FindingsStore.open(url)
    holder = sqlite3.connect(tmp_path / "findings.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        with pytest.raises(DatabaseUnavailableError, match="stayed locked by another writer for 0.2 s") as caught:
            store.create_analyzer("a", "ACCOUNT")
        assert_one_line(caught.value)
        assert store.list_analyzers() == []  # readers are not blocked by a writer that has not committed
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.create_analyzer("a", "ACCOUNT")
    store.close()
