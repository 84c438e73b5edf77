"""Extraction against cfn-policy-validator's own parser (the PyPI package, run offline: its
``parse`` needs no AWS call for these templates): the same policies out of the same templates.

Where the two differ by design, the test says so and does not compare:
- a resource whose ``Condition`` is false: CloudFormation does not create it, accessproof does not
  extract it; cfn-policy-validator 0.0.37 ignores resource conditions (``test_resource_condition``);
- names: cfn-policy-validator names a topic and a secret by their logical id even when a name
  property is set; the templates here set no such name, so both read the logical id.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accessproof.templates import IDENTITY_POLICY, RESOURCE_POLICY, TRUST_POLICY, Settings, load_deployment

cfn_policy_validator = pytest.importorskip("cfn_policy_validator", reason="the test extra's cfn-policy-validator")

DATA = Path(__file__).parent / "data"
ACCOUNT, REGION = "123456789012", "us-east-1"

CASES = [
    ("coverage.json", {"Stage": "dev", "OtherAccounts": "111122223333,222233334444", "TopicSuffix": "x"}),
    ("coverage.json", {"Stage": "prod", "OtherAccounts": "555566667777", "TopicSuffix": "y"}),
    ("coverage.yaml", {"Stage": "dev", "OtherAccounts": "111122223333", "TopicSuffix": "z"}),
    ("sample.yaml", {"Env": "dev", "TrustedAccount": "111122223333"}),
]


def _their_parameters(template: str, given: dict) -> dict:
    # cfn-policy-validator's Python API takes a CommaDelimitedList as a list (its CLI splits it).
    return {k: v.split(",") if k == "OtherAccounts" else v for k, v in given.items()}


def _resource_name(arn: str, resource_type: str) -> str:
    if resource_type == "AWS::S3::Bucket":
        return arn.split(":::", 1)[1]
    if resource_type == "AWS::KMS::Key":
        return arn.rsplit("/", 1)[1]
    if resource_type == "AWS::SecretsManager::Secret":
        return arn.split(":secret:", 1)[1]
    return arn.rsplit(":", 1)[1]


def _ours(path: Path, parameters: dict) -> dict:
    deployment = load_deployment(path, Settings(ACCOUNT, REGION, "aws", tuple(parameters.items()), "StackName"))
    assert not deployment.unresolved
    identities: dict = {}
    resources: dict = {}
    for p in deployment.policies:
        if p.kind == TRUST_POLICY:
            identities.setdefault(("role", p.target_arn.rsplit("/", 1)[1]), {})["TrustPolicy"] = p.document
        elif p.kind == IDENTITY_POLICY:
            for principal in p.principals:
                kind, name = principal.split("/", 1)
                identities.setdefault((kind, name), {})[p.policy_name] = p.document
        elif p.kind == RESOURCE_POLICY:
            resources[(p.target_type, _resource_name(p.target_arn, p.target_type), p.policy_name)] = p.document
    return {"identities": identities, "resources": resources}


def _theirs(path: Path, parameters: dict) -> dict:
    out = cfn_policy_validator.parse(path.read_text(), REGION, ACCOUNT, "aws", _their_parameters(path.name, parameters))
    out = json.loads(json.dumps(out, default=lambda o: vars(o)))
    identities: dict = {}
    for kind, key, name_key in (("role", "Roles", "RoleName"), ("user", "Users", "UserName"), ("group", "Groups", "GroupName")):
        for identity in out[key]:
            entry = identities.setdefault((kind, identity[name_key]), {})
            if "TrustPolicy" in identity:
                entry["TrustPolicy"] = identity["TrustPolicy"]
            for policy in identity["Policies"]:
                entry[policy["Name"]] = policy["Policy"]
    resources = {(r["ResourceType"], r["ResourceName"], r["Policy"]["Name"]): r["Policy"]["Policy"] for r in out["Resources"]}
    assert out["OrphanedPolicies"] == []
    return {"identities": identities, "resources": resources}


@pytest.mark.parametrize("template,parameters", CASES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CASES)])
def test_same_policies_as_cfn_policy_validator(template: str, parameters: dict) -> None:
    ours, theirs = _ours(DATA / template, parameters), _theirs(DATA / template, parameters)
    assert ours["identities"] == theirs["identities"]
    assert ours["resources"] == theirs["resources"]
    assert len(ours["resources"]) >= 2 and len(ours["identities"]) >= 1


def test_resource_condition() -> None:
    """A resource whose Condition is false is not created: accessproof extracts nothing from it."""
    template = {"Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
                "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
                "Resources": {"ProdRole": {"Type": "AWS::IAM::Role", "Condition": "IsProd", "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}}}}}
    from accessproof.templates import load_text

    assert load_text(json.dumps(template), "t.json", Settings()).policies == ()
    prod = load_text(json.dumps(template), "t.json", Settings(parameters=(("Stage", "prod"),)))
    assert [p.policy_name for p in prod.policies] == ["TrustPolicy"]
