"""Completeness of the scalar representatives: whatever outcomes any request value gets against a
set of numeric, date, IP, boolean or binary tests, some representative gets the same outcomes.
(The solver proves a valuation impossible by trying only the representatives.)"""

from __future__ import annotations

import base64
import ipaddress

from hypothesis import given, settings, strategies as st

from accessproof.policy.operators import Family
from accessproof.reason.scalars import ScalarTest, representatives

COMPARISONS = ["Equals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals"]


def outcome_vectors(tests, values):
    return {tuple(t.outcome(v) for t in tests) for v in values}


def assert_complete(tests, probes):
    reps = representatives(tests)
    achieved = outcome_vectors(tests, reps)
    for probe in probes:
        assert tuple(t.outcome(probe) for t in tests) in achieved, (tests, probe, reps)


numbers = st.one_of(st.integers(-20, 20).map(str), st.decimals(-10, 10, places=2, allow_nan=False).map(str),
                    st.sampled_from(["1e1", " 7 ", "abc", "", "0.5"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COMPARISONS), numbers), min_size=1, max_size=4), st.lists(numbers, max_size=8))
def test_numeric_representatives_are_complete(tests, probes):
    assert_complete(tuple(ScalarTest(Family.NUMERIC, c, v) for c, v in tests), probes)


dates = st.one_of(st.integers(0, 2_000_000_000).map(str), st.sampled_from(
    ["2020-01-01", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z", "1577836800", "1577836800.5", "-5", "x", ""]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COMPARISONS), dates), min_size=1, max_size=4), st.lists(dates, max_size=8))
def test_date_representatives_are_complete(tests, probes):
    assert_complete(tuple(ScalarTest(Family.DATE, c, v) for c, v in tests), probes)


networks = st.sampled_from(["10.0.0.0/8", "10.1.2.0/24", "203.0.113.7/32", "0.0.0.0/0", "2001:db8::/32", "::/0",
                            "255.255.255.255/32", "192.0.2.0/25", "not-a-cidr"])
addresses = st.one_of(st.integers(0, 2 ** 32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
                      st.integers(0, 2 ** 128 - 1).map(lambda n: str(ipaddress.IPv6Address(n))),
                      st.sampled_from(["10.0.0.1", "10.1.2.255", "203.0.113.7", "2001:db8::1", "garbage", "10.0.0.0/8"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(networks, min_size=1, max_size=4), st.lists(addresses, max_size=8))
def test_ip_representatives_are_complete(tests, probes):
    assert_complete(tuple(ScalarTest(Family.IP, "InRange", v) for v in tests), probes)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["true", "false", "True", " yes", "accessproof-witness"]), min_size=1, max_size=3),
       st.lists(st.sampled_from(["true", "FALSE", "yes", "", "accessproof-witness", "other"]), max_size=5))
def test_bool_representatives_are_complete(tests, probes):
    assert_complete(tuple(ScalarTest(Family.BOOL, "Equals", v) for v in tests), probes)


blobs = st.binary(max_size=3).map(lambda b: base64.b64encode(b).decode())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(blobs, st.just("!!")), min_size=1, max_size=3), st.lists(st.one_of(blobs, st.just("??")), max_size=5))
def test_binary_representatives_are_complete(tests, probes):
    assert_complete(tuple(ScalarTest(Family.BINARY, "Equals", v) for v in tests), probes)
