"""Implications between conditions with policy variables: proved facts must hold for every
request (checked by enumeration over variable values that contain wildcards' characters,
colons and the empty string), and the managed-policy case that needs them is proved."""

from __future__ import annotations

import itertools

from hypothesis import given, settings, strategies as st

from accessproof.evaluate import ContextValue
from accessproof.evaluate.conditions import compile_condition, evaluate_condition
from accessproof.reason.variables import implies


def cond(operator, values, key="k"):
    return compile_condition(operator, key, list(values))


def test_vss_snapshot_policy_pair():
    # AWSEC2VssSnapshotPolicy v1 -> v2: the ArnLike template is inside the StringLike suffix test.
    new = cond("ArnLike", ["arn:aws:ec2:*:*:instance/${ec2:InstanceId}"])
    old = cond("StringLike", ["*${ec2:InstanceId}"])
    assert implies(new, old)
    assert not implies(old, new)


def test_shapes_left_alone():
    assert not implies(cond("StringEquals", ["${aws:username}"]), cond("StringEquals", ["${aws:userid}"]))
    assert not implies(cond("StringNotEquals", ["${aws:username}"]), cond("StringNotEquals", ["${aws:username}"]))
    assert not implies(cond("StringEqualsIfExists", ["${aws:username}"]), cond("StringEquals", ["${aws:username}"]))
    assert implies(cond("StringEquals", ["${aws:username}"]), cond("StringEqualsIfExists", ["${aws:username}"]))
    assert not implies(cond("StringEquals", ["x"]), cond("StringEquals", ["${aws:username}"]))  # b may not resolve
    assert not implies(cond("ArnLike", ["arn:aws:${aws:username}:*:*:*:x"]), cond("ArnLike", ["arn:*:*:*:*:*:x"]))


TEMPLATES = ["${u}", "a${u}", "${u}b", "*${u}", "${u}*", "a*${u}", "?${u}", "a${u}b", "*", "a*", "${u}${u}", "${u}:*"]
OPERATORS = ["StringEquals", "StringLike", "ForAnyValue:StringLike", "StringLikeIfExists"]
VALUES = ["", "a", "b", "ab", "ba", ":", "a:b", "*", "?", "aa", "abab"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(OPERATORS), st.lists(st.sampled_from(TEMPLATES), min_size=1, max_size=2),
       st.sampled_from(OPERATORS), st.lists(st.sampled_from(TEMPLATES), min_size=1, max_size=2))
def test_proved_implications_hold_for_every_request(op_a, values_a, op_b, values_b):
    a, b = cond(op_a, values_a), cond(op_b, values_b)
    if not implies(a, b):
        return
    for u, k in itertools.product([None, *VALUES], [None, *VALUES, ("a", "ab")]):
        context = {}
        if u is not None:
            context["u"] = ContextValue((u,))
        if k is not None:
            context["k"] = ContextValue(k, True) if isinstance(k, tuple) else ContextValue((k,))
        if evaluate_condition(a, context):
            assert evaluate_condition(b, context), (op_a, values_a, op_b, values_b, context)


ARN_TEMPLATES = ["arn:aws:ec2:*:*:instance/${u}", "arn:aws:ec2:r:1:instance/${u}", "arn:aws:*:*:*:*${u}",
                 "arn:aws:ec2:*:*:*/${u}", "arn:aws:ec2:*:*:instance/*"]
ARNS = ["arn:aws:ec2:r:1:instance/i", "arn:aws:ec2:r:1:instance/a:b", "arn:aws:ec2:r:1:volume/i",
        "arn:aws:ec2::1:instance/i", "arn:aws:s3:::x/i"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ARN_TEMPLATES), st.sampled_from(ARN_TEMPLATES + ["*${u}", "*/${u}"]))
def test_proved_arn_implications_hold(value_a, value_b):
    a = cond("ArnLike", [value_a])
    b = cond("ArnLike" if value_b.startswith("arn") else "StringLike", [value_b])
    if not implies(a, b):
        return
    for u, k in itertools.product(["i", "a:b", "", "*"], ARNS):
        context = {"u": ContextValue((u,)), "k": ContextValue((k,))}
        if evaluate_condition(a, context):
            assert evaluate_condition(b, context), (value_a, value_b, context)
