"""Only permissions the policies actually grant count: wildcards, Deny, NotAction, conditions."""

from __future__ import annotations

from accessproof.analyzers.unused import UnusedAccessSettings, analyze_account
from accessproof.analyzers.unused_grants import granted_actions
from accessproof.catalog import default_catalog
from accessproof.evaluate import IDENTITY, PolicySet, Request, compile_policy_text, evaluate

from .helpers import ACCOUNT, AGE, CUTOFF, NOW, account, activity_of, allow, policy, role, service

CALLER = f"arn:aws:iam::{ACCOUNT}:user/someone"


def s3_actions() -> set[str]:
    return {a.full_name for a in default_catalog().service("s3").actions.values()}


def unused_details(document: str, *services):
    r = role(last_used=NOW, policies=[document])
    analysis = analyze_account(account(r, activity=[activity_of(r.arn, *services)]), UnusedAccessSettings(AGE), NOW)
    return [entry["unusedPermissionDetails"] for f in analysis.findings for entry in f.details["findingDetails"]]


def test_s3_star_with_only_get_object_used_trail():
    """A trail tracks every action: everything s3:* grants but GetObject is unused."""
    details = unused_details(policy(allow("s3:*")), service("s3", NOW, {"GetObject": NOW}, every_action=True))
    [s3] = details
    unused = {a["action"] for a in s3["actions"]}
    assert unused == s3_actions() - {"s3:GetObject"}


def test_s3_star_with_only_get_object_used_last_accessed():
    """Last-accessed data tracks some actions: the tracked ones besides GetObject are unused."""
    tracked = {"GetObject": NOW, "PutObject": None, "DeleteBucket": CUTOFF.replace(year=2025)}
    [s3] = unused_details(policy(allow("s3:*")), service("s3", NOW, tracked))
    assert [a["action"] for a in s3["actions"]] == ["s3:DeleteBucket", "s3:PutObject"]


def test_wildcard_expansion_is_the_catalogs():
    grants = granted_actions([("p", policy(allow("s3:Get*")))], ACCOUNT)
    expected = {a.full_name for a in default_catalog().match_actions("s3:Get*")}
    assert grants.by_service["s3"] == expected
    assert "s3:PutObject" not in grants.by_service["s3"]


def test_deny_removes_actions_from_what_is_granted():
    document = policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"})
    grants = granted_actions([("p", document)], ACCOUNT)
    assert not any(a.startswith("s3:Delete") for a in grants.by_service["s3"])
    assert "s3:GetObject" in grants.by_service["s3"]
    # so a denied action is never reported unused
    [s3] = unused_details(document, service("s3", NOW, {"GetObject": NOW}, every_action=True))
    assert not any(a["action"].startswith("s3:Delete") for a in s3["actions"])


def test_conditional_deny_leaves_the_action_granted():
    document = policy(allow("s3:GetObject"), {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                              "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert granted_actions([("p", document)], ACCOUNT).by_service["s3"] == {"s3:GetObject"}


def test_deny_in_another_policy_counts():
    grants = granted_actions([("a", policy(allow("sqs:*"))),
                              ("b", policy({"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}))], ACCOUNT)
    assert "sqs" not in grants.by_service


def test_not_action_grants_everything_else():
    grants = granted_actions([("p", policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))], ACCOUNT)
    assert "iam" not in grants.by_service and "s3" in grants.by_service and "ec2" in grants.by_service


def test_contradictory_conditions_grant_nothing():
    document = policy(allow("s3:GetObject", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"},
                                                       "StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}))
    assert granted_actions([("p", document)], ACCOUNT).by_service == {}


def test_every_granted_action_replays_through_the_evaluator():
    document = policy(allow(["s3:Get*", "s3:List*"], "arn:aws:s3:::bucket/*"),
                      {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"})
    compiled = compile_policy_text(document, "p", IDENTITY)
    grants = granted_actions([("p", document)], ACCOUNT)
    assert "s3:GetObjectAcl" not in grants.by_service["s3"]
    for action in grants.by_service["s3"]:
        request = Request.of(CALLER, action, "arn:aws:s3:::bucket/key")
        assert evaluate(request, PolicySet(identity=(compiled,))).allowed, action
