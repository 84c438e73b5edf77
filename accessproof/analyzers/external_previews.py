"""Access previews: a proposed configuration (AWS's ``Configuration`` union) overlaid on a loaded
snapshot resource, and the preview's findings compared with the analyzer's existing ones.

``proposed_resource(snapshot, arn, configuration)`` returns the resource as it would be: the
snapshot's resource with the proposed fields replaced (``dataclasses.replace``), or a new
resource built from the ARN. AWS's rules for omitted members (botocore model documentation of
each ``*Configuration`` shape): an omitted member keeps the existing value (a new resource: none);
an empty string deletes a policy where AWS allows it; lists given replace the existing ones.

``compare(...)`` classifies each preview finding as AWS documents ``FindingChangeType``:
NEW (new access), UNCHANGED (an existing finding that would remain), CHANGED (an existing finding
whose status would change: its access is gone, so it would become RESOLVED).

``kmsKeyId`` (botocore model documentation of ``SecretsManagerSecretConfiguration``,
``EbsSnapshotConfiguration``, ``RdsDbSnapshotConfiguration``, ``RdsDbClusterSnapshotConfiguration``):
a secret's key — a new secret without one, or an empty string, uses the AWS managed key
``aws/secretsmanager``; a snapshot's key marks it encrypted — a new snapshot without one is
unencrypted, an existing one without one (or with an empty string) keeps its own.

Where AWS is silent or accessproof's model is narrower (CHOICE, each noted below):
- ``s3ExpressDirectoryBucket.accessPoints`` is refused (the model has no directory-bucket access
  points); ignoring it could hide access.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Mapping, Optional, Sequence

from ..findings.errors import ValidationError
from ..findings.lifecycle import reconcile
from ..findings.model import ACTIVE, ARCHIVED, RESOLVED, ArchiveRule, Finding, FreshFinding
from ..inventory.model import (
    DYNAMODB_STREAM, DYNAMODB_TABLE, EC2_SNAPSHOT, ECR_REPOSITORY, EFS_FILE_SYSTEM, IAM_ROLE, KMS_KEY, RDS_DB_CLUSTER_SNAPSHOT,
    RDS_DB_SNAPSHOT, S3_BUCKET, S3_DIRECTORY_BUCKET, SECRETS_MANAGER_MANAGED_KEY, SECRETS_MANAGER_SECRET, SNS_TOPIC,
    SQS_QUEUE, AccessPoint, AclGrant,
    DynamoDbStream, DynamoDbTable, Ec2Snapshot, EcrRepository, EfsFileSystem, IamRole, KmsGrant, KmsKey, PublicAccessBlock,
    RdsDbClusterSnapshot, RdsDbSnapshot, Resource, S3Bucket, S3DirectoryBucket, SecretsManagerSecret, Snapshot, SnsTopic,
    SqsQueue,
)
from ..untrusted import JsonLimitError, JsonSyntaxError, loads

ORIGIN = "access-preview"  # the ``origin`` of a resource that a preview creates
NEW, UNCHANGED, CHANGED = "NEW", "UNCHANGED", "CHANGED"
PREVIEW_ONLY_FILTER_KEYS = ("changeType", "existingFindingId", "existingFindingStatus")
ACL_PERMISSIONS = ("READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL")
KMS_GRANT_OPERATIONS = (
    "CreateGrant", "Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GetPublicKey", "ReEncryptFrom",
    "ReEncryptTo", "RetireGrant", "Sign", "Verify",
)
# Configuration union member → (ResourceType, the ARN's service, its members).
MEMBERS: dict[str, tuple[str, str, frozenset[str]]] = {
    "s3Bucket": (S3_BUCKET, "s3", frozenset({"bucketPolicy", "bucketAclGrants", "bucketPublicAccessBlock", "accessPoints"})),
    "s3ExpressDirectoryBucket": (S3_DIRECTORY_BUCKET, "s3express", frozenset({"bucketPolicy", "accessPoints"})),
    "iamRole": (IAM_ROLE, "iam", frozenset({"trustPolicy"})),
    "kmsKey": (KMS_KEY, "kms", frozenset({"keyPolicies", "grants"})),
    "secretsManagerSecret": (SECRETS_MANAGER_SECRET, "secretsmanager", frozenset({"secretPolicy", "kmsKeyId"})),
    "sqsQueue": (SQS_QUEUE, "sqs", frozenset({"queuePolicy"})),
    "snsTopic": (SNS_TOPIC, "sns", frozenset({"topicPolicy"})),
    "ecrRepository": (ECR_REPOSITORY, "ecr", frozenset({"repositoryPolicy"})),
    "efsFileSystem": (EFS_FILE_SYSTEM, "elasticfilesystem", frozenset({"fileSystemPolicy"})),
    "dynamodbTable": (DYNAMODB_TABLE, "dynamodb", frozenset({"tablePolicy"})),
    "dynamodbStream": (DYNAMODB_STREAM, "dynamodb", frozenset({"streamPolicy"})),
    "ebsSnapshot": (EC2_SNAPSHOT, "ec2", frozenset({"userIds", "groups", "kmsKeyId"})),
    "rdsDbSnapshot": (RDS_DB_SNAPSHOT, "rds", frozenset({"attributes", "kmsKeyId"})),
    "rdsDbClusterSnapshot": (RDS_DB_CLUSTER_SNAPSHOT, "rds", frozenset({"attributes", "kmsKeyId"})),
}
# The single policy member of the types whose access is one resource policy.
_POLICY_MEMBER = {
    "s3ExpressDirectoryBucket": "bucketPolicy", "secretsManagerSecret": "secretPolicy", "sqsQueue": "queuePolicy",
    "snsTopic": "topicPolicy", "ecrRepository": "repositoryPolicy", "efsFileSystem": "fileSystemPolicy",
    "dynamodbTable": "tablePolicy", "dynamodbStream": "streamPolicy",
}


# ------------------------------------------------------------------------------ validation


def _field(path: str, message: str) -> ValidationError:
    return ValidationError(f"configurations.{path}: {message}")


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _field(path, "must be an object")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _field(path, "must be a string")
    return value


def _strings(value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _field(path, "must be a list of strings")
    return tuple(value)


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _field(path, "must be a boolean")
    return value


def _members(config: Mapping[str, Any], allowed: frozenset[str], path: str) -> Mapping[str, Any]:
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise _field(path, f"unknown member(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}")
    return config


def _account_id(value: str, path: str) -> str:
    if not (len(value) == 12 and value.isdigit()):
        raise _field(path, f"'{value}' is not a 12-digit account id")
    return value


class InvalidConfiguration(Exception):
    """A well-formed request whose proposed configuration cannot be applied (e.g. a policy that
    is not JSON): the preview is created with status FAILED, reason INVALID_CONFIGURATION."""


def _policy_text(value: Any, path: str, *, may_delete: bool = True) -> Optional[str]:
    """A proposed policy: "" deletes it (None) where AWS allows. Text that is not a JSON object
    makes the preview FAILED (INVALID_CONFIGURATION); the analysis judges the rest of it."""
    text = _string(value, path)
    if text == "":
        if not may_delete:
            raise _field(path, "cannot be an empty string")
        return None
    try:
        document = loads(text)
    except JsonLimitError as e:  # accessproof's limit, not the proposal's fault: the request is refused
        raise _field(path, f"{e.message} (accessproof's limit)") from None
    except JsonSyntaxError as e:
        where = f" at line {e.line}, column {e.column}" if e.line is not None else ""
        raise InvalidConfiguration(f"configurations.{path}: not JSON ({e.message}{where})") from None
    if not isinstance(document, dict):
        raise InvalidConfiguration(f"configurations.{path}: a policy is a JSON object")
    return text


# ------------------------------------------------------------------------------ ARNs


@dataclass(frozen=True)
class _Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def _parse_arn(arn: Any) -> _Arn:
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or not parts[5]:
        raise ValidationError(f"configurations: '{arn}' is not a resource ARN (arn:partition:service:region:account:resource)")
    return _Arn(*parts[1:])


def _after(prefix: str, text: str, arn: str) -> str:
    if not text.startswith(prefix) or len(text) == len(prefix):
        raise ValidationError(f"configurations: '{arn}' does not name a resource of this type ({prefix}...)")
    return text[len(prefix):]


# -------------------------------------------------------------------------- overlay


def proposed_resource(snapshot: Snapshot, arn: str, configuration: Any) -> Resource:
    """The resource ``arn`` with ``configuration`` (one Configuration union) applied."""
    config = _object(configuration, arn)
    if len(config) != 1:
        raise _field(arn, f"must set exactly one of {', '.join(sorted(MEMBERS))}")
    [(member, value)] = config.items()
    if member not in MEMBERS:
        raise _field(arn, f"unknown resource configuration '{member}'; expected one of {', '.join(sorted(MEMBERS))}")
    resource_type, service, allowed = MEMBERS[member]
    path = f"{arn}.{member}"
    proposed = _members(_object(value, path), allowed, path)
    parsed = _parse_arn(arn)
    if parsed.service != service:
        raise ValidationError(f"configurations: '{arn}' is not an ARN of {resource_type} (service {service})")
    existing = snapshot.get(arn)
    if existing is not None and existing.resource_type != resource_type:
        raise ValidationError(f"configurations: {arn} is a {existing.resource_type}, not a {resource_type} ({member})")
    owner = snapshot.account.account_id
    if parsed.account not in ("", owner):
        raise ValidationError(f"configurations: {arn} belongs to account {parsed.account}; an access preview is for a "
                              f"resource of the analyzer's account {owner}")
    base = existing if existing is not None else _new_resource(member, arn, parsed, snapshot, proposed, path)
    return _BUILDERS[member](base, proposed, path, existing is None)


def _new_resource(member: str, arn: str, parsed: _Arn, snapshot: Snapshot, proposed: Mapping[str, Any],
                  path: str) -> Resource:
    """A resource the snapshot does not have, with no access yet (the proposal adds it)."""
    common: dict[str, Any] = {"arn": arn, "account_id": snapshot.account.account_id, "origin": ORIGIN}
    res = parsed.resource
    if member == "s3Bucket":
        owners = {b.acl_owner_id for b in snapshot.of_type(S3_BUCKET) if isinstance(b, S3Bucket) and b.acl_owner_id}
        return S3Bucket(**common, name=res, acl_owner_id=next(iter(sorted(owners)), None),
                        account_public_access_block=snapshot.account_public_access_block)
    if member == "s3ExpressDirectoryBucket":
        return S3DirectoryBucket(**common, name=_after("bucket/", res, arn))
    if member == "iamRole":
        if "trustPolicy" not in proposed:
            raise _field(f"{path}.trustPolicy", "is required for a new role")
        role_path_and_name = _after("role/", res, arn)
        head, _, name = role_path_and_name.rpartition("/")
        return IamRole(**common, name=name, path=f"/{head}/" if head else "/", role_id="AROAACCESSPREVIEW",
                       trust_policy="")
    if member == "kmsKey":
        return KmsKey(**common, key_id=_after("key/", res, arn), policy=_default_key_policy(snapshot))
    if member == "ebsSnapshot":
        return Ec2Snapshot(**common, snapshot_id=_after("snapshot/", res, arn))
    if member == "rdsDbSnapshot":
        return RdsDbSnapshot(**common, identifier=_after("snapshot:", res, arn))
    if member == "rdsDbClusterSnapshot":
        return RdsDbClusterSnapshot(**common, identifier=_after("cluster-snapshot:", res, arn))
    if member == "dynamodbStream":
        table, _, label = _after("table/", res, arn).partition("/stream/")
        if not label:
            raise ValidationError(f"configurations: '{arn}' is not a DynamoDB stream ARN (table/<t>/stream/<label>)")
        return DynamoDbStream(**common, name=f"{table}/stream/{label}", table_name=table, stream_label=label)
    names = {"secretsManagerSecret": ("secret:", SecretsManagerSecret), "sqsQueue": ("", SqsQueue),
             "snsTopic": ("", SnsTopic), "ecrRepository": ("repository/", EcrRepository),
             "efsFileSystem": ("file-system/", EfsFileSystem), "dynamodbTable": ("table/", DynamoDbTable)}
    prefix, cls = names[member]
    return cls(**common, name=_after(prefix, res, arn) if prefix else res)


def _default_key_policy(snapshot: Snapshot) -> str:
    """KMS's default key policy (AWS KMS Developer Guide, "Default key policy"): the account's
    root may do everything, which is how IAM policies get to grant access to the key."""
    account = snapshot.account
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:{account.partition}:iam::{account.account_id}:root"},
        "Action": "kms:*", "Resource": "*"}]})


def _policy_only(resource: Resource, proposed: Mapping[str, Any], path: str, new: bool, member: str) -> Resource:
    name = _POLICY_MEMBER[member]
    if member == "s3ExpressDirectoryBucket" and proposed.get("accessPoints"):
        raise _field(f"{path}.accessPoints", "directory bucket access points are not supported by accessproof")
    if member == "secretsManagerSecret":
        resource = _secret_key(resource, proposed, path, new)
    if name not in proposed:
        return resource
    return replace(resource, policy=_policy_text(proposed[name], f"{path}.{name}"))


def _secret_key(secret: Resource, proposed: Mapping[str, Any], path: str, new: bool) -> Resource:
    """The proposed key: "If the proposed configuration is for a new secret and you do not
    specify the KMS key ID, the access preview uses the AWS managed key aws/secretsmanager. If
    you specify an empty string for the KMS key ID, the access preview uses the AWS managed key
    of the AWS account" (SecretsManagerSecretConfiguration)."""
    if "kmsKeyId" not in proposed:
        return replace(secret, kms_key_id=SECRETS_MANAGER_MANAGED_KEY) if new else secret
    key = _string(proposed["kmsKeyId"], f"{path}.kmsKeyId")
    return replace(secret, kms_key_id=key or SECRETS_MANAGER_MANAGED_KEY)


def _snapshot_key(snapshot: Resource, proposed: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The encryption a snapshot configuration proposes: a ``kmsKeyId`` marks it encrypted with
    that key; without one (or with an empty string) an existing snapshot keeps its own and a new
    one is unencrypted ("the access preview considers the snapshot to be unencrypted")."""
    key = _string(proposed["kmsKeyId"], f"{path}.kmsKeyId") if "kmsKeyId" in proposed else ""
    if not key:
        return {}
    return {"encrypted": True, "kms_key_id": key}


def _iam_role(role: Resource, proposed: Mapping[str, Any], path: str, new: bool) -> Resource:
    if "trustPolicy" not in proposed:
        return role
    return replace(role, trust_policy=_policy_text(proposed["trustPolicy"], f"{path}.trustPolicy", may_delete=False))


def _kms_key(key: Resource, proposed: Mapping[str, Any], path: str, new: bool) -> Resource:
    changes: dict[str, Any] = {}
    if "keyPolicies" in proposed:
        policies = _object(proposed["keyPolicies"], f"{path}.keyPolicies")
        unknown = sorted(set(policies) - {"default"})
        if unknown:
            raise _field(f"{path}.keyPolicies", f"the only key policy name is 'default', not {', '.join(unknown)}")
        if "default" in policies:
            changes["policy"] = _policy_text(policies["default"], f"{path}.keyPolicies.default", may_delete=False)
    if "grants" in proposed:
        grants = proposed["grants"]
        if not isinstance(grants, (list, tuple)):
            raise _field(f"{path}.grants", "must be a list of grant configurations")
        changes["grants"] = tuple(_kms_grant(g, f"{path}.grants[{i}]", i) for i, g in enumerate(grants))
    return replace(key, **changes)


def _kms_grant(value: Any, path: str, index: int) -> KmsGrant:
    grant = _members(_object(value, path), frozenset({"operations", "granteePrincipal", "retiringPrincipal",
                                                     "constraints", "issuingAccount"}), path)
    for required in ("operations", "granteePrincipal", "issuingAccount"):
        if required not in grant:
            raise _field(f"{path}.{required}", "is required")
    operations = _strings(grant["operations"], f"{path}.operations")
    bad = [o for o in operations if o not in KMS_GRANT_OPERATIONS]
    if bad:
        raise _field(f"{path}.operations", f"'{bad[0]}' is not one of {', '.join(KMS_GRANT_OPERATIONS)}")
    constraints = _members(_object(grant.get("constraints", {}), f"{path}.constraints"),
                           frozenset({"encryptionContextEquals", "encryptionContextSubset"}), f"{path}.constraints")

    def pairs(name: str) -> Optional[tuple[tuple[str, str], ...]]:
        if name not in constraints:
            return None
        context = _object(constraints[name], f"{path}.constraints.{name}")
        return tuple(sorted((k, _string(v, f"{path}.constraints.{name}.{k}")) for k, v in context.items()))

    retiring = grant.get("retiringPrincipal")
    return KmsGrant(grant_id=f"access-preview-grant-{index}", grantee_principal=_string(grant["granteePrincipal"],
                    f"{path}.granteePrincipal"), operations=operations,
                    retiring_principal=_string(retiring, f"{path}.retiringPrincipal") if retiring is not None else None,
                    issuing_account=_string(grant["issuingAccount"], f"{path}.issuingAccount"),
                    encryption_context_equals=pairs("encryptionContextEquals"),
                    encryption_context_subset=pairs("encryptionContextSubset"))


def _s3_bucket(bucket: Resource, proposed: Mapping[str, Any], path: str, new: bool) -> Resource:
    assert isinstance(bucket, S3Bucket)
    changes: dict[str, Any] = {}
    if "bucketPolicy" in proposed:
        changes["policy"] = _policy_text(proposed["bucketPolicy"], f"{path}.bucketPolicy")
    if "bucketAclGrants" in proposed:
        grants = proposed["bucketAclGrants"]
        if not isinstance(grants, (list, tuple)):
            raise _field(f"{path}.bucketAclGrants", "must be a list of grants")
        changes["acl_grants"] = tuple(_acl_grant(g, f"{path}.bucketAclGrants[{i}]") for i, g in enumerate(grants))
    if "bucketPublicAccessBlock" in proposed:
        changes["public_access_block"] = _public_access_block(
            proposed["bucketPublicAccessBlock"], f"{path}.bucketPublicAccessBlock", bucket.public_access_block)
    if "accessPoints" in proposed:
        points = _object(proposed["accessPoints"], f"{path}.accessPoints")
        existing = {ap.arn: ap for ap in bucket.access_points}
        changes["access_points"] = tuple(_access_point(ap_arn, c, existing.get(ap_arn), f"{path}.accessPoints.{ap_arn}")
                                         for ap_arn, c in points.items())
    return replace(bucket, **changes)


def _acl_grant(value: Any, path: str) -> AclGrant:
    grant = _members(_object(value, path), frozenset({"permission", "grantee"}), path)
    permission = grant.get("permission")
    if permission not in ACL_PERMISSIONS:
        raise _field(f"{path}.permission", f"'{permission}' is not one of {', '.join(ACL_PERMISSIONS)}")
    grantee = _members(_object(grant.get("grantee"), f"{path}.grantee"), frozenset({"id", "uri"}), f"{path}.grantee")
    if len(grantee) != 1:
        raise _field(f"{path}.grantee", "must set exactly one of id and uri")
    if "id" in grantee:
        return AclGrant(permission, "CanonicalUser", grantee_id=_string(grantee["id"], f"{path}.grantee.id"))
    return AclGrant(permission, "Group", grantee_uri=_string(grantee["uri"], f"{path}.grantee.uri"))


def _public_access_block(value: Any, path: str, base: Optional[PublicAccessBlock]) -> PublicAccessBlock:
    """S3PublicAccessBlockConfiguration has the two settings that decide access (the Block* ones
    only refuse future PUTs): they replace those of ``base``, whose Block* settings are kept."""
    config = _members(_object(value, path), frozenset({"ignorePublicAcls", "restrictPublicBuckets"}), path)
    for required in ("ignorePublicAcls", "restrictPublicBuckets"):
        if required not in config:
            raise _field(f"{path}.{required}", "is required")
    base = base or PublicAccessBlock()
    return replace(base, ignore_public_acls=_boolean(config["ignorePublicAcls"], f"{path}.ignorePublicAcls"),
                   restrict_public_buckets=_boolean(config["restrictPublicBuckets"], f"{path}.restrictPublicBuckets"))


def _access_point(arn: str, value: Any, existing: Optional[AccessPoint], path: str) -> AccessPoint:
    config = _members(_object(value, path), frozenset({"accessPointPolicy", "publicAccessBlock", "networkOrigin"}), path)
    parsed = _parse_arn(arn)
    if parsed.service != "s3" or not parsed.resource.startswith("accesspoint/"):
        raise _field(path, "the key must be an access point ARN (arn:aws:s3:region:account:accesspoint/name)")
    _account_id(parsed.account, path)
    policy = existing.policy if existing else None
    if "accessPointPolicy" in config:
        policy = _policy_text(config["accessPointPolicy"], f"{path}.accessPointPolicy")
    # A new access point without a BPA configuration gets all four settings on (S3's default).
    block = existing.public_access_block if existing else PublicAccessBlock(True, True, True, True)
    if "publicAccessBlock" in config:
        block = _public_access_block(config["publicAccessBlock"], f"{path}.publicAccessBlock", block)
    origin, vpc = (existing.network_origin, existing.vpc_id) if existing else ("Internet", None)
    if "networkOrigin" in config:
        origin, vpc = _network_origin(config["networkOrigin"], f"{path}.networkOrigin")
    return AccessPoint(name=parsed.resource[len("accesspoint/"):], arn=arn, account_id=parsed.account,
                       network_origin=origin, vpc_id=vpc, policy=policy, public_access_block=block)


def _network_origin(value: Any, path: str) -> tuple[str, Optional[str]]:
    config = _members(_object(value, path), frozenset({"vpcConfiguration", "internetConfiguration"}), path)
    if len(config) != 1:
        raise _field(path, "must set exactly one of vpcConfiguration and internetConfiguration")
    if "internetConfiguration" in config:
        return "Internet", None
    vpc = _object(config["vpcConfiguration"], f"{path}.vpcConfiguration")
    return "VPC", _string(vpc.get("vpcId"), f"{path}.vpcConfiguration.vpcId")


def _ebs_snapshot(snapshot: Resource, proposed: Mapping[str, Any], path: str, new: bool) -> Resource:
    changes: dict[str, Any] = _snapshot_key(snapshot, proposed, path)
    if "userIds" in proposed:
        changes["user_ids"] = tuple(_account_id(u, f"{path}.userIds") for u in _strings(proposed["userIds"], f"{path}.userIds"))
    if "groups" in proposed:
        groups = _strings(proposed["groups"], f"{path}.groups")
        if any(g != "all" for g in groups):
            raise _field(f"{path}.groups", "the only group is 'all'")
        changes["groups"] = groups
    return replace(snapshot, **changes)


def _rds_snapshot(snapshot: Resource, proposed: Mapping[str, Any], path: str, new: bool) -> Resource:
    snapshot = replace(snapshot, **_snapshot_key(snapshot, proposed, path))
    if "attributes" not in proposed:
        return snapshot
    attributes = _object(proposed["attributes"], f"{path}.attributes")
    unknown = sorted(set(attributes) - {"restore"})
    if unknown:
        raise _field(f"{path}.attributes", f"the only attribute is 'restore', not {', '.join(unknown)}")
    if "restore" not in attributes:
        return snapshot
    value = _members(_object(attributes["restore"], f"{path}.attributes.restore"), frozenset({"accountIds"}),
                     f"{path}.attributes.restore")
    if "accountIds" not in value:
        return snapshot
    where = f"{path}.attributes.restore.accountIds"
    accounts = tuple(a if a == "all" else _account_id(a, where) for a in _strings(value["accountIds"], where))
    return replace(snapshot, restore=accounts)


Builder = Callable[[Resource, Mapping[str, Any], str, bool], Resource]
_BUILDERS: dict[str, Builder] = {
    "s3Bucket": _s3_bucket, "iamRole": _iam_role, "kmsKey": _kms_key, "ebsSnapshot": _ebs_snapshot,
    "rdsDbSnapshot": _rds_snapshot, "rdsDbClusterSnapshot": _rds_snapshot,
    **{member: (lambda r, p, path, new, m=member: _policy_only(r, p, path, new, m)) for member in _POLICY_MEMBER},
}


# -------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class PreviewFinding:
    """One AccessPreviewFinding: ``finding`` is the would-be finding (its ``id`` is the preview
    finding's id, its ``status`` the would-be status)."""

    finding: Finding
    change_type: str
    existing_finding_id: Optional[str] = None
    existing_finding_status: Optional[str] = None

    def to_aws(self) -> dict[str, Any]:
        body = self.finding.to_aws()
        for member in ("analyzedAt", "updatedAt"):
            body.pop(member, None)
        body["changeType"] = self.change_type
        if self.existing_finding_id is not None:
            body["existingFindingId"] = self.existing_finding_id
            body["existingFindingStatus"] = self.existing_finding_status
        return body

    def filter_value(self, key: str) -> Optional[tuple[str, ...]]:
        value = {"changeType": self.change_type, "existingFindingId": self.existing_finding_id,
                 "existingFindingStatus": self.existing_finding_status}[key]
        return None if value is None else (value,)


def new_preview_finding_id() -> str:
    return str(uuid.uuid4())


def compare(analyzer_arn: str, existing: Sequence[Finding], fresh: Sequence[FreshFinding], rules: Sequence[ArchiveRule],
            now: datetime, new_id: Callable[[], str] = new_preview_finding_id) -> list[PreviewFinding]:
    """The preview's findings: ``fresh`` (the proposed configuration's analysis) matched against
    ``existing`` (the analyzer's findings for the previewed resources) by the lifecycle's rules.

    NEW: access no existing finding describes (status ACTIVE, or ARCHIVED when an archive rule
    matches). UNCHANGED: an ACTIVE or ARCHIVED finding whose access remains (its status kept).
    CHANGED: an ACTIVE or ARCHIVED finding whose access would be gone (status RESOLVED). A changed
    grant (same principal, other actions or conditions) is thus a CHANGED finding plus a NEW one,
    as AWS's lifecycle resolves the old finding and opens a new one. Resolved findings are history
    and are not compared.
    """
    previous = {f.id: f for f in existing if f.status in (ACTIVE, ARCHIVED)}
    outcome = reconcile(analyzer_arn, list(previous.values()), fresh, rules, now, new_id)
    out = [PreviewFinding(replace(f, id=new_id(), created_at=now), UNCHANGED, f.id, previous[f.id].status)
           for f in outcome.kept]
    out += [PreviewFinding(f, NEW) for f in outcome.opened]
    out += [PreviewFinding(replace(f, id=new_id(), status=RESOLVED, created_at=now), CHANGED, f.id, previous[f.id].status)
            for f in outcome.resolved]
    return out
