"""Shared fixtures of the API tests: PostgreSQL (from the findings tests) and ``accessproof serve``
started the way a user starts it, as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

import pytest

from tests.findings.conftest import postgresql_url  # noqa: F401  (a session fixture)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account"
EXAMPLE_UNUSED = ROOT / "examples" / "account-unused"
ACCESS_KEY = "AKIAACCESSPROOFTEST1"
SECRET_KEY = "accessproof-test-secret/key+value"
SERVICE_KEY = "AKIAACCESSPROOFSERVI"
SERVICE_SECRET = "accessproof-service-secret"
SERVICE_NAME = "IAMRoleManager"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """A running ``accessproof serve``."""

    process: subprocess.Popen
    endpoint: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_serve(tmp: Path, arguments: Sequence[str], port: Optional[int] = None, timeout: float = 60.0) -> Served:
    port = port or free_port()
    log = tmp / f"serve-{port}.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for name in ("ACCESSPROOF_SERVE_ACCESS_KEY_ID", "ACCESSPROOF_SERVE_SECRET_ACCESS_KEY", "ACCESSPROOF_SERVE_SESSION_TOKEN"):
        env.pop(name, None)
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", "serve", "--port", str(port), *arguments],
                                   cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
    served = Served(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"accessproof serve exited with {process.returncode}: {served.output()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return served
        except OSError:
            time.sleep(0.1)
    stop_serve(served)
    raise RuntimeError(f"accessproof serve did not listen within {timeout} s: {served.output()}")


def stop_serve(served: Served) -> None:
    if served.process.poll() is None:
        served.process.terminate()
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()


@pytest.fixture(scope="module")
def serve_workdir(tmp_path_factory) -> Path:
    """A working folder with copies of the example snapshots (the server may write next to them)."""
    folder = tmp_path_factory.mktemp("serve")
    shutil.copytree(EXAMPLE, folder / "account")
    shutil.copytree(EXAMPLE_UNUSED, folder / "account-unused")
    return folder


@pytest.fixture(scope="module")
def served(serve_workdir: Path) -> Iterator[Served]:
    """``accessproof serve`` on the example account, signed requests only (the test credentials,
    plus an AWS service's for service-linked analyzers)."""
    from tests.generate.conftest import CORPUS

    trail = "arn:aws:cloudtrail:us-east-1:056392974792:trail/management"
    running = start_serve(serve_workdir, [
        "--snapshot", str(serve_workdir / "account"), "--database", f"sqlite:///{serve_workdir / 'serve.db'}",
        "--access-key-id", ACCESS_KEY, "--secret-access-key", SECRET_KEY,
        "--service-credentials", f"{SERVICE_NAME}={SERVICE_KEY}:{SERVICE_SECRET}",
        "--cloudtrail", f"{trail}={CORPUS / 'aws.execution.ssm-send-command.json.gz'}",
    ])
    yield running
    stop_serve(running)


def boto3_client(endpoint: str, service: str = "accessanalyzer", key: str = ACCESS_KEY, secret: str = SECRET_KEY):
    """Plain boto3, as a user points it at ``accessproof serve`` (no retries: a test sees each answer)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(service, endpoint_url=endpoint, region_name="us-east-1",
                                          aws_access_key_id=key, aws_secret_access_key=secret,
                                          config=Config(retries={"total_max_attempts": 1}))
