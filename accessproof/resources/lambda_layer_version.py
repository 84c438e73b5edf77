"""AWS::Lambda::LayerVersion — the layer version policy (``aws lambda get-layer-version-policy``).

AddLayerVersionPermission grants ``lambda:GetLayerVersion`` to an account, to ``*``, or to an
organization (``aws:PrincipalOrgID`` condition, from ``--organization-id``).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import LAMBDA_LAYER_VERSION, LambdaLayerVersion
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = LAMBDA_LAYER_VERSION
SERVICE_PREFIXES = ("lambda",)


def arn(layer: LambdaLayerVersion) -> str:
    return layer.arn


def request_resources(layer: LambdaLayerVersion) -> tuple[str, ...]:
    return (layer.arn,)


def statements(layer: LambdaLayerVersion, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(layer, "layer version policy")
