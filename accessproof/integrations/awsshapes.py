"""Small helpers shared by the AWS-shaped notifications (EventBridge events, Security Hub findings)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional


def aws_time(value: Optional[str]) -> Optional[str]:
    """An ISO 8601 time as AWS's events print it: UTC with ``Z``, milliseconds when there are any
    (``2019-11-21T01:22:22Z``, ``2023-09-18T16:29:09.657Z``)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def arn_parts(arn: str) -> tuple[str, str, str]:
    """(partition, Region, account) of an ARN (``arn:aws:access-analyzer:us-east-1:1111:analyzer/x``)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[1], parts[3], parts[4]


def is_external(finding: Mapping[str, Any]) -> bool:
    return finding.get("findingType", "ExternalAccess") == "ExternalAccess"
