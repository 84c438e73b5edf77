"""Recommendations for ``UnusedPermission`` findings: per policy, detach it or replace it.

AWS (API Reference, GetFindingRecommendation / UnusedPermissionsRecommendedStep; Security Hub User
Guide, "Generating policy recommendations for unused access findings"; amazon.science, "New AWS tool
recommends removal of unused permissions"), per policy attached to the role or user:
- nothing it grants is used: one ``DETACH_POLICY`` step;
- some of it is used: ``CREATE_POLICY`` ("create and attach a scoped-down replacement policy", the
  ``recommendedPolicy``, which "retains the policy structure while removing the unused
  permissions") followed by ``DETACH_POLICY`` of the same ``existingPolicyId`` ("detach the
  over-privileged original policy"), as in AWS's example response;
- all of it is used: no step.
Both steps of a policy carry its ``policyUpdatedAt`` when it is known (managed policies).

The refined policy keeps every statement, Sid, resource, condition and Deny; only the actions
of Allow statements change:
- an ``Action`` pattern that denotes no unused action stays as written;
- one that does is replaced by the catalog actions it denotes minus the unused ones, folded back
  into wildcards where a wildcard denotes only kept actions and is covered by the original
  pattern (``s3:*`` with only ``s3:Get*`` used and tracked becomes ``s3:Get*`` plus the untracked
  actions);
- ``"*"`` (and ``NotAction``) statements gain the unused actions in ``NotAction`` instead: an
  Allow of ``NotAction: U`` is exactly ``*`` minus ``U``, and stays short;
- a statement left with no action is dropped.

Every recommended policy is proven with ``check_no_new_access`` against the original (PASS is a
proof that it grants nothing new), checked to keep every used action granted (the engine and the
evaluator, ``unused_grants``), and validated with ValidatePolicy. A recommendation that fails
either check is not offered: the step is left out and the failure reported (``problems``).

CHOICE (AWS is silent): only policies attached to the role or user itself are changed, not a
user's group policies (changing them changes other users); an inline policy whose permissions
are all unused gets ``DETACH_POLICY`` too (delete the inline policy); an action not tracked by
last-accessed data is kept (its use is unknown).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Optional, Sequence

from ..catalog import default_catalog, pattern_covers
from ..catalog.service_reference import Action
from ..checks import IDENTITY_POLICY, PASS, check_no_new_access
from ..evaluate import IDENTITY, compile_policy_text
from ..inventory.activity import AccountActivity, Identity, InlinePolicy
from ..validate.engine import InvalidRequest, finding_dict, validate_policy
from .unused_grants import candidate_actions, granted_actions

CREATE_POLICY, DETACH_POLICY = "CREATE_POLICY", "DETACH_POLICY"
_WORD = re.compile(r"[A-Z0-9]+(?![a-z])|[A-Z0-9]?[a-z0-9]+")


@dataclass(frozen=True)
class UnusedSet:
    """What a finding says is unused: whole services, and single actions (lower-case)."""

    services: frozenset[str]
    actions: frozenset[str]

    def __contains__(self, action: str) -> bool:
        return action.split(":", 1)[0].lower() in self.services or action.lower() in self.actions

    @classmethod
    def from_details(cls, finding_details: Iterable[dict]) -> "UnusedSet":
        services, actions = set(), set()
        for entry in finding_details:
            detail = entry.get("unusedPermissionDetails")
            if not detail:
                continue
            if detail.get("actions"):
                actions |= {a["action"].lower() for a in detail["actions"]}
            else:
                services.add(detail["serviceNamespace"].lower())
        return cls(frozenset(services), frozenset(actions))


@dataclass(frozen=True)
class PolicyStep:
    existing_policy_id: str
    recommended_action: str
    existing_policy: str
    recommended_policy: Optional[str] = None
    policy_updated_at: Optional[datetime] = None
    proof: Optional[dict] = None  # check_no_new_access's response
    validation: tuple[dict, ...] = ()  # ValidatePolicy findings of the recommended policy

    def to_aws(self) -> dict[str, Any]:
        step: dict[str, Any] = {"recommendedAction": self.recommended_action, "existingPolicyId": self.existing_policy_id}
        if self.policy_updated_at is not None:
            step["policyUpdatedAt"] = self.policy_updated_at
        if self.recommended_policy is not None:
            step["recommendedPolicy"] = self.recommended_policy
        return {"unusedPermissionsRecommendedStep": step}


@dataclass
class Recommendation:
    steps: list[PolicyStep] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ refinement


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _covered(original: str, candidate: str) -> bool:
    return pattern_covers(original, candidate, ignore_case=True)


def _word_prefixes(name: str) -> list[str]:
    """``DeleteAccessPoint`` → ``Delete``, ``DeleteAccess``, ``DeleteAccessPoint`` (CamelCase words, shortest first)."""
    words = _WORD.findall(name)
    return ["".join(words[:k]) for k in range(1, len(words) + 1)]


def fold_actions(kept: Sequence[Action], original: str) -> list[str]:
    """Kept actions as few patterns as possible, each covered by ``original`` and denoting only
    kept catalog actions: ``svc:*``, else the shortest ``svc:<Words>*`` (at CamelCase word
    boundaries, denoting two actions or more), else the action name."""
    catalog = default_catalog()
    out: list[str] = []
    by_service: dict[str, list[Action]] = {}
    for action in kept:
        by_service.setdefault(action.service, []).append(action)
    for service, actions in sorted(by_service.items()):
        names = {a.name.lower() for a in actions}
        everything = catalog.service(service)
        assert everything is not None
        if names >= set(everything.actions) and _covered(original, f"{service}:*"):
            out.append(f"{service}:*")
            continue
        done: set[str] = set()
        for action in sorted(actions, key=lambda a: a.name):
            if action.name.lower() in done:
                continue
            for prefix in _word_prefixes(action.name):
                candidate = f"{service}:{prefix}*"
                denoted = {a.name.lower() for a in everything.match_actions(f"{prefix}*")}
                if len(denoted) > 1 and denoted <= names and _covered(original, candidate):
                    out.append(candidate)
                    done |= denoted
                    break
            else:
                out.append(action.full_name)
                done.add(action.name.lower())
    return out


def _removed_patterns(removed: Sequence[Action], unused: UnusedSet) -> list[str]:
    """Unused actions for a NotAction list: whole unused services as ``svc:*``."""
    out: list[str] = []
    for action in sorted(removed, key=lambda a: a.full_name):
        if action.service.lower() in unused.services:
            pattern = f"{action.service}:*"
            if pattern not in out:
                out.append(pattern)
        else:
            out.append(action.full_name)
    return out


def refine_statement(raw: dict, compiled, unused: UnusedSet) -> Optional[dict]:
    """The statement without its unused actions; None when nothing is left."""
    if raw.get("Effect") != "Allow":
        return raw
    candidates = candidate_actions(raw, compiled)
    removed = [a for a in candidates if a.full_name in unused]
    if not removed:
        return raw
    refined = dict(raw)
    patterns = [p for p in _as_list(raw.get("Action")) if isinstance(p, str)]
    if "NotAction" in raw or "*" in patterns:
        extra = [p for p in _removed_patterns(removed, unused) if p not in _as_list(raw.get("NotAction"))]
        refined.pop("Action", None)
        refined["NotAction"] = _as_list(raw.get("NotAction")) + extra
        # NotAction before Resource, as people write it
        return {k: refined[k] for k in _ordered_keys(raw, refined)}
    catalog = default_catalog()
    new_patterns: list[str] = []
    for pattern in patterns:
        denoted = [a for a in catalog.match_actions(pattern) if a in candidates]
        dropped = [a for a in denoted if a.full_name in unused]
        if not dropped:
            new_patterns.append(pattern)
            continue
        kept = [a for a in denoted if a.full_name not in unused]
        for folded in fold_actions(kept, pattern):
            if folded not in new_patterns:
                new_patterns.append(folded)
    if not new_patterns:
        return None
    refined["Action"] = new_patterns if isinstance(raw.get("Action"), list) or len(new_patterns) > 1 else new_patterns[0]
    return refined


def _ordered_keys(raw: dict, refined: dict) -> list[str]:
    keys = []
    for key in raw:
        if key == "Action":
            keys.append("NotAction")
        elif key in refined and key not in keys:
            keys.append(key)
    return keys + [k for k in refined if k not in keys]


def refine_policy(document: str, unused: UnusedSet) -> Optional[dict]:
    """The policy without its unused actions (same Version, Id, statement order); None when no
    Allow statement is left."""
    policy = json.loads(document)
    compiled = compile_policy_text(document, "existing", IDENTITY)
    statements = _as_list(policy.get("Statement"))
    refined = []
    for raw, statement in zip(statements, compiled.statements):
        kept = refine_statement(raw, statement, unused)
        if kept is not None:
            refined.append(kept)
    if not any(s.get("Effect") == "Allow" for s in refined):
        return None
    out = dict(policy)
    out["Statement"] = refined if isinstance(policy.get("Statement"), list) else refined[0]
    return out


# -------------------------------------------------------------------- recommendations


# ValidatePolicy's findings (response dicts) for an identity policy; raises ``InvalidRequest`` when
# ValidatePolicy refuses the document as a whole (over 32 KiB: "InvalidPolicy").
Validator = Callable[[str], list[dict]]


def validate_identity_policy(document: str) -> list[dict]:
    """ValidatePolicy's engine itself (this layer never calls the API layer, which calls it)."""
    found, index = validate_policy(document, IDENTITY_POLICY)
    return [finding_dict(finding, index) for finding in found]


def keeps_used_actions(original: str, refined: str, unused: UnusedSet, account_id: str) -> list[str]:
    """The used actions the original grants and the refined policy does not (should be none)."""
    before = granted_actions([("original", original)], account_id)
    after = granted_actions([("refined", refined)], account_id)
    return sorted(a for actions in before.by_service.values() for a in actions if a not in unused and not after.granted(a))


def recommend_policy(policy_id: str, document: str, updated_at: Optional[datetime], unused: UnusedSet,
                     account_id: str, validator: Validator = validate_identity_policy) -> tuple[list[PolicyStep], Optional[str]]:
    """One policy's steps (none: nothing in it is unused), or a problem."""
    grants = granted_actions([(policy_id, document)], account_id)
    granted = [a for actions in grants.by_service.values() for a in actions]
    detach = PolicyStep(policy_id, DETACH_POLICY, document, policy_updated_at=updated_at)
    if not granted or not any(a in unused for a in granted):
        return [], None
    if all(a in unused for a in granted):
        return [detach], None
    refined = refine_policy(document, unused)
    if refined is None:
        return [detach], None
    text = json.dumps(refined, indent=4)
    proof = check_no_new_access(text, document, IDENTITY_POLICY).as_dict()
    if proof["result"] != PASS:
        return [], f"{policy_id}: the refined policy would grant new access ({proof.get('witness')}); not recommended"
    lost = keeps_used_actions(document, text, unused, account_id)
    if lost:
        return [], f"{policy_id}: the refined policy would lose used actions {', '.join(lost[:5])}; not recommended"
    try:
        findings = validator(text)
    except InvalidRequest as e:  # ValidatePolicy refuses documents over 32 KiB ("InvalidPolicy")
        return [], f"{policy_id}: ValidatePolicy refused the refined policy ({e}); not recommended"
    blocking = [f for f in findings if f.get("findingType") in ("ERROR", "SECURITY_WARNING")]
    if blocking:
        return [], f"{policy_id}: the refined policy has {blocking[0]['findingType']} {blocking[0].get('issueCode')}; not recommended"
    create = PolicyStep(policy_id, CREATE_POLICY, document, text, updated_at, proof, tuple(findings))
    return [create, detach], None


def own_policies(identity: Identity, account: AccountActivity) -> list[tuple[str, str, Optional[datetime]]]:
    """(existingPolicyId, document, policyUpdatedAt) of the policies attached to the identity itself:
    managed policies by ARN, inline ones by name."""
    out = []
    for arn in identity.attached_policy_arns:
        policy = account.managed_policies.get(arn)
        if policy is not None:
            out.append((arn, policy.document, policy.updated_at))
    inline: Sequence[InlinePolicy] = identity.inline_policies
    out.extend((p.name, p.document, None) for p in inline)
    return out


def recommend(identity: Identity, account: AccountActivity, finding_details: Iterable[dict],
              validator: Validator = validate_identity_policy) -> Recommendation:
    unused = UnusedSet.from_details(finding_details)
    out = Recommendation()
    for policy_id, document, updated_at in own_policies(identity, account):
        steps, problem = recommend_policy(policy_id, document, updated_at, unused, identity.account_id, validator)
        out.steps.extend(steps)
        if problem is not None:
            out.problems.append(problem)
    return out
