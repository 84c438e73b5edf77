"""AWS::DynamoDB::Table — the table's resource-based policy (``aws dynamodb get-resource-policy
--resource-arn <table ARN>``). A table policy may also name its indexes (``table/NAME/index/*``).
The actions DynamoDB never allows across accounts are denied to outsiders (``dynamodb_shared``).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import DYNAMODB_TABLE, DynamoDbTable
from .base import SourcedStatement
from .dynamodb_shared import not_cross_account
from .policy_only import policy_statements

RESOURCE_TYPE = DYNAMODB_TABLE
SERVICE_PREFIXES = ("dynamodb",)


def arn(table: DynamoDbTable) -> str:
    return table.arn


def request_resources(table: DynamoDbTable) -> tuple[str, ...]:
    return (table.arn, f"{table.arn}/index/*")


def statements(table: DynamoDbTable, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    out = policy_statements(table, "table policy")
    if any(s.is_allow for s in out):  # only a grant needs limiting
        out.append(not_cross_account(table))
    return out
