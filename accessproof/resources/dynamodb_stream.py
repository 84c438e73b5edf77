"""AWS::DynamoDB::Stream — the stream's resource-based policy (``aws dynamodb get-resource-policy
--resource-arn <stream ARN>``). ``dynamodb:ListStreams`` and the other actions DynamoDB never
allows across accounts are denied to outsiders (``dynamodb_shared``).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import DYNAMODB_STREAM, DynamoDbStream
from .base import SourcedStatement
from .dynamodb_shared import not_cross_account
from .policy_only import policy_statements

RESOURCE_TYPE = DYNAMODB_STREAM
SERVICE_PREFIXES = ("dynamodb",)


def arn(stream: DynamoDbStream) -> str:
    return stream.arn


def request_resources(stream: DynamoDbStream) -> tuple[str, ...]:
    return (stream.arn,)


def statements(stream: DynamoDbStream, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    out = policy_statements(stream, "stream policy")
    if any(s.is_allow for s in out):  # only a grant needs limiting
        out.append(not_cross_account(stream))
    return out
