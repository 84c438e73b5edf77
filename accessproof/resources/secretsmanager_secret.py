"""AWS::SecretsManager::Secret — the secret's resource policy (``aws secretsmanager
get-resource-policy``, ``ResourcePolicy``).

Reading the value also needs the secret's KMS key to allow decryption; like Access Analyzer,
the secret's own policy is analysed on its own.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import SECRETS_MANAGER_SECRET, SecretsManagerSecret
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = SECRETS_MANAGER_SECRET
SERVICE_PREFIXES = ("secretsmanager",)


def arn(secret: SecretsManagerSecret) -> str:
    return secret.arn


def request_resources(secret: SecretsManagerSecret) -> tuple[str, ...]:
    return (secret.arn,)


def statements(secret: SecretsManagerSecret, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(secret, "secret policy")
