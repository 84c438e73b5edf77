"""AWS::SNS::Topic — the topic policy (the ``Policy`` attribute of ``aws sns get-topic-attributes``).

SNS's default policy grants ``"AWS": "*"`` conditioned on ``AWS:SourceOwner`` = the owner
account; the condition keeps it inside the account.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import SNS_TOPIC, SnsTopic
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = SNS_TOPIC
SERVICE_PREFIXES = ("sns",)


def arn(topic: SnsTopic) -> str:
    return topic.arn


def request_resources(topic: SnsTopic) -> tuple[str, ...]:
    return (topic.arn,)


def statements(topic: SnsTopic, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(topic, "topic policy")
