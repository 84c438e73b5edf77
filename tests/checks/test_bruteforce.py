"""The checks against brute force: random small policies over a fixed vocabulary; every request
of a finite space is decided by the concrete evaluator. A PASS must have no counterexample in
that space; a FAIL's witness must replay (the check replays it too; asserted again here).

Both semantics are tested: by default the space holds the vocabulary's real requests only (an
action acting on a resource of its type, ``REAL``) and every FAIL's witness must be one; with
``string_semantics`` the space is every pair of strings of the vocabulary."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.checks import (
    FAIL, IDENTITY_POLICY, PASS, RESOURCE_POLICY, Concrete, check_access_not_granted, check_no_new_access,
    replay,
)
from accessproof.catalog import default_catalog
from accessproof.evaluate import ContextValue, IDENTITY, RESOURCE, compile_policy_text
from accessproof.reason.solver import accepts
from accessproof.reason import action_pattern, resource_pattern

ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:PassRole", "s3:Other", "s3:ListBucket", "s3:ListAllMyBuckets"]
ACTION_PATTERNS = ["*", "s3:*", "s3:Get*", "iam:Pass*", "s3:?utObject", "s3:GetObject", "iam:PassRole", "S3:PUTOBJECT",
                   "s3:List*", "s3:ListAllMyBuckets"]
OBJECTS = ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y", "arn:aws:s3:::c/x", "arn:aws:s3:::z/z"]
BUCKET, ROLE = "arn:aws:s3:::b", "arn:aws:iam::123456789012:role/r"
RESOURCES = [*OBJECTS, BUCKET, ROLE, "*"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::*/x", "arn:aws:s3:::b/x", "arn:aws:s3:::c?x", "arn:aws:*:*:*:b/*",
                     "arn:aws:s3:::b", "arn:aws:iam::*:role/*", "arn:aws:s3:::*"]
# The vocabulary's requests AWS can receive, from the Service Authorization Reference by hand:
# GetObject and PutObject act on objects, ListBucket on buckets, PassRole on roles; s3:Other is no
# action; ListAllMyBuckets has no resource type, so it comes with any resource.
REAL = ({(a, r) for a in ("s3:GetObject", "s3:PutObject") for r in OBJECTS} | {("s3:ListBucket", BUCKET), ("iam:PassRole", ROLE)}
        | {("s3:ListAllMyBuckets", r) for r in RESOURCES})
# The real requests iam-simulate can simulate: an action with no resource type only on "*".
SIMULABLE = {(a, r) for a, r in REAL if a != "s3:ListAllMyBuckets" or r == "*"}
SEMANTICS = pytest.mark.parametrize("string_semantics", [False, True], ids=["real-requests", "strings"])
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


def request_space(policy_type: str, string_semantics: bool = False, only=REAL):
    """The space's requests: every pair of strings, or only the pairs of ``only``."""
    principals = PRINCIPALS if policy_type == RESOURCE_POLICY else ["arn:aws:iam::123456789012:user/accessproof-witness"]
    for principal, action, resource, k, n in itertools.product(principals, ACTIONS, RESOURCES, K_VALUES, N_VALUES):
        if not string_semantics and (action, resource) not in only:
            continue
        context = {}
        if k is not None:
            context["k"] = ContextValue(k, multivalued=len(k) > 1)
        if n is not None:
            context["n"] = ContextValue(n)
        yield Concrete(principal, action, resource, context, True)


def compiled(text: str, policy_type: str):
    return compile_policy_text(text, "p", IDENTITY if policy_type == IDENTITY_POLICY else RESOURCE)


def as_concrete(w: dict) -> Concrete:
    context = {k: ContextValue(tuple(v) if isinstance(v, list) else (v,), isinstance(v, list))
               for k, v in w["context"].items()}
    return Concrete(w["principal"], w["action"], w["resource"], context, True)


def acts_on(action: str, resource: str) -> bool:
    """The catalog's own reading: a known action, and a resource its types' ARN formats match
    (any string for an action without resource types)."""
    catalog = default_catalog()
    found = catalog.action(action)
    if found is None:
        return False
    types = catalog.action_resource_types(found)
    return not types or any(t.matches_arn(resource) for t in types)


def typeless(action: str) -> bool:
    found = default_catalog().action(action)
    return found is not None and not found.resource_types


def assert_witness(result: dict, holds, string_semantics: bool = False, counterexample: Optional[Concrete] = None,
                   simulable: Optional[Concrete] = None) -> None:
    """The FAIL's witness replays; by default it is a real request: a catalog action on a
    resource it acts on, on ``*`` when it has no resource type and ``*`` has the access; or —
    sought only when no catalog action fits — an action of a service the catalog does not know,
    and then no real request of the space has the access. A witness on another string than
    ``*`` for an action without resource type comes only when no request that iam-simulate can
    simulate (``simulable``: one of the space, if any) has the access."""
    if result["result"] == FAIL:
        w = result["witness"]
        witness = as_concrete(w)
        assert holds(witness), result
        if string_semantics:
            return
        if default_catalog().has_service(w["action"].partition(":")[0]):
            assert acts_on(w["action"], w["resource"]), result
            if typeless(w["action"]) and w["resource"] != "*":
                assert not holds(replace(witness, resource="*")), result
                assert simulable is None, (result, simulable)
        else:
            assert counterexample is None, (result, counterexample)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def no_new_access_case(data) -> tuple[str, str, str]:
    policy_type = data.draw(st.sampled_from([IDENTITY_POLICY, RESOURCE_POLICY]))
    resource_policy = policy_type == RESOURCE_POLICY
    return data.draw(policies(resource_policy)), data.draw(policies(resource_policy)), policy_type


def access_not_granted_case(data) -> tuple[str, list, str]:
    policy_type = data.draw(st.sampled_from([IDENTITY_POLICY, RESOURCE_POLICY]))
    text = data.draw(policies(policy_type == RESOURCE_POLICY))
    actions = data.draw(st.lists(st.sampled_from(["s3:GetObject", "s3:PutObject", "iam:PassRole", "s3:Get*",
                                                  "s3:ListAllMyBuckets"]), max_size=2, unique=True))
    resources = data.draw(st.lists(st.sampled_from([*OBJECTS[:3], "arn:aws:s3:::b/*", ROLE]), max_size=2, unique=True))
    if not actions and not resources:
        actions = ["s3:GetObject"]
    return text, [{k: v for k, v in (("actions", actions), ("resources", resources)) if v}], policy_type


def listed(access: list, c: Concrete) -> bool:
    actions, resources = access[0].get("actions", []), access[0].get("resources", [])
    return ((not actions or any(accepts(action_pattern(a), c.action.lower()) for a in actions)) and
            (not resources or any(accepts(resource_pattern(r), c.resource) for r in resources)))


@SEMANTICS
@SETTINGS
@given(st.data())
def test_check_no_new_access_agrees_with_brute_force(string_semantics, data):
    new_text, old_text, policy_type = no_new_access_case(data)
    new, old = compiled(new_text, policy_type), compiled(old_text, policy_type)
    result = check_no_new_access(new_text, old_text, policy_type, string_semantics=string_semantics).as_dict()

    def new_access(c: Concrete) -> bool:
        return replay(new, c, policy_type).allowed and not replay(old, c, policy_type).allowed

    counterexample = next((c for c in request_space(policy_type, string_semantics) if new_access(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (new_text, old_text, counterexample)
    assert_witness(result, new_access, string_semantics, counterexample,
                   next((c for c in request_space(policy_type, only=SIMULABLE) if new_access(c)), None))
    if counterexample is not None:
        assert result["result"] == FAIL


@SEMANTICS
@SETTINGS
@given(st.data())
def test_check_access_not_granted_agrees_with_brute_force(string_semantics, data):
    text, access, policy_type = access_not_granted_case(data)
    policy = compiled(text, policy_type)
    result = check_access_not_granted(text, access, policy_type, string_semantics=string_semantics).as_dict()

    def granted(c: Concrete) -> bool:
        return listed(access, c) and replay(policy, c, policy_type).allowed

    counterexample = next((c for c in request_space(policy_type, string_semantics) if granted(c)), None)
    if result["result"] == PASS:
        assert counterexample is None, (text, access, counterexample)
    assert_witness(result, granted, string_semantics, counterexample,
                   next((c for c in request_space(policy_type, only=SIMULABLE) if granted(c)), None))
    if counterexample is not None:
        assert result["result"] == FAIL


def test_access_only_on_requests_that_cannot_occur_is_a_string_fail():
    """``s3:ListBucket`` granted on objects and ``s3:GetObject`` on a bucket: no real request is
    newly allowed (PASS), while the string reading reports both pairs (FAIL)."""
    new = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}]})
    old = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]})
    assert check_no_new_access(new, old, IDENTITY_POLICY).result == PASS
    strings = check_no_new_access(new, old, IDENTITY_POLICY, string_semantics=True)
    assert strings.result == FAIL and [r["statementIndex"] for r in strings.reasons] == [0, 1]


def test_an_action_without_resource_type_granted_on_an_arn_pattern_is_granted():
    """AWS's own example grants s3:ListAllMyBuckets on arn:aws:s3:::* (IAM User Guide, "IAM JSON
    policy elements: Statement"): the request's resource is not the string "*", so the grant is
    access in both readings, with a witness inside the pattern."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"}]})
    for string_semantics in (False, True):
        result = check_access_not_granted(policy, [{"actions": ["s3:ListAllMyBuckets"]}], IDENTITY_POLICY,
                                          string_semantics=string_semantics)
        assert result.result == FAIL and result.witness["resource"].startswith("arn:aws:s3:::"), result.as_dict()
