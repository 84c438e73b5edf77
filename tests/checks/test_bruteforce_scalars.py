"""The checks against brute force on numeric, date, IP and boolean conditions (every operator,
negations, IfExists, set qualifiers). Action and resource are fixed (a real request); the request
space is every combination of the listed context values (absent, single and multivalued), and
every FAIL's witness must be a real request too."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.checks import FAIL, IDENTITY_POLICY, PASS, Concrete, check_access_not_granted, check_no_new_access, replay
from accessproof.evaluate import ContextValue, IDENTITY, compile_policy_text

from .test_bruteforce import acts_on

CALLER = "arn:aws:iam::123456789012:user/accessproof-witness"
QUALIFIERS = ["", "ForAllValues:", "ForAnyValue:"]
FAMILIES = {
    "n": (["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
           "NumericGreaterThanEquals"], ["3", "5", "5.5"], [None, ("3",), ("5",), ("6",), ("x",), ("3", "6")]),
    "d": (["DateEquals", "DateNotEquals", "DateLessThan", "DateGreaterThanEquals"],
          ["2020-01-01T00:00:00Z", "1600000000"],
          [None, ("2019-06-01T00:00:00Z",), ("1577836800",), ("2021-01-01",), ("1577836800", "2021-01-01")]),
    "ip": (["IpAddress", "NotIpAddress"], ["10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32"],
           [None, ("10.0.0.1",), ("10.1.2.3",), ("192.0.2.1",), ("2001:db8::5",), ("10.0.0.1", "192.0.2.1")]),
    "b": (["Bool"], ["true", "false"], [None, ("true",), ("false",), ("maybe",)]),
}


@st.composite
def condition_blocks(draw):
    block: dict = {}
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from(sorted(FAMILIES)))
        operators, values, _ = FAMILIES[key]
        operator = draw(st.sampled_from(QUALIFIERS)) + draw(st.sampled_from(operators)) + draw(st.sampled_from(["", "IfExists"]))
        block.setdefault(operator, {})[key] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
    return block


@st.composite
def policies(draw):
    statements = []
    for _ in range(draw(st.integers(1, 2))):
        s = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])), "Action": "s3:GetObject", "Resource": "*"}
        if draw(st.booleans()):
            s["Condition"] = draw(condition_blocks())
        statements.append(s)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def request_space():
    keys = sorted(FAMILIES)
    for values in itertools.product(*(FAMILIES[k][2] for k in keys)):
        context = {k: ContextValue(v, multivalued=len(v) > 1) for k, v in zip(keys, values) if v is not None}
        yield Concrete(CALLER, "s3:GetObject", "arn:aws:s3:::b/k", context, True)


def as_concrete(witness: dict) -> Concrete:
    context = {k: ContextValue(tuple(v) if isinstance(v, list) else (v,), isinstance(v, list))
               for k, v in witness["context"].items()}
    return Concrete(witness["principal"], witness["action"], witness["resource"], context, True)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(policies(), policies())
def test_no_new_access_on_scalar_conditions(new_text, old_text):
    new = compile_policy_text(new_text, "new", IDENTITY)
    old = compile_policy_text(old_text, "old", IDENTITY)
    result = check_no_new_access(new_text, old_text, IDENTITY_POLICY).as_dict()

    def new_access(c: Concrete) -> bool:
        return replay(new, c, IDENTITY_POLICY).allowed and not replay(old, c, IDENTITY_POLICY).allowed

    counterexample = next((c for c in request_space() if new_access(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (new_text, old_text, counterexample)
    else:
        assert "witness" in result and new_access(as_concrete(result["witness"])), result
        assert acts_on(result["witness"]["action"], result["witness"]["resource"]), result
    if counterexample is not None:
        assert result["result"] == FAIL


@SETTINGS
@given(policies())
def test_access_not_granted_on_scalar_conditions(text):
    policy = compile_policy_text(text, "p", IDENTITY)
    result = check_access_not_granted(text, [{"actions": ["s3:GetObject"]}], IDENTITY_POLICY).as_dict()
    counterexample = next((c for c in request_space() if replay(policy, c, IDENTITY_POLICY).allowed), None)
    if result["result"] == PASS:
        assert counterexample is None, (text, counterexample)
    else:
        assert "witness" in result and replay(policy, as_concrete(result["witness"]), IDENTITY_POLICY).allowed
        assert acts_on(result["witness"]["action"], result["witness"]["resource"]), result
    if counterexample is not None:
        assert result["result"] == FAIL
