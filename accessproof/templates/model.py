"""What a template would deploy, as accessproof checks it: its policies and access settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

IDENTITY_POLICY = "IDENTITY_POLICY"
TRUST_POLICY = "TRUST_POLICY"  # a role's trust policy (a resource policy of the role)
RESOURCE_POLICY = "RESOURCE_POLICY"
PERMISSIONS_BOUNDARY = "PERMISSIONS_BOUNDARY"
KINDS = (IDENTITY_POLICY, TRUST_POLICY, RESOURCE_POLICY, PERMISSIONS_BOUNDARY)


@dataclass(frozen=True)
class Settings:
    """Where the template is deployed (``--account-id``, ``--region``, ``--partition``, ``--parameters``)."""

    account_id: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"
    parameters: tuple[tuple[str, Any], ...] = ()
    stack_name: str = "accessproof-stack"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def parameter(self, name: str) -> Any:
        for key, value in self.parameters:
            if key == name:
                return value
        raise KeyError(name)

    def arn_of(self, resource_type: str, value: str) -> str:
        """A bucket name, queue URL, function name, secret id, repository name or file system id
        (what a policy resource names its target by) as the ARN of that CloudFormation type in
        this account and Region; an ARN, or a value of another type, as it is."""
        if value.startswith("arn:"):
            return value
        p, r, a = self.partition, self.region, self.account_id
        if resource_type == "AWS::SQS::Queue":  # a queue URL ends with .../<account>/<name>
            parts = value.rstrip("/").split("/")
            account, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (a, value)
            return f"arn:{p}:sqs:{r}:{account}:{name}"
        formats = {
            "AWS::S3::Bucket": f"arn:{p}:s3:::{value}",
            "AWS::Lambda::Function": f"arn:{p}:lambda:{r}:{a}:function:{value}",
            "AWS::SecretsManager::Secret": f"arn:{p}:secretsmanager:{r}:{a}:secret:{value}",
            "AWS::ECR::Repository": f"arn:{p}:ecr:{r}:{a}:repository/{value}",
            "AWS::EFS::FileSystem": f"arn:{p}:elasticfilesystem:{r}:{a}:file-system/{value}",
        }
        return formats.get(resource_type, value)


@dataclass(frozen=True)
class Unresolved:
    """A value the template leaves open (a parameter without a value, an import, a value known
    only after apply): where it is and why."""

    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


@dataclass(frozen=True)
class ExtractedPolicy:
    """One policy the deployment would create.

    ``resource`` is the logical id (CloudFormation) or address (Terraform) of the resource that
    holds it; ``policy_name`` the name cfn-policy-validator reports (``PolicyName``, ``TrustPolicy``,
    ``BucketPolicy``, ...); ``target_type``/``target_arn`` the resource a resource policy is
    attached to (``AWS::S3::Bucket``, its ARN); ``principals`` the roles/users/groups (as
    ``role/Name``) an identity policy is attached to. ``document`` is None when part of it could
    not be resolved (``unresolved`` says what)."""

    file: str
    line: int
    resource: str
    resource_type: str
    policy_name: str
    kind: str
    document: Optional[dict]
    target_type: Optional[str] = None
    target_arn: Optional[str] = None
    principals: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the policy across two versions of a template."""
        return (self.resource, self.policy_name, self.target_arn or "")


@dataclass(frozen=True)
class BucketSettings:
    """An S3 bucket's Block Public Access and canned ACL, as the template sets them."""

    arn: str
    resource: str
    line: int
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False
    canned_acl: Optional[str] = None


@dataclass(frozen=True)
class Deployment:
    """Everything extracted from one template or plan."""

    file: str
    source_format: str  # "cloudformation" or "terraform"
    policies: tuple[ExtractedPolicy, ...]
    buckets: tuple[BucketSettings, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def by_key(self) -> dict[tuple[str, str, str], ExtractedPolicy]:
        return {p.key: p for p in self.policies}
