"""The wildcard algebra against brute force over a small alphabet."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from accessproof.policy.wildcards import _covers, _intersect, pattern_covers, patterns_intersect, wildcard_match

ALPHABET = "ab"
STRINGS = ["".join(p) for n in range(9) for p in itertools.product(ALPHABET, repeat=n)]
patterns = st.text(alphabet="ab*?", max_size=4)


def matches(pattern):
    return {s for s in STRINGS if wildcard_match(pattern, s)}


@settings(max_examples=400, deadline=None)
@given(patterns, patterns)
def test_intersect_agrees_with_enumeration(a, b):
    # Strings up to length 8 witness any intersection of two patterns of at most 4 characters.
    _intersect.cache_clear()
    assert patterns_intersect(a, b) == bool(matches(a) & matches(b))


@settings(max_examples=400, deadline=None)
@given(patterns, st.text(alphabet="ab*", max_size=4))
def test_covers_is_sound(general, specific):
    _covers.cache_clear()
    if pattern_covers(general, specific):
        assert matches(specific) <= matches(general)


def test_examples():
    assert pattern_covers("iam:get*", "iam:getrole")
    assert not pattern_covers("iam:get*", "iam:*credentialreport")
    assert patterns_intersect("arn:aws:s3:::a*", "arn:aws:s3:::*b")
    assert not patterns_intersect("arn:aws:s3:::a*", "arn:aws:s3:::b*")
    assert patterns_intersect("S3:Get*", "s3:getobject", ignore_case=True)
