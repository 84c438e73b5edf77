"""The symbolic engine encodes the evaluator's service rules exactly (``Encoder.own_account``):
for random policies over a vocabulary that reaches every rule, the term and the concrete
evaluator agree on every request of the space, for an ordinary caller and a service-linked role."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.evaluate import IDENTITY, PolicySet, Request, compile_policy_text, evaluate, parse_principal
from accessproof.evaluate.service_rules import RULES
from accessproof.reason import ACTION, Encoder, Matches
from accessproof.reason.terms import evaluate_term

ACCOUNT = "123456789012"
CALLERS = {False: f"arn:aws:iam::{ACCOUNT}:user/alice",
           True: f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForSSO/sso"}
ACTIONS = ["sts:GetCallerIdentity", "iam:PutRolePolicy", "iam:UpdateRoleDescription", "iam:TagRole", "kms:DeleteAlias",
           "iam:CreatePolicyVersion", "iam:GetPolicy", "s3:GetObject"]
RESOURCES = ["*", f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
             f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1",
             f"arn:aws:iam::{ACCOUNT}:role/app", "arn:aws:iam::aws:policy/ReadOnlyAccess",
             f"arn:aws:iam::{ACCOUNT}:policy/Mine", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3",
             f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/mine", "arn:aws:s3:::b/k"]
ACTION_PATTERNS = ["*", "iam:*", "sts:*", "sts:GetCallerIdentity", "iam:Put*", "kms:*Alias", "iam:*Policy*",
                   "s3:GetObject", "iam:UpdateRole*", "iam:TagRole"]
RESOURCE_PATTERNS = ["*", "arn:aws:iam::*:role/*", "arn:aws:iam::*:role/aws-service-role/*",
                     "arn:aws:iam::*:role/aws-reserved/*", "arn:aws:iam::aws:policy/*", "arn:aws:iam::*:policy/*",
                     "arn:aws:kms:*:*:alias/*", "arn:aws:s3:::b/*"]

some = lambda items: st.lists(st.sampled_from(items), min_size=1, max_size=3, unique=True)


@st.composite
def statements(draw):
    s: dict = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    s["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = draw(some(ACTION_PATTERNS))
    s["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = draw(some(RESOURCE_PATTERNS))
    return s


policies = st.lists(statements(), min_size=1, max_size=3).map(
    lambda ss: json.dumps({"Version": "2012-10-17", "Statement": ss}))


def test_the_vocabulary_reaches_every_rule():
    reached = {r.name for r in RULES for a, res in itertools.product(ACTIONS, RESOURCES)
               if a.lower() in r.actions and r.resource_matches(res)}
    assert reached == {r.name for r in RULES}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies, st.booleans())
def test_own_account_term_agrees_with_the_evaluator(text, service_linked_caller):
    policy = compile_policy_text(text, "p", IDENTITY)
    term = Encoder.own_account(Encoder().grants(policy), service_linked_caller)
    principal = parse_principal(CALLERS[service_linked_caller])
    assert principal.is_service_linked_role is service_linked_caller
    for action, resource in itertools.product(ACTIONS, RESOURCES):
        def valuation(atom, action=action.lower(), resource=resource):
            assert isinstance(atom, Matches), atom
            return atom.pattern.accepts(action if atom.dimension == ACTION else resource)

        allowed = evaluate(Request(principal, action, resource), PolicySet(identity=(policy,)), explain=False).allowed
        assert evaluate_term(term, valuation) is allowed, (text, action, resource)
