"""Access Analyzer's EventBridge events for finding changes, sent with ``PutEvents``.

The shapes are AWS's (IAM User Guide, "Monitoring AWS Identity and Access Management Access Analyzer
with Amazon EventBridge", and the EventBridge events reference for Access Analyzer):

- external access: detail-type ``Access Analyzer Finding``, ``detail`` = ``version "1.0"``, ``id``
  (the finding id), ``accountId`` and ``region`` ("the account and region reported in the finding"),
  ``resource``, ``resourceType``, ``action``, ``principal``, ``condition``, ``isPublic``, ``status``,
  ``isDeleted``, ``createdAt``, ``analyzedAt``, ``updatedAt``; an error finding has ``error`` and
  neither action, principal, condition nor isPublic (AWS's second example);
- unused access: detail-type ``Unused Access Finding for IAM entities``, ``detail`` = ``findingId``,
  ``resource``, ``resourceType``, ``accountId``, ``createdAt``, ``updatedAt``, ``analyzedAt``,
  ``previousStatus`` (empty on creation), ``status``, ``isDeleted``, ``findingType``,
  ``numberOfUnusedServices``, ``numberOfUnusedActions`` (UnusedPermission);
- ``source`` ``aws.access-analyzer``, ``resources`` the analyzer's ARN alone.

CHOICE: a deleted finding keeps its status and says ``isDeleted: true`` (AWS: "When a finding is
deleted, the finding status is not changed"). The unused event's ``version`` is ``"1.0"`` too (AWS's
examples show a UUID there; its meaning is undocumented).

AWS refuses ``PutEvents`` entries whose source starts with ``aws.`` from accounts
(``NotAuthorizedForSourceException``): against a real bus, configure another ``source`` (for instance
``accessproof.access-analyzer``) and match it in the rule. A local bus (moto, LocalStack) takes AWS's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Optional, Sequence

from ..findings.outbox import DELETED, Notification
from .awsshapes import arn_parts, aws_time, is_external

SOURCE = "aws.access-analyzer"
EXTERNAL_DETAIL_TYPE = "Access Analyzer Finding"
UNUSED_DETAIL_TYPE = "Unused Access Finding for IAM entities"
PUT_EVENTS_BATCH = 10  # PutEvents takes at most 10 entries


def detail_type(finding: Mapping[str, Any]) -> str:
    return EXTERNAL_DETAIL_TYPE if is_external(finding) else UNUSED_DETAIL_TYPE


def external_detail(payload: Mapping[str, Any]) -> dict[str, Any]:
    finding = payload["finding"]
    _, region, _ = arn_parts(payload["analyzer"]["arn"])
    detail: dict[str, Any] = {
        "version": "1.0",
        "id": finding["id"],
        "accountId": finding["resourceOwnerAccount"],
        "region": region,
        "resource": finding["resource"],
        "resourceType": finding["resourceType"],
        "status": finding["status"],
        "isDeleted": payload["change"] == DELETED,
        "createdAt": aws_time(finding["createdAt"]),
        "analyzedAt": aws_time(finding["analyzedAt"]),
        "updatedAt": aws_time(finding["updatedAt"]),
    }
    if finding.get("error") is not None:
        detail["error"] = finding["error"]
        return detail
    detail["action"] = list(finding.get("action") or [])
    detail["principal"] = dict(finding.get("principal") or {})
    detail["condition"] = dict(finding.get("condition") or {})
    detail["isPublic"] = bool(finding.get("isPublic"))
    return detail


def unused_counts(finding: Mapping[str, Any]) -> tuple[int, int]:
    """(unused services, unused actions) of an UnusedPermission finding's details."""
    entries = [e.get("unusedPermissionDetails") for e in (finding.get("details") or {}).get("findingDetails", [])]
    entries = [e for e in entries if e]
    return len(entries), sum(len(e.get("actions") or []) for e in entries)


def unused_detail(payload: Mapping[str, Any]) -> dict[str, Any]:
    finding = payload["finding"]
    detail: dict[str, Any] = {
        "version": "1.0",
        "findingId": finding["id"],
        "resource": finding["resource"],
        "resourceType": finding["resourceType"],
        "accountId": finding["resourceOwnerAccount"],
        "createdAt": aws_time(finding["createdAt"]),
        "updatedAt": aws_time(finding["updatedAt"]),
        "analyzedAt": aws_time(finding["analyzedAt"]),
        "previousStatus": payload.get("previousStatus") or "",
        "status": finding["status"],
        "isDeleted": payload["change"] == DELETED,
        "findingType": finding["findingType"],
    }
    if finding["findingType"] == "UnusedPermission":
        services, actions = unused_counts(finding)
        detail["numberOfUnusedServices"] = services
        detail["numberOfUnusedActions"] = actions
    if finding.get("error") is not None:
        detail["error"] = finding["error"]
    return detail


def put_events_entry(payload: Mapping[str, Any], *, event_bus: Optional[str] = None, source: str = SOURCE,
                     time: Optional[datetime] = None) -> dict[str, Any]:
    """One ``PutEvents`` entry for one notification payload (``findings.outbox.payload``)."""
    finding = payload["finding"]
    detail = external_detail(payload) if is_external(finding) else unused_detail(payload)
    entry: dict[str, Any] = {
        "Source": source,
        "DetailType": detail_type(finding),
        "Detail": json.dumps(detail, sort_keys=True),
        "Resources": [payload["analyzer"]["arn"]],
    }
    if time is not None:
        entry["Time"] = time
    if event_bus:
        entry["EventBusName"] = event_bus
    return entry


@dataclass
class EventBridgeSender:
    """Sends notifications to an event bus; ``client`` is a boto3 ``events`` client."""

    client: Any
    destination: str = "eventbridge"
    event_bus: Optional[str] = None
    source: str = SOURCE

    def send(self, notifications: Sequence[Notification]) -> dict[int, Optional[str]]:
        """``{seq: None}`` for each entry EventBridge accepted, ``{seq: error}`` for the others."""
        from botocore.exceptions import BotoCoreError, ClientError

        outcome: dict[int, Optional[str]] = {}
        for start in range(0, len(notifications), PUT_EVENTS_BATCH):
            batch = notifications[start:start + PUT_EVENTS_BATCH]
            entries = [put_events_entry(n.payload, event_bus=self.event_bus, source=self.source, time=n.created_at)
                       for n in batch]
            try:
                response = self.client.put_events(Entries=entries)
            except (ClientError, BotoCoreError) as e:
                outcome.update({n.seq: f"PutEvents: {e}" for n in batch})
                continue
            for notification, result in zip(batch, response.get("Entries", [])):
                error = result.get("ErrorCode")
                outcome[notification.seq] = None if not error else f"{error}: {result.get('ErrorMessage', '')}"
            for notification in batch[len(response.get("Entries", [])):]:
                outcome[notification.seq] = "PutEvents answered fewer entries than it was given"
        return outcome
