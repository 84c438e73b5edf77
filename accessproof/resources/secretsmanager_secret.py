"""AWS::SecretsManager::Secret — the secret's resource policy (``aws secretsmanager
get-resource-policy``, ``ResourcePolicy``) and the key that encrypts its value (``aws
secretsmanager describe-secret``, ``KmsKeyId``).

Two documented rules limit what the policy can grant to another account (AWS Secrets Manager
User Guide, "Access AWS Secrets Manager secrets from a different account"); each becomes a
Deny for callers outside the owner account, so it removes access and never adds any:

* "Cross-account permission is effective only for the following operations": CancelRotateSecret,
  DeleteResourcePolicy, DeleteSecret, DescribeSecret, GetRandomPassword, GetResourcePolicy,
  GetSecretValue, ListSecretVersionIds, PutResourcePolicy, PutSecretValue,
  RemoveRegionsFromReplication, ReplicateSecretToRegions, RestoreSecret, RotateSecret,
  StopReplicationToReplica, TagResource, UntagResource, UpdateSecret, UpdateSecretVersionStage,
  ValidateResourcePolicy. The service's other actions (BatchGetSecretValue, CreateSecret,
  ListSecrets) are denied to outsiders.
* "you can't use the AWS managed key (aws/secretsmanager) for cross-account access": a secret
  encrypted with it "can be decrypted only by principals in that account" ("Resource-based
  policies"), and every new value needs a data key from that key ("Secret encryption and
  decryption in AWS Secrets Manager"). So with the AWS managed key, reading the value
  (GetSecretValue) and writing one (PutSecretValue) are denied to outsiders: a policy that
  grants only those to another account yields no finding. Actions that do not touch the value
  (DescribeSecret, PutResourcePolicy, ...) remain findings. When the snapshot does not say
  which key the secret uses, a customer managed key is assumed (more access, never less).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import SECRETS_MANAGER_SECRET, SecretsManagerSecret
from .base import SourcedStatement, outside_account_deny
from .policy_only import policy_statements

RESOURCE_TYPE = SECRETS_MANAGER_SECRET
SERVICE_PREFIXES = ("secretsmanager",)
NOT_CROSS_ACCOUNT_ACTIONS = ("secretsmanager:BatchGetSecretValue", "secretsmanager:CreateSecret",
                             "secretsmanager:ListSecrets")
SECRET_VALUE_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue")


def arn(secret: SecretsManagerSecret) -> str:
    return secret.arn


def request_resources(secret: SecretsManagerSecret) -> tuple[str, ...]:
    return (secret.arn,)


def statements(secret: SecretsManagerSecret, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    out = policy_statements(secret, "secret policy")
    if not any(s.is_allow for s in out):
        return out
    out.append(outside_account_deny(secret.account_id, NOT_CROSS_ACCOUNT_ACTIONS,
                                    "Secrets Manager: operations without cross-account permission"))
    if secret.uses_aws_managed_key:
        out.append(outside_account_deny(secret.account_id, SECRET_VALUE_ACTIONS,
                                        "Secrets Manager: aws/secretsmanager serves only its own account"))
    return out
