"""An analyzer belongs to an account: its ARN names it, and it analyses that account (or its organization).

API Reference, CreateAnalyzer / AnalyzerSummary: ``arn:aws:access-analyzer:<region>:<account>:analyzer/<name>``
(the AWS CLI example: ``arn:aws:access-analyzer:us-east-2:111122223333:analyzer/example``).
IAM User Guide, "Create an unused access analyzer": "If a member account is removed from the
organization, the unused access analyzer will stop generating new findings and updating existing
findings for that account".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import accessproof
from accessproof.analyzers.unused_service import load_snapshot
from accessproof.findings import FindingsStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)
MANAGEMENT, MEMBER = "111122223333", "444455556666"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture
def examples(tmp_path):
    """A writable copy of the example account, unused-access account and organization."""
    for name in ("account", "account-unused", "organization"):
        shutil.copytree(EXAMPLES / name, tmp_path / name)
    return tmp_path


def client_for(tmp_path, account_id):
    store = FindingsStore.open(f"sqlite:///{tmp_path / 'f.db'}", account_id=account_id, clock=lambda: NOW)
    return accessproof.client("accessanalyzer", findings_store=store, clock=lambda: NOW), store


# --- ARNs ---------------------------------------------------------------------------------------

def test_snapshot_owner_and_region():
    account = load_snapshot(EXAMPLES / "account-unused")
    assert (account.owner_account, account.region) == (MEMBER, "us-east-1")
    organization = load_snapshot(EXAMPLES / "organization")
    assert organization.owner_account == MANAGEMENT  # describe-organization's MasterAccountId


def test_cli_analyzer_arns_name_the_snapshot_account(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    r = cli("analyze-unused", str(EXAMPLES / "account-unused"), "--now", "2026-11-28T00:00:00Z", "--database", db,
            "--output", "json")
    assert json.loads(r.stdout)["analyzerArn"] == \
        f"arn:aws:access-analyzer:us-east-1:{MEMBER}:analyzer/accessproof-unused-access"
    r = cli("analyze-unused", str(EXAMPLES / "organization"), "--type", "ORGANIZATION_UNUSED_ACCESS", "--now",
            "2026-11-28T00:00:00Z", "--database", db, "--output", "json")
    assert json.loads(r.stdout)["analyzerArn"] == \
        f"arn:aws:access-analyzer:us-east-1:{MANAGEMENT}:analyzer/accessproof-organization-unused-access"


def test_cli_refuses_another_accounts_snapshot_under_the_same_analyzer(tmp_path, examples):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    assert cli("analyze-unused", str(examples / "account-unused"), "--now", "2026-11-28T00:00:00Z",
               "--database", db).returncode == 1
    other = examples / "other"
    shutil.copytree(examples / "account-unused", other)
    data = json.loads((other / "account.json").read_text())
    data["accountId"] = "777788889999"
    (other / "account.json").write_text(json.dumps(data))
    r = cli("analyze-unused", str(other), "--now", "2026-11-28T00:00:00Z", "--database", db)
    assert r.returncode == 2 and "belongs to account 444455556666" in r.stderr and "Traceback" not in r.stderr
    # under its own name it is another analyzer, in its own account
    r = cli("analyze-unused", str(other), "--now", "2026-11-28T00:00:00Z", "--database", db,
            "--analyzer-name", "other", "--output", "json")
    assert json.loads(r.stdout)["analyzerArn"].split(":")[4] == "777788889999"


def test_client_refuses_a_snapshot_of_another_account(tmp_path):
    client, store = client_for(tmp_path, "999988887777")
    arn = client.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    assert arn.split(":")[4] == "999988887777"
    with pytest.raises(client.exceptions.ValidationException, match="is of account 444455556666"):
        client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLES / "account-unused"), now=NOW)
    org = client.create_analyzer(analyzerName="org", type="ORGANIZATION_UNUSED_ACCESS")["arn"]
    with pytest.raises(client.exceptions.ValidationException, match="not an account of organization"):
        client.analyze_unused_access(analyzerArn=org, snapshotPath=str(EXAMPLES / "organization"), now=NOW)
    store.close()


def test_client_snapshot_sets_the_account_and_the_default_snapshot_path(tmp_path):
    client = accessproof.client("accessanalyzer", snapshot=str(EXAMPLES / "account-unused"),
                                database=f"sqlite:///{tmp_path / 'f.db'}", clock=lambda: NOW)
    arn = client.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    assert arn == f"arn:aws:access-analyzer:us-east-1:{MEMBER}:analyzer/unused"
    assert client.analyze_unused_access(analyzerArn=arn, now=NOW)["opened"] == 10


# --- organizations: accounts not analysed keep their findings ---------------------------------

def _statuses_by_account(client, arn):
    out: dict[str, list[str]] = {}
    for f in client.get_paginator("list_findings_v2").paginate(analyzerArn=arn):
        for finding in f["findings"]:
            out.setdefault(finding["resourceOwnerAccount"], []).append(finding["status"])
    return {account: sorted(set(statuses)) for account, statuses in out.items()}


def test_an_account_without_a_snapshot_keeps_its_findings(tmp_path, examples):
    client, store = client_for(tmp_path, MANAGEMENT)
    arn = client.create_analyzer(analyzerName="org", type="ORGANIZATION_UNUSED_ACCESS")["arn"]
    organization = examples / "organization"
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(organization), now=NOW)
    assert _statuses_by_account(client, arn) == {MANAGEMENT: ["ACTIVE"], MEMBER: ["ACTIVE"]}
    # the management account's snapshot is gone: its findings stay as they were
    (organization / "accessproof-snapshots.json").write_text(json.dumps({"snapshots": ["../account-unused"]}))
    summary = client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(organization), now=NOW)
    assert summary["resolved"] == 0 and any("has no snapshot" in p for p in summary["problems"])
    assert _statuses_by_account(client, arn) == {MANAGEMENT: ["ACTIVE"], MEMBER: ["ACTIVE"]}
    # a role deleted from an analysed account: its finding is resolved
    details_path = examples / "account-unused" / "iam" / "get-account-authorization-details.json"
    details = json.loads(details_path.read_text())
    details["RoleDetailList"] = [r for r in details["RoleDetailList"] if r["RoleName"] != "NeverUsedRole"]
    details_path.write_text(json.dumps(details))
    summary = client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(organization), now=NOW)
    assert summary["resolved"] == 1
    resolved = client.list_findings_v2(analyzerArn=arn, filter={"status": {"eq": ["RESOLVED"]}})["findings"]
    assert [f["resource"] for f in resolved] == [f"arn:aws:iam::{MEMBER}:role/NeverUsedRole"]
    store.close()


# --- paging as botocore models it -------------------------------------------------------------

def test_paginators_and_the_recommendation_page_limit(tmp_path):
    client, store = client_for(tmp_path, MEMBER)
    arn = client.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLES / "account-unused"), now=NOW)
    [reader] = [f for f in client.list_findings_v2(analyzerArn=arn)["findings"]
                if f["resource"].endswith("DataReaderRole")]
    pages = list(client.get_paginator("get_finding_v2").paginate(analyzerArn=arn, id=reader["id"], maxResults=1))
    assert [len(p["findingDetails"]) for p in pages] == [1, 1]
    client.generate_finding_recommendation(analyzerArn=arn, id=reader["id"])
    steps = [s for page in client.get_paginator("get_finding_recommendation").paginate(
        analyzerArn=arn, id=reader["id"], maxResults=1) for s in page["recommendedSteps"]]
    assert len(steps) == 3
    # GetFindingRecommendation's maxResults is 1 to 1000 (botocore model)
    with pytest.raises(client.exceptions.ValidationException, match="less than or equal to 1000"):
        client.get_finding_recommendation(analyzerArn=arn, id=reader["id"], maxResults=1001)
    store.close()
