"""On the real logs: every successful recorded call of every principal, replayed as a request
through ``accessproof.evaluate``, is allowed by the policy generated for that principal; no
statement grants ``"Action": "*"``; the output validates without ERROR or SECURITY_WARNING."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest

from accessproof.catalog import default_catalog
from accessproof.evaluate import IDENTITY, InvalidRequest, PolicySet, Request, compile_policy_text, evaluate, parse_principal
from accessproof.generate import generate_from_activity, parse_time
from accessproof.generate.arns import derive_arns, resource_type
from accessproof.generate.collect import discover
from accessproof.generate.generator import is_denied
from accessproof.generate.mapping import map_event, operation_name
from accessproof.generate.reader import read_activity

from .conftest import ALL_TIME, corpus_events

START, END = (parse_time(t) for t in ALL_TIME)


def principal_of(event: dict) -> str:
    """The user or role an event belongs to (a session's issuer, else the caller)."""
    identity = event["userIdentity"]
    issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
    return issuer.get("arn") or identity["arn"]


def caller_of(event: dict):
    identity = event["userIdentity"]
    try:
        return parse_principal(identity["arn"])
    except InvalidRequest:
        # An anonymized session ARN without a session name: replay as a session of its role.
        issuer = identity["sessionContext"]["sessionIssuer"]
        return parse_principal(f"arn:aws:sts::{issuer['accountId']}:assumed-role/{issuer['userName']}/replay")


def sample_arn(arn_format: str, event: dict) -> str:
    """A concrete ARN of a resource type, for calls whose log does not name the resource."""
    filled = arn_format.replace("${Partition}", "aws").replace("${Region}", event.get("awsRegion") or "us-east-1") \
        .replace("${Account}", event.get("recipientAccountId") or "123456789012")
    return re.sub(r"\$\{[^}]+\}", "replay-sample", filled)


def replay_resources(action_name: str, event: dict) -> list[str]:
    """The resources to replay the call on: those the log names, else a sample of each type."""
    catalog = default_catalog()
    action = catalog.action(action_name)
    assert action is not None, action_name
    listed = [r["ARN"] for r in event.get("resources") or [] if "ARN" in r]
    derived = derive_arns(action, catalog, operation_name(event["eventName"]), "aws", event.get("awsRegion"),
                          event.get("recipientAccountId"), event.get("requestParameters"), listed)
    if derived:
        # Concrete resources stand in for the patterns (a secret's random suffix, a path).
        return [arn.replace("??????", "AbCdEf").replace("*/", "") for arn in derived]
    types = [t for t in (resource_type(catalog, action.service, r.name) for r in action.resource_types) if t]
    if not types:
        return ["*"]
    required = [t for t, r in zip(types, action.resource_types) if r.required] or types
    return [sample_arn(t.arn_format, event) for t in required]


@lru_cache(maxsize=1)
def corpus_activity(corpus: str):
    found = discover([corpus])
    assert not found.problems
    return read_activity(found.files, None, START, END)


def principals() -> list[str]:
    return sorted({principal_of(e) for e in corpus_events()})


@pytest.mark.parametrize("principal_arn", principals())
def test_recorded_calls_are_allowed_by_the_generated_policy(principal_arn: str, corpus_dir) -> None:
    catalog = default_catalog()
    if ":federated-user/" in principal_arn:
        pytest.skip("policies are generated for users and roles")
    result = generate_from_activity(principal_arn, corpus_activity(str(corpus_dir)), start=START, end=END)
    assert result.findings == [], result.findings
    assert result.unmapped == []
    policies = tuple(compile_policy_text(json.dumps(d), f"generated-{i}", IDENTITY)
                     for i, d in enumerate(result.documents))
    for document in result.documents:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert "*" not in actions and all(not a.endswith(":*") for a in actions)
    replayed = 0
    for event in corpus_events():
        if principal_of(event) != principal_arn or is_denied(event.get("errorCode")):
            continue
        mapped = map_event(event["eventSource"], event["eventName"], catalog, event.get("requestParameters"))
        assert mapped is not None
        for action in mapped.actions:
            for resource in replay_resources(action, event):
                request = Request(caller_of(event), action, resource)
                decision = evaluate(request, PolicySet(identity=policies), explain=False)
                assert decision.allowed, (principal_arn, event["eventName"], action, resource, result.documents)
                replayed += 1
    assert replayed or result.calls_selected == 0 or result.no_permission or result.documents


def test_denied_calls_are_included_and_marked(corpus_dir) -> None:
    role = "arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"
    result = generate_from_activity(role, corpus_activity(str(corpus_dir)), start=START, end=END)
    out = result.generated_policy_result()
    assert out["accessproof"]["deniedActions"] == ["ec2:GetPasswordData"]
    statement = json.loads(out["generatedPolicies"][0]["policy"])["Statement"][0]
    assert statement["Sid"].startswith("DeniedInCloudTrail") and statement["Action"] == "ec2:GetPasswordData"


def test_default_window_is_the_last_90_days_of_the_data(corpus_dir) -> None:
    found = discover([str(corpus_dir)])
    activity = read_activity(found.files)
    role = "arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"  # active in July 2024
    result = generate_from_activity(role, activity)
    assert result.end == activity.data_end
    assert (result.end - result.start).days == 89
    assert result.documents == [] and result.calls_outside == 30


def test_role_selection_includes_every_session(corpus_dir) -> None:
    role = "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_account-admin_599c9e90e350d2ff"
    result = generate_from_activity(role, corpus_activity(str(corpus_dir)), start=START, end=END)
    assert result.calls_selected == 4
