"""AWS::Lambda::Function — the function policy (``aws lambda get-policy``).

The statements AddPermission wrote, as Lambda returns them; Access Analyzer "also analyzes
permissions granted when using the AddPermission operation with an EventSourceToken" (the
``lambda:EventSourceToken`` condition, IAM User Guide, "IAM Access Analyzer resource types").
A permission added with ``--qualifier`` names ``function:NAME:QUALIFIER``, hence the second
request resource.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import LAMBDA_FUNCTION, LambdaFunction
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = LAMBDA_FUNCTION
SERVICE_PREFIXES = ("lambda",)


def arn(function: LambdaFunction) -> str:
    return function.arn


def request_resources(function: LambdaFunction) -> tuple[str, ...]:
    return (function.arn, f"{function.arn}:*")


def statements(function: LambdaFunction, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(function, "function policy")
