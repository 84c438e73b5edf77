"""Only what existed for the whole tracking period is analysed.

IAM User Guide, "Create an IAM Access Analyzer unused access analyzer"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-unused.html): "The analyzer
will only evaluate permissions for IAM entities ... that have existed for the entire tracking period.
For example, if you set a tracking period of 90 days, only permissions that are at least 90 days
old will be analyzed, and findings will be generated if they show no usage during this period."
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from accessproof.analyzers.unused import UnusedAccessSettings, analyze_account
from accessproof.analyzers.unused_age import document_at, policies_at_cutoff
from accessproof.analyzers.unused_recommend import CREATE_POLICY, DETACH_POLICY, recommend
from accessproof.inventory.activity import Group
from accessproof.inventory.grant_times import GrantTimes

from .helpers import (
    ACCOUNT, AGE, CUTOFF, NOW, OLD, SECOND, account, activity_of, allow, managed_policy, policy, role, service, user,
)

YOUNG = NOW - timedelta(days=10)  # inside the 90-day period
SETTINGS = UnusedAccessSettings(AGE)
S3_GET = policy(allow("s3:GetObject"))
SQS_SEND = policy(allow("sqs:SendMessage"))
NOTHING_USED = (service("s3", None), service("sqs", None))


def permission_details(acct):
    found = [f for f in analyze_account(acct, SETTINGS, NOW).findings if f.finding_type == "UnusedPermission"]
    return [[d["unusedPermissionDetails"] for d in f.details["findingDetails"]] for f in found]


def namespaces(acct):
    return [[d["serviceNamespace"] for d in finding] for finding in permission_details(acct)]


# --- entities --------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda created: role(created=created, last_used=None),
                                  lambda created: user(created=created, password=True)])
def test_a_role_or_user_created_ten_days_ago_is_not_analysed_yet(make):
    analysis = analyze_account(account(make(YOUNG)), SETTINGS, NOW)
    assert analysis.findings == [] and "inside the tracking period" in analysis.skipped[0].reason
    # the same entity, created before the period began, is analysed
    assert analyze_account(account(make(OLD)), SETTINGS, NOW).findings != []


# --- managed policies --------------------------------------------------------------------------

def test_a_managed_policy_created_ten_days_ago_yields_no_unused_finding_yet():
    young = managed_policy("Queue", (SQS_SEND, YOUNG))
    r = role(last_used=NOW, managed=[young.arn])
    acct = account(r, policies=[young], activity=[activity_of(r.arn, *NOTHING_USED)])
    assert namespaces(acct) == []
    old = managed_policy("Queue", (SQS_SEND, OLD))
    assert namespaces(account(r, policies=[old], activity=[activity_of(r.arn, *NOTHING_USED)])) == [["sqs"]]


def test_a_policy_attached_ten_days_ago_yields_no_unused_finding_yet():
    """The attachment time comes from the trail's AttachRolePolicy (authorization details have none)."""
    queue, reads = managed_policy("Queue", (SQS_SEND, OLD)), managed_policy("Reads", (S3_GET, OLD))
    r = role(last_used=NOW, managed=[queue.arn, reads.arn])
    times = GrantTimes(attached={(ACCOUNT, "role", "R", queue.arn): YOUNG})
    acct = account(r, policies=[queue, reads], activity=[activity_of(r.arn, *NOTHING_USED)], grant_times=times)
    assert namespaces(acct) == [["s3"]]


def test_an_attachment_at_the_cutoff_is_old_enough():
    queue = managed_policy("Queue", (SQS_SEND, OLD))
    r = role(last_used=NOW, managed=[queue.arn])
    for attached, expected in ((CUTOFF, [["sqs"]]), (CUTOFF + SECOND, [])):
        times = GrantTimes(attached={(ACCOUNT, "role", "R", queue.arn): attached})
        acct = account(r, policies=[queue], activity=[activity_of(r.arn, *NOTHING_USED)], grant_times=times)
        assert namespaces(acct) == expected


def test_a_new_policy_version_adds_young_permissions_only():
    """v1 (old) granted s3:GetObject; v2 (10 days old, default) adds sqs:SendMessage."""
    grown = managed_policy("Grown", (S3_GET, OLD), (policy(allow(["s3:GetObject", "sqs:SendMessage"])), YOUNG))
    r = role(last_used=NOW, managed=[grown.arn])
    acct = account(r, policies=[grown], activity=[activity_of(r.arn, *NOTHING_USED)])
    assert namespaces(acct) == [["s3"]]
    assert document_at(grown, CUTOFF) == S3_GET and document_at(grown, NOW) == grown.document


def test_young_default_version_without_an_older_one_listed_counts_as_written_before():
    # CHOICE (unused_age): the version in force at the cutoff is not in the snapshot.
    only = managed_policy("Only", (SQS_SEND, YOUNG), created=OLD)
    assert document_at(only, CUTOFF) == SQS_SEND


def test_a_service_partly_young_lists_its_old_actions_instead_of_the_whole_service():
    """s3 is not used at all, but s3:PutObject is 10 days old: the finding lists s3:GetObject
    alone, and the recommendation keeps s3:PutObject."""
    grown = managed_policy("Grown", (S3_GET, OLD), (policy(allow(["s3:GetObject", "s3:PutObject"])), YOUNG))
    r = role(last_used=NOW, managed=[grown.arn])
    acct = account(r, policies=[grown], activity=[activity_of(r.arn, service("s3", None))])
    assert permission_details(acct) == [[{"serviceNamespace": "s3", "actions": [{"action": "s3:GetObject"}]}]]
    [finding] = analyze_account(acct, SETTINGS, NOW).findings
    assert finding.details["numberOfUnusedServices"] == 0 and finding.details["numberOfUnusedActions"] == 1
    steps = recommend(r, acct, finding.details["findingDetails"]).steps
    assert [s.recommended_action for s in steps] == [CREATE_POLICY, DETACH_POLICY]
    assert '"s3:PutObject"' in steps[0].recommended_policy and "s3:GetObject" not in steps[0].recommended_policy


def test_a_permission_granted_by_an_old_and_a_young_policy_is_old():
    old, young = managed_policy("Old", (SQS_SEND, OLD)), managed_policy("Young", (SQS_SEND, YOUNG))
    r = role(last_used=NOW, managed=[old.arn, young.arn])
    acct = account(r, policies=[old, young], activity=[activity_of(r.arn, *NOTHING_USED)])
    assert namespaces(acct) == [["sqs"]]


def test_a_young_deny_removes_a_permission_from_the_analysis():
    """A permission denied now is not granted now: it cannot be reported, however old its Allow."""
    r = role(last_used=NOW, policies=[policy(allow(["s3:GetObject", "sqs:SendMessage"]))],
             managed=["arn:aws:iam::444455556666:policy/NoQueue"])
    no_queue = managed_policy("NoQueue", (policy({"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}), YOUNG))
    acct = account(r, policies=[no_queue], activity=[activity_of(r.arn, *NOTHING_USED)])
    assert namespaces(acct) == [["s3"]]


# --- inline and group policies -------------------------------------------------------------------

def test_an_inline_policy_written_ten_days_ago_yields_no_unused_finding_yet():
    r = role(last_used=NOW, policies=[SQS_SEND, S3_GET])  # inline p0 (sqs), p1 (s3)
    times = GrantTimes(written={(ACCOUNT, "role", "R", "p0"): YOUNG})
    acct = account(r, activity=[activity_of(r.arn, *NOTHING_USED)], grant_times=times)
    assert namespaces(acct) == [["s3"]]
    assert [pid for pid, _ in policies_at_cutoff(r, acct, CUTOFF)] == ["inline:p1"]


def test_a_user_added_to_a_group_ten_days_ago_has_no_finding_for_the_group_policies():
    queue = managed_policy("Queue", (SQS_SEND, OLD))
    team = Group("Team", (queue.arn,), ())
    u = user(groups=["Team"], policies=[S3_GET])
    activity = [activity_of(u.arn, *NOTHING_USED)]
    joined = GrantTimes(joined={(ACCOUNT, "U", "Team"): YOUNG})
    assert namespaces(account(u, policies=[queue], groups=[team], activity=activity, grant_times=joined)) == [["s3"]]
    assert namespaces(account(u, policies=[queue], groups=[team], activity=activity)) == [["s3", "sqs"]]
    # and a policy attached to the group ten days ago
    attached = GrantTimes(attached={(ACCOUNT, "group", "Team", queue.arn): YOUNG})
    assert namespaces(account(u, policies=[queue], groups=[team], activity=activity, grant_times=attached)) == [["s3"]]


def test_without_a_trail_a_policy_counts_as_attached_when_the_identity_was_created():
    # CHOICE (unused_age): get-account-authorization-details has no attachment dates.
    queue = managed_policy("Queue", (SQS_SEND, OLD))
    r = role(last_used=NOW, managed=[queue.arn])
    assert [pid for pid, _ in policies_at_cutoff(r, account(r, policies=[queue]), CUTOFF)] == [queue.arn]


# --- credentials ---------------------------------------------------------------------------------

def test_credentials_younger_than_the_period_are_not_analysed():
    from .helpers import key

    u = user(password=True, password_set=YOUNG, keys=[key("AKIAYOUNGKEY00000001", created=YOUNG)])
    assert analyze_account(account(u), SETTINGS, NOW).findings == []
