"""The checks against brute force: random small policies over a fixed vocabulary; every request
of a finite space is decided by the concrete evaluator. A PASS must have no counterexample in
that space; a FAIL's witness must replay (the check replays it too; asserted again here)."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.checks import (
    FAIL, IDENTITY_POLICY, PASS, RESOURCE_POLICY, Concrete, check_access_not_granted, check_no_new_access,
    replay,
)
from accessproof.evaluate import ContextValue, IDENTITY, RESOURCE, compile_policy_text
from accessproof.reason.solver import accepts
from accessproof.reason import action_pattern, resource_pattern

ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:PassRole", "s3:Other"]
ACTION_PATTERNS = ["*", "s3:*", "s3:Get*", "iam:Pass*", "s3:?utObject", "s3:GetObject", "iam:PassRole", "S3:PUTOBJECT"]
RESOURCES = ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y", "arn:aws:s3:::c/x", "arn:aws:s3:::z/z"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::*/x", "arn:aws:s3:::b/x", "arn:aws:s3:::c?x", "arn:aws:*:*:*:b/*"]
PRINCIPALS = ["111122223333", "arn:aws:iam::111122223333:role/r", "arn:aws:sts::111122223333:assumed-role/r/s",
              "arn:aws:iam::444455556666:user/u", "s3.amazonaws.com", "anonymous"]
PRINCIPAL_ELEMENTS = ["*", {"AWS": "111122223333"}, {"AWS": "arn:aws:iam::111122223333:role/r"},
                      {"AWS": "arn:aws:iam::444455556666:user/u"}, {"Service": "s3.amazonaws.com"},
                      {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]}]
K_VALUES = [None, ("a",), ("b",), ("zz",), ("a", "b"), ("a", "zz")]
N_VALUES = [None, ("3",), ("7",)]
OPERATORS = ["StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
             "ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAnyValue:StringNotEquals",
             "ForAllValues:StringNotLike", "StringEqualsIfExists", "StringNotEqualsIfExists"]
K_POLICY_VALUES = ["a", "b", "a*", "A", "z?"]

one_or_more = lambda items: st.lists(st.sampled_from(items), min_size=1, max_size=3, unique=True)


@st.composite
def conditions(draw):
    block: dict = {}
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            block.setdefault("Null", {})["k"] = draw(st.sampled_from(["true", "false"]))
        elif kind == 1:
            block.setdefault(draw(st.sampled_from(["NumericLessThan", "NumericGreaterThanEquals"])), {})["n"] = "5"
        else:
            block.setdefault(draw(st.sampled_from(OPERATORS)), {})["k"] = draw(one_or_more(K_POLICY_VALUES))
    return block


@st.composite
def statements(draw, resource_policy: bool):
    s: dict = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    s["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = draw(one_or_more(ACTION_PATTERNS))
    s["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = draw(one_or_more(RESOURCE_PATTERNS))
    if resource_policy:
        s["NotPrincipal" if draw(st.integers(0, 6)) == 0 else "Principal"] = draw(st.sampled_from(PRINCIPAL_ELEMENTS))
    cond = draw(conditions())
    if cond:
        s["Condition"] = cond
    return s


def policies(resource_policy: bool):
    return st.lists(statements(resource_policy), min_size=1, max_size=3).map(
        lambda ss: json.dumps({"Version": "2012-10-17", "Statement": ss}))


def request_space(policy_type: str):
    principals = PRINCIPALS if policy_type == RESOURCE_POLICY else ["arn:aws:iam::123456789012:user/accessproof-witness"]
    for principal, action, resource, k, n in itertools.product(principals, ACTIONS, RESOURCES, K_VALUES, N_VALUES):
        context = {}
        if k is not None:
            context["k"] = ContextValue(k, multivalued=len(k) > 1)
        if n is not None:
            context["n"] = ContextValue(n)
        yield Concrete(principal, action, resource, context, True)


def compiled(text: str, policy_type: str):
    return compile_policy_text(text, "p", IDENTITY if policy_type == IDENTITY_POLICY else RESOURCE)


def assert_witness(result: dict, holds) -> None:
    if result["result"] == FAIL and "witness" in result:
        w = result["witness"]
        context = {k: ContextValue(tuple(v) if isinstance(v, list) else (v,), isinstance(v, list))
                   for k, v in w["context"].items()}
        assert holds(Concrete(w["principal"], w["action"], w["resource"], context, True)), result


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.sampled_from([IDENTITY_POLICY, RESOURCE_POLICY]), st.data())
def test_check_no_new_access_agrees_with_brute_force(policy_type, data):
    resource_policy = policy_type == RESOURCE_POLICY
    new_text, old_text = data.draw(policies(resource_policy)), data.draw(policies(resource_policy))
    new, old = compiled(new_text, policy_type), compiled(old_text, policy_type)
    result = check_no_new_access(new_text, old_text, policy_type).as_dict()

    def new_access(c: Concrete) -> bool:
        return replay(new, c, policy_type).allowed and not replay(old, c, policy_type).allowed

    counterexample = next((c for c in request_space(policy_type) if new_access(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (new_text, old_text, counterexample)
    assert_witness(result, new_access)
    if counterexample is not None:
        assert result["result"] == FAIL


@SETTINGS
@given(st.sampled_from([IDENTITY_POLICY, RESOURCE_POLICY]), st.data())
def test_check_access_not_granted_agrees_with_brute_force(policy_type, data):
    text = data.draw(policies(policy_type == RESOURCE_POLICY))
    actions = data.draw(st.lists(st.sampled_from(ACTIONS[:3] + ["s3:Get*"]), max_size=2, unique=True))
    resources = data.draw(st.lists(st.sampled_from(RESOURCES[:3] + ["arn:aws:s3:::b/*"]), max_size=2, unique=True))
    if not actions and not resources:
        actions = ["s3:GetObject"]
    access = [{k: v for k, v in (("actions", actions), ("resources", resources)) if v}]
    policy = compiled(text, policy_type)
    result = check_access_not_granted(text, access, policy_type).as_dict()

    def granted(c: Concrete) -> bool:
        listed = ((not actions or any(accepts(action_pattern(a), c.action.lower()) for a in actions)) and
                  (not resources or any(accepts(resource_pattern(r), c.resource) for r in resources)))
        return listed and replay(policy, c, policy_type).allowed

    counterexample = next((c for c in request_space(policy_type) if granted(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (text, access, counterexample)
    assert_witness(result, granted)
    if counterexample is not None:
        assert result["result"] == FAIL
