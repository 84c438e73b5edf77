"""A moto server process for the live-account tests (collect, monitor, notifications).

The server is a real HTTP server in a process of its own (``python -m moto.server``), started once per
test session on a free loopback port and reset before each test. Credentials are moto's dummies. What
moto lacks is answered by botocore's Stubber (``stubbed``), with responses shaped like AWS's.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from typing import Any, Callable, Iterator, Mapping, Optional

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

from botocore.stub import Stubber  # noqa: E402

from accessproof.inventory.collect import AwsClients  # noqa: E402

ACCOUNT = "123456789012"
OUTSIDER = "999988887777"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
               "AWS_DEFAULT_REGION": REGION}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, **CREDENTIALS, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the moto server did not start on port {port}", pytrace=False)
            time.sleep(0.3)
    try:
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def moto(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server, emptied, with the dummy credentials in the environment."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).read()
    return moto_endpoint


def aws(moto: str, service: str, region: str = REGION) -> Any:
    client = boto3.client(service, region_name=region, endpoint_url=moto)
    if service == "s3control":
        from accessproof.inventory.collect.base import _strip_account_host
        client.meta.events.register_first("before-send.s3-control", _strip_account_host)
    return client


class Overlay:
    """A client whose ``operations`` are answered by a stubbed client, the rest by the real one."""

    def __init__(self, real: Any, stubbed: Any, operations: set[str]) -> None:
        self._real, self._stubbed, self._operations = real, stubbed, operations

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name in self._operations else self._real, name)


class StubbedClients:
    """``AwsClients`` on the moto server, with Stubbers for what moto lacks (``stub(service, ...)``)."""

    def __init__(self, endpoint: str) -> None:
        self.real = AwsClients(boto3.Session(), endpoint_url=endpoint)
        self.endpoint = endpoint
        self.stubbers: dict[tuple[str, str], tuple[Any, Stubber, set[str]]] = {}

    def stub(self, service: str, region: str = REGION) -> Stubber:
        key = (service, region)
        if key not in self.stubbers:
            client = boto3.client(service, region_name=region, endpoint_url=self.endpoint)
            self.stubbers[key] = (client, Stubber(client), set())
            self.stubbers[key][1].activate()
        return self.stubbers[key][1]

    def answer(self, service: str, operation: str, response: Mapping[str, Any],
               expected: Optional[Mapping[str, Any]] = None, region: str = REGION) -> None:
        stubber = self.stub(service, region)
        self.stubbers[(service, region)][2].add(operation)
        stubber.add_response(operation, dict(response), dict(expected) if expected is not None else None)

    def __call__(self, service: str, region: str) -> Any:
        real = self.real(service, region)
        found = self.stubbers.get((service, region))
        return Overlay(real, found[0], found[2]) if found else real


def lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def policy(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def cloudtrail_event(source: str, name: str, request: Mapping[str, Any], region: str = REGION,
                     response: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """An EventBridge "AWS API Call via CloudTrail" event, as an SQS target of a rule receives it."""
    return {"version": "0", "id": f"evt-{name}-{time.monotonic_ns()}", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws." + source.removesuffix(".amazonaws.com"), "account": ACCOUNT,
            "time": "2026-12-04T00:00:00Z", "region": region, "resources": [],
            "detail": {"eventVersion": "1.09", "eventSource": source, "eventName": name, "awsRegion": region,
                       "eventID": f"ct-{time.monotonic_ns()}", "eventType": "AwsApiCall", "managementEvent": True,
                       "recipientAccountId": ACCOUNT, "requestParameters": dict(request),
                       "responseElements": dict(response) if response is not None else None,
                       "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT,
                                        "arn": f"arn:aws:iam::{ACCOUNT}:user/admin"}}}


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
