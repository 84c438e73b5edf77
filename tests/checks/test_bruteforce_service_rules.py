"""The checks against brute force on identity policies whose requests reach the evaluator's service
rules (``sts:GetCallerIdentity``, AWS managed policies, protected roles, AWS managed KMS aliases):
a PASS has no counterexample in the space, a FAIL's witness replays, a counterexample means FAIL."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.checks import FAIL, IDENTITY_POLICY, PASS, Concrete, check_access_not_granted, check_no_new_access, replay
from accessproof.evaluate import IDENTITY, compile_policy_text
from accessproof.reason import action_pattern, resource_pattern
from accessproof.reason.solver import accepts

from ..reason.test_service_rules import ACTIONS, RESOURCES, policies

CALLER = "arn:aws:iam::123456789012:user/accessproof-witness"
SPACE = [Concrete(CALLER, a, r, {}, True) for a, r in itertools.product(ACTIONS, RESOURCES)]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def compiled(text: str):
    return compile_policy_text(text, "p", IDENTITY)


def replays(result: dict, holds) -> None:
    if result["result"] == FAIL:
        w = result["witness"]
        assert holds(Concrete(w["principal"], w["action"], w["resource"], {}, True)), result


@SETTINGS
@given(policies, policies)
def test_check_no_new_access_with_service_rules(new_text, old_text):
    new, old = compiled(new_text), compiled(old_text)
    result = check_no_new_access(new_text, old_text, IDENTITY_POLICY).as_dict()

    def new_access(c: Concrete) -> bool:
        return replay(new, c, IDENTITY_POLICY).allowed and not replay(old, c, IDENTITY_POLICY).allowed

    counterexample = next((c for c in SPACE if new_access(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (new_text, old_text, counterexample)
    replays(result, new_access)
    if counterexample is not None:
        assert result["result"] == FAIL


@SETTINGS
@given(policies, st.data())
def test_check_access_not_granted_with_service_rules(text, data):
    actions = data.draw(st.lists(st.sampled_from(ACTIONS + ["iam:*Role*"]), max_size=2, unique=True))
    resources = data.draw(st.lists(st.sampled_from([r for r in RESOURCES if r != "*"]), max_size=2, unique=True))
    if not actions and not resources:
        actions = ["sts:GetCallerIdentity"]
    access = [{k: v for k, v in (("actions", actions), ("resources", resources)) if v}]
    policy = compiled(text)
    result = check_access_not_granted(text, access, IDENTITY_POLICY).as_dict()

    def granted(c: Concrete) -> bool:
        listed = ((not actions or any(accepts(action_pattern(a), c.action.lower()) for a in actions)) and
                  (not resources or any(accepts(resource_pattern(r), c.resource) for r in resources)))
        return listed and replay(policy, c, IDENTITY_POLICY).allowed

    counterexample = next((c for c in SPACE if granted(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (text, access, counterexample)
    replays(result, granted)
    if counterexample is not None:
        assert result["result"] == FAIL
