"""Webhooks: a finding change POSTed as JSON, or as a Slack-compatible message.

Every request carries ``X-Accessproof-Delivery`` (the outbox's delivery id: the same on every retry of
one notification, so a receiver can drop a repeat) and, when the destination has a ``secret``,
``X-Accessproof-Signature: sha256=<hex HMAC-SHA256 of the body>``. Any 2xx answer is a delivery;
anything else (or no answer within the timeout) is retried by the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from ..findings.outbox import CREATED, DELETED, Notification
from .awsshapes import is_external

JSON, SLACK = "json", "slack"
FORMATS = (JSON, SLACK)
DELIVERY_HEADER = "X-Accessproof-Delivery"
SIGNATURE_HEADER = "X-Accessproof-Signature"
MAX_ACTIONS_SHOWN = 5


def json_body(notification: Notification) -> dict[str, Any]:
    payload = notification.payload
    return {
        "deliveryId": notification.delivery_id,
        "change": payload["change"],
        "previousStatus": payload.get("previousStatus"),
        "analyzer": payload["analyzer"],
        "finding": payload["finding"],
    }


def _what(finding: Mapping[str, Any]) -> str:
    if finding.get("error"):
        return f"could not be analysed ({finding['error']})"
    if not is_external(finding):
        return f"{finding['findingType']}"
    actions = list(finding.get("action") or [])
    shown = ", ".join(actions[:MAX_ACTIONS_SHOWN]) + (f" +{len(actions) - MAX_ACTIONS_SHOWN} more"
                                                       if len(actions) > MAX_ACTIONS_SHOWN else "")
    who = "anyone (public)" if finding.get("isPublic") else \
        ", ".join(f"{kind} {value}" for kind, value in sorted((finding.get("principal") or {}).items()))
    return f"{who} can {shown or 'access it'}"


def headline(payload: Mapping[str, Any]) -> str:
    """One line: what changed, for people."""
    finding = payload["finding"]
    if payload["change"] == CREATED:
        verb = f"new {finding['status']} finding"
    elif payload["change"] == DELETED:
        verb = "finding deleted"
    else:
        verb = f"finding {payload.get('previousStatus') or '?'} → {finding['status']}"
    return f"{verb} on {finding['resource']}: {_what(finding)}"


def slack_body(notification: Notification) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (the notification fallback) and ``blocks``."""
    payload = notification.payload
    finding = payload["finding"]
    line = headline(payload)
    fields = [("Resource type", finding["resourceType"]), ("Status", finding["status"]),
              ("Finding", finding["id"]), ("Analyzer", payload["analyzer"]["name"])]
    return {
        "text": f"accessproof: {line}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*accessproof* — {line}"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in fields]},
        ],
    }


@dataclass
class WebhookSender:
    name: str
    url: str
    format: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    secret: Optional[str] = None
    timeout_seconds: float = 10.0

    @property
    def destination(self) -> str:
        return f"webhook:{self.name}"

    def body(self, notification: Notification) -> bytes:
        document = slack_body(notification) if self.format == SLACK else json_body(notification)
        return json.dumps(document, sort_keys=True).encode()

    def _post(self, notification: Notification) -> Optional[str]:
        body = self.body(notification)
        headers = {"Content-Type": "application/json", "User-Agent": "accessproof", **dict(self.headers),
                   DELIVERY_HEADER: notification.delivery_id}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                status = response.status
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code} {e.reason}"
        except (urllib.error.URLError, OSError, ValueError) as e:
            return f"{type(e).__name__}: {getattr(e, 'reason', e)}"
        return None if 200 <= status < 300 else f"HTTP {status}"

    def send(self, notifications: Sequence[Notification]) -> dict[int, Optional[str]]:
        return {n.seq: self._post(n) for n in notifications}
