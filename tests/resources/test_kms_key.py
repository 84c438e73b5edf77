"""AWS::KMS::Key: key policy plus grants (with encryption-context constraints) — replayed."""

from __future__ import annotations

from accessproof.evaluate import ALLOWED, IMPLICIT_DENY
from accessproof.inventory import KmsGrant, KmsKey
from accessproof.resources import SourceType, statements
from accessproof.resources.kms_key import grant_conditions

from .helpers import ORG, OTHER, OWNER, decide, policy, stmt

KEY_ARN = f"arn:aws:kms:us-east-1:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DEFAULT_POLICY = policy(stmt({"AWS": f"arn:aws:iam::{OWNER}:root"}, "kms:*", "*"))
PARTNER = f"arn:aws:iam::{OTHER}:role/PartnerDecryptRole"


def key(policy_text: str = DEFAULT_POLICY, *grants: KmsGrant) -> KmsKey:
    return KmsKey(arn=KEY_ARN, account_id=OWNER, origin="kms/k", key_id="k", policy=policy_text, grants=grants)


def grant(grantee: str = PARTNER, operations=("Decrypt",), **kwargs) -> KmsGrant:
    return KmsGrant(grant_id="g1", grantee_principal=grantee, operations=tuple(operations), **kwargs)


def test_default_key_policy_keeps_outsiders_out():
    k = key()
    assert decide(k, PARTNER, "kms:Decrypt") == IMPLICIT_DENY
    assert decide(k, f"arn:aws:iam::{OWNER}:role/App", "kms:Decrypt") == ALLOWED


def test_grant_to_another_account_allows_its_operations_only():
    k = key(DEFAULT_POLICY, grant(operations=("Decrypt", "DescribeKey")))
    (grant_statement,) = [s for s in statements(k) if s.origin.startswith("KMS grant")]
    assert grant_statement.source.type == SourceType.POLICY
    assert grant_statement.statement == {"Effect": "Allow", "Principal": {"AWS": PARTNER},
                                         "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": [KEY_ARN]}
    assert decide(k, PARTNER, "kms:Decrypt") == ALLOWED
    assert decide(k, PARTNER, "kms:DescribeKey") == ALLOWED
    assert decide(k, PARTNER, "kms:Encrypt") == IMPLICIT_DENY
    assert decide(k, f"arn:aws:iam::{OTHER}:role/SomeoneElse", "kms:Decrypt") == IMPLICIT_DENY


def test_grant_subset_constraint_becomes_encryption_context_conditions():
    k = key(DEFAULT_POLICY, grant(encryption_context_subset=(("project", "alpha"),)))
    assert decide(k, PARTNER, "kms:Decrypt", context={"kms:EncryptionContext:project": "alpha"}) == ALLOWED
    assert decide(k, PARTNER, "kms:Decrypt", context={"kms:EncryptionContext:project": "alpha",
                                                      "kms:EncryptionContext:team": "x",
                                                      "kms:EncryptionContextKeys": ["project", "team"]}) == ALLOWED
    assert decide(k, PARTNER, "kms:Decrypt", context={"kms:EncryptionContext:project": "beta"}) == IMPLICIT_DENY
    assert decide(k, PARTNER, "kms:Decrypt") == IMPLICIT_DENY


def test_grant_equals_constraint_admits_no_other_key():
    g = grant(encryption_context_equals=(("project", "alpha"),))
    assert grant_conditions(g) == {"StringEquals": {"kms:EncryptionContext:project": "alpha"},
                                   "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["project"]}}
    k = key(DEFAULT_POLICY, g)
    exact = {"kms:EncryptionContext:project": "alpha", "kms:EncryptionContextKeys": ["project"]}
    assert decide(k, PARTNER, "kms:Decrypt", context=exact) == ALLOWED
    extra = {**exact, "kms:EncryptionContext:team": "x", "kms:EncryptionContextKeys": ["project", "team"]}
    assert decide(k, PARTNER, "kms:Decrypt", context=extra) == IMPLICIT_DENY


def test_retiring_principal_may_retire():
    retiree = f"arn:aws:iam::{OTHER}:role/Retiree"
    k = key(DEFAULT_POLICY, grant(retiring_principal=retiree))
    assert decide(k, retiree, "kms:RetireGrant") == ALLOWED
    assert decide(k, retiree, "kms:Decrypt") == IMPLICIT_DENY


def test_grant_to_a_service_principal():
    k = key(DEFAULT_POLICY, grant(grantee="dynamodb.us-east-1.amazonaws.com", operations=("Encrypt",)))
    (s,) = [s for s in statements(k) if s.origin.startswith("KMS grant")]
    assert s.statement["Principal"] == {"Service": "dynamodb.us-east-1.amazonaws.com"}
    assert decide(k, "dynamodb.us-east-1.amazonaws.com", "kms:Encrypt") == ALLOWED


def test_org_restricted_key_policy():
    org_policy = policy(stmt({"AWS": "*"}, "kms:Decrypt", "*", {"StringEquals": {"aws:PrincipalOrgID": ORG}}))
    k = key(org_policy)
    assert decide(k, PARTNER, "kms:Decrypt", context={"aws:PrincipalOrgID": ORG}) == ALLOWED
    assert decide(k, PARTNER, "kms:Decrypt", context={"aws:PrincipalOrgID": "o-zzzzzzzzzz"}) == IMPLICIT_DENY
    assert decide(k, PARTNER, "kms:Decrypt") == IMPLICIT_DENY
