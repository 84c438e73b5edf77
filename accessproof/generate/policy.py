"""Used actions and resources → compact identity policies, split at AWS's size limit.

- One statement per distinct set of resources: actions that share their resources share a
  statement (all the ``"*"`` actions together), sorted, so the output is short and stable.
- Actions only ever denied are kept apart in statements whose Sid starts with
  ``DeniedInCloudTrail`` (see ``DENIED_SID``).
- More than ``MAX_ARNS_PER_ACTION`` ARNs for one action are folded into wildcard patterns
  that cover all of them (a common prefix, cut at a ``/`` or ``:``, plus ``*``).
- A policy whose text, without white space, would pass ``MAX_POLICY_CHARS`` is split
  (AWS: generated policies over 6,144 characters are split; IAM does not count white space
  toward the managed-policy size quota, IAM User Guide, "IAM and AWS STS quotas").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable

MAX_POLICY_CHARS = 6144
MAX_ARNS_PER_ACTION = 10
ALLOWED_SID = "SupportedServiceSid"  # the Sid AWS's generated policies use (AWS CLI example output)
DENIED_SID = "DeniedInCloudTrailSid"
VERSION = "2012-10-17"


@dataclass
class ActionUse:
    """What the log says about one action: the resources it was used on, allowed or denied."""

    action: str
    allowed_resources: set[str] = field(default_factory=set)
    denied_resources: set[str] = field(default_factory=set)
    allowed_calls: int = 0
    denied_calls: int = 0

    @property
    def only_denied(self) -> bool:
        return self.allowed_calls == 0


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"Sid": self.sid, "Effect": "Allow",
                "Action": list(self.actions) if len(self.actions) > 1 else self.actions[0],
                "Resource": list(self.resources) if len(self.resources) > 1 else self.resources[0]}


def compact_resources(resources: Iterable[str]) -> tuple[str, ...]:
    """The resources, ``*`` alone when present, folded when there are too many."""
    unique = sorted(set(resources))
    if "*" in unique:
        return ("*",)
    if len(unique) <= MAX_ARNS_PER_ACTION:
        return tuple(unique)
    folded = sorted({_parent_pattern(arn) for arn in unique})
    if len(folded) <= MAX_ARNS_PER_ACTION:
        return tuple(_drop_covered(folded))
    return (_common_pattern(unique),)


def _parent_pattern(arn: str) -> str:
    """``arn:aws:s3:::bucket/dir/key`` → ``arn:aws:s3:::bucket/dir/*``."""
    resource_start = _resource_start(arn)
    cut = max(arn.rfind("/"), arn.rfind(":"))
    if cut < resource_start:
        return arn
    return arn[: cut + 1] + "*"


def _resource_start(arn: str) -> int:
    """Offset of the resource part (after the fifth ``:``)."""
    offset = -1
    for _ in range(5):
        offset = arn.find(":", offset + 1)
        if offset < 0:
            return len(arn)
    return offset + 1


def _common_pattern(arns: list[str]) -> str:
    prefix = arns[0]
    for arn in arns[1:]:
        while not arn.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind("/"), prefix.rfind(":"))
    head = prefix[: cut + 1] if cut >= 0 else prefix
    # Keep the service part intact: never fold above "arn:partition:service:".
    if head.count(":") < 3:
        head = ":".join(arns[0].split(":", 3)[:3]) + ":"
    return head + "*"


def _drop_covered(patterns: list[str]) -> list[str]:
    """Remove ``a/b/*`` when ``a/*`` is there too (prefix patterns only)."""
    out = []
    for p in patterns:
        if not any(q != p and q.endswith("*") and p.startswith(q[:-1]) for q in patterns):
            out.append(p)
    return out


def build_statements(uses: Iterable[ActionUse]) -> list[Statement]:
    """Group actions by identical resource sets; denied-only pairs in their own statements."""
    allowed: dict[tuple[str, ...], set[str]] = {}
    denied: dict[tuple[str, ...], set[str]] = {}
    for use in uses:
        if use.allowed_resources:
            allowed.setdefault(compact_resources(use.allowed_resources), set()).add(use.action)
        only_denied = use.denied_resources - use.allowed_resources
        if only_denied:
            resources = compact_resources(only_denied)
            granted = compact_resources(use.allowed_resources) if use.allowed_resources else ()
            if resources != granted and "*" not in granted:
                denied.setdefault(resources, set()).add(use.action)
    statements: list[Statement] = []
    for prefix, groups in ((ALLOWED_SID, allowed), (DENIED_SID, denied)):
        ordered = sorted(groups.items(), key=lambda item: (item[0] != ("*",), sorted(item[1])[0], item[0]))
        for resources, actions in ordered:
            statements.append(Statement(prefix, tuple(sorted(actions, key=str.lower)), resources))
    return statements


def policy_size(document: dict) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _document(statements: list[dict]) -> dict:
    return {"Version": VERSION, "Statement": statements}


def _pieces(statement: Statement, limit: int) -> list[Statement]:
    """A statement too big for one policy, cut into parts by actions, then by resources."""
    if policy_size(_document([statement.as_dict()])) <= limit:
        return [statement]
    if len(statement.actions) > 1:
        half = len(statement.actions) // 2
        return (_pieces(Statement(statement.sid, statement.actions[:half], statement.resources), limit) +
                _pieces(Statement(statement.sid, statement.actions[half:], statement.resources), limit))
    if len(statement.resources) > 1:
        half = len(statement.resources) // 2
        return (_pieces(Statement(statement.sid, statement.actions, statement.resources[:half]), limit) +
                _pieces(Statement(statement.sid, statement.actions, statement.resources[half:]), limit))
    return [statement]  # one action on one resource: cannot be smaller


def split_policies(statements: list[Statement], limit: int = MAX_POLICY_CHARS) -> list[dict]:
    """Policy documents of at most ``limit`` characters (white space not counted), Sids numbered."""
    pieces = [piece for s in statements for piece in _pieces(s, limit)]
    numbered: list[dict] = []
    counters: dict[str, int] = {}
    for piece in pieces:
        index = counters.get(piece.sid, 0)
        counters[piece.sid] = index + 1
        numbered.append(Statement(f"{piece.sid}{index}", piece.actions, piece.resources).as_dict())
    documents: list[dict] = []
    current: list[dict] = []
    for statement in numbered:
        if current and policy_size(_document(current + [statement])) > limit:
            documents.append(_document(current))
            current = []
        current.append(statement)
    if current:
        documents.append(_document(current))
    return documents


def policy_text(document: dict) -> str:
    return json.dumps(document, indent=4)


def denied_actions(documents: list[dict]) -> list[str]:
    out: set[str] = set()
    for doc in documents:
        for s in doc["Statement"]:
            if s["Sid"].startswith(DENIED_SID):
                out.update([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    return sorted(out)
