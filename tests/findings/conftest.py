"""Fixtures for the findings store: a SQLite file per test, and a throwaway PostgreSQL cluster.

The PostgreSQL server comes from Debian's ``postgresql`` package (``make test`` installs it when
missing). The cluster lives in a temporary directory, listens on a free loopback port and a unix
socket in that directory, and is stopped at the end of the session. A missing server is a test
failure with a message saying what to install, never a silent skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Optional

import pytest

from accessproof.findings import FindingsStore
from accessproof.findings.db import create_schema, drop_schema, make_engine

SERVER_USER = "postgres"  # Debian's package creates it; initdb refuses to run as root


def _postgres_bin_dir() -> Optional[Path]:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}", pytrace=False)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.fail(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's package with "
            "`apt-get install -y postgresql` (`make test` does it when they are missing)",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="accessproof-pg-"))
    if os.geteuid() == 0:
        try:
            shutil.chown(root, user=SERVER_USER)
        except LookupError:
            pytest.fail(f"running as root needs the '{SERVER_USER}' user to run the server (Debian's postgresql package creates it)",
                        pytrace=False)
    data, socket_dir, log = root / "data", root / "socket", root / "server.log"
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], "initdb")
    _run(["mkdir", "-p", str(socket_dir)], "creating the socket directory")
    port = _free_port()
    options = f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -F"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"], "pg_ctl start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


class Clock:
    """A clock the tests move by hand, so timestamps are exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 60) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'findings.db'}"
    return request.getfixturevalue("postgresql_url")


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[FindingsStore]:
    """A store on an empty database, on each backend."""
    engine = make_engine(database_url)
    drop_schema(engine)
    create_schema(engine)
    findings_store = FindingsStore(engine, clock=clock)
    try:
        yield findings_store
    finally:
        findings_store.close()
