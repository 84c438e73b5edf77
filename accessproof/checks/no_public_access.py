"""CheckNoPublicAccess: may the resource policy grant public access to a resource of this type?

The definition of "public" (which principals are outsiders, which condition keys and values
confine a grant) is ``public``'s; this module turns it into one query for the engine:

    the policy grants the request                      (some Allow matches, no Deny does)
    and the action belongs to the type's services      (public.service_prefixes)
    and the caller is an outsider                      (a user of an account the policy never
                                                        names, anonymous, or — in a role trust
                                                        policy — a web identity of a public provider)
    and every restricting key is absent or "fresh"     (no value matches a restricting value the
                                                        policy writes for that key)

A satisfying request is replayed through the evaluator and re-checked against the last three
lines before it is reported as the FAIL's witness; no satisfying request is a proof of PASS.
"""

from __future__ import annotations

import json
from typing import Mapping

from ..evaluate import CompiledPolicy
from ..evaluate.conditions import value_test
from ..evaluate.request import PrincipalKind, parse_principal
from ..policy.operators import Family, parse_operator
from ..reason import ACTION, Encoder, Matches, conj, disj, neg, opaque_keys
from ..reason.scalars import ScalarTest
from ..reason.solver import accepts
from ..reason.strings import literal_pattern, wildcard_pattern
from ..reason.encode import action_pattern
from ..reason.terms import ANY_TRUE, SomeScalar, SomeValue, Term
from ..runtime import cycle_collection_off
from .common import (
    FAIL, PASS, RESOURCE_POLICY, CheckInputError, CheckResult, Concrete, _compile, _session, _statement_reasons,
    find_witness, replay, witness_dict,
)
from .public import (
    InvalidResourceType, ResourceTypeRule, check_resource_type, is_public_federated_provider,
    restricting_values_in_policy,
)

PASS_MESSAGE = "The resource policy does not grant public access for the given resource type."
FAIL_MESSAGE = "The resource policy grants public access for the given resource type."


def _statements(document: str) -> list[Mapping]:
    statements = json.loads(document).get("Statement", [])
    return [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, Mapping)]


def _ip_keys(policy: CompiledPolicy) -> set[str]:
    """Keys the policy tests with IP operators (their values are addresses for the engine)."""
    return {c.key_lower for s in policy.statements for c in s.conditions if c.operator.family == Family.IP}


def _avoid(key: str, written: list[tuple[str, str]], ip_keys: set[str]) -> Term:
    """No value of ``key`` matches one of the restricting values written for it."""
    if key in ip_keys:
        tests = tuple(dict.fromkeys(ScalarTest(Family.IP, "InRange", value) for _, value in written))
        return neg(SomeScalar(key, tests, ANY_TRUE))
    patterns = []
    for operator_name, value in written:
        operator = parse_operator(operator_name)
        if operator is not None and operator.family == Family.ARN:
            if ":" in value:
                patterns.append(wildcard_pattern(value, arn=True))
        elif operator is not None and operator.like:
            patterns.append(wildcard_pattern(value))
        else:
            patterns.append(literal_pattern(value, bool(operator and operator.ignore_case)))
    return neg(SomeValue(key, tuple(dict.fromkeys(patterns)), False)) if patterns else conj([])


def _matches_written(values: tuple[str, ...], written: list[tuple[str, str]]) -> bool:
    """The evaluator's own tests: does a request value match a restricting value as written?"""
    for operator_name, value in written:
        operator = parse_operator(operator_name)
        if operator is None or operator.family == Family.NULL:
            continue
        test = value_test(operator, value)
        if any(test(v) is True for v in values):
            return True
    return False


def _is_outsider(text: str, fresh_user: str, rule: ResourceTypeRule) -> bool:
    if text in (fresh_user, "anonymous"):
        return True
    if rule.trust_policy:
        principal = parse_principal(text)
        return principal.kind == PrincipalKind.FEDERATED and is_public_federated_provider(text)
    return False


@cycle_collection_off
def check_no_public_access(policyDocument: str, resourceType: str, string_semantics: bool = False) -> CheckResult:
    """``string_semantics``: any action string with any resource string, not only real requests (``common``)."""
    try:
        rule = check_resource_type(resourceType)
    except InvalidResourceType as e:
        raise CheckInputError(str(e)) from None
    policy = _compile(policyDocument, "policyDocument", RESOURCE_POLICY)
    written = restricting_values_in_policy(resourceType, _statements(policyDocument))
    ip_keys = _ip_keys(policy)
    encoder = Encoder(opaque_keys((policy,)))
    services = disj(Matches(ACTION, action_pattern(f"{prefix}:*")) for prefix in sorted(rule.service_prefixes))
    confined = conj(_avoid(key, values, ip_keys) for key, values in sorted(written.items()))
    wanted = conj([services, confined])
    grants = encoder.grants(policy)
    session = _session([policy], [grants, wanted, encoder.allows(policy), encoder.denies(policy)], RESOURCE_POLICY, encoder,
                       string_semantics)
    fresh_user = session.candidates[0]
    session.restrict_principals(lambda text: _is_outsider(text, fresh_user, rule))

    def public(c: Concrete) -> bool:
        if not _is_outsider(c.principal, fresh_user, rule):
            return False
        if not any(accepts(action_pattern(f"{prefix}:*"), c.action.lower()) for prefix in rule.service_prefixes):
            return False
        return not any(key in c.context and _matches_written(c.context[key].values, values)
                       for key, values in written.items())

    witness = find_witness(session, conj([grants, wanted]), lambda c: public(c) and replay(policy, c, RESOURCE_POLICY).allowed)
    if witness is None:
        return CheckResult(PASS, PASS_MESSAGE, (), None)
    reasons = _statement_reasons(session, encoder, policy, wanted, public, RESOURCE_POLICY, witness,
                                 lambda i: f"Public access in the statement with index: {i}.")
    return CheckResult(FAIL, FAIL_MESSAGE, tuple(reasons), witness_dict(witness))
