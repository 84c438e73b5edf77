"""The loaded account snapshot: typed, immutable, self-contained resources.

Every resource carries what decides its access and nothing else, plus its ARN, owner account
and the snapshot-relative directory it was read from (``origin``, for messages). A resource is
self-contained — an S3 bucket carries the account-level Block Public Access settings too — so
that analysing it is a pure function of the resource value, and ``content_hash`` keys a cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Iterator, Optional

# The external access analyzer's resource types (botocore ``ResourceType`` minus AWS::IAM::User,
# which only the unused access analyzer reports on).
S3_BUCKET = "AWS::S3::Bucket"
S3_DIRECTORY_BUCKET = "AWS::S3Express::DirectoryBucket"
IAM_ROLE = "AWS::IAM::Role"
KMS_KEY = "AWS::KMS::Key"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
LAMBDA_LAYER_VERSION = "AWS::Lambda::LayerVersion"
SQS_QUEUE = "AWS::SQS::Queue"
SNS_TOPIC = "AWS::SNS::Topic"
SECRETS_MANAGER_SECRET = "AWS::SecretsManager::Secret"
EFS_FILE_SYSTEM = "AWS::EFS::FileSystem"
ECR_REPOSITORY = "AWS::ECR::Repository"
EC2_SNAPSHOT = "AWS::EC2::Snapshot"
RDS_DB_SNAPSHOT = "AWS::RDS::DBSnapshot"
RDS_DB_CLUSTER_SNAPSHOT = "AWS::RDS::DBClusterSnapshot"
DYNAMODB_TABLE = "AWS::DynamoDB::Table"
DYNAMODB_STREAM = "AWS::DynamoDB::Stream"

EXTERNAL_ACCESS_RESOURCE_TYPES: tuple[str, ...] = (
    S3_BUCKET, IAM_ROLE, SQS_QUEUE, LAMBDA_FUNCTION, LAMBDA_LAYER_VERSION, KMS_KEY, SECRETS_MANAGER_SECRET,
    EFS_FILE_SYSTEM, EC2_SNAPSHOT, ECR_REPOSITORY, RDS_DB_SNAPSHOT, RDS_DB_CLUSTER_SNAPSHOT, SNS_TOPIC,
    S3_DIRECTORY_BUCKET, DYNAMODB_TABLE, DYNAMODB_STREAM,
)


@dataclass(frozen=True)
class Account:
    account_id: str
    region: str
    organization_id: Optional[str] = None
    member_account_ids: tuple[str, ...] = ()
    partition: str = "aws"


@dataclass(frozen=True)
class PublicAccessBlock:
    """S3 Block Public Access settings (``PublicAccessBlockConfiguration``); absent = all False."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    def combined(self, other: Optional["PublicAccessBlock"]) -> "PublicAccessBlock":
        """The most restrictive combination: S3 "rejects any request that violates an access
        point, bucket, or account setting" (S3 User Guide, "Blocking public access to your
        Amazon S3 storage")."""
        if other is None:
            return self
        return PublicAccessBlock(
            self.block_public_acls or other.block_public_acls,
            self.ignore_public_acls or other.ignore_public_acls,
            self.block_public_policy or other.block_public_policy,
            self.restrict_public_buckets or other.restrict_public_buckets,
        )


NO_PUBLIC_ACCESS_BLOCK = PublicAccessBlock()


@dataclass(frozen=True, kw_only=True)
class Resource:
    """What every resource has. ``origin``: the directory or file it came from, snapshot-relative.

    ``unreadable``: the responses that could not be read because AWS refused them (the snapshot
    holds the AWS CLI's ``AccessDenied...`` error instead, docs/snapshot.md), one
    ``"<file>: <error code>"`` each. The rest of the configuration is analysed as read; the
    analyzer adds an ``ACCESS_DENIED`` error finding, as Access Analyzer does when it cannot read
    a configuration (IAM User Guide, "IAM Access Analyzer resource types", KMS).
    """

    resource_type: ClassVar[str]
    arn: str
    account_id: str
    origin: str
    unreadable: tuple[str, ...] = ()

    def access_configuration(self) -> dict[str, Any]:
        """Everything that decides access, as plain JSON data (policies normalized)."""
        out: dict[str, Any] = {"resourceType": self.resource_type}
        for f in fields(self):
            if f.name == "origin":
                continue
            out[f.name] = _plain(getattr(self, f.name), f.name)
        return out

    def content_hash(self) -> str:
        """A stable SHA-256 of ``access_configuration()``: equal hashes, equal analysis.

        The ARN and owner account are part of it (a policy's meaning depends on which resource
        it is attached to); whitespace and key order inside policy documents are not.
        """
        canonical = json.dumps(self.access_configuration(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _plain(value: Any, name: str) -> Any:
    if isinstance(value, str) and name.endswith("policy") and value:
        try:  # normalized: the same policy pretty-printed differently hashes the same
            return {"policy": json.loads(value)}
        except json.JSONDecodeError:
            return value
    if isinstance(value, tuple):
        return [_plain(v, name) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name), f.name) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v, k) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------- S3


# The predefined S3 groups an ACL can grant to (S3 User Guide, "Access control list (ACL)
# overview", "Amazon S3 predefined groups").
ACL_GROUP_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ACL_GROUP_AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
ACL_GROUP_LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
ACL_GROUPS = frozenset({ACL_GROUP_ALL_USERS, ACL_GROUP_AUTHENTICATED_USERS, ACL_GROUP_LOG_DELIVERY})


@dataclass(frozen=True)
class AclGrant:
    """One S3 ACL grant (GetBucketAcl ``Grants[]``). ``grantee_type``: CanonicalUser | Group |
    AmazonCustomerByEmail; ``grantee_id`` for a canonical user, ``grantee_uri`` for a group."""

    permission: str  # READ | WRITE | READ_ACP | WRITE_ACP | FULL_CONTROL
    grantee_type: str
    grantee_id: Optional[str] = None
    grantee_uri: Optional[str] = None
    grantee_email: Optional[str] = None


@dataclass(frozen=True)
class AccessPoint:
    name: str
    arn: str
    account_id: str
    network_origin: str  # Internet | VPC
    vpc_id: Optional[str] = None
    policy: Optional[str] = None
    public_access_block: Optional[PublicAccessBlock] = None


# S3 Object Ownership (GetBucketOwnershipControls ``ObjectOwnership``).
BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
OBJECT_OWNERSHIP_SETTINGS = frozenset({BUCKET_OWNER_ENFORCED, "BucketOwnerPreferred", "ObjectWriter"})


@dataclass(frozen=True, kw_only=True)
class S3Bucket(Resource):
    """``object_ownership``: the Object Ownership setting, None when the snapshot does not say
    (then ACLs are taken to be in force: S3's default before April 2023, and the reading that
    never loses access)."""

    resource_type: ClassVar[str] = S3_BUCKET
    name: str
    policy: Optional[str] = None
    acl_owner_id: Optional[str] = None  # the bucket owner's canonical user id
    acl_grants: tuple[AclGrant, ...] = ()
    public_access_block: Optional[PublicAccessBlock] = None
    account_public_access_block: Optional[PublicAccessBlock] = None
    access_points: tuple[AccessPoint, ...] = ()
    object_ownership: Optional[str] = None

    @property
    def acls_disabled(self) -> bool:
        return self.object_ownership == BUCKET_OWNER_ENFORCED

    @property
    def effective_public_access_block(self) -> PublicAccessBlock:
        """Bucket and account settings combined (either level blocks)."""
        return (self.public_access_block or NO_PUBLIC_ACCESS_BLOCK).combined(self.account_public_access_block)


@dataclass(frozen=True, kw_only=True)
class S3DirectoryBucket(Resource):
    resource_type: ClassVar[str] = S3_DIRECTORY_BUCKET
    name: str
    policy: Optional[str] = None


# ------------------------------------------------------------------------------ IAM, KMS


@dataclass(frozen=True, kw_only=True)
class IamRole(Resource):
    resource_type: ClassVar[str] = IAM_ROLE
    name: str
    path: str
    role_id: str
    trust_policy: str


@dataclass(frozen=True)
class KmsGrant:
    """One KMS grant (ListGrants ``Grants[]``)."""

    grant_id: str
    grantee_principal: str
    operations: tuple[str, ...]
    retiring_principal: Optional[str] = None
    issuing_account: Optional[str] = None
    name: Optional[str] = None
    # Grant constraints, as sorted (key, value) pairs; None when the constraint is absent.
    encryption_context_equals: Optional[tuple[tuple[str, str], ...]] = None
    encryption_context_subset: Optional[tuple[tuple[str, str], ...]] = None


@dataclass(frozen=True, kw_only=True)
class KmsKey(Resource):
    """``policy`` None: the key policy was not read (every key has one), an ``ACCESS_DENIED`` case."""

    resource_type: ClassVar[str] = KMS_KEY
    key_id: str
    policy: Optional[str] = None
    grants: tuple[KmsGrant, ...] = ()


# ----------------------------------------------------------- resources with one resource policy


@dataclass(frozen=True, kw_only=True)
class PolicyResource(Resource):
    """A resource whose access is its resource-based policy alone (None: it has none)."""

    name: str
    policy: Optional[str] = None


@dataclass(frozen=True)
class QualifierPolicy:
    """The resource-based policy of one alias or version (``get-policy --qualifier``)."""

    qualifier: str
    policy: str


@dataclass(frozen=True)
class FunctionUrl:
    """What the snapshot records of the function URL of the function (``qualifier`` None) or of
    one alias (GetFunctionUrlConfig): ``auth_type`` NONE | AWS_IAM, or None when there is no URL
    (the call answered ResourceNotFoundException)."""

    qualifier: Optional[str]
    auth_type: Optional[str]


FUNCTION_URL_AUTH_TYPES = frozenset({"NONE", "AWS_IAM"})


@dataclass(frozen=True, kw_only=True)
class LambdaFunction(PolicyResource):
    """``policy``: the unqualified function's policy; ``qualifier_policies``: those of its aliases
    and versions. ``function_urls``: what the snapshot records of the URLs of the function and
    its aliases; for a function or alias it does not mention, a URL of either auth type is
    possible (more access, never less)."""

    resource_type: ClassVar[str] = LAMBDA_FUNCTION
    qualifier_policies: tuple[QualifierPolicy, ...] = ()
    function_urls: tuple[FunctionUrl, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LambdaLayerVersion(PolicyResource):
    resource_type: ClassVar[str] = LAMBDA_LAYER_VERSION
    version: int


@dataclass(frozen=True, kw_only=True)
class SqsQueue(PolicyResource):
    resource_type: ClassVar[str] = SQS_QUEUE


@dataclass(frozen=True, kw_only=True)
class SnsTopic(PolicyResource):
    resource_type: ClassVar[str] = SNS_TOPIC


# The AWS managed key of Secrets Manager, as a KMS alias (DescribeSecret leaves ``KmsKeyId`` out
# for it: "If the secret is encrypted with the AWS managed key aws/secretsmanager, this field is
# omitted", Secrets Manager API Reference, DescribeSecret).
SECRETS_MANAGER_MANAGED_KEY = "alias/aws/secretsmanager"


def is_aws_managed_key_alias(key_id: Optional[str], service: str) -> bool:
    """Does ``key_id`` name the AWS managed key ``aws/<service>`` (alias name or alias ARN)?"""
    if key_id is None:
        return False
    return key_id == f"alias/aws/{service}" or (key_id.startswith("arn:") and key_id.endswith(f":alias/aws/{service}"))


@dataclass(frozen=True, kw_only=True)
class SecretsManagerSecret(PolicyResource):
    """``kms_key_id``: the key that encrypts the secret value (``SECRETS_MANAGER_MANAGED_KEY`` for
    the AWS managed key), or None when the snapshot does not say."""

    resource_type: ClassVar[str] = SECRETS_MANAGER_SECRET
    kms_key_id: Optional[str] = None

    @property
    def uses_aws_managed_key(self) -> bool:
        return is_aws_managed_key_alias(self.kms_key_id, "secretsmanager")


@dataclass(frozen=True, kw_only=True)
class EfsFileSystem(PolicyResource):
    resource_type: ClassVar[str] = EFS_FILE_SYSTEM


@dataclass(frozen=True, kw_only=True)
class EcrRepository(PolicyResource):
    resource_type: ClassVar[str] = ECR_REPOSITORY


@dataclass(frozen=True, kw_only=True)
class DynamoDbTable(PolicyResource):
    resource_type: ClassVar[str] = DYNAMODB_TABLE


@dataclass(frozen=True, kw_only=True)
class DynamoDbStream(PolicyResource):
    resource_type: ClassVar[str] = DYNAMODB_STREAM
    table_name: str
    stream_label: str


# ----------------------------------------------------------------------- shared snapshots


# EBS "block public access for snapshots" states (GetSnapshotBlockPublicAccessState ``State``).
SNAPSHOT_BLOCK_ALL_SHARING = "block-all-sharing"
SNAPSHOT_BLOCK_PUBLIC_ACCESS_STATES = frozenset({SNAPSHOT_BLOCK_ALL_SHARING, "block-new-sharing", "unblocked"})


@dataclass(frozen=True, kw_only=True)
class Ec2Snapshot(Resource):
    """``createVolumePermission``: ``groups`` ("all" = public) and ``user_ids`` (accounts).

    ``encrypted`` / ``kms_key_id`` (DescribeSnapshots) and the Region's ``block_public_access``
    state (GetSnapshotBlockPublicAccessState, carried by every snapshot so that it is
    self-contained): None when the snapshot does not say."""

    resource_type: ClassVar[str] = EC2_SNAPSHOT
    snapshot_id: str
    user_ids: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    encrypted: Optional[bool] = None
    kms_key_id: Optional[str] = None
    block_public_access: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class RdsDbSnapshot(Resource):
    """The ``restore`` attribute's values: account ids, or "all" (public). ``encrypted`` /
    ``kms_key_id`` from DescribeDBSnapshots (None: not recorded)."""

    resource_type: ClassVar[str] = RDS_DB_SNAPSHOT
    identifier: str
    restore: tuple[str, ...] = ()
    encrypted: Optional[bool] = None
    kms_key_id: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class RdsDbClusterSnapshot(Resource):
    resource_type: ClassVar[str] = RDS_DB_CLUSTER_SNAPSHOT
    identifier: str
    restore: tuple[str, ...] = ()
    encrypted: Optional[bool] = None
    kms_key_id: Optional[str] = None


# ------------------------------------------------------------------------------ snapshot


@dataclass(frozen=True)
class Snapshot:
    """An account snapshot: the account and its resources, in a stable order (type, ARN)."""

    path: str
    account: Account
    resources: tuple[Resource, ...]
    account_public_access_block: Optional[PublicAccessBlock] = None
    _by_arn: dict[str, Resource] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_arn.update({r.arn: r for r in self.resources})

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, resource_type: str) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.resource_type == resource_type)

    def get(self, arn: str) -> Optional[Resource]:
        return self._by_arn.get(arn)

    def with_resource(self, resource: Resource) -> "Snapshot":
        """A snapshot where ``resource`` replaces the one with its ARN, or is added (access
        previews overlay one proposed configuration this way; build it with
        ``dataclasses.replace(existing, policy=...)``)."""
        others = [r for r in self.resources if r.arn != resource.arn]
        resources = tuple(sorted(others + [resource], key=lambda r: (r.resource_type, r.arn)))
        return Snapshot(self.path, self.account, resources, self.account_public_access_block)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r.resource_type] = out.get(r.resource_type, 0) + 1
        return out
