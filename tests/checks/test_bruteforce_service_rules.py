"""The checks against brute force on identity policies whose requests reach the evaluator's service
rules (``sts:GetCallerIdentity``, AWS managed policies, protected roles, AWS managed KMS aliases):
a PASS has no counterexample in the space, a FAIL's witness replays, a counterexample means FAIL.

Under both semantics (``test_bruteforce``): by default the space holds the real requests only
(``acts_on``) and a FAIL's witness is one; with ``string_semantics`` every pair of strings."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.checks import FAIL, IDENTITY_POLICY, PASS, Concrete, check_access_not_granted, check_no_new_access, replay
from accessproof.evaluate import IDENTITY, compile_policy_text
from accessproof.reason import action_pattern, resource_pattern
from accessproof.reason.solver import accepts

from ..reason.test_service_rules import ACTIONS, RESOURCES, policies
from .test_bruteforce import SEMANTICS, acts_on

CALLER = "arn:aws:iam::123456789012:user/accessproof-witness"
STRINGS = [Concrete(CALLER, a, r, {}, True) for a, r in itertools.product(ACTIONS, RESOURCES)]
REAL = [c for c in STRINGS if acts_on(c.action, c.resource)]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def compiled(text: str):
    return compile_policy_text(text, "p", IDENTITY)


def space(string_semantics: bool) -> list[Concrete]:
    return STRINGS if string_semantics else REAL


def replays(result: dict, holds, string_semantics: bool) -> None:
    if result["result"] == FAIL:
        w = result["witness"]
        assert holds(Concrete(w["principal"], w["action"], w["resource"], {}, True)), result
        assert string_semantics or acts_on(w["action"], w["resource"]), result


@SEMANTICS
@SETTINGS
@given(policies, policies)
def test_check_no_new_access_with_service_rules(string_semantics, new_text, old_text):
    new, old = compiled(new_text), compiled(old_text)
    result = check_no_new_access(new_text, old_text, IDENTITY_POLICY, string_semantics=string_semantics).as_dict()

    def new_access(c: Concrete) -> bool:
        return replay(new, c, IDENTITY_POLICY).allowed and not replay(old, c, IDENTITY_POLICY).allowed

    counterexample = next((c for c in space(string_semantics) if new_access(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (new_text, old_text, counterexample)
    replays(result, new_access, string_semantics)
    if counterexample is not None:
        assert result["result"] == FAIL


@SEMANTICS
@SETTINGS
@given(policies, st.data())
def test_check_access_not_granted_with_service_rules(string_semantics, text, data):
    actions = data.draw(st.lists(st.sampled_from(ACTIONS + ["iam:*Role*"]), max_size=2, unique=True))
    resources = data.draw(st.lists(st.sampled_from([r for r in RESOURCES if r != "*"]), max_size=2, unique=True))
    if not actions and not resources:
        actions = ["sts:GetCallerIdentity"]
    access = [{k: v for k, v in (("actions", actions), ("resources", resources)) if v}]
    policy = compiled(text)
    result = check_access_not_granted(text, access, IDENTITY_POLICY, string_semantics=string_semantics).as_dict()

    def granted(c: Concrete) -> bool:
        listed = ((not actions or any(accepts(action_pattern(a), c.action.lower()) for a in actions)) and
                  (not resources or any(accepts(resource_pattern(r), c.resource) for r in resources)))
        return listed and replay(policy, c, IDENTITY_POLICY).allowed

    counterexample = next((c for c in space(string_semantics) if granted(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (text, access, counterexample)
    replays(result, granted, string_semantics)
    if counterexample is not None:
        assert result["result"] == FAIL
