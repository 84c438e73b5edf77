"""AWS::SQS::Queue — the queue policy (the ``Policy`` attribute of ``aws sqs get-queue-attributes``).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import SQS_QUEUE, SqsQueue
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = SQS_QUEUE
SERVICE_PREFIXES = ("sqs",)


def arn(queue: SqsQueue) -> str:
    return queue.arn


def request_resources(queue: SqsQueue) -> tuple[str, ...]:
    return (queue.arn,)


def statements(queue: SqsQueue, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(queue, "queue policy")
