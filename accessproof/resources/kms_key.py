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
"""

from __future__ import annotations

from typing import Any, Callable, Optional

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
