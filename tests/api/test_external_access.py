"""``accessproof.client("accessanalyzer")`` for external access: analyzers on a snapshot, the
findings lifecycle, archive rules, access previews and error cases, on a copy of the example account."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, ParamValidationError

import accessproof
from accessproof.api.client import application_of
from accessproof.findings import FindingsStore
from tests.boto import body

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account"
ACCOUNT_ID = "111122223333"
WEBSITE = "arn:aws:s3:::example-public-website"  # public through its bucket policy
PRIVATE = "arn:aws:s3:::example-private-config"  # no outside access
REPORTS = "arn:aws:s3:::example-org-reports"  # organization-wide read
INBOX = "arn:aws:sqs:us-east-1:111122223333:partner-inbox"  # one partner account may send
PARTNER = "999988887777"


def bucket_policy(bucket_arn: str, principal: object = "*", action: str = "s3:GetObject") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": f"{bucket_arn}/*"}]})


def queue_policy(principal: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sqs:SendMessage", "Resource": INBOX}]})


def write_queue_policy(snapshot: Path, policy: str) -> None:
    path = snapshot / "sqs" / "partner-inbox" / "get-queue-attributes.json"
    path.write_text(json.dumps({"Attributes": {"QueueArn": INBOX, "Policy": policy}}))


@pytest.fixture
def snapshot(tmp_path) -> Path:
    copy = tmp_path / "account"
    shutil.copytree(EXAMPLE, copy)
    return copy


@pytest.fixture
def client(tmp_path, snapshot):
    return accessproof.client("accessanalyzer", snapshot=str(snapshot), database=f"sqlite:///{tmp_path / 'f.db'}")


@pytest.fixture
def analyzer(client) -> str:
    return client.create_analyzer(analyzerName="external", type="ACCOUNT")["arn"]


def findings(client, arn, **filter) -> list[dict]:
    pages = client.get_paginator("list_findings").paginate(analyzerArn=arn, **({"filter": filter} if filter else {}), maxResults=7)
    return [f for page in pages for f in page["findings"]]


def of(found: list[dict], resource: str, status: str = "ACTIVE") -> list[dict]:
    return [f for f in found if f["resource"] == resource and f["status"] == status]


def preview(client, arn, configurations) -> tuple[str, list[dict]]:
    preview_id = client.create_access_preview(analyzerArn=arn, configurations=configurations)["id"]
    got = client.get_access_preview(accessPreviewId=preview_id, analyzerArn=arn)["accessPreview"]
    assert got["status"] == "COMPLETED", got
    pages = client.get_paginator("list_access_preview_findings").paginate(
        accessPreviewId=preview_id, analyzerArn=arn, maxResults=2)
    return preview_id, [f for page in pages for f in page["findings"]]


# ------------------------------------------------------------------------------ analyzers


def test_create_analyzer_analyses_the_snapshot(client, analyzer, snapshot):
    assert analyzer == f"arn:aws:access-analyzer:us-east-1:{ACCOUNT_ID}:analyzer/external"
    found = findings(client, analyzer)
    assert found and all(f["status"] == "ACTIVE" and f["resourceOwnerAccount"] == ACCOUNT_ID for f in found)
    [website] = of(found, WEBSITE)
    assert website["isPublic"] is True and website["principal"] == {"AWS": "*"} and website["action"] == ["s3:GetObject"]
    assert website["sources"] == [{"type": "POLICY"}]
    assert not of(found, PRIVATE)
    assert {s["type"] for f in found for s in f.get("sources", [])} >= {"POLICY", "BUCKET_ACL", "S3_ACCESS_POINT"}
    assert client.get_finding(analyzerArn=analyzer, id=website["id"])["finding"] == website
    v2 = client.get_finding_v2(analyzerArn=analyzer, id=website["id"])
    assert v2["findingType"] == "ExternalAccess"
    assert v2["findingDetails"] == [{"externalAccessDetails": {
        "action": ["s3:GetObject"], "condition": {}, "isPublic": True, "principal": {"AWS": "*"},
        "sources": [{"type": "POLICY"}]}}]
    assert len(client.list_findings_v2(analyzerArn=analyzer, maxResults=100)["findings"]) == len(found)


def test_analyzers_resources_and_statistics(client, analyzer):
    [summary] = client.list_analyzers(type="ACCOUNT")["analyzers"]
    assert summary["name"] == "external" and summary["status"] == "ACTIVE" and summary["lastResourceAnalyzed"]
    assert client.get_analyzer(analyzerName="external")["analyzer"]["arn"] == analyzer
    resources = [r for page in client.get_paginator("list_analyzed_resources").paginate(analyzerArn=analyzer, maxResults=10)
                 for r in page["analyzedResources"]]
    assert len(resources) == len(accessproof.inventory.load_snapshot(EXAMPLE).resources)
    assert {"resourceArn": PRIVATE, "resourceOwnerAccount": ACCOUNT_ID, "resourceType": "AWS::S3::Bucket"} in resources
    buckets = client.list_analyzed_resources(analyzerArn=analyzer, resourceType="AWS::S3::Bucket")["analyzedResources"]
    assert all(r["resourceType"] == "AWS::S3::Bucket" for r in buckets) and len(buckets) == 7
    website = client.get_analyzed_resource(analyzerArn=analyzer, resourceArn=WEBSITE)["resource"]
    assert website["isPublic"] is True and website["status"] == "ACTIVE" and website["sharedVia"] == ["POLICY"]
    assert client.get_analyzed_resource(analyzerArn=analyzer, resourceArn=PRIVATE)["resource"]["isPublic"] is False
    stats = client.get_findings_statistics(analyzerArn=analyzer)["findingsStatistics"][0]["externalAccessFindingsStatistics"]
    assert stats["totalActiveFindings"] == len(findings(client, analyzer))
    assert stats["resourceTypeStatistics"]["AWS::S3::Bucket"]["totalActivePublic"] == 2
    client.delete_analyzer(analyzerName="external")
    assert client.list_analyzers()["analyzers"] == []
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_findings(analyzerArn=analyzer)


def test_organization_zone_trusts_the_organization(client):
    arn = client.create_analyzer(analyzerName="org", type="ORGANIZATION")["arn"]
    conditions = [f.get("condition", {}) for f in findings(client, arn)]
    assert not any(c.get("aws:PrincipalOrgID") == "o-a1b2c3d4e5" for c in conditions)
    account = client.create_analyzer(analyzerName="acct", type="ACCOUNT")["arn"]
    assert any(f.get("condition", {}).get("aws:PrincipalOrgID") == "o-a1b2c3d4e5" for f in findings(client, account))


# ------------------------------------------------------------------------------ lifecycle


def test_reanalysis_resolves_gone_access_and_opens_new(client, analyzer, snapshot):
    before = findings(client, analyzer)
    [old_inbox] = of(before, INBOX)
    [old_website] = of(before, WEBSITE)
    (snapshot / "s3" / "example-public-website" / "get-bucket-policy.json").unlink()
    write_queue_policy(snapshot, queue_policy("arn:aws:iam::444455556666:root"))
    shutil.rmtree(snapshot / "sns")
    changes = client.analyze_external_access(analyzerArn=analyzer)
    assert changes["opened"] == 1 and changes["resolved"] == 3
    after = findings(client, analyzer)
    resolved = {f["id"] for f in after if f["status"] == "RESOLVED"}
    assert {old_inbox["id"], old_website["id"]} <= resolved
    [new_inbox] = of(after, INBOX)
    assert new_inbox["id"] != old_inbox["id"] and new_inbox["principal"] == {"AWS": "444455556666"}
    unchanged = [f for f in before if f["resource"] not in (INBOX, WEBSITE) and "sns" not in f["resource"]]
    assert {f["id"] for f in unchanged} <= {f["id"] for f in after if f["status"] == "ACTIVE"}
    arns = {r["resourceArn"] for r in client.list_analyzed_resources(analyzerArn=analyzer)["analyzedResources"]}
    assert not any(":sns:" in a for a in arns)  # gone from the snapshot, gone from the analyzed resources


def test_start_resource_scan_rescans_one_resource(client, analyzer, snapshot):
    [old] = of(findings(client, analyzer), INBOX)
    write_queue_policy(snapshot, queue_policy(f"arn:aws:iam::{ACCOUNT_ID}:root"))  # inside the zone now
    (snapshot / "s3" / "example-public-website" / "get-bucket-policy.json").unlink()  # not rescanned
    assert body(client.start_resource_scan(analyzerArn=analyzer, resourceArn=INBOX)) == {}
    after = findings(client, analyzer)
    assert [f["id"] for f in of(after, INBOX, "RESOLVED")] == [old["id"]] and not of(after, INBOX)
    assert of(after, WEBSITE)  # the other resource keeps its finding until it is scanned
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.start_resource_scan(analyzerArn=analyzer, resourceArn="arn:aws:sqs:us-east-1:111122223333:nope")


def test_archive_rules_and_update_findings(client, analyzer, snapshot):
    rule = {"isPublic": {"eq": ["false"]}, "resourceType": {"eq": ["AWS::SQS::Queue"]}}
    assert body(client.create_archive_rule(analyzerName="external", ruleName="queues", filter=rule)) == {}
    assert client.get_archive_rule(analyzerName="external", ruleName="queues")["archiveRule"]["filter"] == rule
    assert of(findings(client, analyzer), INBOX)  # a new rule leaves existing findings alone
    assert body(client.apply_archive_rule(analyzerArn=analyzer, ruleName="queues")) == {}
    [archived] = of(findings(client, analyzer), INBOX, "ARCHIVED")
    write_queue_policy(snapshot, queue_policy("arn:aws:iam::444455556666:root"))
    client.analyze_external_access(analyzerArn=analyzer)
    assert of(findings(client, analyzer), INBOX, "ARCHIVED")[0]["id"] != archived["id"]  # new finding, archived by the rule
    client.update_archive_rule(analyzerName="external", ruleName="queues", filter={"resourceType": {"eq": ["AWS::SNS::Topic"]}})
    assert [r["ruleName"] for r in client.list_archive_rules(analyzerName="external")["archiveRules"]] == ["queues"]
    client.delete_archive_rule(analyzerName="external", ruleName="queues")
    assert client.list_archive_rules(analyzerName="external")["archiveRules"] == []
    [website] = of(findings(client, analyzer), WEBSITE)
    client.update_findings(analyzerArn=analyzer, status="ARCHIVED", ids=[website["id"]])
    assert client.get_finding(analyzerArn=analyzer, id=website["id"])["finding"]["status"] == "ARCHIVED"
    client.update_findings(analyzerArn=analyzer, status="ACTIVE", resourceArn=WEBSITE)
    assert client.get_finding(analyzerArn=analyzer, id=website["id"])["finding"]["status"] == "ACTIVE"
    assert findings(client, analyzer, status={"eq": ["ARCHIVED"]}) == of(findings(client, analyzer), INBOX, "ARCHIVED")


def test_inline_archive_rules_archive_at_creation(client):
    arn = client.create_analyzer(analyzerName="quiet", type="ACCOUNT", archiveRules=[
        {"ruleName": "public", "filter": {"isPublic": {"eq": ["true"]}}}])["arn"]
    found = findings(client, arn)
    assert {f["status"] for f in found if f.get("isPublic")} == {"ARCHIVED"}
    assert {f["status"] for f in found if not f.get("isPublic")} == {"ACTIVE"}  # error findings have no isPublic


# ------------------------------------------------------------------------------ previews


def test_preview_making_a_private_bucket_public_is_new(client, analyzer):
    _, blocked = preview(client, analyzer, {PRIVATE: {"s3Bucket": {"bucketPolicy": bucket_policy(PRIVATE)}}})
    assert blocked == []  # its Block Public Access (RestrictPublicBuckets) still holds
    _, found = preview(client, analyzer, {PRIVATE: {"s3Bucket": {
        "bucketPolicy": bucket_policy(PRIVATE),
        "bucketPublicAccessBlock": {"ignorePublicAcls": False, "restrictPublicBuckets": False}}}})
    [new] = found
    assert new["changeType"] == "NEW" and new["status"] == "ACTIVE" and new["isPublic"] is True
    assert new["resource"] == PRIVATE and new["principal"] == {"AWS": "*"} and "existingFindingId" not in new
    assert not of(findings(client, analyzer), PRIVATE)  # a preview records nothing


def test_preview_making_a_public_bucket_private_changes_its_finding(client, analyzer):
    [existing] = of(findings(client, analyzer), WEBSITE)
    _, found = preview(client, analyzer, {WEBSITE: {"s3Bucket": {"bucketPolicy": ""}}})
    found = [{k: v for k, v in f.items() if k != "witness"} for f in found]  # the witness may differ
    assert found == [{**{k: existing[k] for k in ("principal", "action", "resource", "isPublic", "resourceType",
                                                   "condition", "resourceOwnerAccount", "sources")},
                      "id": found[0]["id"], "createdAt": found[0]["createdAt"], "status": "RESOLVED",
                      "changeType": "CHANGED", "existingFindingId": existing["id"], "existingFindingStatus": "ACTIVE"}]
    assert found[0]["id"] != existing["id"]


def test_preview_unchanged_and_changed_grant(client, analyzer):
    [existing] = of(findings(client, analyzer), INBOX)
    _, same = preview(client, analyzer, {INBOX: {"sqsQueue": {"queuePolicy": queue_policy(f"arn:aws:iam::{PARTNER}:root")}}})
    assert [(f["changeType"], f["status"], f["existingFindingId"]) for f in same] == [("UNCHANGED", "ACTIVE", existing["id"])]
    preview_id, other = preview(client, analyzer, {INBOX: {"sqsQueue": {"queuePolicy": queue_policy("444455556666")}}})
    assert sorted((f["changeType"], f["status"]) for f in other) == [("CHANGED", "RESOLVED"), ("NEW", "ACTIVE")]
    new_only = client.list_access_preview_findings(accessPreviewId=preview_id, analyzerArn=analyzer,
                                                   filter={"changeType": {"eq": ["NEW"]}})["findings"]
    assert [f["principal"] for f in new_only] == [{"AWS": "444455556666"}]
    by_existing = client.list_access_preview_findings(accessPreviewId=preview_id, analyzerArn=analyzer,
                                                      filter={"existingFindingStatus": {"exists": True}})["findings"]
    assert [f["existingFindingId"] for f in by_existing] == [existing["id"]]


def test_preview_status_follows_archive_rules_and_existing_status(client, analyzer):
    client.create_archive_rule(analyzerName="external", ruleName="partner",
                               filter={"principal.AWS": {"eq": ["444455556666"]}})
    _, found = preview(client, analyzer, {INBOX: {"sqsQueue": {"queuePolicy": queue_policy("444455556666")}}})
    assert {(f["changeType"], f["status"]) for f in found} == {("NEW", "ARCHIVED"), ("CHANGED", "RESOLVED")}
    [website] = of(findings(client, analyzer), WEBSITE)
    client.update_findings(analyzerArn=analyzer, status="ARCHIVED", ids=[website["id"]])
    _, kept = preview(client, analyzer, {WEBSITE: {"s3Bucket": {"bucketAclGrants": []}}})
    assert [(f["changeType"], f["status"], f["existingFindingStatus"]) for f in kept] == [("UNCHANGED", "ARCHIVED", "ARCHIVED")]


def test_preview_of_new_resources_and_other_types(client, analyzer):
    bucket = "arn:aws:s3:::brand-new-bucket"
    _, found = preview(client, analyzer, {bucket: {"s3Bucket": {"bucketAclGrants": [
        {"permission": "READ", "grantee": {"uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}}})
    assert [(f["changeType"], f["isPublic"], f["sources"][0]["type"]) for f in found] == [("NEW", True, "BUCKET_ACL")]
    _, blocked = preview(client, analyzer, {bucket: {"s3Bucket": {
        "bucketAclGrants": [{"permission": "READ", "grantee": {"uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}],
        "bucketPublicAccessBlock": {"ignorePublicAcls": True, "restrictPublicBuckets": True}}}})
    assert blocked == []
    ebs = "arn:aws:ec2:us-east-1::snapshot/snap-0aaaabbbbccccdddd"
    _, shared = preview(client, analyzer, {ebs: {"ebsSnapshot": {"groups": ["all"]}}})
    assert [(f["changeType"], f["isPublic"]) for f in shared] == [("NEW", True)]
    key = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    _, granted = preview(client, analyzer, {key: {"kmsKey": {"grants": [
        {"operations": ["Decrypt"], "granteePrincipal": f"arn:aws:iam::{PARTNER}:root", "issuingAccount": ACCOUNT_ID}]}}})
    assert [(f["principal"], f["action"]) for f in granted] == [({"AWS": PARTNER}, ["kms:Decrypt"])]
    role = "arn:aws:iam::111122223333:role/team/NewRole"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": PARTNER},
                                                                "Action": "sts:AssumeRole"}]})
    _, assumed = preview(client, analyzer, {role: {"iamRole": {"trustPolicy": trust}}})
    assert [f["action"] for f in assumed] == [["sts:AssumeRole"]]
    rds = "arn:aws:rds:us-east-1:111122223333:snapshot:orders-db-final"
    _, unshared = preview(client, analyzer, {rds: {"rdsDbSnapshot": {"attributes": {"restore": {"accountIds": []}}}}})
    assert [(f["changeType"], f["status"]) for f in unshared] == [("CHANGED", "RESOLVED")]
    listed = client.list_access_previews(analyzerArn=analyzer)["accessPreviews"]
    assert len(listed) == 6 and all(p["status"] == "COMPLETED" and "configurations" not in p for p in listed)


def test_malformed_proposed_policy_fails_the_preview(client, analyzer):
    preview_id = client.create_access_preview(analyzerArn=analyzer, configurations={
        INBOX: {"sqsQueue": {"queuePolicy": '{"Statement": [{"Effect": "Allow"'}}})["id"]
    got = client.get_access_preview(accessPreviewId=preview_id, analyzerArn=analyzer)["accessPreview"]
    assert got["status"] == "FAILED" and got["statusReason"] == {"code": "INVALID_CONFIGURATION"}
    with pytest.raises(client.exceptions.ConflictException):
        client.list_access_preview_findings(accessPreviewId=preview_id, analyzerArn=analyzer)


# ------------------------------------------------------------------------------ errors


REFUSED_BY_BOTOCORE = {"exactly one", "unknown resource configuration", "unknown member", "restrictPublicBuckets"}


@pytest.mark.parametrize("configurations, message", [
    ({}, "at least one"),
    ({INBOX: {}}, "exactly one"),
    ({INBOX: {"sqsQueue": {}, "snsTopic": {}}}, "exactly one"),
    ({INBOX: {"lambdaFunction": {}}}, "unknown resource configuration"),
    ({INBOX: {"snsTopic": {"topicPolicy": "{}"}}}, "not an ARN of AWS::SNS::Topic"),
    ({"arn:aws:sqs:us-east-1:111122223333:orders-queue": {"sqsQueue": {"policy": "{}"}}}, "unknown member"),
    ({WEBSITE: {"s3Bucket": {"bucketAclGrants": [{"permission": "READ_WRITE", "grantee": {"id": "x"}}]}}}, "READ_WRITE"),
    ({WEBSITE: {"s3Bucket": {"bucketPublicAccessBlock": {"ignorePublicAcls": True}}}}, "restrictPublicBuckets"),
    ({"arn:aws:sqs:us-east-1:999988887777:theirs": {"sqsQueue": {"queuePolicy": "{}"}}}, "belongs to account"),
    ({"arn:aws:kms:us-east-1:111122223333:key/k": {"kmsKey": {"keyPolicies": {"default": ""}}}}, "empty string"),
    ({"arn:aws:iam::111122223333:role/New": {"iamRole": {}}}, "required for a new role"),
    ({"not-an-arn": {"sqsQueue": {}}}, "not a resource ARN"),
    ({REPORTS: {"sqsQueue": {"queuePolicy": "{}"}}}, "not an ARN of AWS::SQS::Queue"),
    ({"arn:aws:s3express:us-east-1:111122223333:bucket/b--use1-az4--x-s3": {"s3ExpressDirectoryBucket": {
        "accessPoints": {"arn:aws:s3express:us-east-1:111122223333:accesspoint/a": {}}}}}, "not supported"),
])
def test_bad_preview_configurations_are_validation_errors(client, analyzer, configurations, message):
    if message in REFUSED_BY_BOTOCORE:
        # boto3 refuses these before sending (its own validation of the model's union and
        # structure shapes); a caller that sends them anyway meets the backend's check.
        with pytest.raises(ParamValidationError):
            client.create_access_preview(analyzerArn=analyzer, configurations=configurations)
        with pytest.raises(ClientError, match=message) as raised:
            application_of(client).backend("accessanalyzer").create_access_preview(
                analyzerArn=analyzer, configurations=configurations)
        assert raised.value.response["Error"]["Code"] == "ValidationException"
    else:
        with pytest.raises(client.exceptions.ValidationException, match=message):
            client.create_access_preview(analyzerArn=analyzer, configurations=configurations)
    assert client.list_access_previews(analyzerArn=analyzer)["accessPreviews"] == []


def test_errors_are_client_errors(client, analyzer, tmp_path):
    missing = analyzer.replace("/external", "/missing")
    with pytest.raises(client.exceptions.ConflictException):
        client.create_analyzer(analyzerName="external", type="ACCOUNT")
    with pytest.raises(client.exceptions.ValidationException, match="type"):
        client.create_analyzer(analyzerName="x", type="EVERYTHING")
    for call in (lambda: client.list_findings(analyzerArn=missing),
                 lambda: client.get_finding(analyzerArn=analyzer, id="nope"),
                 lambda: client.get_access_preview(accessPreviewId="00000000-0000-0000-0000-000000000000", analyzerArn=analyzer),
                 lambda: client.get_analyzed_resource(analyzerArn=analyzer, resourceArn="arn:aws:s3:::nope"),
                 lambda: client.delete_archive_rule(analyzerName="external", ruleName="nope"),
                 lambda: client.apply_archive_rule(analyzerArn=analyzer, ruleName="nope")):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            call()
    for call in (lambda: client.list_findings(analyzerArn="not-an-arn"),
                 lambda: client.list_findings(analyzerArn=analyzer, filter={"nope": {"eq": ["x"]}}),
                 lambda: client.list_findings(analyzerArn=analyzer, maxResults=0),
                 lambda: client.list_analyzers(nextToken="%%%"),
                 lambda: client.update_findings(analyzerArn=analyzer, status="RESOLVED", ids=["x"]),
                 lambda: client.create_archive_rule(analyzerName="external", ruleName="r", filter={"status": {"eq": ["ACTIVE"]}}),
                 lambda: client.start_resource_scan(analyzerArn=analyzer, resourceArn="bucket")):
        with pytest.raises(client.exceptions.ValidationException):
            call()
    org = client.create_analyzer(analyzerName="org", type="ORGANIZATION")["arn"]
    with pytest.raises(client.exceptions.ValidationException, match="Account type"):
        client.create_access_preview(analyzerArn=org, configurations={INBOX: {"sqsQueue": {"queuePolicy": ""}}})
    unused = client.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    with pytest.raises(client.exceptions.ValidationException, match="not an external access analyzer"):
        client.start_resource_scan(analyzerArn=unused, resourceArn=INBOX)


def test_snapshot_problems_are_validation_errors(tmp_path, snapshot):
    database = f"sqlite:///{tmp_path / 'f.db'}"
    bare = accessproof.client("accessanalyzer", database=database)
    arn = bare.create_analyzer(analyzerName="later", type="ACCOUNT")["arn"]  # no snapshot: created empty
    assert bare.list_findings(analyzerArn=arn)["findings"] == []
    with pytest.raises(bare.exceptions.ValidationException, match="no snapshot"):
        bare.analyze_external_access(analyzerArn=arn)
    assert bare.analyze_external_access(analyzerArn=arn, snapshotPath=str(snapshot))["opened"] > 0
    (snapshot / "sqs" / "partner-inbox" / "get-queue-attributes.json").write_text("{ nope")
    broken = accessproof.client("accessanalyzer", database=database, snapshot=str(snapshot))
    with pytest.raises(broken.exceptions.ValidationException, match="get-queue-attributes.json"):
        broken.create_analyzer(analyzerName="broken", type="ACCOUNT")
    assert [a["name"] for a in broken.list_analyzers()["analyzers"]] == ["later"]  # nothing created
    (snapshot / "account.json").write_text(json.dumps({"accountId": ACCOUNT_ID, "region": "us-east-1"}))
    shutil.rmtree(snapshot / "sqs")
    lone = accessproof.client("accessanalyzer", database=database, snapshot=str(snapshot))
    with pytest.raises(lone.exceptions.ValidationException, match="organization id"):
        lone.create_analyzer(analyzerName="org", type="ORGANIZATION")
    bad_db = accessproof.client("accessanalyzer", database="nope://x", snapshot=str(snapshot))
    with pytest.raises(ClientError, match="unsupported database URL"):
        bad_db.list_analyzers()


def test_one_store_for_external_and_unused_access(tmp_path, snapshot):
    store = FindingsStore.open(f"sqlite:///{tmp_path / 'shared.db'}", account_id=ACCOUNT_ID)
    client = accessproof.client("accessanalyzer", findings_store=store, snapshot=str(snapshot))
    client.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")
    client.create_analyzer(analyzerName="external", type="ACCOUNT")
    assert sorted(a["name"] for a in client.list_analyzers()["analyzers"]) == ["external", "unused"]
    assert [a.name for a in store.list_analyzers("ACCOUNT")] == ["external"]
    store.close()


def test_organization_folder_and_a_stand_in_analyzer(tmp_path, snapshot):
    folder = tmp_path / "organization"
    shutil.copytree(ROOT / "examples" / "organization", folder)
    (folder / "accessproof-snapshots.json").write_text(json.dumps({"snapshots": ["../account"]}))
    seen = []

    class StandIn:  # the analyzer's public interface: analyze / analyze_snapshot -> ResourceAnalysis
        def __init__(self, zone):
            seen.append(zone)

        def analyze(self, resource, snapshot=None):
            from accessproof.findings import FreshFinding, ResourceAnalysis
            fresh = FreshFinding(resource.arn, resource.resource_type, resource.account_id, principal={"AWS": PARTNER},
                                 action=("sqs:SendMessage",), is_public=False, sources=({"type": "POLICY"},))
            return ResourceAnalysis(resource.arn, resource.resource_type, resource.account_id,
                                    (fresh,) if resource.arn == INBOX else ())

        def analyze_snapshot(self, snapshot, progress=None):
            return [self.analyze(r, snapshot) for r in snapshot.resources]

    client = accessproof.client("accessanalyzer", snapshot=str(folder), database=f"sqlite:///{tmp_path / 'o.db'}",
                                external_analyzer_factory=StandIn)
    arn = client.create_analyzer(analyzerName="org", type="ORGANIZATION")["arn"]
    assert [(z.type, z.organization_id, sorted(z.member_accounts)) for z in seen] == [
        ("ORGANIZATION", "o-a1b2c3d4e5", ["111122223333", "444455556666"])]
    assert [(f["resource"], f["principal"]) for f in findings(client, arn)] == [(INBOX, {"AWS": PARTNER})]


def test_lifecycle_and_previews_on_postgresql(postgresql_url, snapshot):
    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=postgresql_url)
    name = f"external-{uuid.uuid4().hex[:8]}"
    arn = client.create_analyzer(analyzerName=name, type="ACCOUNT")["arn"]
    [old] = of(findings(client, arn), INBOX)
    _, found = preview(client, arn, {INBOX: {"sqsQueue": {"queuePolicy": ""}}})
    assert [(f["changeType"], f["existingFindingId"]) for f in found] == [("CHANGED", old["id"])]
    write_queue_policy(snapshot, queue_policy("444455556666"))
    assert client.analyze_external_access(analyzerArn=arn)["opened"] == 1
    after = findings(client, arn)
    assert [f["id"] for f in of(after, INBOX, "RESOLVED")] == [old["id"]] and len(of(after, INBOX)) == 1
    client.delete_analyzer(analyzerName=name)


def test_preview_secret_key_decides_cross_account_reads(client, analyzer):
    """SecretsManagerSecretConfiguration: a new secret without ``kmsKeyId``, or with an empty one,
    uses the AWS managed key aws/secretsmanager, which "you can't use [...] for cross-account
    access" (Secrets Manager User Guide): the partner's read is no finding; with a key of its own,
    it is one."""
    secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT_ID}:secret:preview-token-Ab12Cd"
    read = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": PARTNER},
                                                                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    _, managed = preview(client, analyzer, {secret: {"secretsManagerSecret": {"secretPolicy": read}}})
    _, empty = preview(client, analyzer, {secret: {"secretsManagerSecret": {"secretPolicy": read, "kmsKeyId": ""}}})
    assert managed == [] and empty == []
    key = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    _, own_key = preview(client, analyzer, {secret: {"secretsManagerSecret": {"secretPolicy": read, "kmsKeyId": key}}})
    assert [(f["changeType"], f["principal"], f["action"]) for f in own_key] == [
        ("NEW", {"AWS": PARTNER}, ["secretsmanager:GetSecretValue"])]
    # An existing secret keeps its key when none is proposed: prod/db-password has a key of its own.
    existing = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT_ID}:secret:prod/db-password-AbCdEf"
    _, kept = preview(client, analyzer, {existing: {"secretsManagerSecret": {"secretPolicy": read}}})
    assert [f["principal"] for f in kept if f["changeType"] == "NEW"] == [{"AWS": PARTNER}]


def test_preview_snapshot_key_marks_it_encrypted(client, analyzer):
    """EbsSnapshotConfiguration / RdsDbSnapshotConfiguration ``kmsKeyId``: "the KMS key identifier
    for an encrypted [...] snapshot"; "You can share only unencrypted snapshots publicly" (EBS User
    Guide) and "You can't share encrypted snapshots as public" (RDS User Guide)."""
    ebs = "arn:aws:ec2:us-east-1::snapshot/snap-0aaaabbbbccccdddd"
    key = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    _, encrypted = preview(client, analyzer, {ebs: {"ebsSnapshot": {"groups": ["all"], "userIds": [PARTNER], "kmsKeyId": key}}})
    assert [(f["principal"], f["isPublic"]) for f in encrypted] == [({"AWS": PARTNER}, False)]
    rds = f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:snapshot:preview-db"
    _, new = preview(client, analyzer, {rds: {"rdsDbSnapshot": {"attributes": {"restore": {"accountIds": ["all"]}}}}})
    assert [f["isPublic"] for f in new] == [True]  # a new snapshot without a key is unencrypted
    _, managed = preview(client, analyzer, {rds: {"rdsDbSnapshot": {"attributes": {"restore": {"accountIds": [PARTNER]}},
                                                                    "kmsKeyId": "alias/aws/rds"}}})
    assert managed == []  # the default key cannot be shared


def test_preview_of_a_key_policy_that_names_only_its_own_admins(client, analyzer):
    """A preview is given the proposed key policy, so the analyzer's own access to the key metadata
    (the ACCESS_DENIED of "IAM Access Analyzer supported resource types", KMS) is no concern: the
    preview completes, with no outside access."""
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    admins = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "AWS": "arn:aws:iam::111122223333:role/Admin"}, "Action": "kms:*", "Resource": "*"}]})
    _, found = preview(client, analyzer, {key: {"kmsKey": {"keyPolicies": {"default": admins}, "grants": []}}})
    assert [(f["changeType"], f["status"]) for f in found] == [("CHANGED", "RESOLVED")]  # the partner's grant is gone
