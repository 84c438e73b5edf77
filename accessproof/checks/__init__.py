"""Custom policy checks: CheckNoNewAccess and CheckAccessNotGranted, on top of ``reason``.

What "a policy grants a request" means here (AWS documents the checks, not this detail):
the policy alone allows it — some Allow statement matches and no Deny statement does. For an
identity policy the caller is an IAM user of the policy's account; for a resource policy the
caller is any principal, taken from another account than the resource's and assumed to be
allowed by its own identity policies, so that the resource policy decides (a principal value
naming an account, a role or the caller itself all count). Every FAIL's witness is replayed
through ``accessproof.evaluate`` under exactly that reading before it is reported.

A FAIL means "might allow" (AWS: "If the result is FAIL, the updated policy might allow new
access"); accessproof reports FAIL without a witness only when its encoding could not settle a
question exactly (the message says so). A PASS is a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..evaluate import (
    IDENTITY, RESOURCE, CompiledPolicy, MalformedPolicy, PolicySet, Request, compile_policy_text, evaluate,
    parse_principal,
)
from ..reason import (
    ACTION, RESOURCE as RESOURCE_DIM, Concrete, Encoder, Matches, Session, Undecided, action_pattern, conj, disj, neg,
    opaque_condition_map, opaque_keys, resource_pattern,
)

IDENTITY_POLICY = "IDENTITY_POLICY"
RESOURCE_POLICY = "RESOURCE_POLICY"
POLICY_TYPES = (IDENTITY_POLICY, RESOURCE_POLICY)
PASS, FAIL = "PASS", "FAIL"
IDENTITY_CALLER = "arn:aws:iam::123456789012:user/accessproof-witness"
MAX_ACCESS_ITEMS = 1
# Refinement rounds spent on naming one more statement of an already witnessed FAIL; past this
# the statement is named conservatively (the result itself does not depend on it).
REASON_ROUNDS = 60
MAX_ACTIONS = 100
MAX_RESOURCES = 100
UNSURE_NOTE = (" accessproof could not decide this exactly (a condition or policy variable outside its exact "
               "encoding), so it fails conservatively; no witness request was confirmed.")

_ALLOW_ALL = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')


class CheckInputError(ValueError):
    """The check's input is invalid (the API reports it as a ValidationException)."""


@dataclass(frozen=True)
class CheckResult:
    result: str
    message: str
    reasons: tuple[dict, ...]
    witness: Optional[dict]

    def as_dict(self) -> dict:
        out: dict = {"result": self.result, "message": self.message, "reasons": list(self.reasons)}
        if self.witness is not None:
            out["witness"] = self.witness
        return out


def _compile(text: str, name: str, policy_type: str) -> CompiledPolicy:
    if policy_type not in POLICY_TYPES:
        raise CheckInputError(f"policyType must be one of {', '.join(POLICY_TYPES)}")
    if not isinstance(text, str):
        raise CheckInputError(f"{name} must be a string")
    try:
        return compile_policy_text(text, name, IDENTITY if policy_type == IDENTITY_POLICY else RESOURCE)
    except MalformedPolicy as e:
        raise CheckInputError(f"{name} is not a valid policy: {e}") from None


_CALLER_IDENTITY = compile_policy_text(_ALLOW_ALL, "caller-identity", IDENTITY)


def replay_request(concrete: Concrete, policy_type: str) -> Request:
    principal = parse_principal(concrete.principal)
    owner = None
    if policy_type == RESOURCE_POLICY:
        owner = "000000000001" if principal.account == "000000000000" else "000000000000"
    return Request(principal, concrete.action, concrete.resource, dict(concrete.context), owner)


def replay(policy: CompiledPolicy, concrete: Concrete, policy_type: str):
    """The evaluator's decision on the witness under the reading described in the module doc."""
    request = replay_request(concrete, policy_type)
    if policy_type == IDENTITY_POLICY:
        policies = PolicySet(identity=(policy,))
    else:
        policies = PolicySet(identity=(_CALLER_IDENTITY,), resource=policy)
    return evaluate(request, policies, explain=False)


def _allowed_by_statement(policy: CompiledPolicy, concrete: Concrete, policy_type: str, index: Optional[int]) -> bool:
    decision = replay(policy, concrete, policy_type)
    if not decision.allowed:
        return False
    return index is None or any(m.policy is policy and m.statement.index == index for m in decision.matched)


def witness_dict(concrete: Concrete) -> dict:
    context = {key: (list(v.values) if v.multivalued else v.values[0]) for key, v in concrete.context.items()}
    return {"principal": concrete.principal, "action": concrete.action, "resource": concrete.resource,
            "context": context}


def _session(policies: list[CompiledPolicy], terms: list, policy_type: str, encoder: Encoder) -> Session:
    # Every statement's own term is registered, so that per-statement queries use known atoms.
    terms = terms + [encoder.statement_term(p, s) for p in policies for s in p.statements]
    return Session(terms, IDENTITY_CALLER if policy_type == IDENTITY_POLICY else None, opaque_condition_map(policies))


def _reason(description: str, policy: CompiledPolicy, index: int) -> dict:
    reason: dict = {"description": description, "statementIndex": index}
    sid = policy.statements[index].sid
    if sid is not None:
        reason["statementId"] = sid
    return reason


def _statement_reasons(session: Session, encoder: Encoder, policy: CompiledPolicy, rest, accept_rest,
                       policy_type: str, first: Concrete, description: Callable[[int], str],
                       cannot: frozenset[int] = frozenset()) -> list[dict]:
    """Each Allow statement of ``policy`` that, with ``rest``, is satisfiable and replays
    (``cannot``: statements known not to qualify)."""
    def matched_by(witness: Concrete) -> set[int]:
        return {m.statement.index for m in replay(policy, witness, policy_type).matched if m.policy is policy}

    # Every Allow statement that allowed a confirmed witness qualifies; the others are asked one by one.
    qualified = matched_by(first)
    for statement in policy.statements:
        index = statement.index
        if not statement.allow or index in qualified or index in cannot:
            continue
        term = conj([encoder.allows(policy, only=index), neg(encoder.denies(policy)), rest])
        try:
            outcome = session.solve(term, lambda c, i=index: accept_rest(c) and _allowed_by_statement(policy, c, policy_type, i),
                                    max_rounds=REASON_ROUNDS)
        except Undecided:
            qualified.add(index)  # the check's FAIL is already witnessed; name the statement conservatively
            continue
        if outcome.witness is not None:
            qualified |= matched_by(outcome.witness)
        elif outcome.unsure:
            qualified.add(index)  # conservative: it may grant the access
    return [_reason(description(s.index), policy, s.index) for s in policy.statements
            if s.allow and s.index in qualified]


# ------------------------------------------------------------------------ CheckNoNewAccess


def check_no_new_access(newPolicyDocument: str, existingPolicyDocument: str, policyType: str) -> CheckResult:
    new = _compile(newPolicyDocument, "newPolicyDocument", policyType)
    old = _compile(existingPolicyDocument, "existingPolicyDocument", policyType)
    encoder = Encoder(opaque_keys((new, old)))
    grants_new, grants_old = encoder.grants(new), encoder.grants(old)
    session = _session([new, old], [grants_new, grants_old, encoder.allows(new), encoder.denies(new)], policyType, encoder)

    def not_old(c: Concrete) -> bool:
        return not replay(old, c, policyType).allowed

    outcome = session.solve(conj([grants_new, neg(grants_old)]),
                            lambda c: replay(new, c, policyType).allowed and not_old(c))
    if outcome.witness is None and not outcome.unsure:
        return CheckResult(PASS, "The modified permissions do not grant new access compared to your existing policy.",
                           (), None)
    if outcome.witness is None:
        return CheckResult(FAIL, "The modified permissions might grant new access compared to your existing policy." +
                           UNSURE_NOTE, (), None)
    # A statement of the new policy that the existing policy also has, word for word, grants no
    # new access when the existing policy has no Deny: whatever it matches, the existing allows.
    unchanged: frozenset[int] = frozenset()
    if all(s.allow for s in old.statements):
        old_terms = {encoder.statement_term(old, s) for s in old.statements}
        unchanged = frozenset(s.index for s in new.statements if encoder.statement_term(new, s) in old_terms)
    reasons = _statement_reasons(session, encoder, new, neg(grants_old), not_old, policyType, outcome.witness,
                                 lambda i: f"New access in the statement with index: {i}.", unchanged)
    return CheckResult(FAIL, "The modified permissions grant new access compared to your existing policy.",
                       tuple(reasons), witness_dict(outcome.witness))


# ------------------------------------------------------------------- CheckAccessNotGranted

_ARN = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$", re.DOTALL)


def validate_access(access: object) -> tuple[list[str], list[str]]:
    """The actions and resources of the ``access`` argument, checked against the API's limits."""
    if not isinstance(access, list):
        raise CheckInputError("access must be a list")
    if len(access) > MAX_ACCESS_ITEMS:
        raise CheckInputError(f"access must contain at most {MAX_ACCESS_ITEMS} item")
    if not access:
        raise CheckInputError("access must contain one item with actions or resources")
    item = access[0]
    if not isinstance(item, dict) or set(item) - {"actions", "resources"}:
        raise CheckInputError("each access item is an object with 'actions' and/or 'resources'")
    actions = item.get("actions") or []
    resources = item.get("resources") or []
    if not isinstance(actions, list) or not all(isinstance(a, str) and a for a in actions):
        raise CheckInputError("access actions must be a list of non-empty strings")
    if not isinstance(resources, list) or not all(isinstance(r, str) and r for r in resources):
        raise CheckInputError("access resources must be a list of non-empty strings")
    if not actions and not resources:
        raise CheckInputError("access must list at least one action or one resource")
    if len(actions) > MAX_ACTIONS:
        raise CheckInputError(f"access may list at most {MAX_ACTIONS} actions")
    if len(resources) > MAX_RESOURCES:
        raise CheckInputError(f"access may list at most {MAX_RESOURCES} resources")
    for action in actions:
        if ":" not in action:
            raise CheckInputError(f"invalid action {action!r}: expected service:action")
    for resource in resources:
        m = _ARN.match(resource)
        if m is None:
            raise CheckInputError(f"invalid resource {resource!r}: expected an ARN")
        # "You can use wildcards in the resource ID portion of the ARN" (IAM Access Analyzer API
        # Reference, Access): the first five components must be written out.
        if any(ch in part for part in m.groups()[:4] for ch in "*?"):
            raise CheckInputError(f"invalid resource {resource!r}: wildcards are allowed only in the resource ID")
    return actions, resources


def check_access_not_granted(policyDocument: str, access: list, policyType: str) -> CheckResult:
    policy = _compile(policyDocument, "policyDocument", policyType)
    actions, resources = validate_access(access)
    encoder = Encoder(opaque_keys((policy,)))
    action_patterns = [action_pattern(a) for a in actions]
    resource_patterns = [resource_pattern(r) for r in resources]
    wanted = conj([disj(Matches(ACTION, p) for p in action_patterns) if actions else conj([]),
                   disj(Matches(RESOURCE_DIM, p) for p in resource_patterns) if resources else conj([])])
    grants = encoder.grants(policy)
    session = _session([policy], [grants, wanted, encoder.allows(policy), encoder.denies(policy)], policyType, encoder)

    def in_access(c: Concrete) -> bool:
        return ((not actions or any(_accepts(p, c.action.lower()) for p in action_patterns)) and
                (not resources or any(_accepts(p, c.resource) for p in resource_patterns)))

    outcome = session.solve(conj([grants, wanted]), lambda c: in_access(c) and replay(policy, c, policyType).allowed)
    listed = ("actions and resources" if actions and resources else "actions" if actions else "resources")
    if outcome.witness is None and not outcome.unsure:
        return CheckResult(PASS, f"The policy document does not grant access to perform the listed {listed}.", (), None)
    if outcome.witness is None:
        return CheckResult(FAIL, f"The policy document might grant access to perform one or more of the listed {listed}." +
                           UNSURE_NOTE, (), None)
    reasons = _statement_reasons(session, encoder, policy, wanted, in_access, policyType, outcome.witness,
                                 lambda i: f"One or more of the listed {listed} in the statement with index: {i}.")
    return CheckResult(FAIL, f"The policy document grants access to perform one or more of the listed {listed}.",
                       tuple(reasons), witness_dict(outcome.witness))


def _accepts(pattern, text: str) -> bool:
    from ..reason.solver import accepts
    return accepts(pattern, text)
