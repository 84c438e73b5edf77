"""The access delta of two templates (or plans) and of two git revisions of a folder.

Policies are matched by what holds them (resource and policy name, and the resource a resource
policy is attached to); a policy only in the new version is compared with an empty policy (all
its access is new), one only in the old version with an empty new policy (all its access is
removed). Resource and trust policies add the external-access view: the findings the analyzer
would report on the new version and not on the old one (new public or cross-account access), and
the reverse (resolved).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..analyzers.external import ZoneOfTrust, analyze_resource
from ..findings.model import finding_key
from ..inventory.model import Account, Snapshot
from ..templates import Deployment, ExtractedPolicy, Settings, TemplateError, load_text
from ..templates.model import IDENTITY_POLICY, PERMISSIONS_BOUNDARY
from ..templates.run import proposed_resources
from ..untrusted import JsonSyntaxError, loads
from .core import IDENTITY_POLICY as CHECK_IDENTITY, RESOURCE_POLICY as CHECK_RESOURCE, PolicyDelta, policy_delta

EMPTY_POLICY = '{"Version":"2012-10-17","Statement":[]}'
MAX_GIT_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class NamedDelta:
    """The delta of one policy: ``name`` says which (file, resource, policy)."""

    name: str
    file: str
    line: int
    delta: PolicyDelta

    def as_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "line": self.line, **self.delta.as_dict()}


@dataclass(frozen=True)
class DeltaReport:
    policies: tuple[NamedDelta, ...]
    new_external_access: tuple[dict, ...] = ()
    resolved_external_access: tuple[dict, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def grants_new_access(self) -> bool:
        return any(d.delta.added.actions or d.delta.added.unconfirmed or not d.delta.added.complete
                   for d in self.policies) or bool(self.new_external_access)

    def as_dict(self) -> dict:
        return {"grantsNewAccess": self.grants_new_access, "policies": [p.as_dict() for p in self.policies],
                "externalAccess": {"new": list(self.new_external_access), "resolved": list(self.resolved_external_access)},
                "notes": list(self.notes)}


def _check_type(policy: ExtractedPolicy) -> str:
    return CHECK_IDENTITY if policy.kind in (IDENTITY_POLICY, PERMISSIONS_BOUNDARY) else CHECK_RESOURCE


def _label(policy: ExtractedPolicy) -> str:
    target = f" on {policy.target_arn}" if policy.target_arn and policy.kind != IDENTITY_POLICY else ""
    return f"{policy.resource}/{policy.policy_name}{target}"


def deployment_delta(old: Deployment, new: Deployment, account_id: str = "123456789012") -> DeltaReport:
    old_by, new_by = old.by_key(), new.by_key()
    out: list[NamedDelta] = []
    notes: list[str] = []
    for key in sorted(set(old_by) | set(new_by)):
        before, after = old_by.get(key), new_by.get(key)
        shown = after or before
        assert shown is not None
        if (before is not None and before.document is None) or (after is not None and after.document is None):
            notes.append(f"{_label(shown)}: not compared, a value could not be resolved")
            continue
        old_text = json.dumps(before.document) if before is not None else EMPTY_POLICY
        new_text = json.dumps(after.document) if after is not None else EMPTY_POLICY
        if old_text == new_text:
            continue
        delta = policy_delta(old_text, new_text, _check_type(shown))
        if delta.changed or delta.new_principals or delta.removed_principals:
            out.append(NamedDelta(_label(shown), shown.file, shown.line, delta))
    new_access, resolved = external_delta(old, new, account_id)
    return DeltaReport(tuple(out), tuple(new_access), tuple(resolved), tuple(notes))


def external_delta(old: Deployment, new: Deployment, account_id: str) -> tuple[list[dict], list[dict]]:
    """External-access findings (zone of trust: the account) of the new version's resources that the
    old version's do not have, and the reverse."""
    snapshot = Snapshot("<template>", Account(account_id, "us-east-1"), ())
    zone = ZoneOfTrust.of(snapshot.account, "ACCOUNT")

    def findings(deployment: Deployment) -> dict[str, dict]:
        out = {}
        for resource, policy in proposed_resources(deployment, snapshot):
            for f in analyze_resource(resource, zone).findings:
                out[finding_key(f)] = {"resource": f.resource, "resourceType": f.resource_type, "principal": f.principal,
                                       "action": list(f.action or ()), "condition": f.condition, "isPublic": f.is_public,
                                       "witness": f.witness, "file": policy.file, "line": policy.line,
                                       "error": f.error}
        return out

    before, after = findings(old), findings(new)
    return ([v for k, v in after.items() if k not in before], [v for k, v in before.items() if k not in after])


# --------------------------------------------------------------------------------- documents


def classify(text: str, name: str, settings: Settings) -> tuple[str, object]:
    """("policy", document text) for an IAM policy, ("deployment", Deployment) for a template or plan."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            value = loads(text)
        except JsonSyntaxError:
            value = None
        if isinstance(value, dict) and "Statement" in value and "Resources" not in value:
            return "policy", text
    return "deployment", load_text(text, name, settings)


def policy_type_of(text: str) -> str:
    """A policy with a Principal element is a resource policy."""
    try:
        value = loads(text)
    except JsonSyntaxError:
        return CHECK_IDENTITY
    statements = value.get("Statement", []) if isinstance(value, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    principal = any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements)
    return CHECK_RESOURCE if principal else CHECK_IDENTITY


def documents_delta(old: tuple[str, str], new: tuple[str, str], settings: Settings,
                    policy_type: Optional[str] = None) -> DeltaReport:
    """Two documents given as (name, text): two policies, or two templates/plans."""
    old_kind, old_value = classify(old[1], old[0], settings)
    new_kind, new_value = classify(new[1], new[0], settings)
    if old_kind != new_kind:
        raise TemplateError(new[0], None, f"compares a {new_kind} with a {old_kind} ({old[0]})")
    if new_kind == "policy":
        kind = policy_type or policy_type_of(new[1])
        delta = policy_delta(old[1], new[1], kind)
        return DeltaReport((NamedDelta(new[0], new[0], 1, delta),) if delta.changed or delta.new_principals
                           or delta.removed_principals else ())
    assert isinstance(old_value, Deployment) and isinstance(new_value, Deployment)
    return deployment_delta(old_value, new_value, settings.account_id)


# -------------------------------------------------------------------------------------- git


class GitError(Exception):
    pass


def _git(repo: Path, *args: str, limit: int = MAX_GIT_FILE_BYTES) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise GitError(f"git {' '.join(args)}: {e}") from None
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {' '.join(done.stderr.decode('utf-8', 'replace').split())[:300]}")
    if len(done.stdout) > limit:
        raise GitError(f"git {' '.join(args)}: output larger than {limit:,} bytes")
    return done.stdout


_SUFFIXES = (".json", ".yaml", ".yml", ".template")


def revisions_delta(repo: Path, old_rev: str, new_rev: str, folder: str, settings: Settings) -> DeltaReport:
    """The delta of every policy file and template under ``folder`` between two revisions."""
    for rev in (old_rev, new_rev):
        if rev.startswith("-"):
            raise GitError(f"{rev!r} is not a revision")

    def files(rev: str) -> dict[str, str]:
        listing = _git(repo, "ls-tree", "-r", "--name-only", rev, "--", folder).decode("utf-8", "replace").splitlines()
        out = {}
        for path in listing:
            if path.endswith(_SUFFIXES):
                data = _git(repo, "show", f"{rev}:{path}")
                out[path] = data.decode("utf-8", "replace")
        return out

    before, after = files(old_rev), files(new_rev)
    policies: list[NamedDelta] = []
    new_access: list[dict] = []
    resolved: list[dict] = []
    notes: list[str] = []
    for path in sorted(set(before) | set(after)):
        old_text, new_text = before.get(path), after.get(path)
        if old_text == new_text:
            continue
        sample = new_text if new_text is not None else old_text
        assert sample is not None
        try:
            kind, _ = classify(sample, path, settings)
        except TemplateError as e:
            notes.append(f"{path}: skipped ({e.message})")
            continue
        if kind == "policy":
            old_text = old_text if old_text is not None else EMPTY_POLICY
            new_text = new_text if new_text is not None else EMPTY_POLICY
        elif old_text is None or new_text is None:
            empty = '{"Resources": {}}'
            old_text, new_text = old_text or empty, new_text or empty
        try:
            report = documents_delta((f"{old_rev}:{path}", old_text), (f"{new_rev}:{path}", new_text), settings)
        except TemplateError as e:
            notes.append(f"{path}: skipped ({e.message})")
            continue
        policies += report.policies
        new_access += report.new_external_access
        resolved += report.resolved_external_access
        notes += report.notes
    return DeltaReport(tuple(policies), tuple(new_access), tuple(resolved), tuple(notes))
