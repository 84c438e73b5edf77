"""Findings in the store: opened once, kept while unused, resolved when used again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from accessproof.analyzers.unused import UnusedAccessSettings, analyze_account
from accessproof.analyzers.unused import unused_access_statistics  # noqa: F401  (registers statistics)
from accessproof.findings import FindingsStore

from .helpers import AGE, NOW, account, activity_of, allow, key, policy, role, service, user


@pytest.fixture
def store(tmp_path):
    clock = {"now": NOW}
    s = FindingsStore.open(f"sqlite:///{tmp_path / 'f.db'}", clock=lambda: clock["now"])
    s.test_clock = clock
    yield s
    s.close()


def record(store, analyzer, acct, now):
    store.test_clock["now"] = now
    results = analyze_account(acct, UnusedAccessSettings(AGE), now).results
    return store.record_analysis(analyzer.arn, results, complete=True)


def by_type(store, analyzer):
    page = store.list_findings(analyzer.arn, max_results=1000)
    return {(f.resource.split("/")[-1], f.finding_type): f for f in page.items}


def test_role_used_again_resolves_its_finding(store):
    analyzer = store.create_analyzer("unused", "ACCOUNT_UNUSED_ACCESS")
    r = role(last_used=NOW - timedelta(days=200))
    first = record(store, analyzer, account(r), NOW)
    [opened] = first.opened
    again = record(store, analyzer, account(r), NOW + timedelta(days=1))
    assert [f.id for f in again.kept] == [opened.id]
    used = record(store, analyzer, account(replace(r, last_used=NOW + timedelta(days=2))), NOW + timedelta(days=2))
    assert [f.id for f in used.resolved] == [opened.id]
    assert by_type(store, analyzer)[("R", "UnusedIAMRole")].status == "RESOLVED"


def test_key_and_password_reuse_resolve_each_own_finding(store):
    """The user's access-key finding (one, listing each unused key) shrinks when one key is used
    and resolves when both are; the password finding resolves on its own."""
    analyzer = store.create_analyzer("unused", "ACCOUNT_UNUSED_ACCESS")
    k1, k2 = key("AKIAKEYONE0000000001"), key("AKIAKEYTWO0000000001")
    u = user(password=True, keys=[k1, k2])
    opened = {f.finding_type: f for f in record(store, analyzer, account(u), NOW).opened}
    assert sorted(opened) == ["UnusedIAMUserAccessKey", "UnusedIAMUserPassword"]
    keys_finding = opened["UnusedIAMUserAccessKey"]
    assert [d["unusedIamUserAccessKeyDetails"]["accessKeyId"] for d in keys_finding.details["findingDetails"]] == [
        "AKIAKEYONE0000000001", "AKIAKEYTWO0000000001"]
    later = NOW + timedelta(days=1)
    u2 = replace(u, access_keys=(replace(k1, last_used=later), k2))
    outcome = record(store, analyzer, account(u2), later)
    assert outcome.resolved == () and outcome.opened == ()
    [kept] = [f for f in outcome.kept if f.finding_type == "UnusedIAMUserAccessKey"]
    assert kept.id == keys_finding.id
    assert [d["unusedIamUserAccessKeyDetails"]["accessKeyId"] for d in kept.details["findingDetails"]] == [
        "AKIAKEYTWO0000000001"]
    u3 = replace(u2, password_last_used=later, access_keys=(replace(k1, last_used=later), replace(k2, last_used=later)))
    outcome = record(store, analyzer, account(u3), later)
    assert sorted(f.finding_type for f in outcome.resolved) == ["UnusedIAMUserAccessKey", "UnusedIAMUserPassword"]
    statuses = sorted(f.status for f in store.list_findings(analyzer.arn, max_results=1000).items)
    assert statuses == ["RESOLVED", "RESOLVED"]


def test_permission_reuse_shrinks_then_resolves(store):
    analyzer = store.create_analyzer("unused", "ACCOUNT_UNUSED_ACCESS")
    r = role(last_used=NOW, policies=[policy(allow(["s3:GetObject", "s3:PutObject", "sqs:SendMessage"]))])
    stale = activity_of(r.arn, service("s3", NOW, {"GetObject": NOW, "PutObject": None}), service("sqs", None))
    [opened] = record(store, analyzer, account(r, activity=[stale]), NOW).opened
    assert opened.details["numberOfUnusedServices"] == 1 and opened.details["numberOfUnusedActions"] == 1
    # sqs used again: same finding, fewer details
    later = NOW + timedelta(days=1)
    partly = activity_of(r.arn, service("s3", later, {"GetObject": later, "PutObject": None}), service("sqs", later))
    outcome = record(store, analyzer, account(r, activity=[partly]), later)
    [kept] = outcome.kept
    assert kept.id == opened.id and [d["unusedPermissionDetails"]["serviceNamespace"] for d in kept.details["findingDetails"]] == ["s3"]
    # PutObject used too: resolved
    used = activity_of(r.arn, service("s3", later, {"GetObject": later, "PutObject": later}), service("sqs", later))
    outcome = record(store, analyzer, account(r, activity=[used]), later)
    assert [f.id for f in outcome.resolved] == [opened.id]


def test_resolved_finding_is_not_reopened_but_a_new_one_opens(store):
    analyzer = store.create_analyzer("unused", "ACCOUNT_UNUSED_ACCESS")
    r = role(last_used=None)
    [first] = record(store, analyzer, account(r), NOW).opened
    record(store, analyzer, account(replace(r, last_used=NOW)), NOW)
    much_later = NOW + timedelta(days=AGE + 1)
    [second] = record(store, analyzer, account(replace(r, last_used=NOW)), much_later).opened
    assert second.id != first.id


def test_statistics(store):
    analyzer = store.create_analyzer("unused", "ORGANIZATION_UNUSED_ACCESS")
    a = account(role("A", account="111122223333"), role("B", account="111122223333"), account_id="111122223333")
    b = account(user("u", password=True))
    results = [r for acct in (a, b) for r in analyze_account(acct, UnusedAccessSettings(AGE), NOW).results]
    store.record_analysis(analyzer.arn, results, complete=True)
    [stats] = store.statistics(analyzer.arn)["findingsStatistics"]
    body = stats["unusedAccessFindingsStatistics"]
    assert body["unusedAccessTypeStatistics"] == [{"unusedAccessType": "UnusedIAMRole", "total": 2},
                                                  {"unusedAccessType": "UnusedIAMUserPassword", "total": 1}]
    assert body["topAccounts"] == [
        {"account": "111122223333", "numberOfActiveFindings": 2, "details": {"UnusedIAMRole": 2}},
        {"account": "444455556666", "numberOfActiveFindings": 1, "details": {"UnusedIAMUserPassword": 1}}]
    assert body["totalActiveFindings"] == 3 and body["totalResolvedFindings"] == 0


def test_reanalysis_moves_analyzed_at_and_keeps_created_at(store):
    """API Reference, FindingSummaryV2: ``analyzedAt`` is "the time at which the ... IAM entity that
    generated the finding was analyzed"; ``createdAt`` when the finding was created."""
    analyzer = store.create_analyzer("unused", "ACCOUNT_UNUSED_ACCESS")
    r = role(last_used=None)
    [opened] = record(store, analyzer, account(r), NOW).opened
    later = NOW + timedelta(days=1)
    [kept] = record(store, analyzer, account(r), later).kept
    assert (kept.id, kept.created_at, kept.analyzed_at, kept.status) == (opened.id, NOW, later, "ACTIVE")
