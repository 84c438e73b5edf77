"""AWS::S3::Bucket: bucket policy, ACL grants, Block Public Access, access points — replayed."""

from __future__ import annotations

from typing import Optional

import pytest

from accessproof.evaluate import ALLOWED, IMPLICIT_DENY, RESOURCE, compile_policy_text
from accessproof.inventory import AccessPoint, AclGrant, PublicAccessBlock, S3Bucket
from accessproof.resources import SourceType, resource_policy_text, statements
from accessproof.resources.s3_bucket import ACL_ACTIONS, access_point_resource_to_bucket

from .helpers import OTHER, OWNER, always_public, decide, never_public, policy, stmt

BUCKET = "arn:aws:s3:::b"
OBJECT = "arn:aws:s3:::b/reports/q1.csv"
OWNER_ID = "a" * 64
PARTNER_ID = "b" * 64
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
AP_ARN = f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/ap1"
OUTSIDER = f"arn:aws:iam::{OTHER}:role/Outsider"
INSIDER = f"arn:aws:iam::{OWNER}:role/Insider"
BLOCK_ALL = PublicAccessBlock(True, True, True, True)


def bucket(policy_text: Optional[str] = None, grants: tuple[AclGrant, ...] = (),
           bpa: Optional[PublicAccessBlock] = None, account_bpa: Optional[PublicAccessBlock] = None,
           access_points: tuple[AccessPoint, ...] = ()) -> S3Bucket:
    owner_grant = AclGrant("FULL_CONTROL", "CanonicalUser", grantee_id=OWNER_ID)
    return S3Bucket(arn=BUCKET, account_id=OWNER, origin="s3/b", name="b", policy=policy_text,
                    acl_owner_id=OWNER_ID, acl_grants=(owner_grant,) + grants, public_access_block=bpa,
                    account_public_access_block=account_bpa, access_points=access_points)


def all_users(permission: str = "READ") -> AclGrant:
    return AclGrant(permission, "Group", grantee_uri=ALL_USERS)


# ------------------------------------------------------------------------ ACL


def test_acl_read_to_all_users_lets_anonymous_list_the_bucket():
    b = bucket(grants=(all_users(),))
    acl = [s for s in statements(b) if s.source.type == SourceType.BUCKET_ACL]
    public = [s for s in acl if s.statement["Principal"] == "*"]
    assert len(public) == 1
    assert public[0].statement["Action"] == sorted(ACL_ACTIONS["READ"][0])
    assert public[0].origin == "ACL grant READ to AllUsers"
    for action in ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"):
        assert decide(b, None, action, BUCKET) == ALLOWED
    # A *bucket* ACL's READ lists objects; reading them needs an object ACL (S3 User Guide, ACL overview).
    assert decide(b, None, "s3:GetObject", OBJECT) == IMPLICIT_DENY
    assert decide(b, None, "s3:PutObject", OBJECT) == IMPLICIT_DENY


def test_acl_write_to_all_users_lets_anonymous_write_objects():
    b = bucket(grants=(all_users("WRITE"),))
    assert decide(b, None, "s3:PutObject", OBJECT) == ALLOWED
    assert decide(b, None, "s3:DeleteObject", OBJECT) == ALLOWED
    assert decide(b, None, "s3:DeleteObjectVersion", OBJECT) == IMPLICIT_DENY  # owner only
    assert decide(b, None, "s3:ListBucket", BUCKET) == IMPLICIT_DENY


def test_acl_full_control_covers_every_permission():
    b = bucket(grants=(all_users("FULL_CONTROL"),))
    for action, target in (("s3:ListBucket", BUCKET), ("s3:GetBucketAcl", BUCKET), ("s3:PutBucketAcl", BUCKET),
                           ("s3:PutObject", OBJECT), ("s3:DeleteObject", OBJECT)):
        assert decide(b, None, action, target) == ALLOWED, action


def test_ignore_public_acls_blocks_the_all_users_grant():
    b = bucket(grants=(all_users(),), bpa=PublicAccessBlock(ignore_public_acls=True))
    assert not [s for s in statements(b) if s.statement["Principal"] == "*"]
    assert decide(b, None, "s3:ListBucket", BUCKET) == IMPLICIT_DENY


def test_account_level_ignore_public_acls_blocks_too():
    b = bucket(grants=(all_users(),), account_bpa=PublicAccessBlock(ignore_public_acls=True))
    assert decide(b, None, "s3:ListBucket", BUCKET) == IMPLICIT_DENY
    # ... and only IgnorePublicAcls does: the other three settings leave existing ACLs in force.
    b = bucket(grants=(all_users(),), bpa=PublicAccessBlock(True, False, True, True))
    assert decide(b, None, "s3:ListBucket", BUCKET) == ALLOWED


def test_ignore_public_acls_keeps_grants_to_named_accounts():
    partner = AclGrant("READ", "CanonicalUser", grantee_id=PARTNER_ID)
    b = bucket(grants=(partner, all_users()), bpa=BLOCK_ALL)
    assert decide(b, PARTNER_ID, "s3:ListBucket", BUCKET) == ALLOWED
    assert decide(b, None, "s3:ListBucket", BUCKET) == IMPLICIT_DENY


def test_authenticated_users_means_any_signed_request_not_anonymous():
    b = bucket(grants=(AclGrant("READ", "Group", grantee_uri=AUTHENTICATED),))
    assert decide(b, OUTSIDER, "s3:ListBucket", BUCKET) == ALLOWED
    assert decide(b, None, "s3:ListBucket", BUCKET) == IMPLICIT_DENY


def test_owner_grant_is_the_owner_account():
    b = bucket()
    owner_statements = [s.statement for s in statements(b)]
    assert all(s["Principal"] == {"AWS": f"arn:aws:iam::{OWNER}:root"} for s in owner_statements)
    assert any("s3:DeleteObjectVersion" in s["Action"] for s in owner_statements)
    assert decide(b, OUTSIDER, "s3:ListBucket", BUCKET) == IMPLICIT_DENY


def test_log_delivery_group_is_the_logging_service():
    b = bucket(grants=(AclGrant("WRITE", "Group", grantee_uri="http://acs.amazonaws.com/groups/s3/LogDelivery"),))
    assert decide(b, "logging.s3.amazonaws.com", "s3:PutObject", OBJECT) == ALLOWED
    assert decide(b, None, "s3:PutObject", OBJECT) == IMPLICIT_DENY


# ---------------------------------------------------------------------- policy


PUBLIC_READ = policy(stmt("*", "s3:GetObject", "arn:aws:s3:::b/*", sid="PublicRead"))
PARTNER_READ = policy(stmt({"AWS": OUTSIDER}, "s3:GetObject", "arn:aws:s3:::b/*"))


def test_public_policy_statements_are_kept_as_written():
    (first, *_) = statements(bucket(PUBLIC_READ))
    assert first.source.type == SourceType.POLICY
    assert first.origin == "bucket policy statement 1 (Sid PublicRead)"
    assert first.statement == {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                               "Resource": "arn:aws:s3:::b/*"}
    assert decide(bucket(PUBLIC_READ), None, "s3:GetObject", OBJECT) == ALLOWED


def test_restrict_public_buckets_limits_a_public_policy_to_the_owner_account_and_services():
    b = bucket(PUBLIC_READ, bpa=PublicAccessBlock(restrict_public_buckets=True))
    assert decide(b, None, "s3:GetObject", OBJECT, policy_is_public=always_public) == IMPLICIT_DENY
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT, policy_is_public=always_public) == IMPLICIT_DENY
    assert decide(b, INSIDER, "s3:GetObject", OBJECT, policy_is_public=always_public) == ALLOWED
    assert decide(b, "cloudfront.amazonaws.com", "s3:GetObject", OBJECT,
                  context={"aws:PrincipalIsAWSService": "true"}, policy_is_public=always_public) == ALLOWED


def test_restrict_public_buckets_at_account_level():
    b = bucket(PUBLIC_READ, account_bpa=PublicAccessBlock(restrict_public_buckets=True))
    assert decide(b, None, "s3:GetObject", OBJECT, policy_is_public=always_public) == IMPLICIT_DENY


def test_restrict_public_buckets_leaves_a_non_public_policy_alone():
    b = bucket(PARTNER_READ, bpa=PublicAccessBlock(restrict_public_buckets=True))
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT, policy_is_public=never_public) == ALLOWED


def test_without_a_public_answer_nothing_is_restricted():
    """Soundness: when the caller cannot say whether the policy is public, keep all access."""
    b = bucket(PUBLIC_READ, bpa=BLOCK_ALL)
    assert decide(b, None, "s3:GetObject", OBJECT) == ALLOWED


def test_restriction_uses_another_operator_when_the_key_is_taken():
    text = policy(stmt("*", "s3:GetObject", "arn:aws:s3:::b/*",
                       {"StringEquals": {"aws:PrincipalAccount": [OWNER, OTHER]}}))
    b = bucket(text, bpa=BLOCK_ALL)
    restricted = statements(b, always_public)[0].statement
    assert restricted["Condition"]["StringEquals"] == {"aws:PrincipalAccount": [OWNER, OTHER]}
    assert restricted["Condition"]["StringLike"] == {"aws:PrincipalAccount": OWNER}
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT, policy_is_public=always_public) == IMPLICIT_DENY
    assert decide(b, INSIDER, "s3:GetObject", OBJECT, policy_is_public=always_public) == ALLOWED


def test_policy_deny_overrides_acl_grant():
    deny = policy(stmt("*", "s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], effect="Deny"))
    b = bucket(deny, grants=(all_users(),))
    assert decide(b, None, "s3:ListBucket", BUCKET) == "explicitDeny"


# --------------------------------------------------------------- access points


def access_point(policy_text: str, origin: str = "Internet", vpc: Optional[str] = None,
                 bpa: Optional[PublicAccessBlock] = None, name: str = "ap1") -> AccessPoint:
    arn = f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/{name}"
    return AccessPoint(name, arn, OWNER, origin, vpc, policy_text, bpa)


AP_CONTEXT = {"s3:DataAccessPointArn": AP_ARN, "s3:DataAccessPointAccount": OWNER}


def test_access_point_grant_is_rewritten_onto_the_bucket_and_scoped():
    ap = access_point(policy(stmt({"AWS": OUTSIDER}, "s3:GetObject", f"{AP_ARN}/object/shared/*")))
    b = bucket(access_points=(ap,))
    (ap_statement,) = [s for s in statements(b) if s.source.type == SourceType.S3_ACCESS_POINT]
    assert ap_statement.source.access_point_arn == AP_ARN
    assert ap_statement.source.to_api() == {"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": AP_ARN}}
    assert ap_statement.statement["Resource"] == ["arn:aws:s3:::b/shared/*"]
    assert ap_statement.statement["Condition"] == {"StringEquals": {"s3:DataAccessPointArn": AP_ARN}}
    assert decide(b, OUTSIDER, "s3:GetObject", "arn:aws:s3:::b/shared/x", AP_CONTEXT) == ALLOWED
    assert decide(b, OUTSIDER, "s3:GetObject", "arn:aws:s3:::b/private/x", AP_CONTEXT) == IMPLICIT_DENY
    assert decide(b, OUTSIDER, "s3:GetObject", "arn:aws:s3:::b/shared/x") == IMPLICIT_DENY  # not through the AP


def test_access_point_deny_only_applies_through_the_access_point():
    ap = access_point(policy(stmt("*", "s3:*", f"{AP_ARN}/object/*", effect="Deny")))
    b = bucket(PARTNER_READ, access_points=(ap,))
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT) == ALLOWED
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT, AP_CONTEXT) == "explicitDeny"


def test_vpc_access_point_needs_its_vpc():
    ap = access_point(policy(stmt("*", "s3:GetObject", f"{AP_ARN}/object/*")), origin="VPC", vpc="vpc-1a2b3c4d")
    b = bucket(access_points=(ap,))
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT, AP_CONTEXT) == IMPLICIT_DENY
    assert decide(b, OUTSIDER, "s3:GetObject", OBJECT, {**AP_CONTEXT, "aws:SourceVpc": "vpc-1a2b3c4d"}) == ALLOWED


def test_access_point_block_public_access_restricts_its_public_policy():
    public_ap = policy(stmt("*", "s3:GetObject", f"{AP_ARN}/object/*"))
    ap = access_point(public_ap, bpa=PublicAccessBlock(restrict_public_buckets=True))
    b = bucket(access_points=(ap,))
    assert decide(b, None, "s3:GetObject", OBJECT, AP_CONTEXT) == ALLOWED  # no public answer: kept
    assert decide(b, None, "s3:GetObject", OBJECT, AP_CONTEXT, policy_is_public=always_public) == IMPLICIT_DENY
    assert decide(b, INSIDER, "s3:GetObject", OBJECT, AP_CONTEXT, policy_is_public=always_public) == ALLOWED


def test_bucket_level_restrict_applies_to_access_point_requests():
    public_ap = policy(stmt("*", "s3:GetObject", f"{AP_ARN}/object/*"))
    b = bucket(access_points=(access_point(public_ap),), bpa=PublicAccessBlock(restrict_public_buckets=True))
    assert decide(b, None, "s3:GetObject", OBJECT, AP_CONTEXT, policy_is_public=always_public) == IMPLICIT_DENY


def test_access_point_without_policy_adds_nothing():
    b = bucket(access_points=(AccessPoint("ap1", AP_ARN, OWNER, "Internet"),))
    assert all(s.source.type != SourceType.S3_ACCESS_POINT for s in statements(b))


def test_access_point_statement_for_other_resources_is_dropped():
    ap = access_point(policy(stmt("*", "s3:GetObject", "arn:aws:s3:::some-other-bucket/*")))
    assert all(s.source.type != SourceType.S3_ACCESS_POINT for s in statements(bucket(access_points=(ap,))))


@pytest.mark.parametrize("pattern, expected", [
    (AP_ARN, [BUCKET]),
    (f"{AP_ARN}/object/*", ["arn:aws:s3:::b/*"]),
    (f"{AP_ARN}/object/logs/2026-??/*", ["arn:aws:s3:::b/logs/2026-??/*"]),
    ("*", ["*"]),
    (f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/*", [BUCKET, "arn:aws:s3:::b/*"]),
    (f"{AP_ARN}*", [BUCKET, "arn:aws:s3:::b/*"]),
    (f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/other", []),
    (f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/other/object/*", []),
    ("arn:aws:s3:::b/*", []),
])
def test_access_point_resource_to_bucket(pattern, expected):
    assert access_point_resource_to_bucket(pattern, BUCKET, AP_ARN) == expected


def test_policy_text_compiles_as_a_resource_policy():
    ap = access_point(policy(stmt({"AWS": OUTSIDER}, "s3:GetObject", f"{AP_ARN}/object/*")))
    b = bucket(PUBLIC_READ, grants=(all_users(),), access_points=(ap,))
    compiled = compile_policy_text(resource_policy_text(b), b.arn, RESOURCE)
    assert len(compiled.statements) == len(statements(b))
