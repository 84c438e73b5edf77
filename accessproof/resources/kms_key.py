"""AWS::KMS::Key — the key policy and the key's grants (GetKeyPolicy, ListGrants).

Access Analyzer "analyzes the key policies and grants" (IAM User Guide, "IAM Access Analyzer
resource types", KMS). A grant (AWS KMS Developer Guide, "Grants in AWS KMS") lets its grantee
principal call the grant's operations on the key, and its retiring principal retire it:

* grantee → ``Allow {"AWS": grantee} kms:<Operation>...`` on the key ARN (a service principal
  grantee → ``{"Service": ...}``);
* retiring principal → ``Allow kms:RetireGrant`` on the key ARN;
* constraints ("Grant constraints"): ``EncryptionContextSubset`` {k: v} → ``StringEquals
  kms:EncryptionContext:k = v`` for each pair (the request's context must include them);
  ``EncryptionContextEquals`` {k: v} → the same, plus ``ForAllValues:StringEquals
  kms:EncryptionContextKeys = [k...]`` (no other key may be present: an exact match). Key names
  in ``kms:EncryptionContext:`` condition keys are case-insensitive while grant constraints are
  case-sensitive ("Using encryption context" / "kms:EncryptionContext:context-key"): the
  statement may admit a differently-cased key the grant would refuse — more access, never less.

Grants have no ``FindingSourceType`` of their own today (old SDKs had KMS_GRANT); they are tagged
POLICY with ``origin`` "KMS grant <id>".

"If the key policy doesn't allow the IAM Access Analyzer role to read the key metadata, an
Access Denied error finding is generated" (same page, with a key policy that allows only an
``Admin`` role as the example). ``analyzer_locked_out(key)`` asks the evaluator whether the
service-linked role ``AWSServiceRoleForAccessAnalyzer``, with the permissions of its managed
policy (AccessAnalyzerServiceRolePolicy: ``kms:DescribeKey``, ``kms:GetKeyPolicy``,
``kms:List*``), may call DescribeKey, GetKeyPolicy and ListGrants on the key under its key
policy — which must allow the role itself or the account ("Key policies in AWS KMS"). Grants
are not consulted (none can give GetKeyPolicy).

CHOICE (the page shows one example): the error is reported for a key policy that, like the
example, grants only to principals of the key's own account. A key policy that grants to
everyone or to another account is about outside access, which accessproof has read and
reports as findings; the page documents such findings (``kms:CallerAccount`` naming another
account) for policies that, taken alone, would keep the analyzer's role out as well. An error
finding never hides access: the analyzer reports it beside the key's other findings.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from ..evaluate import IDENTITY, RESOURCE, MalformedPolicy, PolicySet, Request, compile_policy_text, evaluate
from ..evaluate.matching import PrincipalMatcher
from ..inventory.model import KMS_KEY, KmsGrant, KmsKey
from .base import POLICY_SOURCE, SourcedStatement, allow, principal_element, statements_of_policy

RESOURCE_TYPE = KMS_KEY
SERVICE_PREFIXES = ("kms",)


def arn(key: KmsKey) -> str:
    return key.arn


def request_resources(key: KmsKey) -> tuple[str, ...]:
    return (key.arn,)


def statements(key: KmsKey, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    out = statements_of_policy(key.policy, POLICY_SOURCE, "key policy")
    for grant in key.grants:
        out += grant_statements(key, grant)
    return out


def grant_statements(key: KmsKey, grant: KmsGrant) -> list[SourcedStatement]:
    label = f"KMS grant {grant.grant_id}" + (f" ({grant.name})" if grant.name else "")
    out = []
    if grant.operations:
        actions = [f"kms:{operation}" for operation in grant.operations]
        out.append(SourcedStatement(POLICY_SOURCE, allow(principal_element(grant.grantee_principal), actions,
                                                         [key.arn], grant_conditions(grant)), label))
    if grant.retiring_principal:
        out.append(SourcedStatement(POLICY_SOURCE, allow(principal_element(grant.retiring_principal),
                                                         ["kms:RetireGrant"], [key.arn]),
                                    f"{label}, retiring principal"))
    return out


def grant_conditions(grant: KmsGrant) -> Optional[dict[str, dict[str, Any]]]:
    pairs = dict(grant.encryption_context_subset or ())
    pairs.update(dict(grant.encryption_context_equals or ()))
    if not pairs:
        return None
    conditions: dict[str, dict[str, Any]] = {
        "StringEquals": {f"kms:EncryptionContext:{k}": v for k, v in sorted(pairs.items())}}
    if grant.encryption_context_equals is not None:
        keys = sorted(k for k, _ in grant.encryption_context_equals)
        conditions["ForAllValues:StringEquals"] = {"kms:EncryptionContextKeys": keys}
    return conditions


ACCESS_ANALYZER_ROLE = "AWSServiceRoleForAccessAnalyzer"
ACCESS_ANALYZER_ROLE_PATH = "/aws-service-role/access-analyzer.amazonaws.com/"
METADATA_ACTIONS = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants")
_ANALYZER_PERMISSIONS = compile_policy_text(json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:List*"], "Resource": "*"}]}),
    "AccessAnalyzerServiceRolePolicy (KMS part)", IDENTITY)


def analyzer_locked_out(key: KmsKey) -> bool:
    """Would the key policy refuse Access Analyzer's service-linked role the key's metadata?

    A key without a policy in the snapshot is not judged here (the loader requires the policy,
    or records that it could not be read). A malformed policy is the analyzer's to report."""
    if key.policy is None:
        return False
    try:
        policy = compile_policy_text(key.policy, key.arn, RESOURCE)
    except MalformedPolicy:
        return False
    if any(_names_outsiders(statement.principal, key.account_id) for statement in policy.statements
           if statement.allow):
        return False
    partition = key.arn.split(":", 2)[1]
    role_arn = f"arn:{partition}:iam::{key.account_id}:role{ACCESS_ANALYZER_ROLE_PATH}{ACCESS_ANALYZER_ROLE}"
    session = f"arn:{partition}:sts::{key.account_id}:assumed-role/{ACCESS_ANALYZER_ROLE}/access-analyzer"
    context = {"aws:PrincipalAccount": key.account_id, "aws:PrincipalArn": role_arn,
               "aws:PrincipalType": "AssumedRole", "aws:PrincipalIsAWSService": "false",
               "kms:CallerAccount": key.account_id}
    policies = PolicySet(identity=(_ANALYZER_PERMISSIONS,), resource=policy)
    return not all(evaluate(Request.of(session, action, key.arn, context, key.account_id), policies,
                            explain=False).allowed for action in METADATA_ACTIONS)


def _names_outsiders(principal: Optional[PrincipalMatcher], account_id: str) -> bool:
    """Does a Principal element name everyone or a principal of another account?"""
    if principal is None or principal.everyone:
        return True
    for kind, value in principal.values:
        if kind == "AWS" and (value == "*" or _account_of(value) not in (None, account_id)):
            return True
    return False


def _account_of(value: str) -> Optional[str]:
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else None
