"""AWS::S3::Bucket — bucket policy, bucket ACL, access points, Block Public Access.

Sources: Amazon S3 User Guide — "Access control list (ACL) overview" (grantees, permissions,
and the table "Mapping of ACL permissions and access policy permissions"), "Blocking public
access to your Amazon S3 storage" (the four settings, "The meaning of 'public'"), "Configuring
IAM policies for using access points" and "Delegating access control to access points"; IAM
User Guide, "IAM Access Analyzer resource types" (S3 section).

How each part becomes statements
--------------------------------
* **Bucket policy** (source POLICY): its statements as written. With ``RestrictPublicBuckets``
  (bucket or account level) *and* a public policy, S3 "restricts access [...] to only AWS
  service principals and authorized users within the bucket owner's account": each Allow is
  then replaced by two copies, one limited to ``aws:PrincipalAccount`` = owner, one to
  ``aws:PrincipalIsAWSService`` = true. Whether the policy is public is the caller's question
  (``policy_is_public``, e.g. CheckNoPublicAccess); without an answer the policy is taken as
  not public, so nothing is restricted: more access, never less (sound).
* **Bucket ACL** (source BUCKET_ACL): one Allow per grant and resource kind. Grantees: the
  ``AllUsers`` group is ``"*"`` (anonymous included); ``AuthenticatedUsers`` is any signed
  request — ``{"AWS": "*"}`` with ``Null aws:PrincipalAccount = false`` (the key is present in
  every signed request and absent in anonymous ones); the ``LogDelivery`` group is the service
  principal ``logging.s3.amazonaws.com``; the bucket owner's canonical id is the owner account;
  another canonical id is ``{"CanonicalUser": id}``. Permissions, per the mapping table:

  ======================  ===============================================================
  READ                    s3:ListBucket, s3:ListBucketVersions, s3:ListBucketMultipartUploads
  WRITE                   s3:PutObject, s3:DeleteObject (+ s3:DeleteObjectVersion for the owner)
  READ_ACP                s3:GetBucketAcl
  WRITE_ACP               s3:PutBucketAcl
  FULL_CONTROL            all of the above
  ======================  ===============================================================

  A *bucket* ACL's READ lists objects; it does not read them (object ACLs do, and they are not
  part of the snapshot, as Access Analyzer analyses bucket ACLs only). ``IgnorePublicAcls``
  (bucket or account) drops the grants to AllUsers and AuthenticatedUsers — the grants that make
  an ACL public — and keeps the others (the documentation says S3 "ignore[s] all public ACLs";
  keeping the non-public grants is the reading that never loses access).
* **Access points** (source S3_ACCESS_POINT, detail ``accessPointArn``): "both the access point
  and the underlying bucket must permit the request". A request through an access point names
  the access point ARN (``.../accesspoint/NAME`` for bucket operations, ``.../object/KEY`` for
  objects); here every access point statement is rewritten to the bucket's ARNs and scoped to
  requests through that access point with ``s3:DataAccessPointArn`` = its ARN (so that its Deny
  statements do not touch direct requests); a VPC access point's Allows also need
  ``aws:SourceVpc`` = its VPC. The bucket side is *not* intersected: an access point grant
  counts as if the bucket delegated to its access points (the recommended set-up, "Delegating
  access control to access points"). This over-approximates a bucket that does not delegate —
  it may report access that the bucket policy would stop — and never misses access; Access
  Analyzer likewise errs toward false positives. Block Public Access for a request through an
  access point is the combination of the access point, bucket and account settings.
* **Cross-account access points** (source S3_ACCESS_POINT_ACCOUNT, detail
  ``accessPointAccount``): a bucket policy can delegate to the access points of another
  account with ``s3:DataAccessPointAccount`` / ``s3:DataAccessPointArn``. Those access points
  and their policies are not in the snapshot (the bucket owner cannot list them), and Access
  Analyzer "doesn't analyze the access point policy attached to cross-account access points
  [...]. IAM Access Analyzer generates a public finding when a bucket delegates access to a
  cross-account access point and Block Public Access is not enabled on the bucket or account.
  When you enable Block Public Access, the public finding is resolved and IAM Access Analyzer
  generates a cross-account finding for the cross-account access point" (IAM User Guide, "IAM
  Access Analyzer resource types", S3). ``access_point_accounts(bucket)`` names the accounts
  whose access points the policy mentions (and None for any other account);
  ``access_point_account_statements(bucket, account)`` is the bucket policy as a request through
  such an access point meets it. The access point policy is unknown, so it may admit anyone;
  with RestrictPublicBuckets (bucket or account), a public access point policy reaches only its
  own account ("Blocking public access", RestrictPublicBuckets: "authorized users within the
  bucket owner's account and access point owner's account"), so a grant to everyone becomes a
  grant to the access point's account — the cross-account finding AWS describes.
* **Object Ownership** (``get-bucket-ownership-controls``): with ``BucketOwnerEnforced`` "ACLs
  are disabled and no longer affect permissions" (S3 User Guide, "Controlling ownership of
  objects and disabling ACLs for your bucket"): the bucket ACL grants nothing, so it yields no
  statement. With the other settings, or when the snapshot does not record the setting, the ACL
  is in force.
* **BlockPublicAcls** and **BlockPublicPolicy** only make S3 reject *new* public ACLs and
  policies ("Enabling this setting doesn't affect existing policies or ACLs"): they change
  nothing in a configuration that already exists, so they are not applied here.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Optional

from ..inventory.model import (
    ACL_GROUP_ALL_USERS, ACL_GROUP_AUTHENTICATED_USERS, ACL_GROUP_LOG_DELIVERY, S3_BUCKET, AccessPoint, AclGrant,
    PublicAccessBlock, S3Bucket,
)
from .base import (
    BOOL_ALTERNATIVES, BUCKET_ACL_SOURCE, POLICY_SOURCE, Source, SourcedStatement, SourceType, allow,
    statements_of_policy, with_condition,
)

RESOURCE_TYPE = S3_BUCKET
SERVICE_PREFIXES = ("s3",)

PolicyIsPublic = Callable[[str], bool]

ALL_USERS = ACL_GROUP_ALL_USERS
AUTHENTICATED_USERS = ACL_GROUP_AUTHENTICATED_USERS
LOG_DELIVERY = ACL_GROUP_LOG_DELIVERY
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})
LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com"

# (bucket-level actions, object-level actions) per ACL permission, from the S3 User Guide table
# "Mapping of ACL permissions and access policy permissions".
ACL_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "READ": (("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"), ()),
    "WRITE": ((), ("s3:PutObject", "s3:DeleteObject")),
    "READ_ACP": (("s3:GetBucketAcl",), ()),
    "WRITE_ACP": (("s3:PutBucketAcl",), ()),
}
ACL_ACTIONS["FULL_CONTROL"] = (
    tuple(a for p in ("READ", "READ_ACP", "WRITE_ACP") for a in ACL_ACTIONS[p][0]),
    ACL_ACTIONS["WRITE"][1],
)
# "when the grantee is the bucket owner, granting WRITE permission in a bucket ACL allows the
# s3:DeleteObjectVersion action to be performed on any version in that bucket" (same table).
OWNER_WRITE_EXTRA = ("s3:DeleteObjectVersion",)


def arn(bucket: S3Bucket) -> str:
    return bucket.arn


def request_resources(bucket: S3Bucket) -> tuple[str, ...]:
    """The ARNs a request on this bucket names: the bucket, and its objects."""
    return (bucket.arn, f"{bucket.arn}/*")


def statements(bucket: S3Bucket, policy_is_public: Optional[PolicyIsPublic] = None) -> list[SourcedStatement]:
    bpa = bucket.effective_public_access_block
    out = bucket_policy_statements(bucket, bpa, policy_is_public)
    if not bucket.acls_disabled:
        out += acl_statements(bucket, bpa)
    for access_point in bucket.access_points:
        out += access_point_statements(bucket, access_point, policy_is_public)
    return out


# ---------------------------------------------------------------------- bucket policy


def bucket_policy_statements(bucket: S3Bucket, bpa: PublicAccessBlock,
                             policy_is_public: Optional[PolicyIsPublic]) -> list[SourcedStatement]:
    sourced = statements_of_policy(bucket.policy, POLICY_SOURCE, "bucket policy")
    if bucket.policy is not None and _restricted(bpa, bucket.policy, policy_is_public):
        return restrict_to_account(sourced, bucket.account_id)
    return sourced


def _restricted(bpa: PublicAccessBlock, policy: str, policy_is_public: Optional[PolicyIsPublic]) -> bool:
    return bpa.restrict_public_buckets and policy_is_public is not None and policy_is_public(policy)


def restrict_to_account(sourced: list[SourcedStatement], account_id: str) -> list[SourcedStatement]:
    """RestrictPublicBuckets on a public policy: Allows reach only the owner account's principals
    and AWS service principals (S3 User Guide, "Blocking public access", RestrictPublicBuckets)."""
    out = []
    for s in sourced:
        if not s.is_allow:
            out.append(s)
            continue
        own = with_condition(s.statement, "aws:PrincipalAccount", [account_id])
        service = with_condition(s.statement, "aws:PrincipalIsAWSService", ["true"], BOOL_ALTERNATIVES)
        if own is None or service is None:  # no free operator left: keep the grant unrestricted (sound)
            out.append(s)
            continue
        out.append(SourcedStatement(s.source, own, f"{s.origin}, restricted to account {account_id}"))
        out.append(SourcedStatement(s.source, service, f"{s.origin}, restricted to AWS service principals"))
    return out


# ------------------------------------------------------------------------------- ACL


def is_public_grant(grant: AclGrant) -> bool:
    return grant.grantee_type == "Group" and grant.grantee_uri in PUBLIC_GROUPS


def acl_statements(bucket: S3Bucket, bpa: PublicAccessBlock) -> list[SourcedStatement]:
    out = []
    for grant in bucket.acl_grants:
        if bpa.ignore_public_acls and is_public_grant(grant):
            continue
        principal, conditions, label = _grantee(bucket, grant)
        is_owner = grant.grantee_type == "CanonicalUser" and grant.grantee_id == bucket.acl_owner_id
        bucket_actions, object_actions = ACL_ACTIONS[grant.permission]
        if is_owner and object_actions:
            object_actions = object_actions + OWNER_WRITE_EXTRA
        origin = f"ACL grant {grant.permission} to {label}"
        if bucket_actions:
            out.append(SourcedStatement(BUCKET_ACL_SOURCE, allow(principal, bucket_actions, [bucket.arn], conditions),
                                        origin))
        if object_actions:
            out.append(SourcedStatement(BUCKET_ACL_SOURCE,
                                        allow(principal, object_actions, [f"{bucket.arn}/*"], conditions), origin))
    return out


def _grantee(bucket: S3Bucket, grant: AclGrant) -> tuple[Any, Optional[dict], str]:
    """(Principal element, conditions, label) of an ACL grantee."""
    if grant.grantee_type == "Group":
        if grant.grantee_uri == ALL_USERS:
            return "*", None, "AllUsers"
        if grant.grantee_uri == AUTHENTICATED_USERS:
            return {"AWS": "*"}, {"Null": {"aws:PrincipalAccount": "false"}}, "AuthenticatedUsers"
        if grant.grantee_uri == LOG_DELIVERY:
            return {"Service": LOG_DELIVERY_SERVICE}, None, "LogDelivery"
        raise ValueError(f"unknown ACL group {grant.grantee_uri}")  # the loader admits only known groups
    if grant.grantee_id is not None:
        if grant.grantee_id == bucket.acl_owner_id:
            return {"AWS": f"arn:aws:iam::{bucket.account_id}:root"}, None, "the bucket owner"
        return {"CanonicalUser": grant.grantee_id}, None, f"canonical user {grant.grantee_id}"
    # An e-mail grantee that S3 did not resolve to a canonical id: it names some AWS account we
    # cannot tell; any signed request stands for it (more access, never less).
    return {"AWS": "*"}, {"Null": {"aws:PrincipalAccount": "false"}}, f"e-mail grantee {grant.grantee_email}"


# ----------------------------------------------------------------------- access points


def access_point_statements(bucket: S3Bucket, access_point: AccessPoint,
                            policy_is_public: Optional[PolicyIsPublic]) -> list[SourcedStatement]:
    if access_point.policy is None:
        return []
    cross_account = access_point.account_id != bucket.account_id
    source = Source(SourceType.S3_ACCESS_POINT_ACCOUNT if cross_account else SourceType.S3_ACCESS_POINT,
                    access_point.arn, access_point.account_id if cross_account else None)
    sourced = statements_of_policy(access_point.policy, source, f"access point {access_point.name} policy")
    out: list[SourcedStatement] = []
    for s in sourced:
        statement = _onto_bucket(s.statement, bucket, access_point)
        if statement is None:
            continue
        scoped = with_condition(statement, "s3:DataAccessPointArn", [access_point.arn])
        if scoped is None:
            if not s.is_allow:
                continue  # dropping a Deny we cannot scope only adds access (sound)
            scoped = statement
        if s.is_allow and access_point.network_origin == "VPC" and access_point.vpc_id:
            scoped = with_condition(scoped, "aws:SourceVpc", [access_point.vpc_id]) or scoped
        out.append(SourcedStatement(source, scoped, s.origin))
    bpa = (access_point.public_access_block or PublicAccessBlock()).combined(bucket.effective_public_access_block)
    if _restricted(bpa, access_point.policy, policy_is_public):
        out = restrict_to_account(out, access_point.account_id)
    return out


def _onto_bucket(statement: dict[str, Any], bucket: S3Bucket, access_point: AccessPoint) -> Optional[dict[str, Any]]:
    """The statement with access point ARNs rewritten to the bucket's; None if it covers none."""
    out = dict(statement)
    if "NotResource" in out:
        if out.get("Effect") != "Allow":
            return None
        del out["NotResource"]
        out["Resource"] = [bucket.arn, f"{bucket.arn}/*"]
        return out
    raw = out.get("Resource")
    if raw is None:
        return out
    patterns = raw if isinstance(raw, list) else [raw]
    rewritten: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, str):
            rewritten += access_point_resource_to_bucket(pattern, bucket.arn, access_point.arn)
    if not rewritten:
        return None
    out["Resource"] = list(dict.fromkeys(rewritten))
    return out


def access_point_resource_to_bucket(pattern: str, bucket_arn: str, access_point_arn: str) -> list[str]:
    """The bucket ARNs that ``pattern`` (from an access point policy) covers.

    ``AP`` → the bucket; ``AP/object/KEY`` → ``bucket/KEY`` (KEY may hold wildcards); a pattern
    with wildcards that may match the access point or its objects → the bucket and/or every
    object (a superset when the wildcard also narrows the key); anything else → nothing.
    """
    if pattern == "*":
        return ["*"]
    object_prefix = f"{access_point_arn}/object/"
    if pattern.startswith(object_prefix):
        return [f"{bucket_arn}/{pattern[len(object_prefix):]}"]
    out = []
    if _glob(pattern).fullmatch(access_point_arn):
        out.append(bucket_arn)
    literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
    if literal != pattern and object_prefix.startswith(literal):
        out.append(f"{bucket_arn}/*")
    return out


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


# ----------------------------------------------------------------- cross-account access points

ACCESS_POINT_ACCOUNT_KEY = "s3:dataaccesspointaccount"
ACCESS_POINT_ARN_KEY = "s3:dataaccesspointarn"
_ACCESS_POINT_ARN = re.compile(r"^arn:[^:]+:s3:[^:]*:(\d{12}):accesspoint/")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _statement_list(policy: Optional[str]) -> list[Any]:
    if policy is None:
        return []
    raw = json.loads(policy).get("Statement", [])
    return raw if isinstance(raw, list) else [raw]


def _access_point_conditions(statement: Any) -> list[tuple[str, list[str]]]:
    """(key, values) of the statement's conditions on the access point keys."""
    if not isinstance(statement, dict) or not isinstance(statement.get("Condition"), dict):
        return []
    out = []
    for block in statement["Condition"].values():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            if key.lower() in (ACCESS_POINT_ACCOUNT_KEY, ACCESS_POINT_ARN_KEY):
                out.append((key.lower(), [v for v in (values if isinstance(values, list) else [values])
                                          if isinstance(v, str)]))
    return out


def mentions_access_points(statement: Any) -> bool:
    return bool(_access_point_conditions(statement))


def access_point_accounts(bucket: S3Bucket) -> tuple[Optional[str], ...]:
    """The accounts other than the owner whose access points the bucket policy names, sorted,
    then None for every other account; () when no statement mentions the access point keys
    (a request through any access point then meets the policy as a direct request does)."""
    statements = _statement_list(bucket.policy)
    if not any(mentions_access_points(st) for st in statements):
        return ()
    named: set[str] = set()
    for statement in statements:
        for key, values in _access_point_conditions(statement):
            for value in values:
                if key == ACCESS_POINT_ACCOUNT_KEY and _ACCOUNT_ID.match(value):
                    named.add(value)
                elif key == ACCESS_POINT_ARN_KEY and (m := _ACCESS_POINT_ARN.match(value)):
                    named.add(m.group(1))
    return (*sorted(named - {bucket.account_id}), None)


def named_access_point_accounts(bucket: S3Bucket) -> frozenset[str]:
    """Every account the bucket policy's access point conditions name, the owner included."""
    return frozenset(a for a in access_point_accounts(bucket) if a is not None) | {bucket.account_id}


def access_point_account_statements(bucket: S3Bucket, account: Optional[str]) -> list[SourcedStatement]:
    """The bucket policy as a request through an access point of ``account`` (None: of an
    account the policy does not name) meets it, tagged S3_ACCESS_POINT_ACCOUNT. With
    RestrictPublicBuckets, a grant to everyone reaches only that account's principals."""
    source = Source(SourceType.S3_ACCESS_POINT_ACCOUNT, access_point_account=account)
    sourced = statements_of_policy(bucket.policy, source, "bucket policy")
    if account is None or not public_access_points_restricted(bucket):
        return sourced
    return [SourcedStatement(s.source, _everyone_to(s.statement, account), s.origin) if s.is_allow else s
            for s in sourced]


def public_access_points_restricted(bucket: S3Bucket) -> bool:
    return bucket.effective_public_access_block.restrict_public_buckets


def _everyone_to(statement: dict[str, Any], account: str) -> dict[str, Any]:
    """``statement`` with a Principal of everyone (``"*"`` or an AWS ``"*"``) narrowed to ``account``."""
    principal = statement.get("Principal")
    if principal == "*":
        return {**statement, "Principal": {"AWS": account}}
    if isinstance(principal, dict) and "AWS" in principal:
        values = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
        if "*" in values:
            narrowed = list(dict.fromkeys(account if v == "*" else v for v in values))
            return {**statement, "Principal": {**principal, "AWS": narrowed if len(narrowed) > 1 else narrowed[0]}}
    return statement
