"""The client: boto3's operations for unused access, on the example account and organization."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import accessproof
from accessproof.checks import check_no_new_access
from accessproof.findings import FindingsStore
from tests.boto import body

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account-unused"
ORGANIZATION = ROOT / "examples" / "organization"
NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)


@pytest.fixture
def client(tmp_path):
    store = FindingsStore.open(f"sqlite:///{tmp_path / 'f.db'}", account_id="444455556666", clock=lambda: NOW)
    yield accessproof.client("accessanalyzer", findings_store=store, clock=lambda: NOW)
    store.close()


def create(client, name="unused", type="ACCOUNT_UNUSED_ACCESS", **config):
    configuration = {"unusedAccess": config} if config else None
    return client.create_analyzer(analyzerName=name, type=type, **({"configuration": configuration} if configuration else {}))["arn"]


def findings(client, arn, **filter):
    return client.list_findings_v2(analyzerArn=arn, **({"filter": filter} if filter else {}))["findings"]


def test_create_analyzer_validates_the_configuration(client):
    with pytest.raises(client.exceptions.ValidationException, match="unusedAccessAge"):
        create(client, unusedAccessAge=400)
    with pytest.raises(client.exceptions.ValidationException, match="only organization analyzers"):
        create(client, analysisRule={"exclusions": [{"accountIds": ["111122223333"]}]})
    arn = create(client, unusedAccessAge=30)
    assert client.get_analyzer(analyzerName="unused")["analyzer"]["configuration"] == {"unusedAccess": {"unusedAccessAge": 30}}
    assert body(client.update_analyzer(analyzerName="unused", configuration={"unusedAccess": {"unusedAccessAge": 60}})) == {
        "configuration": {"unusedAccess": {"unusedAccessAge": 60}}}
    assert arn.endswith(":analyzer/unused")


def test_account_analysis_list_and_get_v2(client):
    arn = create(client)
    summary = client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLE), now=NOW)
    assert summary["opened"] == 10 and summary["resolved"] == 0
    listed = findings(client, arn)
    assert sorted({f["findingType"] for f in listed}) == ["UnusedIAMRole", "UnusedIAMUserAccessKey",
                                                         "UnusedIAMUserPassword", "UnusedPermission"]
    roles = findings(client, arn, findingType={"eq": ["UnusedIAMRole"]})
    assert sorted(f["resource"].split("/")[-1] for f in roles) == ["LegacyBatchRole", "NeverUsedRole", "SandboxRole"]
    [reader] = [f for f in listed if f["resource"].endswith("DataReaderRole")]
    got = client.get_finding_v2(analyzerArn=arn, id=reader["id"], maxResults=1)
    assert got["findingType"] == "UnusedPermission" and got["resourceType"] == "AWS::IAM::Role"
    assert got["findingDetails"] == [{"unusedPermissionDetails": {"serviceNamespace": "dynamodb"}}]
    rest = client.get_finding_v2(analyzerArn=arn, id=reader["id"], nextToken=got["nextToken"])
    s3 = rest["findingDetails"][0]["unusedPermissionDetails"]
    assert s3["serviceNamespace"] == "s3" and isinstance(s3["lastAccessed"], datetime)
    assert [a["action"] for a in s3["actions"]] == ["s3:CreateBucket", "s3:DeleteBucket", "s3:DeleteObject",
                                                   "s3:PutBucketPolicy", "s3:PutObject"]
    assert "nextToken" not in rest


def test_tag_exclusion_through_the_api(client):
    arn = create(client, analysisRule={"exclusions": [{"resourceTags": [{"environment": "sandbox"}]}]})
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLE), now=NOW)
    assert not any(f["resource"].endswith("SandboxRole") for f in findings(client, arn))


def test_recommendation_is_proven_and_validated(client):
    arn = create(client)
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLE), now=NOW)
    [reader] = [f for f in findings(client, arn, findingType={"eq": ["UnusedPermission"]})
                if f["resource"].endswith("DataReaderRole")]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_finding_recommendation(analyzerArn=arn, id=reader["id"])
    assert body(client.generate_finding_recommendation(analyzerArn=arn, id=reader["id"])) == {}
    response = client.get_finding_recommendation(analyzerArn=arn, id=reader["id"])
    assert response["status"] == "SUCCEEDED" and response["recommendationType"] == "UnusedPermissionRecommendation"
    steps = [s["unusedPermissionsRecommendedStep"] for s in response["recommendedSteps"]]
    assert [(s["existingPolicyId"], s["recommendedAction"]) for s in steps] == [
        ("arn:aws:iam::444455556666:policy/S3FullAccess", "CREATE_POLICY"),
        ("arn:aws:iam::444455556666:policy/S3FullAccess", "DETACH_POLICY"), ("OrdersTableRead", "DETACH_POLICY")]
    # both steps of the partly used policy name when it was last updated; the detach step has no policy
    assert steps[0]["policyUpdatedAt"] == steps[1]["policyUpdatedAt"] and "recommendedPolicy" not in steps[1]
    create_step = steps[0]
    assert isinstance(create_step["policyUpdatedAt"], datetime)
    original = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "S3Everything", "Effect": "Allow",
                                                                     "Action": "s3:*", "Resource": "*"}]})
    assert check_no_new_access(create_step["recommendedPolicy"], original, "IDENTITY_POLICY").result == "PASS"
    assert client.validate_policy(policyDocument=create_step["recommendedPolicy"], policyType="IDENTITY_POLICY")["findings"] == []
    assert response["accessproof"]["proofs"][0]["checkNoNewAccess"]["result"] == "PASS"
    paged = client.get_finding_recommendation(analyzerArn=arn, id=reader["id"], maxResults=1)
    assert len(paged["recommendedSteps"]) == 1 and "nextToken" in paged


def test_recommendation_only_for_unused_permission(client):
    arn = create(client)
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLE), now=NOW)
    [role] = findings(client, arn, findingType={"eq": ["UnusedIAMRole"]}, resource={"contains": ["Legacy"]})
    with pytest.raises(client.exceptions.ValidationException, match="UnusedPermission"):
        client.generate_finding_recommendation(analyzerArn=arn, id=role["id"])


def test_organization_analysis_and_statistics(client):
    arn = create(client, "org", "ORGANIZATION_UNUSED_ACCESS")
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(ORGANIZATION), now=NOW)
    [stats] = client.get_findings_statistics(analyzerArn=arn)["findingsStatistics"]
    body = stats["unusedAccessFindingsStatistics"]
    assert [a["account"] for a in body["topAccounts"]] == ["444455556666", "111122223333"]
    assert body["topAccounts"][1] == {"account": "111122223333", "numberOfActiveFindings": 5,
                                      "details": {"UnusedIAMRole": 5}}
    totals = {s["unusedAccessType"]: s["total"] for s in body["unusedAccessTypeStatistics"]}
    assert totals == {"UnusedIAMRole": 8, "UnusedIAMUserAccessKey": 2, "UnusedIAMUserPassword": 1, "UnusedPermission": 4}
    assert body["totalActiveFindings"] == 15


def test_use_recorded_in_the_snapshot_resolves_findings(client, tmp_path):
    """bob signs in and the role is assumed again: a fresh snapshot resolves both findings."""
    import base64
    import shutil

    arn = create(client)
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLE), now=NOW)
    snapshot = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snapshot)
    report_path = snapshot / "iam" / "get-credential-report.json"
    report = json.loads(report_path.read_text())
    csv = base64.b64decode(report["Content"]).decode().replace("2026-03-01T08:00:00+00:00", "2026-11-29T08:00:00+00:00")
    report["Content"] = base64.b64encode(csv.encode()).decode()
    report_path.write_text(json.dumps(report))
    details_path = snapshot / "iam" / "get-account-authorization-details.json"
    details = json.loads(details_path.read_text())
    for role in details["RoleDetailList"]:
        if role["RoleName"] == "LegacyBatchRole":
            role["RoleLastUsed"] = {"LastUsedDate": "2026-11-29T09:00:00+00:00", "Region": "us-east-1"}
    details_path.write_text(json.dumps(details))
    later = NOW + timedelta(days=1)
    summary = client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(snapshot), now=later)
    assert summary["resolved"] == 2 and summary["opened"] == 0
    resolved = findings(client, arn, status={"eq": ["RESOLVED"]})
    assert sorted((f["resource"].split("/")[-1], f["findingType"]) for f in resolved) == [
        ("LegacyBatchRole", "UnusedIAMRole"), ("bob", "UnusedIAMUserPassword")]


def test_account_analyzer_refuses_an_organization_folder(client):
    arn = create(client)
    with pytest.raises(client.exceptions.ValidationException, match="organization folder"):
        client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(ORGANIZATION), now=NOW)


def test_filter_by_service_namespace_and_archive_rule(client):
    arn = create(client)
    client.analyze_unused_access(analyzerArn=arn, snapshotPath=str(EXAMPLE), now=NOW)
    s3 = findings(client, arn, **{"unusedPermissionDetails.serviceNamespace": {"eq": ["s3"]}})
    assert sorted(f["resource"].split("/")[-1] for f in s3) == ["DataReaderRole", "carol"]
    keys = findings(client, arn, **{"unusedIamUserAccessKeyDetails.accessKeyId": {"contains": ["CIDEPLOY"]}})
    assert [f["resource"].split("/")[-1] for f in keys] == ["ci-deployer"]
