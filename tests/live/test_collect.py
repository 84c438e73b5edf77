"""``accessproof collect`` against a moto server: the snapshot it writes is what the loader reads,
the analyzer finds the access the account grants, refusals become error findings, failures are
reported and never end the run, and every call it makes is allowed by ``--print-policy``."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import ANY

import accessproof
from accessproof.analyzers.external_service import ExternalAccessService
from accessproof.cli.main import main
from accessproof.findings import FindingsStore
from accessproof.findings.model import utc_now
from accessproof.inventory import load_snapshot
from accessproof.inventory.activity import load_account_activity
from accessproof.inventory.collect import AwsClients, CollectOptions, collect_organization_to, collect_to, collector_policy
from accessproof.inventory.collect.sessions import member_clients
from accessproof.inventory.organization import load_organization

from .account import Built, build
from .conftest import ACCOUNT, OUTSIDER, REGION, StubbedClients, aws

ONE_REGION = CollectOptions(regions=(REGION,), workers=4, activity=False)


def _findings(snapshot: Path, tmp_path: Path, zone: str = "ACCOUNT") -> list:
    store = FindingsStore.open(f"sqlite:///{tmp_path / 'findings.db'}", account_id=ACCOUNT, region=REGION)
    service = ExternalAccessService(store, (str(snapshot),), utc_now)
    arn = store.create_analyzer(f"external-{zone.lower()}", zone).arn
    service.analyze(arn)
    found = store.list_findings(arn, max_results=1000).items
    store.close()
    return found


def _stub_what_moto_lacks(clients: StubbedClients, built: Built, workers_are_sequential: bool = True) -> None:
    """EBS snapshot block public access and IAM's service-last-accessed jobs (moto answers 500)."""
    clients.answer("ec2", "get_snapshot_block_public_access_state", {"State": "block-new-sharing"})
    entities = [f"arn:aws:iam::{ACCOUNT}:role/partner-access", f"arn:aws:iam::{ACCOUNT}:role/lambda-exec",
                f"arn:aws:iam::{ACCOUNT}:user/deployer"]
    for number, _ in enumerate(entities):
        job = f"{number:08d}-aaaa-bbbb-cccc-000000000000"
        clients.answer("iam", "generate_service_last_accessed_details", {"JobId": job},
                       {"Arn": ANY, "Granularity": "ACTION_LEVEL"})
        clients.answer("iam", "get_service_last_accessed_details", {
            "JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
            "JobCreationDate": "2026-12-01T00:00:00Z", "JobCompletionDate": "2026-12-01T00:00:05Z",
            "ServicesLastAccessed": [{
                "ServiceName": "Amazon S3", "ServiceNamespace": "s3", "LastAuthenticated": "2026-11-30T10:00:00Z",
                "LastAuthenticatedEntity": entities[number], "LastAuthenticatedRegion": REGION,
                "TotalAuthenticatedEntities": 1,
                "TrackedActionsLastAccessed": [{"ActionName": "GetObject", "LastAccessedEntity": entities[number],
                                                "LastAccessedTime": "2026-11-30T10:00:00Z",
                                                "LastAccessedRegion": REGION}]}],
            "IsTruncated": False}, {"JobId": job})


def test_collect_writes_the_snapshot_format_and_the_analyzer_finds_the_granted_access(moto, tmp_path):
    built = build(moto)
    session = boto3.Session()
    calls: list[tuple[str, str]] = []
    session.events.register("before-call", lambda model, **_: calls.append(
        (model.service_model.service_name, model.name)))
    clients = StubbedClients(moto)
    clients.real = AwsClients(session, endpoint_url=moto)
    _stub_what_moto_lacks(clients, built)
    out = tmp_path / "out"
    report = collect_to(clients, out, CollectOptions(regions=(REGION,), workers=1, activity=True))
    for _, stubber, _ in clients.stubbers.values():
        stubber.assert_no_pending_responses()

    assert report.complete, report.failures
    assert report.accounts[0].refused == []
    root = out / REGION
    snapshot = load_snapshot(root)
    assert snapshot.counts() == {
        "AWS::DynamoDB::Table": 1, "AWS::EC2::Snapshot": 1, "AWS::ECR::Repository": 1, "AWS::EFS::FileSystem": 1,
        "AWS::IAM::Role": 2, "AWS::KMS::Key": 1, "AWS::Lambda::Function": 1, "AWS::Lambda::LayerVersion": 1,
        "AWS::RDS::DBSnapshot": 1, "AWS::S3::Bucket": 2, "AWS::SNS::Topic": 1, "AWS::SQS::Queue": 1,
        "AWS::SecretsManager::Secret": 1}
    assert report.accounts[0].resources[REGION] == snapshot.counts()
    # AWS CLI shapes: policies stay JSON strings, lists are merged, names with / are %2F.
    key_policy = json.loads((root / "kms" / built.key_id / "get-key-policy.json").read_text())
    assert isinstance(key_policy["Policy"], str) and OUTSIDER in key_policy["Policy"]
    assert json.loads((root / "kms" / built.key_id / "list-grants.json").read_text()) == {"Grants": []}
    assert (root / "secretsmanager" / "app%2Fdb" / "describe-secret.json").is_file()
    assert json.loads((root / "ec2" / "snapshots" / built.snapshot_id / "describe-snapshots.json").read_text())[
        "Snapshots"][0]["SnapshotId"] == built.snapshot_id
    assert json.loads((root / "ec2" / "get-snapshot-block-public-access-state.json").read_text()) == {
        "State": "block-new-sharing"}
    listed = json.loads((root / "s3" / "private-bucket" / "list-access-points.json").read_text())
    assert [p["Name"] for p in listed["AccessPointList"]] == ["private-ap"]
    assert (root / "s3" / "private-bucket" / "access-points" / "private-ap" / "get-access-point.json").is_file()
    assert "ResourceNotFoundException" in (root / "lambda" / "functions" / "worker" /
                                           "get-function-url-config.error").read_text()
    account = json.loads((root / "account.json").read_text())
    assert account == {"accountId": ACCOUNT, "region": REGION}
    assert json.loads((out / "collect-report.json").read_text())["complete"] is True

    # The activity data (docs/activity.md) loads: credential report, keys, last accessed.
    activity = load_account_activity(root)
    deployer = next(i for i in activity.identities if i.name == "deployer")
    assert [k.access_key_id.startswith("AKIA") for k in deployer.access_keys] == [True]
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/partner-access"
    assert activity.activity_of(role_arn).service("s3").is_tracked("s3:GetObject")

    found = {(f.resource_type, f.is_public, tuple(sorted((f.principal or {}).items())), f.error)
             for f in _findings(root, tmp_path)}
    shared = (("AWS", OUTSIDER),)
    assert {("AWS::S3::Bucket", True, (("AWS", "*"),), None), ("AWS::KMS::Key", False, shared, None),
            ("AWS::SecretsManager::Secret", False, shared, None), ("AWS::ECR::Repository", False, shared, None),
            ("AWS::EC2::Snapshot", False, shared, None), ("AWS::RDS::DBSnapshot", True, (("AWS", "*"),), None),
            ("AWS::DynamoDB::Table", False, shared, None), ("AWS::IAM::Role", False, shared, None)} <= found
    assert not any(r == "AWS::S3::Bucket" and not public for r, public, _, _ in found)  # the private bucket

    # Every call the collection made is allowed by the printed least-privilege policy.
    _assert_allowed(calls, collector_policy(activity=True))


# botocore operation → IAM action, where the action is not "<prefix>:<Operation>".
ACTION_OF = {("s3", "ListBuckets"): "s3:ListAllMyBuckets", ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
             ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
             ("s3", "ListDirectoryBuckets"): "s3express:ListAllMyDirectoryBuckets"}
PREFIX_OF = {"efs": "elasticfilesystem", "dynamodbstreams": "dynamodb", "s3control": "s3"}
NO_PERMISSION = {("sts", "GetCallerIdentity")}  # "No permissions are required" (STS API Reference)


def _assert_allowed(calls: list[tuple[str, str]], policy_document: dict) -> None:
    actions = sorted({ACTION_OF.get(call, f"{PREFIX_OF.get(call[0], call[0])}:{call[1]}")
                      for call in set(calls) if call not in NO_PERMISSION})
    assert len(actions) > 30
    iam = accessproof.client("iam")
    results = iam.simulate_custom_policy(PolicyInputList=[json.dumps(policy_document)], ActionNames=actions,
                                         ResourceArns=["*"])["EvaluationResults"]
    denied = [r["EvalActionName"] for r in results if r["EvalDecision"] != "allowed"]
    assert denied == []


def _fail(operation_code: str, status: int):
    """A before-call handler answering ``operation_code`` errors (AWS's error shape) without a request."""
    def handler(**_):
        parsed = {"Error": {"Code": operation_code, "Message": f"injected {operation_code}"},
                  "ResponseMetadata": {"HTTPStatusCode": status}}
        return AWSResponse("https://example.invalid/", status, {}, None), parsed
    return handler


def test_a_refusal_becomes_an_access_denied_finding_and_a_failed_read_is_reported(moto, tmp_path):
    kms = aws(moto, "kms")
    locked = kms.create_key()["KeyMetadata"]["KeyId"]
    aws(moto, "sqs").create_queue(QueueName="flaky")
    aws(moto, "sns").create_topic(Name="fine")
    session = boto3.Session()
    session.events.register("before-call.kms.GetKeyPolicy", _fail("AccessDeniedException", 400))
    session.events.register("before-call.sqs.GetQueueAttributes", _fail("InternalError", 500))
    clients = StubbedClients(moto)
    clients.real = AwsClients(session, endpoint_url=moto)
    clients.answer("ec2", "get_snapshot_block_public_access_state", {"State": "unblocked"})
    report = collect_to(clients, tmp_path / "out", ONE_REGION)

    root = tmp_path / "out" / REGION
    error_line = (root / "kms" / locked / "get-key-policy.error").read_text()
    assert "An error occurred (AccessDeniedException) when calling the GetKeyPolicy operation" in error_line
    assert not (root / "kms" / locked / "get-key-policy.json").exists()
    assert [r for r in report.accounts[0].refused if "get-key-policy" in r]
    # The queue could not be read at all: left out, reported, and the run went on.
    assert not report.complete
    assert [f for f in report.failures if "sqs/flaky" in f and "InternalError" in f]
    assert not (root / "sqs").exists()
    assert (root / "sns" / "fine" / "get-topic-attributes.json").is_file()
    findings = _findings(root, tmp_path)
    assert [(f.resource, f.error) for f in findings if f.error] == [
        (f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{locked}", "ACCESS_DENIED")]


def test_a_second_collection_replaces_the_first_whole(moto, tmp_path):
    s3 = aws(moto, "s3")
    s3.create_bucket(Bucket="first-bucket")
    s3.create_bucket(Bucket="second-bucket")
    clients = StubbedClients(moto)
    for _ in range(2):
        clients.answer("ec2", "get_snapshot_block_public_access_state", {"State": "unblocked"})
    collect_to(clients, tmp_path / "out", ONE_REGION)
    s3.delete_bucket(Bucket="second-bucket")
    collect_to(clients, tmp_path / "out", ONE_REGION)
    assert sorted(p.name for p in (tmp_path / "out" / REGION / "s3").iterdir()) == ["first-bucket"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["collect-report.json", REGION]


def test_the_cli_reports_what_moto_cannot_answer_and_still_writes_the_snapshot(moto, tmp_path, capsys, monkeypatch):
    aws(moto, "s3").create_bucket(Bucket="cli-bucket")
    monkeypatch.setattr("sys.argv", ["accessproof", "collect", str(tmp_path / "out"), "--region", REGION,
                                     "--endpoint-url", moto, "--no-activity", "--no-progress", "--max-attempts", "1"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1  # moto answers GetSnapshotBlockPublicAccessState with HTTP 500
    err = capsys.readouterr().err
    assert "could not read:" in err and "get-snapshot-block-public-access-state" in err
    assert f"{ACCOUNT} {REGION}: 1 resources" in err
    assert [r.arn for r in load_snapshot(tmp_path / "out" / REGION).resources] == ["arn:aws:s3:::cli-bucket"]


def test_an_organization_is_collected_through_a_role_in_each_member_account(moto, tmp_path):
    org = aws(moto, "organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]["AccountId"]
    sts = aws(moto, "sts")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
                                  RoleSessionName="setup")["Credentials"]
    member_s3 = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                              aws_secret_access_key=credentials["SecretAccessKey"],
                              aws_session_token=credentials["SessionToken"]).client("s3", endpoint_url=moto)
    member_s3.create_bucket(Bucket="member-bucket")
    member_s3.put_bucket_policy(Bucket="member-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::member-bucket/*"}]}))
    aws(moto, "s3").create_bucket(Bucket="management-bucket")

    def stubbed(factory):
        clients = StubbedClients(moto)
        clients.real = factory
        clients.answer("ec2", "get_snapshot_block_public_access_state", {"State": "unblocked"})
        return clients

    members = member_clients(boto3.Session(), "OrganizationAccountAccessRole", endpoint_url=moto)
    report = collect_organization_to(stubbed(AwsClients(boto3.Session(), endpoint_url=moto)), tmp_path / "out",
                                     lambda account_id: stubbed(members(account_id)), ONE_REGION)
    assert report.complete, report.failures
    organization = load_organization(tmp_path / "out" / REGION)
    assert set(organization.snapshots) == {ACCOUNT, member}
    member_snapshot = load_snapshot(organization.snapshots[member])
    assert [r.arn for r in member_snapshot.of_type("AWS::S3::Bucket")] == ["arn:aws:s3:::member-bucket"]
    # In the organization's zone of trust, the management account reading the member's bucket is no finding.
    assert [f for f in _findings(tmp_path / "out" / REGION, tmp_path, "ORGANIZATION") if not f.error] == []
