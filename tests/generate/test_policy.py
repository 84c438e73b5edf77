"""Grouping, folding and splitting of generated statements."""

from __future__ import annotations

import json

from accessproof.catalog import wildcard_match
from accessproof.generate.policy import (
    MAX_POLICY_CHARS, ActionUse, build_statements, compact_resources, policy_size, split_policies,
)


def test_actions_with_equal_resources_share_a_statement() -> None:
    uses = [ActionUse("ec2:DescribeInstances", {"*"}, allowed_calls=1),
            ActionUse("ssm:DescribeParameters", {"*"}, allowed_calls=1),
            ActionUse("s3:GetObject", {"arn:aws:s3:::b/k"}, allowed_calls=1)]
    statements = build_statements(uses)
    assert [s.actions for s in statements] == [("ec2:DescribeInstances", "ssm:DescribeParameters"), ("s3:GetObject",)]
    assert statements[0].resources == ("*",)


def test_many_arns_fold_into_covering_patterns() -> None:
    arns = [f"arn:aws:s3:::bucket/logs/2024/{i}.gz" for i in range(50)] + ["arn:aws:s3:::bucket/other/x"]
    folded = compact_resources(arns)
    assert len(folded) <= 10
    assert all(any(wildcard_match(p, arn) for p in folded) for arn in arns)
    many = [f"arn:aws:s3:::bucket-{i}/k/{j}" for i in range(30) for j in range(2)]
    single = compact_resources(many)
    assert single == ("arn:aws:s3:::*",) and all(wildcard_match(single[0], a) for a in many)


def test_large_policies_are_split_under_the_limit() -> None:
    uses = [ActionUse("s3:GetObject", {f"arn:aws:s3:::bucket-{i}/object" for i in range(10)}, allowed_calls=1)]
    uses += [ActionUse(f"ec2:Action{i:04d}", {f"arn:aws:ec2:us-east-1:123456789012:instance/i-{i:017d}"},
                       allowed_calls=1) for i in range(300)]
    documents = split_policies(build_statements(uses))
    assert len(documents) > 1
    assert all(policy_size(d) <= MAX_POLICY_CHARS for d in documents)
    sids = [s["Sid"] for d in documents for s in d["Statement"]]
    assert len(sids) == len(set(sids))
    actions = {a for d in documents for s in d["Statement"]
               for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert len(actions) == 301


def test_one_huge_statement_is_cut_by_actions() -> None:
    uses = [ActionUse(f"ec2:VeryLongActionNameNumber{i:05d}", {"*"}, allowed_calls=1) for i in range(600)]
    documents = split_policies(build_statements(uses))
    assert len(documents) > 1 and all(policy_size(d) <= MAX_POLICY_CHARS for d in documents)
    assert json.dumps(documents).count("VeryLongActionNameNumber") == 600


def test_denied_only_resources_are_marked_apart() -> None:
    use = ActionUse("ec2:StopInstances", {"arn:aws:ec2:us-east-1:1:instance/i-a"}, {"arn:aws:ec2:us-east-1:1:instance/i-b"},
                    allowed_calls=1, denied_calls=1)
    statements = build_statements([use])
    assert [s.sid for s in statements] == ["SupportedServiceSid", "DeniedInCloudTrailSid"]
