"""Policies → terms: which requests a policy's statements match, and what a policy grants.

The encoding follows the concrete evaluator rule by rule (``accessproof.evaluate.matching``
and ``conditions``), so that the two engines mean the same thing:

- Action / NotAction: case-insensitive wildcard match of the whole ``service:action`` string
  (the evaluator lower-cases both sides; splitting at the first colon changes nothing).
- Resource / NotResource: case-sensitive, ARN-segmented wildcard match; ``"*"`` is every
  resource. An element with a policy variable (Version 2012-10-17) is one opaque fact: the
  evaluator resolves it from the context and an unresolvable variable voids the element.
- Principal / NotPrincipal: one ``PrincipalNamed`` atom per value; ``"*"`` names everyone.
- Condition: each key's operator is a function of "is the key present" and existential facts
  about its values (``SomeValue`` for strings and ARNs, ``SomeScalar`` for numbers, dates, IP
  addresses, booleans and binary values); see ``condition_term`` for the table. Exact, except
  for string and ARN conditions with policy variables and for keys tested by operators of
  several value families: those are opaque facts on their key, and once a key has one opaque
  condition every condition on that key is opaque (its context value is then found by search
  and confirmed by replay).
- Requests AWS decides whatever the policies say (``evaluate.service_rules``): for an IAM
  identity acting in its own account, ``Encoder.own_account`` disjoins the always-allowed rules
  and conjoins the negation of the never-allowed ones, built from the same rule objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

from ..evaluate.conditions import Condition
from ..evaluate.matching import CompiledPolicy, CompiledStatement, VARIABLES_VERSION, _strings
from ..evaluate.patterns import has_variables
from ..evaluate.service_rules import NO_RESOURCE, RULES, ServiceRule
from ..policy.operators import Family
from .scalars import SCALAR_FAMILIES, ScalarTest
from .strings import Pattern, literal_pattern, wildcard_pattern
from .terms import (
    ACTION, ALL_FALSE, ANY_TRUE, FALSE, NOT_ALL_FALSE, NOT_ANY_TRUE, RESOURCE, TRUE, KeyPresent, Matches, Opaque,
    PrincipalNamed, SomeScalar, SomeValue, Term, conj, disj, ite, neg,
)

EXACT_FAMILIES = (Family.STRING, Family.ARN, Family.NULL, *SCALAR_FAMILIES)
# Families whose tests one key's values can be searched for exactly together (Null tests presence only).
_DOMAIN = {Family.STRING: "pattern", Family.ARN: "pattern", **{f: f.value for f in SCALAR_FAMILIES}}


def uses_variables(policy: CompiledPolicy) -> bool:
    return policy.policy.version_text == VARIABLES_VERSION


def condition_is_exact(condition: Condition, variables: bool) -> bool:
    family = condition.operator.family
    if family not in EXACT_FAMILIES:
        return False
    return not (variables and family != Family.NULL and any(has_variables(v) for v in condition.values))


def opaque_keys(policies: Iterable[CompiledPolicy]) -> frozenset[str]:
    """Keys with a condition outside the exact encoding, or tested in several value domains."""
    out: set[str] = set()
    domains: dict[str, set[str]] = {}
    for policy in policies:
        variables = uses_variables(policy)
        for statement in policy.statements:
            for condition in statement.conditions:
                if not condition_is_exact(condition, variables):
                    out.add(condition.key_lower)
                domain = _DOMAIN.get(condition.operator.family)
                if domain is not None:
                    domains.setdefault(condition.key_lower, set()).add(domain)
    return frozenset(out | {key for key, found in domains.items() if len(found) > 1})


def action_pattern(text: str) -> Pattern:
    return wildcard_pattern(text.lower())


def resource_pattern(text: str) -> Pattern:
    return wildcard_pattern(text, arn=True)


def _rule_term(rule: ServiceRule) -> Term:
    action = disj(Matches(ACTION, action_pattern(a)) for a in sorted(rule.actions))
    if rule.resources:
        resource = disj(Matches(RESOURCE, resource_pattern(p)) for p in rule.resources)
    else:
        resource = Matches(RESOURCE, literal_pattern(NO_RESOURCE))
    return conj([action, resource])


@lru_cache(maxsize=2)
def service_rule_terms(service_linked_caller: bool = False) -> tuple[Term, Term]:
    """(always allowed, never allowed): the requests of an IAM identity acting in its own account
    that ``evaluate.service_rules`` decides whatever the policies say (a service-linked role as
    caller is exempt from the never-allowed rules, as there)."""
    always = disj(_rule_term(r) for r in RULES if r.allows)
    never = FALSE if service_linked_caller else disj(_rule_term(r) for r in RULES if not r.allows)
    return always, never


@dataclass(frozen=True)
class Encoder:
    """Encodes the policies of one query; ``opaque`` lists the keys encoded opaquely."""

    opaque: frozenset[str] = frozenset()
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ elements
    def actions_term(self, patterns: list[str]) -> Term:
        if any(p == "*" for p in patterns):
            return TRUE
        return disj(Matches(ACTION, action_pattern(p)) for p in patterns)

    def resources_term(self, patterns: list[str], variables: bool, negated: bool) -> Term:
        if variables and any(has_variables(p) for p in patterns) and "*" not in patterns:
            # Resolved per request from the context (evaluate.matching.ResourceMatcher).
            return Opaque("", ("resource-element", tuple(patterns), negated))
        if "*" in patterns:
            matched: Term = TRUE
        else:
            matched = disj(Matches(RESOURCE, resource_pattern(p)) for p in patterns)
        return neg(matched) if negated else matched

    def principal_term(self, statement: CompiledStatement) -> Term:
        matcher = statement.principal
        if matcher is None:
            return TRUE
        named = TRUE if matcher.everyone else disj(PrincipalNamed(kind, value) for kind, value in matcher.values)
        return neg(named) if statement.not_principal else named

    # ---------------------------------------------------------------- conditions
    def condition_term(self, condition: Condition, variables: bool) -> Term:
        """The condition as a function of the key's presence and its values.

        With the key absent (evaluate.conditions.evaluate_condition): ``...IfExists`` and
        ``ForAllValues`` hold, ``ForAnyValue`` fails, a plain operator holds iff negated;
        ``Null`` tests presence alone. With the key present, for tests t_i (their value
        languages T_i; a wildcard test's "false" language is the complement, while an ARN value
        without a colon compares with nothing, so neither it nor its negation holds):

        | operator                      | holds when                          |
        | plain or ForAnyValue, positive | some value in some T_i              |
        | plain, negated                 | no value outside "every t_i false"  |
        | ForAllValues, positive         | no value outside every T_i          |
        | ForAllValues, negated          | no value in any T_i (and no incomparable test) |
        | ForAnyValue, negated           | some value in no T_i (and no incomparable test) |
        """
        key = condition.key_lower
        operator = condition.operator
        present = KeyPresent(key)
        if operator.family == Family.NULL:
            wanted = {v.lower() for v in condition.values}
            return disj([neg(present) if "true" in wanted else FALSE, present if "false" in wanted else FALSE])
        if not condition_is_exact(condition, variables) or key in self.opaque:
            return Opaque(key, ("condition", operator.name, key, condition.values, variables))
        if operator.if_exists or operator.for_all_values:
            absent: Term = TRUE
        elif operator.for_any_value:
            absent = FALSE
        else:
            absent = TRUE if operator.negated else FALSE
        if operator.family in SCALAR_FAMILIES:
            return ite(present, self._scalar_held(condition), absent)
        patterns, incomparable = self._value_patterns(condition)
        some_true = SomeValue(key, patterns, False) if patterns else FALSE
        some_outside = SomeValue(key, patterns, True) if patterns else present
        if not operator.negated:
            held = neg(some_outside) if operator.for_all_values else some_true
        elif operator.for_any_value:
            held = FALSE if incomparable else some_outside
        else:  # plain negated, ForAllValues negated: every value fails every test
            held = FALSE if incomparable else neg(some_true)
        return ite(present, held, absent)

    @staticmethod
    def _scalar_held(condition: Condition) -> Term:
        """A scalar condition with its key present (evaluate.conditions.evaluate_condition):

        | operator                       | holds when                              |
        | plain or ForAnyValue, positive | some value has a true outcome           |
        | plain or ForAllValues, negated | no value has an outcome other than false |
        | ForAllValues, positive         | no value lacks a true outcome           |
        | ForAnyValue, negated           | some value has only false outcomes      |
        """
        operator = condition.operator
        tests = tuple(dict.fromkeys(ScalarTest(operator.family, operator.comparison.value, v) for v in condition.values))
        key = condition.key_lower
        if not operator.negated:
            if operator.for_all_values:
                return neg(SomeScalar(key, tests, NOT_ANY_TRUE))
            return SomeScalar(key, tests, ANY_TRUE)
        if operator.for_any_value:
            return SomeScalar(key, tests, ALL_FALSE)
        return neg(SomeScalar(key, tests, NOT_ALL_FALSE))

    def _value_patterns(self, condition: Condition) -> tuple[tuple[Pattern, ...], bool]:
        operator = condition.operator
        out: list[Pattern] = []
        incomparable = False
        for value in condition.values:
            if operator.family == Family.ARN:
                if ":" not in value:
                    incomparable = True
                    continue
                out.append(wildcard_pattern(value, arn=True))
            elif operator.like:
                out.append(wildcard_pattern(value))
            else:
                out.append(literal_pattern(value, operator.ignore_case))
        return tuple(dict.fromkeys(out)), incomparable

    # ---------------------------------------------------------------- statements
    def statement_term(self, policy: CompiledPolicy, statement: CompiledStatement) -> Term:
        key = (id(policy), statement.index)
        cached = self._cache.get(key)
        if cached is None or cached[0] is not policy:
            cached = (policy, self._statement_term(policy, statement))
            self._cache[key] = cached
        return cached[1]

    def _statement_term(self, policy: CompiledPolicy, statement: CompiledStatement) -> Term:
        model = policy.policy.statements[statement.index]
        variables = uses_variables(policy)
        action_list = model.action or model.not_action
        assert action_list is not None
        action = self.actions_term(_strings(action_list.element.node, "Action"))
        if statement.not_action:
            action = neg(action)
        resource_list = model.resource or model.not_resource
        resource = (TRUE if resource_list is None else
                    self.resources_term(_strings(resource_list.element.node, "Resource"), variables,
                                        statement.not_resource))
        conditions = [self.condition_term(c, variables) for c in statement.conditions]
        return conj([action, resource, self.principal_term(statement), *conditions])

    def allows(self, policy: CompiledPolicy, only: Optional[int] = None) -> Term:
        return disj(self.statement_term(policy, s) for s in policy.statements
                    if s.allow and (only is None or s.index == only))

    def denies(self, policy: CompiledPolicy) -> Term:
        return disj(self.statement_term(policy, s) for s in policy.statements if not s.allow)

    def grants(self, policy: CompiledPolicy) -> Term:
        """The policy alone allows the request: some Allow statement matches and no Deny does."""
        return conj([self.allows(policy), neg(self.denies(policy))])

    @staticmethod
    def own_account(granted: Term, service_linked_caller: bool = False) -> Term:
        """What an IAM identity acting in its own account is allowed, given ``granted`` (what its
        policies allow, explicit denies already excluded): the evaluator's service rules allow
        some requests whatever the policies say and deny others after explicit denies."""
        always, never = service_rule_terms(service_linked_caller)
        return disj([conj([granted, neg(never)]), always])
