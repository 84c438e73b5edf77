"""Refinement: the output is proven (check_no_new_access) to grant nothing the existing policy
does not; where the generated policy grants more (denied calls), it is intersected and says so."""

from __future__ import annotations

import json

from accessproof.catalog import default_catalog
from accessproof.checks import IDENTITY_POLICY, check_no_new_access
from accessproof.generate import generate_policy, parse_time
from accessproof.generate.refine import merged, refine

from .conftest import CORPUS

START = parse_time("2024-07-01")
SSM_USER = "arn:aws:iam::056392974792:user/christophe"
SSM_SAMPLE = str(CORPUS / "aws.execution.ssm-send-command.json.gz")
ROLE = "arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"
ROLE_SAMPLE = str(CORPUS / "aws.credential-access.ec2-get-password-data.json.gz")


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def proven(documents: list[dict], existing: str) -> bool:
    return check_no_new_access(json.dumps(merged(documents)), existing, IDENTITY_POLICY).result == "PASS"


def test_broader_existing_policy_is_refined_without_intersection() -> None:
    existing = policy({"Effect": "Allow", "Action": ["ssm:*", "ec2:*"], "Resource": "*"})
    result = generate_policy(SSM_USER, [SSM_SAMPLE], start=START, existing_policy=existing)
    refinement = result.refinement
    assert refinement is not None and refinement.result == "PASS" and not refinement.intersected
    assert proven(result.documents, existing)
    removed = refinement.removed
    assert removed["count"] > 100 and "ec2" in removed["byService"]
    assert "ssm:SendCommand" not in removed["actions"]


def test_narrower_existing_policy_is_intersected_and_proven() -> None:
    existing = policy(
        {"Effect": "Allow", "Action": "ssm:Describe*", "Resource": "*"},
        {"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "arn:aws:ssm:*:*:document/AWS-RunShellScript",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
        {"Effect": "Deny", "Action": "ssm:DescribeParameters", "Resource": "*"},
    )
    generated = generate_policy(SSM_USER, [SSM_SAMPLE], start=START)
    assert not proven(generated.documents, existing)
    result = generate_policy(SSM_USER, [SSM_SAMPLE], start=START, existing_policy=existing)
    refinement = result.refinement
    assert refinement.intersected and refinement.result == "PASS"
    assert proven(result.documents, existing)
    statements = [s for d in result.documents for s in d["Statement"]]
    granted = {a for s in statements if s["Effect"] == "Allow"
               for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert granted == {"ssm:DescribeInstanceInformation", "ssm:SendCommand"}
    assert any(s.get("Condition") for s in statements)  # the existing condition is kept
    assert {d["action"] for d in refinement.dropped} == {"ssm:GetCommandInvocation"}
    out = result.generated_policy_result()["accessproof"]["refinement"]
    assert out["intersected"] is True and out["checkNoNewAccess"]["result"] == "PASS"


def test_denied_calls_are_dropped_by_refinement() -> None:
    existing = policy({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
    result = generate_policy(ROLE, [ROLE_SAMPLE], start=START, existing_policy=existing)
    assert result.refinement.intersected and result.refinement.result == "PASS"
    assert result.documents == []
    assert [d["action"] for d in result.refinement.dropped] == ["ec2:GetPasswordData"]


def test_nothing_generated_is_trivially_proven() -> None:
    refinement = refine([], policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}), default_catalog())
    assert refinement.result == "PASS" and refinement.documents == []
