"""When policies were attached, written or a user added to a group, read from IAM's calls in the trail."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, Optional

from accessproof.analyzers.unused import UnusedAccessSettings, analyze_account
from accessproof.inventory.activity import load_account_activity
from accessproof.inventory.grant_times import grant_times

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account-unused"
NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)
ACCOUNT = "444455556666"


class Call(NamedTuple):
    event_source: str
    event_name: str
    account: Optional[str]
    error_code: Optional[str]
    last_seen: datetime
    request_parameters: dict

    def parameters(self):
        return self.request_parameters


def call(name, parameters, when=datetime(2026, 11, 18, 12, 0), error=None, account=ACCOUNT, source="iam.amazonaws.com"):
    return Call(source, name, account, error, when, parameters)


def test_each_iam_call_sets_its_time():
    times = grant_times([
        call("AttachRolePolicy", {"roleName": "R", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        call("AttachUserPolicy", {"userName": "U", "policyArn": "arn:p"}),
        call("AttachGroupPolicy", {"groupName": "G", "policyArn": "arn:p"}),
        call("PutRolePolicy", {"roleName": "R", "policyName": "inline", "policyDocument": "{}"}),
        call("PutGroupPolicy", {"groupName": "G", "policyName": "gi", "policyDocument": "{}"}),
        call("AddUserToGroup", {"userName": "U", "groupName": "G"}),
    ])
    at = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
    assert times.attached_at(ACCOUNT, "role", "R", "arn:aws:iam::aws:policy/ReadOnlyAccess") == at
    assert times.attached_at(ACCOUNT, "user", "U", "arn:p") == at and times.attached_at(ACCOUNT, "group", "G", "arn:p") == at
    assert times.written_at(ACCOUNT, "role", "R", "inline") == at and times.written_at(ACCOUNT, "group", "G", "gi") == at
    assert times.joined_at(ACCOUNT, "U", "G") == at
    # keyed by the account that received the call, and by the kind of entity
    assert times.attached_at("111122223333", "role", "R", "arn:aws:iam::aws:policy/ReadOnlyAccess") is None
    assert times.attached_at(ACCOUNT, "user", "R", "arn:aws:iam::aws:policy/ReadOnlyAccess") is None


def test_failed_calls_other_services_and_malformed_parameters_are_ignored_and_the_latest_wins():
    early, late = datetime(2026, 1, 1), datetime(2026, 11, 1)
    times = grant_times([
        call("AttachRolePolicy", {"roleName": "R", "policyArn": "arn:p"}, when=late, error="AccessDenied"),
        call("AttachRolePolicy", {"roleName": "R", "policyArn": "arn:p"}, when=early),
        call("AttachRolePolicy", {"roleName": "R", "policyArn": "arn:q"}, when=late, source="sts.amazonaws.com"),
        call("AttachRolePolicy", {"roleName": ["R"], "policyArn": "arn:r"}),
        call("DetachRolePolicy", {"roleName": "R", "policyArn": "arn:s"}),
        call("PutRolePolicy", {"roleName": "R", "policyName": "i"}, when=early),
        call("PutRolePolicy", {"roleName": "R", "policyName": "i"}, when=late),
    ])
    assert times.attached == {(ACCOUNT, "role", "R", "arn:p"): early.replace(tzinfo=timezone.utc)}
    assert times.written == {(ACCOUNT, "role", "R", "i"): late.replace(tzinfo=timezone.utc)}


def _attach_event(time: str, role: str, policy_arn: str, error: Optional[str] = None) -> dict:
    event = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin/jane",
                         "accountId": ACCOUNT, "sessionContext": {"sessionIssuer": {
                             "type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin"}}},
        "eventTime": time, "eventSource": "iam.amazonaws.com", "eventName": "AttachRolePolicy",
        "awsRegion": "us-east-1", "requestParameters": {"roleName": role, "policyArn": policy_arn},
        "responseElements": None, "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
    }
    if error:
        event["errorCode"] = error
    return event


def test_a_snapshot_whose_trail_shows_a_recent_attachment(tmp_path):
    """DataReaderRole's S3FullAccess, attached ten days ago (AttachRolePolicy in the trail): its s3
    permissions are not analysed yet; the role's other unused service still is."""
    snapshot = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snapshot)
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/S3FullAccess"
    day = snapshot / "cloudtrail" / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "11" / "18"
    day.mkdir(parents=True)
    (day / f"{ACCOUNT}_CloudTrail_us-east-1_20261118T1200Z_attach.json").write_text(json.dumps({"Records": [
        _attach_event("2026-11-18T12:00:00Z", "DataReaderRole", policy_arn),
        _attach_event("2026-11-19T12:00:00Z", "AppServerRole", policy_arn, error="AccessDenied"),
    ]}))
    acct = load_account_activity(snapshot)
    assert acct.grant_times.attached_at(ACCOUNT, "role", "DataReaderRole", policy_arn) == \
        datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
    assert acct.grant_times.attached_at(ACCOUNT, "role", "AppServerRole", policy_arn) is None  # AccessDenied
    [reader] = [f for f in analyze_account(acct, UnusedAccessSettings(90), NOW).findings
                if f.resource.endswith("role/DataReaderRole")]
    assert [d["unusedPermissionDetails"]["serviceNamespace"] for d in reader.details["findingDetails"]] == ["dynamodb"]
    # before: the example's own trail has no such call, and s3 is reported
    [before] = [f for f in analyze_account(load_account_activity(EXAMPLE), UnusedAccessSettings(90), NOW).findings
                if f.resource.endswith("role/DataReaderRole")]
    assert [d["unusedPermissionDetails"]["serviceNamespace"] for d in before.details["findingDetails"]] == ["dynamodb", "s3"]


def test_the_example_role_with_young_permissions():
    """examples/account-unused: AppServerRole's AppServerAccess gained sqs:SendMessage in a version
    created 2026-11-18, and ReportsNotifications (sns:Publish) was attached on 2026-11-19 (the
    trail's AttachRolePolicy). Neither service is used: with a 90-day period both are too young to
    be analysed; with a 5-day period both are old enough and reported."""
    acct = load_account_activity(EXAMPLE)

    def app_server(age):
        return [[d["unusedPermissionDetails"]["serviceNamespace"] for d in f.details["findingDetails"]]
                for f in analyze_account(acct, UnusedAccessSettings(age), NOW).findings
                if f.resource.endswith("role/AppServerRole")]

    assert app_server(90) == []
    assert app_server(5) == [["sns", "sqs"]]
