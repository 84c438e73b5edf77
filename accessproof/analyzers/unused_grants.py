"""Which actions do an identity's policies actually grant? (the unused access analyzer's question)

"Granted" means: some request for the action is allowed by the identity-based policies together
(an Allow matches and no Deny does), for a caller of the policies' account. Not string matching:

1. Candidates: the catalog's actions that each Allow statement's ``Action`` patterns denote
   (``catalog.match_actions``: ``s3:*``, ``s3:Get*``, ``*``), or every catalog action for a
   ``NotAction`` statement, kept when the evaluator's own compiled matcher of the statement
   accepts them.
2. Each Allow statement, alone, is asked of the symbolic engine for a request it allows (its
   resources and conditions satisfiable); the answer is a concrete witness request.
3. A candidate action is granted when that witness, with the action swapped in, is allowed by
   the *whole* policy set, replayed through ``accessproof.evaluate`` — so a Deny elsewhere or a
   condition that the action changes is taken into account. When the replay refuses, the engine
   is asked directly for a request with exactly this action that the whole set allows.

Every granted action is thus backed by a request that the concrete evaluator allowed. The
result depends only on the policy texts, so it is cached by their content hash: an organization's
roles mostly share their managed policies.

CHOICE (AWS is silent): the caller is an IAM user of the account, and context keys (even
``aws:PrincipalArn``) take any value the conditions allow, as in CheckAccessNotGranted — so an
action counts as granted if some request could be allowed. Permissions boundaries, SCPs and resource policies are not applied —
AWS's last-accessed data, the signal of the unused access analyzer, covers identity-based
policies ("last accessed information ... for identity-based policies", IAM User Guide).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ..catalog import default_catalog
from ..catalog.service_reference import Action
from ..evaluate import IDENTITY, CompiledPolicy, MalformedPolicy, PolicySet, Request, compile_policy_text, evaluate, parse_principal
from ..evaluate.matching import CompiledStatement
from ..reason import ACTION, Concrete, Encoder, Matches, Session, Undecided, action_pattern, conj, disj, neg, opaque_condition_map, opaque_keys
from ..reason import service_rule_terms
from ..reason.terms import FALSE

WITNESS_USER = "accessproof-unused-witness"


@dataclass(frozen=True)
class Grants:
    """The granted actions, by lower-case service namespace (catalog spelling of each action)."""

    by_service: Mapping[str, frozenset[str]]
    errors: tuple[str, ...] = ()  # policies that could not be read, one line each

    def granted(self, action: str) -> bool:
        return action in self.by_service.get(action.split(":", 1)[0].lower(), frozenset())

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_service))

    def common_with(self, other: "Grants") -> "Grants":
        """The actions both grant (the unused analyzer: granted now and at the tracking period's start)."""
        common = {service: actions & other.by_service.get(service, frozenset())
                  for service, actions in self.by_service.items()}
        return Grants({service: actions for service, actions in common.items() if actions}, self.errors)

    def without(self, other: "Grants") -> frozenset[str]:
        """The actions this grants and ``other`` does not."""
        return frozenset(a for service, actions in self.by_service.items()
                         for a in actions - other.by_service.get(service, frozenset()))


def caller_for(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:user/{WITNESS_USER}"


def content_key(documents: Sequence[str], account_id: str) -> str:
    material = json.dumps([account_id, sorted(_canonical(d) for d in documents)], separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()


def _canonical(document: str) -> str:
    try:
        return json.dumps(json.loads(document), sort_keys=True, separators=(",", ":"))
    except json.JSONDecodeError:
        return document


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _raw_statements(document: str) -> list[dict]:
    statements = json.loads(document).get("Statement", [])
    return [s for s in _as_list(statements) if isinstance(s, dict)]


def statement_matches(statement: CompiledStatement, action: Action) -> bool:
    """The evaluator's Action/NotAction test of one statement for one catalog action."""
    full = action.full_name
    hit = statement.actions.matches(full.lower(), action.service.lower(), action.name.lower())
    return hit != statement.not_action


def candidate_actions(raw: Mapping, compiled: CompiledStatement) -> list[Action]:
    """The catalog actions an Allow statement can grant."""
    catalog = default_catalog()
    if compiled.not_action:
        patterns = ["*"]
    else:
        patterns = [p for p in _as_list(raw.get("Action")) if isinstance(p, str)]
    found: dict[str, Action] = {}
    for pattern in patterns:
        for action in catalog.match_actions(pattern):
            if statement_matches(compiled, action):
                found[action.full_name] = action
    return list(found.values())


class _Prover:
    """The engine, set up once per policy set."""

    def __init__(self, policies: Sequence[CompiledPolicy], caller: str):
        self.policies = tuple(policies)
        self.caller = caller
        self.principal = parse_principal(caller)
        self.encoder = Encoder(opaque_keys(self.policies))
        self.grants = conj([disj([self.encoder.allows(p) for p in self.policies]),
                            neg(disj([self.encoder.denies(p) for p in self.policies]))])
        # The principal acts in its own account: the evaluator's service rules apply to it.
        self.never = FALSE
        if self.principal.is_iam_identity:
            self.grants = self.encoder.own_account(self.grants, self.principal.is_service_linked_role)
            self.never = service_rule_terms(self.principal.is_service_linked_role)[1]

    def allowed(self, action: str, resource: str, context: Mapping) -> bool:
        request = Request(self.principal, action, resource, dict(context))
        return evaluate(request, PolicySet(identity=self.policies), explain=False).allowed

    def accept(self, concrete: Concrete) -> bool:
        return self.allowed(concrete.action, concrete.resource, concrete.context)

    def statement_witness(self, policy: CompiledPolicy, index: int) -> Optional[Concrete]:
        """A request the statement alone allows (its own resources and conditions)."""
        term = conj([self.encoder.allows(policy, only=index), neg(self.never)])
        session = Session([term], self.caller, opaque_condition_map([policy]))
        single = PolicySet(identity=(policy,))

        def alone(c: Concrete) -> bool:
            decision = evaluate(Request(self.principal, c.action, c.resource, dict(c.context)), single, explain=True)
            return any(m.statement.index == index and m.policy is policy for m in decision.matched) and \
                any(m.statement.allow for m in decision.matched)

        try:
            return session.solve(term, alone).witness
        except Undecided:
            return None

    def action_witnesses(self, actions: Sequence[str]) -> dict[str, Concrete]:
        """For each action, a request with that action the whole set allows (engine, then replay)."""
        if not actions:
            return {}
        wanted = {a: Matches(ACTION, action_pattern(a)) for a in actions}
        session = Session([self.grants, *wanted.values()], self.caller, opaque_condition_map(self.policies))
        out = {}
        for action, atom in wanted.items():
            try:
                outcome = session.solve(conj([self.grants, atom]),
                                        lambda c, a=action: c.action.lower() == a.lower() and self.accept(c))
            except Undecided:
                continue
            if outcome.witness is not None:
                out[action] = outcome.witness
        return out


def compile_policies(policies: Sequence[tuple[str, str]]) -> tuple[list[tuple[CompiledPolicy, str]], list[str]]:
    """(compiled policy, its text) of each readable policy, and a line for each unreadable one."""
    compiled, errors = [], []
    for policy_id, document in policies:
        try:
            compiled.append((compile_policy_text(document, policy_id, IDENTITY), document))
        except MalformedPolicy as e:
            errors.append(str(e))
    return compiled, errors


# The caller's account, renamed to this in the policies and the caller alike before solving: a
# consistent renaming of one account id changes no decision, and lets accounts that share their
# policies (landing zones) share one analysis.
CANONICAL_ACCOUNT = "000000000000"
_CACHE_SIZE = 4096
_cache: dict[str, Grants] = {}


def granted_actions(policies: Sequence[tuple[str, str]], account_id: str) -> Grants:
    """The actions the (id, document) policies grant together; cached by content."""
    if all(CANONICAL_ACCOUNT not in document for _, document in policies):
        policies = [(policy_id, document.replace(account_id, CANONICAL_ACCOUNT)) for policy_id, document in policies]
        account_id = CANONICAL_ACCOUNT
    key = content_key([d for _, d in policies], account_id)
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        found = _cache[key] = _grants(policies, account_id)
    return found


def _grants(policies: Sequence[tuple[str, str]], account_id: str) -> Grants:
    compiled, errors = compile_policies(policies)
    prover = _Prover([policy for policy, _ in compiled], caller_for(account_id))
    granted: dict[str, set[str]] = {}
    refused: dict[str, Action] = {}
    for policy, document in compiled:
        raws = _raw_statements(document)
        for statement in policy.statements:
            if not statement.allow:
                continue
            raw = raws[statement.index] if statement.index < len(raws) else {}
            candidates = candidate_actions(raw, statement)
            if not candidates:
                continue
            witness = prover.statement_witness(policy, statement.index)
            if witness is None:
                continue  # the statement allows nothing (e.g. contradictory conditions)
            for action in candidates:
                name = action.full_name
                if name in granted.get(action.service.lower(), ()):
                    continue
                if prover.allowed(name, witness.resource, witness.context):
                    granted.setdefault(action.service.lower(), set()).add(name)
                    refused.pop(name, None)
                else:
                    refused[name] = action
    confirmed = prover.action_witnesses(sorted(refused))
    for name in confirmed:
        granted.setdefault(refused[name].service.lower(), set()).add(name)
    return Grants({service: frozenset(actions) for service, actions in granted.items()}, tuple(errors))

