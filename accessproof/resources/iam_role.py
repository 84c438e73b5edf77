"""AWS::IAM::Role — the role trust policy (``AssumeRolePolicyDocument`` of
``get-account-authorization-details``).

Who can assume the role: the trust policy's statements as written (actions ``sts:AssumeRole``,
``sts:AssumeRoleWithWebIdentity``, ``sts:AssumeRoleWithSAML``, ``sts:TagSession``, ...; they
have no Resource element — the request's resource is the role ARN). A web identity trust for
``token.actions.githubusercontent.com`` that checks only ``aud`` and not ``sub`` lets any
GitHub repository's workflow assume the role: the statement grants the Federated principal
with no restriction on who the subject is, which is exactly what the engine sees here.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import IAM_ROLE, IamRole
from .base import POLICY_SOURCE, SourcedStatement, statements_of_policy

RESOURCE_TYPE = IAM_ROLE
SERVICE_PREFIXES = ("sts",)


def arn(role: IamRole) -> str:
    return role.arn


def request_resources(role: IamRole) -> tuple[str, ...]:
    return (role.arn,)


def statements(role: IamRole, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return statements_of_policy(role.trust_policy, POLICY_SOURCE, "trust policy")
