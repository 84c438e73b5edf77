"""Each finding type at the boundary of the tracking period, and what is skipped."""

from __future__ import annotations

import pytest

from accessproof.analyzers.unused import UnusedAccessSettings, analyze_account, analyze_identity

from .helpers import AGE, CUTOFF, NOW, SECOND, account, activity_of, allow, key, policy, role, service, user

SETTINGS = UnusedAccessSettings(AGE)
S3_READ = policy(allow(["s3:GetObject"]))


def findings(*identities, activity=()):
    analysis = analyze_account(account(*identities, activity=activity), SETTINGS, NOW)
    return [(f.finding_type, f.details["findingDetails"]) for f in analysis.findings]


def types(*identities, activity=()):
    return [t for t, _ in findings(*identities, activity=activity)]


# --- UnusedIAMRole -------------------------------------------------------------------------

def test_role_used_at_the_cutoff_is_used():
    assert types(role(last_used=CUTOFF)) == []


def test_role_used_just_before_the_cutoff_is_unused():
    [(kind, details)] = findings(role(last_used=CUTOFF - SECOND))
    assert kind == "UnusedIAMRole"
    assert details == [{"unusedIamRoleDetails": {"lastAccessed": (CUTOFF - SECOND).isoformat()}}]


def test_role_never_used_has_no_last_accessed():
    assert findings(role(last_used=None)) == [("UnusedIAMRole", [{"unusedIamRoleDetails": {}}])]


def test_role_created_at_the_cutoff_is_evaluated_and_younger_is_skipped():
    assert types(role(created=CUTOFF)) == ["UnusedIAMRole"]
    analysis = analyze_account(account(role(created=CUTOFF + SECOND)), SETTINGS, NOW)
    assert analysis.results == [] and "inside the tracking period" in analysis.skipped[0].reason


def test_service_linked_roles_are_not_analysed():
    analysis = analyze_account(account(role(path="/aws-service-role/support.amazonaws.com/")), SETTINGS, NOW)
    assert analysis.results == [] and analysis.skipped[0].reason == "service-linked role"


def test_unused_role_has_no_permission_finding():
    r = role(last_used=CUTOFF - SECOND, policies=[S3_READ])
    assert types(r, activity=[activity_of(r.arn, service("s3", None))]) == ["UnusedIAMRole"]


# --- UnusedIAMUserAccessKey ----------------------------------------------------------------

def test_access_key_at_the_boundary():
    used = key("AKIAUSEDATCUTOFF0001", last_used=CUTOFF)
    stale = key("AKIASTALE00000000001", last_used=CUTOFF - SECOND)
    never = key("AKIANEVER00000000001")
    young = key("AKIAYOUNG00000000001", created=CUTOFF + SECOND)
    inactive = key("AKIAINACTIVE00000001", active=False)
    got = findings(user(keys=[used, stale, never, young, inactive]))
    # one finding for the user, one details entry per unused key
    assert got == [
        ("UnusedIAMUserAccessKey", [
            {"unusedIamUserAccessKeyDetails": {"accessKeyId": "AKIASTALE00000000001",
                                               "lastAccessed": (CUTOFF - SECOND).isoformat()}},
            {"unusedIamUserAccessKeyDetails": {"accessKeyId": "AKIANEVER00000000001"}}]),
    ]


def test_access_key_created_at_the_cutoff_is_evaluated():
    assert types(user(keys=[key(created=CUTOFF)])) == ["UnusedIAMUserAccessKey"]


# --- UnusedIAMUserPassword -----------------------------------------------------------------

@pytest.mark.parametrize("last, expected", [(CUTOFF, []), (CUTOFF - SECOND, ["UnusedIAMUserPassword"]),
                                            (None, ["UnusedIAMUserPassword"])])
def test_password_at_the_boundary(last, expected):
    assert types(user(password=True, password_last_used=last)) == expected


def test_password_set_inside_the_period_or_disabled_is_skipped():
    assert types(user(password=True, password_set=CUTOFF + SECOND)) == []
    assert types(user(password=False)) == []


def test_user_created_inside_the_period_is_skipped():
    assert types(user(created=CUTOFF + SECOND, password=True)) == []


# --- UnusedPermission ----------------------------------------------------------------------

def test_service_at_the_boundary():
    r = role(last_used=NOW, policies=[policy(allow(["s3:GetObject", "sqs:SendMessage"]))])
    activity = activity_of(r.arn, service("s3", CUTOFF), service("sqs", CUTOFF - SECOND))
    [(kind, details)] = findings(r, activity=[activity])
    assert kind == "UnusedPermission"
    assert details == [{"unusedPermissionDetails": {"serviceNamespace": "sqs", "lastAccessed": (CUTOFF - SECOND).isoformat()}}]


def test_action_at_the_boundary():
    r = role(last_used=NOW, policies=[policy(allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]))])
    activity = activity_of(r.arn, service("s3", NOW, {"GetObject": CUTOFF, "PutObject": CUTOFF - SECOND,
                                                      "DeleteObject": None}))
    [(_, details)] = findings(r, activity=[activity])
    assert details == [{"unusedPermissionDetails": {
        "serviceNamespace": "s3", "lastAccessed": NOW.isoformat(),
        "actions": [{"action": "s3:DeleteObject"}, {"action": "s3:PutObject", "lastAccessed": (CUTOFF - SECOND).isoformat()}]}}]


def test_untracked_actions_are_not_reported():
    r = role(last_used=NOW, policies=[policy(allow(["s3:GetObject", "s3:PutObject"]))])
    activity = activity_of(r.arn, service("s3", NOW, {"GetObject": NOW}))
    assert types(r, activity=[activity]) == []


def test_no_activity_data_no_permission_finding():
    assert types(role(last_used=NOW, policies=[S3_READ])) == []


def test_user_gets_permission_and_credential_findings_together():
    u = user(password=True, password_last_used=None, policies=[S3_READ])
    assert sorted(types(u, activity=[activity_of(u.arn, service("s3", None))])) == ["UnusedIAMUserPassword",
                                                                                    "UnusedPermission"]


def test_finding_identity_and_counts():
    r = role(last_used=NOW, policies=[policy(allow(["s3:GetObject", "s3:PutObject", "sqs:SendMessage"]))])
    activity = activity_of(r.arn, service("s3", NOW, {"GetObject": NOW, "PutObject": None}), service("sqs", None))
    result, _ = analyze_identity(r, account(r, activity=[activity]), SETTINGS, NOW)
    [finding] = result.findings
    assert finding.identity == "permissions" and finding.resource_type == "AWS::IAM::Role"
    assert finding.details["numberOfUnusedServices"] == 1 and finding.details["numberOfUnusedActions"] == 1
