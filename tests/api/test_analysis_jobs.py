"""CreateAnalyzer answered at once, the first analysis as a background job (``accessproof serve``'s
configuration ``analyze_in_background``): CREATING while it runs, ACTIVE with its findings after,
FAILED when it breaks; bad input is still an immediate ValidationException."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

import accessproof
from accessproof.api.client import application_of

from .conftest import EXAMPLE

INBOX = "arn:aws:sqs:us-east-1:111122223333:partner-inbox"


def _gated(gate: threading.Event, fail: bool = False):
    class Gated:  # the analyzer's public interface, waiting for the test to let it finish
        def __init__(self, zone):
            self.zone = zone

        def analyze(self, resource, snapshot=None):
            from accessproof.findings import FreshFinding, ResourceAnalysis
            fresh = FreshFinding(resource.arn, resource.resource_type, resource.account_id,
                                 principal={"AWS": "999988887777"}, action=("sqs:SendMessage",), is_public=False,
                                 sources=({"type": "POLICY"},))
            return ResourceAnalysis(resource.arn, resource.resource_type, resource.account_id,
                                    (fresh,) if resource.arn == INBOX else ())

        def analyze_snapshot(self, snapshot, progress=None):
            assert gate.wait(30)
            if fail:
                raise RuntimeError("the analysis broke")
            return [self.analyze(r, snapshot) for r in snapshot.resources]
    return Gated


def _client(tmp_path, gate, fail=False):
    snapshot = tmp_path / "account"
    shutil.copytree(EXAMPLE, snapshot)
    return accessproof.client("accessanalyzer", snapshot=str(snapshot), database=f"sqlite:///{tmp_path / 'j.db'}",
                              analyze_in_background=True, external_analyzer_factory=_gated(gate, fail))


def _wait_for(client, name, status, timeout=30):
    deadline = time.monotonic() + timeout
    while client.get_analyzer(analyzerName=name)["analyzer"]["status"] != status:
        assert time.monotonic() < deadline, f"{name} never became {status}"
        time.sleep(0.05)


def test_creating_then_active_with_the_findings(tmp_path):
    gate = threading.Event()
    client = _client(tmp_path, gate)
    arn = client.create_analyzer(analyzerName="external", type="ACCOUNT")["arn"]
    assert client.get_analyzer(analyzerName="external")["analyzer"]["status"] == "CREATING"
    assert client.list_findings(analyzerArn=arn)["findings"] == []
    gate.set()
    _wait_for(client, "external", "ACTIVE")
    assert [f["resource"] for f in client.list_findings(analyzerArn=arn)["findings"]] == [INBOX]


def test_a_broken_analysis_leaves_the_analyzer_failed(tmp_path):
    gate = threading.Event()
    gate.set()
    client = _client(tmp_path, gate, fail=True)
    client.create_analyzer(analyzerName="external", type="ACCOUNT")
    _wait_for(client, "external", "FAILED")


def test_bad_input_is_refused_before_anything_is_created(tmp_path):
    client = _client(tmp_path, threading.Event())
    (tmp_path / "account" / "account.json").write_text("{not json")
    with pytest.raises(client.exceptions.ValidationException, match="account.json"):
        client.create_analyzer(analyzerName="external", type="ACCOUNT")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_analyzer(analyzerName="external")
    backend = application_of(client).backend("accessanalyzer")
    assert backend._initial_scans() is backend._initial_scans()
