"""Refinement: a generated policy checked against the principal's existing policy, with proof.

1. ``check_no_new_access(generated, existing)``: PASS proves the generated policy grants
   nothing the existing one does not, and the generated policy is kept as it is.
2. Otherwise (typically: denied calls, which the existing policy never allowed) the generated
   policy is intersected with the existing one, statement by statement: each generated
   (action, resources) pair keeps only what an existing Allow statement grants (its Resource
   patterns, its Condition), and the existing Deny statements are appended. The response says
   so (``intersected``) and lists what the intersection dropped.
3. The result is checked again; a statement the check still names is dropped, until PASS.

What the generated policy removes is reported per service: the actions the existing Allow
statements grant that the recorded activity never used.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from ..catalog import Catalog
from ..policy.wildcards import pattern_covers, wildcard_match
from .. import checks
from ..checks import IDENTITY_POLICY, PASS
from .policy import MAX_POLICY_CHARS, VERSION, policy_size

MAX_ROUNDS = 10
MAX_LISTED_ACTIONS = 50


class ExistingPolicyError(ValueError):
    """The existing policy is not a policy accessproof can read."""


@dataclass
class Refinement:
    documents: list[dict]
    result: str  # PASS | FAIL: check_no_new_access(final generated, existing)
    message: str
    intersected: bool
    dropped: list[dict] = field(default_factory=list)  # generated (action, resources) the intersection removed
    removed: dict = field(default_factory=dict)  # actions the existing policy grants and the activity did not use

    def as_dict(self) -> dict:
        return {"checkNoNewAccess": {"result": self.result, "message": self.message},
                "intersected": self.intersected, "droppedFromGenerated": self.dropped,
                "removedFromExisting": self.removed}


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statements(document: dict) -> list[dict]:
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def parse_existing(text: str) -> dict:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExistingPolicyError(f"existing policy is not valid JSON: {e}") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise ExistingPolicyError("existing policy has no Statement")
    return document


def merged(documents: list[dict]) -> dict:
    return {"Version": VERSION, "Statement": [s for d in documents for s in _statements(d)]}


def _action_matches(statement: dict, action: str) -> bool:
    if "Action" in statement:
        return any(wildcard_match(p, action, ignore_case=True) for p in _as_list(statement["Action"]) if isinstance(p, str))
    if "NotAction" in statement:
        return not any(wildcard_match(p, action, ignore_case=True) for p in _as_list(statement["NotAction"]) if isinstance(p, str))
    return False


def _intersect_resources(generated: list[str], granted: list[str]) -> list[str]:
    """Patterns matching exactly the resources both lists match (prefix-style wildcards)."""
    out: set[str] = set()
    for g in generated:
        for e in granted:
            if pattern_covers(e, g):
                out.add(g)
            elif pattern_covers(g, e):
                out.add(e)
    return sorted(out)


def intersect(generated: dict, existing: dict) -> tuple[list[dict], list[dict]]:
    """Generated ∩ existing as statements, and the generated pairs that found no counterpart."""
    allows = [s for s in _statements(existing) if s.get("Effect") == "Allow" and "Resource" in s]
    denies = [s for s in _statements(existing) if s.get("Effect") == "Deny"]
    out: list[dict] = []
    dropped: list[dict] = []
    for statement in _statements(generated):
        resources = [r for r in _as_list(statement.get("Resource")) if isinstance(r, str)]
        for action in _as_list(statement.get("Action")):
            kept = False
            for allow in allows:
                if not _action_matches(allow, action):
                    continue
                granted = [r for r in _as_list(allow["Resource"]) if isinstance(r, str)]
                both = _intersect_resources(resources, granted)
                if not both:
                    continue
                piece: dict = {"Effect": "Allow", "Action": action, "Resource": both if len(both) > 1 else both[0]}
                if "Condition" in allow:
                    piece["Condition"] = allow["Condition"]
                out.append(piece)
                kept = True
            if not kept:
                dropped.append({"action": action, "resources": resources})
    for i, deny in enumerate(denies):
        copy = {k: v for k, v in deny.items() if k != "Sid"}
        out.append({"Sid": f"ExistingDenySid{i}", **copy})
    return _regroup(out), dropped


def _regroup(statements: list[dict]) -> list[dict]:
    """Allow pieces with equal Resource and Condition merged into one statement each."""
    groups: dict[str, dict] = {}
    rest: list[dict] = []
    for s in statements:
        if s.get("Effect") != "Allow":
            rest.append(s)
            continue
        key = json.dumps([s["Resource"], s.get("Condition")], sort_keys=True)
        group = groups.setdefault(key, {"Effect": "Allow", "Action": [], "Resource": s["Resource"],
                                        **({"Condition": s["Condition"]} if "Condition" in s else {})})
        if s["Action"] not in group["Action"]:
            group["Action"].append(s["Action"])
    allowed = []
    for i, g in enumerate(groups.values()):
        actions = sorted(g["Action"], key=str.lower)
        allowed.append({"Sid": f"RefinedSid{i}", **g, "Action": actions if len(actions) > 1 else actions[0]})
    return allowed + rest


def split_statements(statements: list[dict], limit: int = MAX_POLICY_CHARS) -> list[dict]:
    documents: list[dict] = []
    current: list[dict] = []
    for s in statements:
        if current and policy_size({"Version": VERSION, "Statement": current + [s]}) > limit:
            documents.append({"Version": VERSION, "Statement": current})
            current = []
        current.append(s)
    if current:
        documents.append({"Version": VERSION, "Statement": current})
    return documents


def removed_actions(generated: dict, existing: dict, catalog: Catalog) -> dict:
    """Actions the existing Allow statements grant and the generated policy does not."""
    used = {a.lower() for s in _statements(generated) for a in _as_list(s.get("Action"))}
    granted: set[str] = set()
    all_but = False
    for s in _statements(existing):
        if s.get("Effect") != "Allow":
            continue
        if "NotAction" in s:
            all_but = True
            continue
        for pattern in _as_list(s.get("Action")):
            if isinstance(pattern, str):
                granted.update(a.full_name for a in catalog.match_actions(pattern))
    removed = sorted(a for a in granted if a.lower() not in used)
    per_service = Counter(a.split(":", 1)[0] for a in removed)
    out: dict = {"count": len(removed), "byService": dict(sorted(per_service.items()))}
    out["actions"] = removed[:MAX_LISTED_ACTIONS]
    if len(removed) > MAX_LISTED_ACTIONS:
        out["truncated"] = True
    if all_but:
        out["note"] = "the existing policy also grants through NotAction; those actions are not listed"
    return out


@dataclass(frozen=True)
class _Check:
    result: str  # PASS | FAIL | UNDECIDED
    message: str
    named: frozenset[int]  # statements the FAIL names


def _check(statements: list[dict], existing_text: str) -> _Check:
    document = json.dumps({"Version": VERSION, "Statement": statements})
    undecided = getattr(checks, "CheckUndecided", ())
    try:
        found = checks.check_no_new_access(document, existing_text, IDENTITY_POLICY)
    except undecided as e:  # type: ignore[misc]
        return _Check("UNDECIDED", str(e), frozenset())
    return _Check(found.result, found.message,
                  frozenset(r["statementIndex"] for r in found.reasons if "statementIndex" in r))


def _keep_proven(statements: list[dict], existing_text: str, dropped: list[dict]) -> list[dict]:
    """Statement by statement (with the existing Deny statements): keep those proven."""
    denies = [s for s in statements if s.get("Effect") == "Deny"]
    kept = []
    for s in statements:
        if s.get("Effect") == "Deny" or _check([s] + denies, existing_text).result == PASS:
            kept.append(s)
        else:
            dropped.append({"action": s.get("Action"), "resources": _as_list(s.get("Resource")),
                            "reason": "not proven within the existing policy"})
    return kept


def refine(documents: list[dict], existing_text: str, catalog: Catalog) -> Refinement:
    existing = parse_existing(existing_text)
    generated = merged(documents)
    removed = removed_actions(generated, existing, catalog) if documents else {"count": 0}
    if not documents:
        return Refinement([], PASS, "Nothing was generated, so nothing new is granted.", False, [], removed)
    first = _check(generated["Statement"], existing_text)
    if first.result == PASS:
        return Refinement(documents, first.result, first.message, False, [], removed)
    statements, dropped = intersect(generated, existing)
    result = first
    for _ in range(MAX_ROUNDS):
        if not statements:
            break
        result = _check(statements, existing_text)
        if result.result == PASS:
            break
        named = result.named
        if not named:
            statements = _keep_proven(statements, existing_text, dropped)
            result = _check(statements, existing_text) if statements else result
            break
        for index in sorted(named, reverse=True):
            s = statements.pop(index)
            dropped.append({"action": s.get("Action"), "resources": _as_list(s.get("Resource")),
                            "reason": "still new access after intersection"})
    if not [s for s in statements if s.get("Effect") == "Allow"]:
        return Refinement([], PASS, "The existing policy grants none of the recorded activity; nothing is kept.",
                          True, dropped, removed)
    return Refinement(split_statements(statements), result.result, result.message, True, dropped, removed)
