"""The z3 session alone: witnesses from valuations, proofs, and a replay that disagrees raises."""

from __future__ import annotations

import pytest

from accessproof.reason import ACTION, RESOURCE, Matches, Session, WitnessReplayError, conj, neg
from accessproof.reason.strings import literal_pattern, wildcard_pattern
from accessproof.reason.terms import KeyPresent, SomeValue

USER = "arn:aws:iam::123456789012:user/u"


def matches(dimension, text, arn=False):
    return Matches(dimension, wildcard_pattern(text.lower() if dimension == ACTION else text, arn=arn))


def test_witness_satisfies_the_term():
    term = conj([matches(ACTION, "s3:Get*"), neg(matches(ACTION, "s3:GetObject")),
                 matches(RESOURCE, "arn:aws:s3:::b/*", True), neg(matches(RESOURCE, "arn:aws:s3:::b/secret*", True))])
    outcome = Session([term], USER).solve(term, lambda c: True)
    w = outcome.witness
    assert w.action.lower().startswith("s3:get") and w.action.lower() != "s3:getobject"
    assert w.resource.startswith("arn:aws:s3:::b/") and not w.resource.startswith("arn:aws:s3:::b/secret")


def test_impossible_string_combination_is_a_proof():
    term = conj([matches(RESOURCE, "a*"), neg(matches(RESOURCE, "a*b")), matches(RESOURCE, "*b")])
    outcome = Session([term], USER).solve(term, lambda c: True)
    assert outcome.witness is None and not outcome.unsure


def test_multivalued_context_witness():
    a, b = SomeValue("k", (literal_pattern("a"),), False), SomeValue("k", (literal_pattern("b"),), False)
    term = conj([a, b, KeyPresent("k")])
    w = Session([term], USER).solve(term, lambda c: True).witness
    assert set(w.context["k"].values) == {"a", "b"} and w.context["k"].multivalued


def test_a_witness_that_does_not_replay_raises():
    term = matches(ACTION, "s3:*")
    with pytest.raises(WitnessReplayError):
        Session([term], USER).solve(term, lambda c: False)
