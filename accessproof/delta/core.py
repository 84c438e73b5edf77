"""The access delta of two policies: every catalog action the new policy allows on some request the
old one does not (and the reverse: access removed), each with a witness request the concrete
evaluator replays.

How (exact, and fast on large policies): one symbolic session over both policies, with the
reading of the custom checks (``checks.common``: an identity policy's caller is a user of its
account, a resource policy's caller any principal of another account) and the requests AWS can
receive (``reason.requests``). The session groups catalog actions into *action classes*: actions
that every action pattern of both policies treats alike and that act on the same resource types,
plus the *untouched* actions that no pattern names. Then, repeatedly: ask for a request the new
policy grants and the old one does not (a witness the evaluator replays); list every member of the
witness's class with that witness (replayed with the member's action) and exclude the class from
further answers — or, for an untouched action, replay each untouched catalog action on the
plainest resources of its types and treat the listed ones as named from then on. Every few rounds
a sweep replays the plainest request of every remaining class with the latest witness's principal
and context, confirming most classes without the solver. When the solver answers
*unsatisfiable*, no other catalog action has new access: the list is complete (a proof, as a
check's PASS). A class member whose swapped witness does not replay is listed under
``unconfirmed`` rather than dropped (never observed on the managed-policy corpus).
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
from ..reason import Concrete, Encoder, conj, neg, opaque_keys
from ..reason.requests import service_actions
from ..reason.solver import _NOT_YET, Undecided
from ..runtime import cycle_collection_off

MAX_CLASSES = 100_000
MAX_ROUNDS = 50_000  # refinement rounds of one question (a "*" action on one ARN blocks a service per round)
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
    complete: bool = True  # False: the last question was answered "unsure" (a condition not settled exactly)

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
        return bool(self.added.actions or self.removed.actions or self.added.unconfirmed or self.removed.unconfirmed
                    or not self.added.complete or not self.removed.complete)

    def as_dict(self) -> dict:
        def side(s: Side) -> dict:
            return {"count": len(s.actions),
                    "services": {svc: {rt: [a.as_dict() for a in acts] for rt, acts in types.items()}
                                 for svc, types in s.grouped().items()},
                    "unconfirmed": list(s.unconfirmed), "complete": s.complete}
        out = {"policyType": self.policy_type, "added": side(self.added), "removed": side(self.removed)}
        if self.policy_type == RESOURCE_POLICY:
            out["newPrincipals"] = list(self.new_principals)
            out["removedPrincipals"] = list(self.removed_principals)
        return out


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


def _one_side(new: CompiledPolicy, old: CompiledPolicy, policy_type: str, samples: tuple[str, ...] = ()) -> Side:
    """``samples``: resource strings the policies name (wildcards made concrete), tried by the sweeps."""
    encoder = Encoder(opaque_keys((new, old)))
    grants_new, grants_old = caller_grants(encoder, new, policy_type), caller_grants(encoder, old, policy_type)
    term = conj([grants_new, neg(grants_old)])

    def fresh_session():
        """A session with the classes and untouched actions listed so far excluded. A session that
        once blocked an opaque valuation answers "unsure" ever after; a fresh one does not."""
        made = _session([new, old], [grants_new, grants_old], policy_type, encoder, False)
        made.solver.add(z3.Not(made.unknown_action))  # catalog actions only
        for index in blocked:
            made.solver.add(z3.Not(made.act(index)))
        made.touched = frozenset(made.touched | {k for k in found if k not in made.touched})
        return made

    def accept(c: Concrete) -> bool:
        return replay(new, c, policy_type).allowed and not replay(old, c, policy_type).allowed

    found: dict[str, ActionAccess] = {}
    unconfirmed: list[str] = []
    blocked: set[int] = set()
    rounds = 0
    session = None

    def record(candidate: Concrete) -> None:
        found[candidate.action.lower()] = ActionAccess(candidate.action, candidate.action.partition(":")[0],
                                                       _type_of(candidate.action, candidate.resource),
                                                       witness_dict(candidate))

    def candidates(types: tuple, witness: Concrete) -> list[str]:
        if not types:
            return list(dict.fromkeys(["*", witness.resource, *samples]))
        out = [language.example for language in types]
        out += [r for r in (witness.resource, *samples) if any(language.accepts(r) for language in types)]
        return list(dict.fromkeys(out))

    def try_action(name: str, types: tuple, witness: Concrete) -> bool:
        for resource in candidates(types, witness):
            candidate = replace(witness, action=name, resource=resource)
            if accept(candidate):
                record(candidate)
                return True
        return False

    def block_class(index: int, witness: Concrete) -> None:
        """Every member of the class, with the witness's principal, context and resource (the
        members act on the same types), then the class is excluded from further answers."""
        for member in session.classes[index].actions:
            if member.name.lower() not in found and not accept(replace(witness, action=member.name)):
                unconfirmed.append(member.name)
            elif member.name.lower() not in found:
                record(replace(witness, action=member.name))
        blocked.add(index)
        session.solver.add(z3.Not(session.act(index)))

    def sweep_classes(witness: Concrete) -> None:
        """Classes whose plainest requests replay with this witness's principal and context:
        confirmed without asking the solver."""
        for index, cls in enumerate(session.classes):
            if index in blocked:
                continue
            first = cls.actions[0].name
            if first.lower() in found or try_action(first, cls.resource_types, witness):
                block_class(index, replace(witness, resource=found[first.lower()].witness["resource"]))

    def sweep_untouched(witness: Concrete, names: Optional[set[str]] = None) -> None:
        """Catalog actions no pattern names (they differ only by their resource types): each one
        whose request replays is listed; the session then treats the listed ones as named, so that
        its answers about the untouched actions are about the others only."""
        for prefix in sorted(default_catalog().service_prefixes):
            for lower, action in service_actions(prefix).items():
                if lower in session.touched or lower in found or (names is not None and lower not in names):
                    continue
                try_action(action.name, action.resource_types, witness)
        session.touched = frozenset(session.touched | {k for k in found})
        session._typeless = _NOT_YET

    session = fresh_session()
    untouched_swept = False
    retried = False
    complete = True
    for round_number in range(MAX_CLASSES):
        try:
            outcome = session.solve(term, accept, max_rounds=MAX_ROUNDS)
        except Undecided as e:
            raise CheckUndecided(f"accessproof could not decide the access delta: {e}") from None
        rounds += outcome.rounds
        witness = outcome.witness
        if witness is None:
            if outcome.unsure and not retried:
                retried = True
                session = fresh_session()
                continue
            complete = not outcome.unsure
            break
        retried = False
        record(witness)
        index = _class_index(session, witness.action)
        if index is not None:
            block_class(index, witness)
        else:
            sweep_untouched(witness, None if not untouched_swept else {witness.action.lower()})
            untouched_swept = True
        if round_number % SWEEP_EVERY == 0:
            sweep_classes(witness)
    else:
        raise CheckUndecided("accessproof could not enumerate the access delta: too many action classes")
    unconfirmed = [name for name in unconfirmed if name.lower() not in found]
    return Side(tuple(sorted(found.values(), key=lambda a: a.action)), tuple(sorted(set(unconfirmed))), rounds,
                complete)


def _class_index(session, action: str) -> Optional[int]:
    lower = action.lower()
    index = getattr(session, "_delta_index", None)
    if index is None:
        index = {a.name.lower(): i for i, cls in enumerate(session.classes) for a in cls.actions}
        session._delta_index = index
    return index.get(lower)


def _resource_samples(document: object) -> set[str]:
    """The Resource strings of a policy with their wildcards filled in ("x")."""
    out: set[str] = set()
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for element in ("Resource", "NotResource"):
            values = statement.get(element, [])
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and value != "*":
                    out.add(value.replace("*", "x").replace("?", "x"))
    return out


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
    samples = tuple(sorted(_resource_samples(json.loads(old_text)) | _resource_samples(json.loads(new_text))))
    added = _one_side(new, old, policy_type, samples)
    removed = _one_side(old, new, policy_type, samples)
    new_principals: tuple[str, ...] = ()
    removed_principals: tuple[str, ...] = ()
    if policy_type == RESOURCE_POLICY:
        before, after = _principal_values(json.loads(old_text)), _principal_values(json.loads(new_text))
        new_principals, removed_principals = tuple(sorted(after - before)), tuple(sorted(before - after))
    return PolicyDelta(policy_type, added, removed, new_principals, removed_principals)


__all__ = ["ActionAccess", "CheckInputError", "CheckUndecided", "IDENTITY_POLICY", "PolicyDelta", "RESOURCE_POLICY",
           "Side", "policy_delta"]
