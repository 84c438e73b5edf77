"""The access delta of two policies: every catalog action the new policy allows on some request the
old one does not (and the reverse: access removed), each with a witness request the concrete
evaluator replays.

How (exact, and fast on large policies): one symbolic session over both policies (the reading of
the custom checks, ``checks.common``: an identity policy's caller is a user of its account, a
resource policy's caller any principal of another account), with one extra action pattern per
catalog service (``svc:*``), so that the session's *action classes* — catalog actions that every
action pattern of the query treats alike and that act on the same resource types — never mix
services. Then, repeatedly: ask for a request the new policy grants and the old one does not;
the witness's class is examined member by member (the witness with the member's action, replayed
by the evaluator: a confirmed member is listed with that witness) and the class is excluded from
further answers. When the solver answers *unsatisfiable*, no other catalog action has new access:
the list is complete (a proof, as a check's PASS). A class member whose swapped witness does not
replay is asked for individually (``string`` atoms cannot name it, so it is listed under
``unconfirmed`` — never observed on the managed-policy corpus — rather than dropped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Optional

import z3

from ..catalog import default_catalog
from ..checks.common import (
    IDENTITY_POLICY, RESOURCE_POLICY, CheckInputError, CheckUndecided, _compile, _session, caller_grants, replay,
    witness_dict,
)
from ..evaluate import CompiledPolicy
from ..reason import ACTION, Concrete, Encoder, Matches, action_pattern, conj, neg, opaque_keys
from ..reason.requests import service_actions
from ..reason.solver import Undecided
from ..runtime import cycle_collection_off

MAX_CLASSES = 100_000
SWEEP_EVERY = 25  # rounds between two sweeps of the remaining classes (see ``_one_side``)


@dataclass(frozen=True)
class ActionAccess:
    """One catalog action with a witness request (principal, action, resource, context)."""

    action: str
    service: str
    resource_type: str  # the witness resource's type key ("object", "bucket"; "*" for none)
    witness: dict

    def as_dict(self) -> dict:
        return {"action": self.action, "service": self.service, "resourceType": self.resource_type,
                "witness": self.witness}


@dataclass(frozen=True)
class Side:
    """The actions one policy allows and the other does not."""

    actions: tuple[ActionAccess, ...]
    unconfirmed: tuple[str, ...] = ()
    solver_rounds: int = 0

    def names(self) -> frozenset[str]:
        return frozenset(a.action for a in self.actions)

    def grouped(self) -> dict[str, dict[str, list[ActionAccess]]]:
        """service → resource type → actions (sorted)."""
        out: dict[str, dict[str, list[ActionAccess]]] = {}
        for access in sorted(self.actions, key=lambda a: (a.service, a.resource_type, a.action)):
            out.setdefault(access.service, {}).setdefault(access.resource_type, []).append(access)
        return out


@dataclass(frozen=True)
class PolicyDelta:
    policy_type: str
    added: Side
    removed: Side
    new_principals: tuple[str, ...] = ()
    removed_principals: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.added.actions or self.removed.actions or self.added.unconfirmed or self.removed.unconfirmed)

    def as_dict(self) -> dict:
        def side(s: Side) -> dict:
            return {"count": len(s.actions),
                    "services": {svc: {rt: [a.as_dict() for a in acts] for rt, acts in types.items()}
                                 for svc, types in s.grouped().items()},
                    "unconfirmed": list(s.unconfirmed)}
        out = {"policyType": self.policy_type, "added": side(self.added), "removed": side(self.removed)}
        if self.policy_type == RESOURCE_POLICY:
            out["newPrincipals"] = list(self.new_principals)
            out["removedPrincipals"] = list(self.removed_principals)
        return out


@lru_cache(maxsize=1)
def _service_patterns() -> tuple:
    return tuple(Matches(ACTION, action_pattern(f"{prefix}:*")) for prefix in sorted(default_catalog().service_prefixes))


@lru_cache(maxsize=None)
def _type_of(action: str, resource: str) -> str:
    """The key of the resource type of ``action`` that ``resource`` belongs to ("*": none)."""
    prefix = action.partition(":")[0].lower()
    catalog_action = service_actions(prefix).get(action.lower())
    if catalog_action is None or not catalog_action.resource_types:
        return "*"
    for language in catalog_action.resource_types:
        if language.accepts(resource):
            return language.key.partition("/")[2] or language.key
    return "?"


def _one_side(new: CompiledPolicy, old: CompiledPolicy, policy_type: str) -> Side:
    encoder = Encoder(opaque_keys((new, old)))
    grants_new, grants_old = caller_grants(encoder, new, policy_type), caller_grants(encoder, old, policy_type)
    session = _session([new, old], [grants_new, grants_old, *_service_patterns()], policy_type, encoder, False)
    session.solver.add(z3.Not(session.unknown_action))  # catalog actions only
    term = conj([grants_new, neg(grants_old)])

    def accept(c: Concrete) -> bool:
        return replay(new, c, policy_type).allowed and not replay(old, c, policy_type).allowed

    found: dict[str, ActionAccess] = {}
    unconfirmed: list[str] = []
    blocked: set[int] = set()
    rounds = 0

    def confirm(index: int, witness: Concrete, resource: Optional[str] = None) -> bool:
        """Every member of class ``index`` with the witness's principal and context (and its
        resource, or ``resource``); True when at least one member replays."""
        any_confirmed = False
        for member in (a.name for a in session.classes[index].actions):
            if member.lower() in found:
                continue
            candidate = replace(witness, action=member, resource=resource or witness.resource)
            if accept(candidate):
                found[member.lower()] = ActionAccess(member, member.partition(":")[0],
                                                     _type_of(member, candidate.resource), witness_dict(candidate))
                any_confirmed = True
        return any_confirmed

    def sweep(witness: Concrete) -> None:
        """Classes whose plainest request (an example ARN of a type, or "*") replays with this
        witness's principal and context: confirmed without asking the solver."""
        for index, cls in enumerate(session.classes):
            if index in blocked:
                continue
            resources = [language.example for language in cls.resource_types] or ["*"]
            for resource in resources:
                if accept(replace(witness, action=cls.actions[0].name, resource=resource)):
                    confirm(index, witness, resource)
                    unconfirmed.extend(a.name for a in cls.actions if a.name.lower() not in found)
                    blocked.add(index)
                    session.solver.add(z3.Not(session.act(index)))
                    break

    for round_number in range(MAX_CLASSES):
        try:
            outcome = session.solve(term, accept)
        except Undecided as e:
            raise CheckUndecided(f"accessproof could not decide the access delta: {e}") from None
        rounds += outcome.rounds
        witness = outcome.witness
        if witness is None:
            if outcome.unsure:
                raise CheckUndecided("accessproof could not decide the access delta: a condition could not be "
                                     "settled exactly and no witness request was found")
            break
        index = _class_index(session, witness.action)
        if index is None:
            raise CheckUndecided(f"accessproof could not place {witness.action} in an action class")
        found[witness.action.lower()] = ActionAccess(witness.action, witness.action.partition(":")[0],
                                                     _type_of(witness.action, witness.resource), witness_dict(witness))
        confirm(index, witness)
        unconfirmed.extend(a.name for a in session.classes[index].actions if a.name.lower() not in found)
        blocked.add(index)
        session.solver.add(z3.Not(session.act(index)))
        if round_number % SWEEP_EVERY == 0:
            sweep(witness)
    else:
        raise CheckUndecided("accessproof could not enumerate the access delta: too many action classes")
    return Side(tuple(sorted(found.values(), key=lambda a: a.action)), tuple(sorted(set(unconfirmed))), rounds)


def _class_index(session, action: str) -> Optional[int]:
    lower = action.lower()
    index = getattr(session, "_delta_index", None)
    if index is None:
        index = {a.name.lower(): i for i, cls in enumerate(session.classes) for a in cls.actions}
        session._delta_index = index
    return index.get(lower)


def _principal_values(document: object) -> set[str]:
    out: set[str] = set()
    if not isinstance(document, dict):
        return out
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            out.add("*")
        elif isinstance(principal, dict):
            for kind, values in principal.items():
                for value in values if isinstance(values, list) else [values]:
                    out.add(f"{kind}:{value}")
    return out


@cycle_collection_off
def policy_delta(old_text: str, new_text: str, policy_type: str) -> PolicyDelta:
    """The access delta from ``old_text`` to ``new_text`` (policies of ``policy_type``)."""
    new = _compile(new_text, "new policy", policy_type)
    old = _compile(old_text, "old policy", policy_type)
    added = _one_side(new, old, policy_type)
    removed = _one_side(old, new, policy_type)
    new_principals: tuple[str, ...] = ()
    removed_principals: tuple[str, ...] = ()
    if policy_type == RESOURCE_POLICY:
        before, after = _principal_values(json.loads(old_text)), _principal_values(json.loads(new_text))
        new_principals, removed_principals = tuple(sorted(after - before)), tuple(sorted(before - after))
    return PolicyDelta(policy_type, added, removed, new_principals, removed_principals)


__all__ = ["ActionAccess", "CheckInputError", "CheckUndecided", "IDENTITY_POLICY", "PolicyDelta", "RESOURCE_POLICY",
           "Side", "policy_delta"]
