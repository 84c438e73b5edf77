"""The policy behind a finding, read from the snapshot the server analyses, and the spans to mark
in it (the I/O edge of the console).

An external access finding names its resource; the snapshot's layout (``inventory.layout``) says
which file and member grant the access (the bucket policy, the role's trust policy, ...). The
policy is shown pretty-printed when it is stored on one line, and the statements that allow the
finding's witness request — replayed by the concrete evaluator against that policy, with an
identity policy that allows the caller everything, as the analyzer does — are marked.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence
from urllib.parse import unquote

from ..analyzers.external_service import load_snapshots, snapshot_paths
from ..checks.common import CALLER_IDENTITY
from ..evaluate import RESOURCE, EvaluationError, PolicySet, Request, compile_policy_text, evaluate
from ..inventory.errors import SnapshotError
from ..inventory.layout import finding_places
from ..untrusted import InputRefused, decode_text, loads, read_file
from .highlight import Span

MAX_FILE_BYTES = 4 << 20
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class PolicyView:
    file: str  # relative to the snapshot
    member: Optional[str]
    text: str
    spans: tuple[Span, ...] = ()
    note: str = ""


def _walk(value: Any, member: Optional[str]) -> Any:
    for name, index in _STEP.findall(member or ""):
        if name and isinstance(value, dict):
            value = value.get(name)
        elif not name and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


def policy_text(value: Any) -> Optional[str]:
    """A policy member's value as readable text: JSON strings (URL-encoded as IAM returns trust
    policies, or not) and objects are pretty-printed when they are on one line."""
    if isinstance(value, str):
        text = unquote(value) if value.lstrip().startswith("%7B") else value
        if "\n" in text.strip():
            return text
        try:
            return json.dumps(loads(text), indent=2)
        except (ValueError, RecursionError):
            return text
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return None


def granting_spans(text: str, witness: Optional[dict], resource_account: Optional[str]) -> tuple[Span, ...]:
    """The statements of the resource policy ``text`` that allow ``witness``; none when the
    policy or request cannot be evaluated (the page then shows the policy unmarked)."""
    if not witness:
        return ()
    try:
        policy = compile_policy_text(text, "resource-policy", RESOURCE)
        request = Request.of(witness.get("principal"), witness.get("action") or "", witness.get("resource") or "*",
                             witness.get("context") or {}, resource_account)
        decision = evaluate(request, PolicySet(identity=(CALLER_IDENTITY,), resource=policy))
    except (EvaluationError, ValueError, TypeError, RecursionError):
        return ()
    statements = [m.statement for m in decision.matched if m.statement.allow and m.policy is policy]
    label = "allows the witness request"
    if not statements:
        # The analyzer reached the resource another way than this plain replay sees (through an
        # access point, an alias's qualifier, a role session): mark the Allow statements of the
        # witness's action instead, and say so.
        action = str(witness.get("action") or "").lower()
        service, _, name = action.partition(":")
        statements = [s for s in policy.statements if s.allow and s.action_matches(action, service, name)]
        label = f"allows {witness.get('action')} (matched by its action)"
    return tuple(Span(s.start, s.end, "grant", f"Statement {s.sid or s.index + 1} {label}", anchor=f"grant-{n}")
                 for n, s in enumerate(statements))


class SnapshotPolicies:
    """The resources of the served snapshot(s), loaded once, on first use."""

    def __init__(self, snapshot: Any):
        self._paths = snapshot_paths(snapshot)
        self._resources: Optional[dict[str, tuple[Path, Any]]] = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, tuple[Path, Any]]:
        with self._lock:
            if self._resources is None:
                try:
                    self._resources = {r.arn: (Path(s.path), r) for s in load_snapshots(self._paths) for r in s.resources}
                except SnapshotError:
                    self._resources = {}
            return self._resources

    def policy_for(self, finding: dict) -> Optional[PolicyView]:
        """The policy that grants ``finding`` (ListFindings shape), with its granting statements
        marked; None when the snapshot does not hold the resource."""
        if not self._paths:
            return None
        found = self._load().get(finding.get("resource", ""))
        if found is None:
            return None
        root, resource = found
        for place in finding_places(root, resource, finding):
            path = root / place.file
            try:
                raw = decode_text(read_file(path, MAX_FILE_BYTES), place.file)
            except (InputRefused, ValueError):
                continue
            if place.member is None:
                return PolicyView(place.file, None, raw, note="the whole response that grants the access")
            try:
                text = policy_text(_walk(loads(raw), place.member))
            except (ValueError, RecursionError):
                text = None
            if text is None:
                continue
            return PolicyView(place.file, place.member, text,
                              granting_spans(text, finding.get("witness"), finding.get("resourceOwnerAccount")))
        return None


def validation_spans(findings: Sequence[dict]) -> tuple[Span, ...]:
    """ValidatePolicy's findings at their locations (character offsets of the policy text)."""
    spans = []
    for n, finding in enumerate(findings):
        kind = str(finding.get("findingType", "")).lower()
        for location in finding.get("locations") or ():
            span = location.get("span") or {}
            start, end = (span.get("start") or {}).get("offset"), (span.get("end") or {}).get("offset")
            if isinstance(start, int) and isinstance(end, int):
                spans.append(Span(start, end, kind, f"{finding.get('findingType')}: {finding.get('issueCode')}",
                                  anchor=f"finding-{n}"))
    return tuple(spans)
