"""What the three custom checks share: input handling, the replay reading, witnesses, reasons.

What "a policy grants a request" means here (AWS documents the checks, not this detail):
the policy alone allows it — some Allow statement matches and no Deny statement does. For an
identity policy the caller is an IAM user of the policy's account; for a resource policy the
caller is any principal, taken from another account than the resource's and assumed to be
allowed by its own identity policies, so that the resource policy decides (a principal value
naming an account, a role or the caller itself all count). Every FAIL's witness is replayed
through ``accessproof.evaluate`` under exactly that reading before it is reported. The identity
policy's caller acts in its own account, so AWS's service rules apply to it as the evaluator
applies them (``evaluate.service_rules``: ``sts:GetCallerIdentity`` is always allowed, changes
to AWS managed policies and protected roles never are); ``caller_grants`` encodes that reading.

Which requests: by default the requests AWS can receive (``reason.requests``: an action of the
service reference acting on a resource of one of its types, or on any resource when it has none,
``*`` first in witnesses; actions of services the catalog does not know keep plain string
semantics). A PASS proves that
no such request is newly granted / granted / public; access that exists only on requests that
cannot occur (``sqs:SendMessage`` granted on a bucket ARN) is not reported. ``string_semantics``
restores the plain reading — any action string with any resource string — under which such
access is a FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..evaluate import (
    IDENTITY, RESOURCE, CompiledPolicy, MalformedPolicy, PolicySet, Request, compile_policy_text, evaluate,
    parse_principal,
)
from ..reason import Concrete, Encoder, Session, Undecided, conj, neg, opaque_condition_map, service_rule_terms

IDENTITY_POLICY = "IDENTITY_POLICY"
RESOURCE_POLICY = "RESOURCE_POLICY"
POLICY_TYPES = (IDENTITY_POLICY, RESOURCE_POLICY)
PASS, FAIL = "PASS", "FAIL"
IDENTITY_CALLER = "arn:aws:iam::123456789012:user/accessproof-witness"
# Refinement rounds spent on naming one more statement of an already witnessed FAIL; past this
# the statement is named conservatively (the result itself does not depend on it).
REASON_ROUNDS = 60

_ALLOW_ALL = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')


class CheckInputError(ValueError):
    """The check's input is invalid (the API reports it as a ValidationException)."""


class CheckUndecided(Exception):
    """The engine could neither prove PASS nor confirm a witness for FAIL. Reported as an error,
    never as a result: a PASS is a proof, and a FAIL always carries a replayed witness."""


def find_witness(session: Session, term, accept: Callable[[Concrete], bool]) -> Optional[Concrete]:
    """A replayed witness of ``term``, or None when none exists (a proof); CheckUndecided otherwise."""
    try:
        outcome = session.solve(term, accept)
    except Undecided as e:
        raise CheckUndecided(f"accessproof could not decide this check: {e}") from None
    if outcome.witness is None and outcome.unsure:
        raise CheckUndecided(
            "accessproof could not decide this check: a condition with a policy variable (or a key compared "
            "by operators of several types) could not be settled exactly, and no witness request was found")
    return outcome.witness


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


# The identity policy of a caller whose own account allows everything: the resource policy decides.
CALLER_IDENTITY = compile_policy_text(_ALLOW_ALL, "caller-identity", IDENTITY)


def caller_grants(encoder: Encoder, policy: CompiledPolicy, policy_type: str):
    """The requests the check's reading allows (see the module doc)."""
    granted = encoder.grants(policy)
    return encoder.own_account(granted) if policy_type == IDENTITY_POLICY else granted


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
        policies = PolicySet(identity=(CALLER_IDENTITY,), resource=policy)
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


def _session(policies: list[CompiledPolicy], terms: list, policy_type: str, encoder: Encoder,
             string_semantics: bool) -> Session:
    # Every statement's own term is registered, so that per-statement queries use known atoms.
    terms = terms + [encoder.statement_term(p, s) for p in policies for s in p.statements]
    return Session(terms, IDENTITY_CALLER if policy_type == IDENTITY_POLICY else None, opaque_condition_map(policies),
                   real_requests=not string_semantics)


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
        if policy_type == IDENTITY_POLICY:  # a statement cannot allow what a service rule denies
            term = conj([term, neg(service_rule_terms()[1])])
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


