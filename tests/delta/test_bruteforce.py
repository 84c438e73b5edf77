"""The access delta against brute force on small policies: over a vocabulary of actions and
resources, every catalog action of s3 and sqs for which some real request is allowed by the new
policy and not by the old one is listed, and every listed action's witness replays as new access."""

from __future__ import annotations

import json
from functools import lru_cache

from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.checks.common import IDENTITY_CALLER, IDENTITY_POLICY, RESOURCE_POLICY, replay
from accessproof.evaluate import IDENTITY, RESOURCE, compile_policy_text
from accessproof.reason import Concrete
from accessproof.reason.requests import is_real_request, service_actions
from accessproof.delta import policy_delta

ACTIONS = ["s3:GetObject", "s3:Get*", "s3:PutObject", "s3:*", "s3:List*", "sqs:SendMessage", "sqs:*", "*", "s3:*Tagging"]
RESOURCES = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "arn:aws:s3:::c/*", "arn:aws:sqs:us-east-1:123456789012:q"]
POOL_RESOURCES = RESOURCES + ["arn:aws:s3:::b/x", "arn:aws:s3:::c/x", "arn:aws:s3:::c", "arn:aws:s3:::d", "arn:aws:s3:::d/x",
                              "arn:aws:sqs:us-east-1:123456789012:other"]
SERVICES = ("s3", "sqs")


@lru_cache(maxsize=1)
def _pool() -> tuple[tuple[str, str], ...]:
    out = []
    for service in SERVICES:
        for action in service_actions(service).values():
            resources = set(POOL_RESOURCES) | {language.example for language in action.resource_types}
            out += [(action.name, r) for r in sorted(resources) if is_real_request(action.name, r)]
    return tuple(out)


statement = st.fixed_dictionaries({
    "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
    "Action": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True),
    "Resource": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True),
})
policy = st.lists(statement, min_size=0, max_size=3).map(lambda s: {"Version": "2012-10-17", "Statement": s})


def _brute(old: str, new: str, policy_type: str) -> set[str]:
    kind = IDENTITY if policy_type == IDENTITY_POLICY else RESOURCE
    compiled_old, compiled_new = compile_policy_text(old, "old", kind), compile_policy_text(new, "new", kind)
    principal = IDENTITY_CALLER if policy_type == IDENTITY_POLICY else "arn:aws:iam::999999999999:root"
    found = set()
    for action, resource in _pool():
        if action in found:
            continue
        request = Concrete(principal, action, resource, {}, True)
        if replay(compiled_new, request, policy_type).allowed and not replay(compiled_old, request, policy_type).allowed:
            found.add(action)
    return found


def _check(old_doc: dict, new_doc: dict, policy_type: str) -> None:
    old, new = json.dumps(old_doc), json.dumps(new_doc)
    delta = policy_delta(old, new, policy_type)
    kind = IDENTITY if policy_type == IDENTITY_POLICY else RESOURCE
    compiled_old, compiled_new = compile_policy_text(old, "old", kind), compile_policy_text(new, "new", kind)
    for access in delta.added.actions:  # every listed action replays as new access
        w = access.witness
        request = Concrete(w["principal"], w["action"], w["resource"], {}, True)
        assert not w["context"]
        assert replay(compiled_new, request, policy_type).allowed, access
        assert not replay(compiled_old, request, policy_type).allowed, access
        assert w["action"] == access.action
    listed = {a.action for a in delta.added.actions if a.service in SERVICES}
    assert not delta.added.unconfirmed
    assert listed == _brute(old, new, policy_type)
    removed = {a.action for a in delta.removed.actions if a.service in SERVICES}
    assert removed == _brute(new, old, policy_type)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy, policy)
def test_identity_policies_against_brute_force(old: dict, new: dict) -> None:
    _check(old, new, IDENTITY_POLICY)


def _with_principal(doc: dict) -> dict:
    return {**doc, "Statement": [{**s, "Principal": "*"} for s in doc["Statement"]]}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy, policy)
def test_resource_policies_against_brute_force(old: dict, new: dict) -> None:
    _check(_with_principal(old), _with_principal(new), RESOURCE_POLICY)


def test_known_pair() -> None:
    old = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]}
    new = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"}]}
    delta = policy_delta(json.dumps(old), json.dumps(new), IDENTITY_POLICY)
    assert [a.action for a in delta.added.actions] == ["s3:PutObject"]
    assert delta.added.grouped() == {"s3": {"object": list(delta.added.actions)}}
    assert [a.action for a in delta.removed.actions] == ["s3:GetObjectAcl"]
    assert delta.removed.actions[0].witness["resource"].startswith("arn:aws:s3:::b/")
