"""AWS::ECR::Repository — the repository policy (``aws ecr get-repository-policy``, ``policyText``).

Pulling also needs ``ecr:GetAuthorizationToken`` in the caller's own account (IAM User Guide,
"IAM Access Analyzer resource types", ECR); the repository side is what is analysed here.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import ECR_REPOSITORY, EcrRepository
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = ECR_REPOSITORY
SERVICE_PREFIXES = ("ecr",)


def arn(repository: EcrRepository) -> str:
    return repository.arn


def request_resources(repository: EcrRepository) -> tuple[str, ...]:
    return (repository.arn,)


def statements(repository: EcrRepository, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(repository, "repository policy")
