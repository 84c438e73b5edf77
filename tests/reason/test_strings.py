"""The string layer: patterns accept what the evaluator's matcher accepts; the search is exact."""

from __future__ import annotations

import itertools

from hypothesis import example, given, settings, strategies as st

from accessproof.policy.wildcards import compile_wildcard
from accessproof.reason.strings import exact_valuation, find_string, literal_pattern, search_accepts, wildcard_pattern

ALPHABET = "ab:*?"
texts = st.text(alphabet="ab:", max_size=7)
patterns = st.text(alphabet=ALPHABET, max_size=6)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aAb:*?Σσςİ\u212a", max_size=6), st.text(alphabet="aAb:Σσςİk\u212a", max_size=7),
       st.booleans(), st.booleans())
def test_the_search_automaton_accepts_what_the_evaluator_accepts(pattern, text, arn, ignore_case):
    p = wildcard_pattern(pattern, arn=arn, ignore_case=ignore_case)
    expected = compile_wildcard(pattern, arn, ignore_case).matches(text)
    assert p.accepts(text) == expected
    assert search_accepts(p, text) == expected


@settings(max_examples=150, deadline=None)
@example(specs=[("", False), ("?", False)], wanted=[False, False, False])  # the end position is no "accept all"
@given(st.lists(st.tuples(patterns, st.booleans()), min_size=1, max_size=3), st.lists(st.booleans(), min_size=3, max_size=3))
def test_exact_valuation_is_complete_and_correct(specs, wanted):
    ps = [wildcard_pattern(p, arn=arn) for p, arn in specs]
    want = tuple(wanted[: len(ps)])
    found = exact_valuation(ps, want)
    brute = next((s for n in range(5) for s in map("".join, itertools.product("ab:x", repeat=n))
                  if tuple(p.accepts(s) for p in ps) == want), None)
    if found is None:
        assert brute is None  # the search is complete: "impossible" is a fact
    else:
        assert tuple(p.accepts(found) for p in ps) == want


def test_examples():
    s3 = wildcard_pattern("arn:aws:s3:::b/*", arn=True)
    any_region = wildcard_pattern("arn:aws:ec2:*:*:instance/*", arn=True)
    assert s3.accepts("arn:aws:s3:::b/a:b")  # the resource part may contain colons
    assert not any_region.accepts("arn:aws:ec2:a:b:c:d:instance/x")  # region wildcards stop at a colon
    assert literal_pattern("Ab", ignore_case=True).accepts("aB")
    assert exact_valuation([wildcard_pattern("a*"), wildcard_pattern("*b")], (True, False)) is not None
    assert exact_valuation([wildcard_pattern("a*"), wildcard_pattern("a?*")], (False, True)) is None
    assert find_string([wildcard_pattern("x*y")], lambda got: got[0], nonempty=True) == "xy"


components = st.text(alphabet="ab*?", max_size=3)
arn_patterns = st.lists(components, min_size=6, max_size=6).map(":".join)
arn_strings = [":".join(parts) for parts in itertools.product(["", "a", "b", "ab", "ba"], repeat=2)]


@settings(max_examples=300, deadline=None)
@given(st.one_of(arn_patterns, patterns), st.one_of(arn_patterns, patterns))
def test_containment_and_disjointness_used_for_refinement_are_facts(a, b):
    from accessproof.reason.solver import covers, disjoint

    pa, pb = wildcard_pattern(a, arn=True), wildcard_pattern(b, arn=True)
    # strings with every shape of component the patterns can tell apart
    samples = [f"{x}:{y}:{z}:{x}:{y}:{w}" for x, y, z, w in itertools.product(["", "a", "ab"], ["", "b"], ["a", "ba"], ["", "a", "b:a", "ab"])]
    samples += [s for s in map("".join, itertools.product("ab:", repeat=3))] + arn_strings
    if covers(pa, pb):
        assert all(pa.accepts(s) for s in samples if pb.accepts(s))
    if disjoint(pa, pb):
        assert not any(pa.accepts(s) and pb.accepts(s) for s in samples)


@settings(max_examples=300, deadline=None)
@given(patterns, st.lists(texts, max_size=12), st.booleans())
def test_accepted_among_sorted_texts_is_the_filter(pattern, candidates, arn):
    p = wildcard_pattern(pattern, arn=arn)
    ordered = sorted(set(candidates) | {"a", "ab", "abb", "b"})
    assert list(p.accepted_among(ordered)) == [t for t in ordered if p.accepts(t)]
