"""Recommendations: every recommended policy grants nothing new (check_no_new_access, PASS) and
keeps every used action allowed (each replayed through the evaluator)."""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

from accessproof.analyzers.unused import UnusedAccessSettings, analyze_account
from accessproof.analyzers.unused_grants import _Prover, compile_policies, granted_actions, statement_matches
from accessproof.analyzers.unused_recommend import (
    CREATE_POLICY, DETACH_POLICY, UnusedSet, fold_actions, recommend, refine_policy,
)
from accessproof.catalog import default_catalog
from accessproof.checks import check_no_new_access
from accessproof.evaluate import IDENTITY, PolicySet, Request, compile_policy_text, evaluate

from .helpers import ACCOUNT, AGE, CUTOFF, NOW, account, activity_of, allow, policy, role, service

CALLER = f"arn:aws:iam::{ACCOUNT}:user/replay"
CONDITION = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}

CASES = {
    "s3-star-only-get-object": (
        policy(allow("s3:*")),
        [service("s3", NOW, {"GetObject": NOW}, every_action=True)]),
    "s3-star-tracked-subset": (
        policy(allow("s3:*", "arn:aws:s3:::data/*")),
        [service("s3", NOW, {"GetObject": NOW, "PutObject": None, "DeleteObject": None})]),
    "list-with-unused-service": (
        policy({"Sid": "Mixed", **allow(["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "sqs:ReceiveMessage"],
                                        ["arn:aws:s3:::b/*", "arn:aws:sqs:us-east-1:444455556666:q"])}),
        [service("s3", NOW, {"GetObject": NOW, "PutObject": CUTOFF.replace(year=2025)}), service("sqs", None)]),
    "conditions-and-deny-kept": (
        policy(allow(["dynamodb:*"], "*", Condition=CONDITION),
               {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}),
        [service("dynamodb", NOW, {"GetItem": NOW, "Query": NOW}, every_action=True)]),
    "star-becomes-not-action": (
        policy(allow("*")),
        [service("s3", NOW, {"GetObject": NOW, "PutObject": None}), service("iam", None), service("ec2", NOW)]),
    "not-action-grows": (
        policy({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}),
        [service("s3", NOW, {"GetObject": NOW, "DeleteBucket": None}), service("ec2", NOW), service("lambda", None)]),
    "verb-wildcards": (
        policy(allow(["ec2:Describe*", "ec2:StartInstances", "ec2:StopInstances"])),
        [service("ec2", NOW, {"DescribeInstances": NOW, "StartInstances": NOW, "StopInstances": None})]),
    "two-statements-one-unused": (
        policy({"Sid": "Read", **allow(["s3:GetObject"])}, {"Sid": "Queue", **allow(["sqs:*"])}),
        [service("s3", NOW, {"GetObject": NOW}), service("sqs", None)]),
}


def analyse(document: str, services):
    r = role(last_used=NOW, policies=[document])
    acct = account(r, activity=[activity_of(r.arn, *services)])
    findings = analyze_account(acct, UnusedAccessSettings(AGE), NOW).findings
    return r, acct, findings


@lru_cache(maxsize=32)
def compiled_policy(document: str):
    return compile_policy_text(document, "p", IDENTITY)


def replay_allowed(document: str, action: str, witness_resource: str, witness_context) -> bool:
    compiled = compiled_policy(document)
    request = Request(Request.of(CALLER, action).principal, action, witness_resource, dict(witness_context))
    return evaluate(request, PolicySet(identity=(compiled,))).allowed


def used_actions_replay(original: str, refined: str, unused: UnusedSet) -> list[str]:
    """Every action the original grants that is not unused, replayed: for each Allow statement of
    the original, the engine finds a request the statement allows; with each used action it
    matches swapped in, a request the original allows must be allowed by the refined policy too."""
    compiled, _ = compile_policies([("original", original)])
    [(policy_compiled, _)] = compiled
    prover = _Prover([policy_compiled], CALLER)
    before = granted_actions([("original", original)], ACCOUNT)
    used = {a for actions in before.by_service.values() for a in actions if a not in unused}
    catalog = default_catalog()
    replayed, lost = set(), []
    for statement in policy_compiled.statements:
        if not statement.allow:
            continue
        w = prover.statement_witness(policy_compiled, statement.index)
        for name in sorted(used - replayed):
            action = catalog.action(name)
            if not statement_matches(statement, action) or not replay_allowed(original, name, w.resource, w.context):
                continue
            replayed.add(name)
            if not replay_allowed(refined, name, w.resource, w.context):
                lost.append(name)
    missing = sorted(used - replayed - set(lost))
    if missing:  # not replayable from a statement witness: ask the engine for these alone
        witnesses = prover.action_witnesses(missing)
        for name in missing:
            w = witnesses[name]
            if not replay_allowed(refined, name, w.resource, w.context):
                lost.append(name)
    return lost


@pytest.mark.parametrize("name", sorted(CASES))
def test_recommended_policies_are_proven_and_keep_used_actions(name):
    document, services = CASES[name]
    r, acct, findings = analyse(document, services)
    [finding] = [f for f in findings if f.finding_type == "UnusedPermission"]
    details = finding.details["findingDetails"]
    recommendation = recommend(r, acct, details)
    assert recommendation.problems == []
    step = recommendation.steps[0]
    unused = UnusedSet.from_details(details)
    if step.recommended_action == DETACH_POLICY:
        assert len(recommendation.steps) == 1
        before = granted_actions([("p", document)], ACCOUNT)
        assert all(a in unused for actions in before.by_service.values() for a in actions)
        return
    # a partly used policy: create the refined policy, then detach the original (AWS's example)
    assert [(s.recommended_action, s.existing_policy_id) for s in recommendation.steps] == [
        (CREATE_POLICY, "p0"), (DETACH_POLICY, "p0")]
    assert recommendation.steps[1].recommended_policy is None
    refined = step.recommended_policy
    proof = check_no_new_access(refined, document, "IDENTITY_POLICY")
    assert proof.result == "PASS", proof.as_dict()
    assert step.proof["result"] == "PASS"
    assert used_actions_replay(document, refined, unused) == []
    # and the unused actions are gone
    after = granted_actions([("p", refined)], ACCOUNT)
    assert not any(a in unused for actions in after.by_service.values() for a in actions)
    # structure kept: same number of statements or fewer, same Sids, resources and conditions
    old_statements, new_statements = json.loads(document)["Statement"], json.loads(refined)["Statement"]
    for new in new_statements:
        assert any(s.get("Sid") == new.get("Sid") and s.get("Resource") == new.get("Resource")
                   and s.get("Condition") == new.get("Condition") and s["Effect"] == new["Effect"] for s in old_statements)


def test_s3_star_refined_keeps_get_object_only_from_s3():
    document, services = CASES["s3-star-only-get-object"]
    r, acct, findings = analyse(document, services)
    step, _ = recommend(r, acct, findings[0].details["findingDetails"]).steps
    assert json.loads(step.recommended_policy)["Statement"][0]["Action"] == "s3:GetObject"


def test_whole_unused_policy_is_detached_and_used_one_untouched():
    used, unused_doc = policy(allow("s3:GetObject")), policy(allow("sqs:*"))
    r = role(last_used=NOW, policies=[used, unused_doc])
    acct = account(r, activity=[activity_of(r.arn, service("s3", NOW, {"GetObject": NOW}), service("sqs", None))])
    [finding] = analyze_account(acct, UnusedAccessSettings(AGE), NOW).findings
    steps = recommend(r, acct, finding.details["findingDetails"]).steps
    assert [(s.existing_policy_id, s.recommended_action) for s in steps] == [("p1", DETACH_POLICY)]


def test_star_statement_keeps_its_resource_and_uses_not_action():
    document, services = CASES["star-becomes-not-action"]
    r, acct, findings = analyse(document, services)
    step, _ = recommend(r, acct, findings[0].details["findingDetails"]).steps
    statement = json.loads(step.recommended_policy)["Statement"][0]
    assert statement["Resource"] == "*" and "Action" not in statement
    assert "iam:*" in statement["NotAction"] and "s3:PutObject" in statement["NotAction"]


def test_fold_uses_only_covered_wildcards():
    catalog = default_catalog()
    describes = catalog.match_actions("ec2:Describe*")
    assert fold_actions(describes, "ec2:*") == ["ec2:Describe*"]
    # a wildcard wider than the original pattern is never produced
    some = [a for a in catalog.match_actions("ec2:DescribeInstance*")]
    assert all(not p.endswith("Describe*") for p in fold_actions(some, "ec2:DescribeInstance*"))


def test_refine_policy_keeps_deny_and_version():
    document = policy({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}, allow(["s3:GetObject", "s3:PutObject"]))
    refined = refine_policy(document, UnusedSet(frozenset(), frozenset({"s3:putobject"})))
    assert refined["Version"] == "2012-10-17"
    assert refined["Statement"][0] == {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    assert refined["Statement"][1]["Action"] == ["s3:GetObject"]


def test_refined_policy_too_large_for_validate_policy_is_not_recommended():
    # A refined policy over 32 KiB (an attached managed policy as large as ReadOnlyAccess) is
    # refused by ValidatePolicy as a whole; it is reported as a problem, not a crash.
    s3 = [a.name for a in default_catalog().service("s3").actions.values()]
    document = policy(allow([f"s3:{name}" for name in s3] * 4 + ["ec2:DescribeInstances"]))
    r = role(last_used=NOW, policies=[document])
    acct = account(r, activity=[activity_of(r.arn, service("s3", NOW, {name: NOW for name in s3}, every_action=True),
                                            service("ec2", None))])
    [finding] = analyze_account(acct, UnusedAccessSettings(AGE), NOW).findings
    out = recommend(r, acct, finding.details["findingDetails"])
    assert out.steps == []
    assert out.problems == ["p0: ValidatePolicy refused the refined policy (InvalidPolicy); not recommended"]
