"""Wildcards an attacker writes: the same answers as the regular expressions they replace, in
linear time.

IAM wildcards used to be matched with Python's backtracking regular expressions, whose time
doubles with each ``*`` of ``a*a*a*…b``; every layer now matches with ``policy.wildcards``.
The property tests compare it with the regular-expression semantics it replaces (rebuilt here
as the reference, on inputs small enough for backtracking); the other tests run patterns of
10,000 characters through the evaluator, the custom checks, the validator, the catalog and the
symbolic engine's string search, and assert what they answer. No test measures time: with an
exponential matcher these tests would not finish, which is the failure they guard against.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import accessproof
from accessproof.catalog import default_catalog
from accessproof.catalog.service_reference import arn_format_matcher, key_name_matcher
from accessproof.checks import FAIL, PASS, check_access_not_granted, check_no_new_access
from accessproof.evaluate import IDENTITY, PolicySet, Request, compile_policy_text, evaluate
from accessproof.evaluate.conditions import value_test
from accessproof.policy.operators import parse_operator
from accessproof.policy import wildcards
from accessproof.policy.variables import find_variables, replace_braced
from accessproof.policy.wildcards import (
    compile_pieces, compile_wildcard, pattern_covers, patterns_intersect, wildcard_set,
)
from accessproof.reason.strings import SearchLimit, exact_valuation, find_string, literal_pattern, wildcard_pattern

# ------------------------------------------------------------------ the semantics replaced


def reference_regex(pieces, arn: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """The regular expression the evaluator used to build (``evaluate.patterns.compile_pieces``)."""
    segmented = arn and any(":" in text for text, _ in pieces)
    colons = 0
    out = []
    for text, literal in pieces:
        for ch in text:
            if literal or ch not in "*?":
                out.append(re.escape(ch))
                colons += ch == ":"
            elif segmented and colons < 5:
                out.append("[^:]*" if ch == "*" else "[^:]")
            else:
                out.append(".*" if ch == "*" else ".")
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


pieces_strategy = st.lists(st.tuples(st.text(alphabet="aA:*?", max_size=5), st.booleans()), min_size=1, max_size=3)
texts = st.text(alphabet="aAb:*?", max_size=10)


@settings(max_examples=1000, deadline=None)
@given(pieces_strategy, texts, st.booleans(), st.booleans())
def test_matches_what_the_regular_expression_matched(pieces, text, arn, ignore_case):
    pieces = tuple(pieces)
    expected = reference_regex(pieces, arn, ignore_case).fullmatch(text) is not None
    assert compile_pieces(pieces, arn, ignore_case).matches(text) == expected


def _leftmost_fit(chunk: str, text: str, start: int, stop: int) -> int:
    """Where ``chunk`` (literals and ``?``) first fits in ``text[start:stop]``, place by place."""
    for at in range(start, stop - len(chunk) + 1):
        if all(c == "?" or c == t for c, t in zip(chunk, text[at:])):
            return at
    return -1


chunks = st.text(alphabet="ab?", min_size=1, max_size=7)


@settings(max_examples=1000, deadline=None)
@given(chunks, st.text(alphabet="ab", max_size=16), st.integers(0, 16), st.integers(0, 16))
def test_a_chunk_is_found_at_its_leftmost_place_by_either_search(chunk, text, start, stop):
    compiled = wildcards._chunk(chunk, chunk.replace("a", wildcards.LITERAL).replace("b", wildcards.LITERAL))
    stop = min(stop, len(text))
    expected = _leftmost_fit(chunk, text, start, stop)
    assert compiled.find(text, start, stop) == expected
    if compiled.anchor is not None and start <= stop:
        assert compiled._shift_and(text, start, stop) == expected
    saved = wildcards._CHECKS_PER_CHAR, wildcards._CHECKS_FREE
    wildcards._CHECKS_PER_CHAR, wildcards._CHECKS_FREE = 0, -1  # shift-and from the first failed place on
    try:
        assert compiled.find(text, start, stop) == expected
    finally:
        wildcards._CHECKS_PER_CHAR, wildcards._CHECKS_FREE = saved


@settings(max_examples=1000, deadline=None)
@given(st.lists(chunks, min_size=1, max_size=3), st.booleans(), st.booleans(), st.text(alphabet="abAB:", max_size=16),
       st.booleans(), st.booleans())
def test_the_shift_and_search_matches_what_the_regular_expression_matched(chunk_list, open_start, open_end, text,
                                                                          arn, ignore_case):
    # With no allowance for failed place checks, a chunk search turns to shift-and at the first
    # place that fails (on long texts it does so after a few checks per character).
    pieces = (("*" * open_start + "*".join(chunk_list) + "*" * open_end, False),)
    expected = reference_regex(pieces, arn, ignore_case).fullmatch(text) is not None
    saved = wildcards._CHECKS_PER_CHAR, wildcards._CHECKS_FREE
    wildcards._CHECKS_PER_CHAR, wildcards._CHECKS_FREE = 0, -1
    try:
        matcher = wildcards._compile(pieces, arn, ignore_case)  # uncached: chunks of their own
        assert matcher.matches(text) == expected
    finally:
        wildcards._CHECKS_PER_CHAR, wildcards._CHECKS_FREE = saved


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="a:*?", max_size=6), min_size=1, max_size=4), texts, st.booleans())
def test_a_set_matches_what_one_of_its_members_matches(patterns, text, arn):
    members = [((p, False),) for p in patterns]
    expected = any(reference_regex(m, arn).fullmatch(text) is not None for m in members)
    assert wildcard_set(members, arn).matches(text) == expected


def reference_covers(g: str, s: str) -> bool:
    """The quadratic table ``pattern_covers`` used to fill (``*`` in ``s`` is absorbed only by ``*``)."""
    n, m = len(g), len(s)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[n][m] = True
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            if g[i] == "*":
                reach[i][j] = reach[i + 1][j] or (j < m and reach[i][j + 1])
            elif j < m:
                ok = s[j] != "*" if g[i] == "?" else s[j] == g[i]
                reach[i][j] = ok and reach[i + 1][j + 1]
    return reach[0][0]


def reference_intersect(a: str, b: str) -> bool:
    """The quadratic table ``patterns_intersect`` used to fill."""
    n, m = len(a), len(b)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            ac, bc = (a[i] if i < n else None), (b[j] if j < m else None)
            ok = ac == "*" and (reach[i + 1][j] or (j < m and reach[i][j + 1]))
            ok = ok or (bc == "*" and (reach[i][j + 1] or (i < n and reach[i + 1][j])))
            ok = ok or (ac not in (None, "*") and bc not in (None, "*") and (ac == "?" or bc == "?" or ac == bc)
                        and reach[i + 1][j + 1])
            reach[i][j] = ok
    return reach[0][0]


algebra_patterns = st.text(alphabet="ab*?", max_size=10)


@settings(max_examples=1000, deadline=None)
@given(algebra_patterns, algebra_patterns)
def test_the_bit_parallel_algebra_fills_the_same_table(a, b):
    assert pattern_covers(a, b) == reference_covers(a, b)
    assert patterns_intersect(a, b) == reference_intersect(a, b)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="${}a", max_size=14))
def test_braced_variables_are_replaced_as_the_regular_expression_did(text):
    expected = re.sub(r"\$\{[^}]*\}", lambda m: f"<{len(m.group(0))}>", text)
    assert replace_braced(text, lambda v: f"<{len(v)}>") == expected


def _old_arn_format_regex(arn_format: str) -> re.Pattern[str]:
    out = []
    for i, part in enumerate(arn_format.split(":", 5)):
        pieces = re.split(r"(\$\{[^}]+\})", part)
        out.append("".join(("[^:]*" if i < 5 else ".*") if p.startswith("${") else re.escape(p) for p in pieces))
    return re.compile(":".join(out), re.DOTALL)


def test_arn_formats_match_the_arns_their_regular_expressions_matched():
    catalog = default_catalog()
    fillers = ["x", "", "x:y", "a/b", "x*"]
    checked = 0
    for prefix in ("s3", "ec2", "iam", "lambda", "apigateway", "lex", "partnercentral", "kms", "sqs"):
        for rtype in catalog.service(prefix).resource_types.values():
            old = _old_arn_format_regex(rtype.arn_format)
            for filler in fillers:
                arn = re.sub(r"\$\{[^}]+\}", filler, rtype.arn_format)
                for candidate in (arn, arn + ":z", arn.replace("arn:", "arn:x:", 1)):
                    assert rtype.matches_arn(candidate) == (old.fullmatch(candidate) is not None), (rtype.arn_format, candidate)
                    checked += 1
    assert checked > 1000


@pytest.mark.parametrize("name, key, expected", [
    ("aws:RequestTag/${TagKey}", "aws:requesttag/team", True),
    ("aws:RequestTag/${TagKey}", "aws:RequestTag/", False),  # a placeholder is at least one character
    ("s3:ExistingObjectTag/<key>", "S3:existingobjecttag/a/b", True),
    ("agent.${Domain}.buildkite.dev", "agent.x.buildkite.dev", True),
    ("agent.${Domain}.buildkite.dev", "agent..buildkite.dev", False),
])
def test_condition_key_names_with_placeholders(name, key, expected):
    assert key_name_matcher(name).matches(key) == expected


# ------------------------------------------------------------------ ignoring case
# A check is proved by the symbolic engine and its witness replayed by the evaluator: if the two
# compared case differently, a policy could make a check PASS while the evaluator allows.

TRICKY = "kK\u212aåÅ\u212bßẞsSσςΣiIİθΘϴωΩ\u2126ǅǄǆ"


def test_case_variants_are_every_character_of_the_same_fold():
    others: dict[str, set[str]] = {}  # fold → the characters that fold to it but are not it
    for char in map(chr, range(0x110000)):
        folded = wildcards.fold_char(char)
        if folded != char:
            others.setdefault(folded, set()).add(char)
    for folded in others.keys() | set(map(wildcards.fold_char, TRICKY)):
        assert wildcards.case_variants(folded) == {folded} | others.get(folded, set()), folded


def test_both_engines_compare_ignoring_case_alike():
    # Every pair of a string of at most two characters and one of at most one, both ways round.
    short = ["", *TRICKY]
    longer = short + [a + b for a in TRICKY for b in TRICKY]
    equals_ignoring_case = parse_operator("StringEqualsIgnoreCase")
    for policy_values, request_values in ((longer, short), (short, longer)):
        for policy_value in policy_values:
            evaluator = value_test(equals_ignoring_case, policy_value)
            pattern, wildcard = literal_pattern(policy_value, ignore_case=True), compile_wildcard(policy_value, ignore_case=True)
            for request_value in request_values:
                expected = evaluator(request_value)
                assert pattern.accepts(request_value) == expected, (policy_value, request_value)
                assert wildcard.matches(request_value) == expected, (policy_value, request_value)


def _tagged(allow: tuple[str, object], deny: tuple[str, object]) -> str:
    """Allow s3:GetObject under one condition on the caller's tag, deny it under another."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "s3:GetObject", "Resource": "*",
         "Condition": {operator: {"aws:PrincipalTag/team": value}}}
        for effect, (operator, value) in (("Allow", allow), ("Deny", deny))]})


def test_a_case_variant_that_no_pattern_names_is_searched():
    # "k" ignoring case is also KELVIN SIGN, which the Deny does not name: the access is granted.
    policy = _tagged(("StringEqualsIgnoreCase", "k"), ("StringEquals", ["k", "K"]))
    result = check_access_not_granted(policy, [{"actions": ["s3:GetObject"]}], "IDENTITY_POLICY")
    assert result.result == FAIL
    assert result.witness["context"]["aws:principaltag/team"] == "\u212a"


def test_ignoring_case_compares_character_by_character():
    # Not full case folding: "ß" is not "ss", so the Deny on every s… leaves nothing allowed.
    policy = _tagged(("StringEqualsIgnoreCase", "ss"), ("StringLike", ["s*", "S*"]))
    assert check_access_not_granted(policy, [{"actions": ["s3:GetObject"]}], "IDENTITY_POLICY").result == PASS
    assert _simulate(policy, "arn:aws:s3:::b/k",
                     _context("aws:PrincipalTag/team", "ß")) == "implicitDeny"


# ------------------------------------------------------------------ adversarial patterns

STARS = 5000
ADVERSARIAL = "a*" * STARS + "b"  # 10,001 characters; a backtracking regex needs ~2^5000 steps on "aaa…"
ADVERSARIAL_CASES = [
    # (pattern, a text it matches, a text it does not match)
    (ADVERSARIAL, "a" * 10_000 + "b", "a" * 10_000),
    ("*a" * STARS + "*b", "a" * 10_000 + "b", "a" * 10_000 + "c"),
    ("?*" * STARS + "b", "x" * 5_000 + "b", "x" * 4_999 + "b"),
    ("a?" * STARS + "*b", "ax" * 5_000 + "b", "ax" * 4_999 + "b"),
    ("*" * 10_000 + "a?b", "zzzaxb", "zzzab"),
    # One chunk of 5,000 runs: checked run by run at each of 40,000 places, 2 * 10^8 comparisons.
    ("*" + "a?" * STARS + "b*", "a" * 50_000 + "b", "a" * 50_000),
    ("*b*" + "a?" * STARS + "b", "b" + "a" * 50_000 + "b", "b" + "a" * 50_000),
]


@pytest.mark.parametrize("pattern, matching, failing", ADVERSARIAL_CASES)
def test_adversarial_patterns_are_decided(pattern, matching, failing):
    assert compile_wildcard(pattern).matches(matching)
    assert not compile_wildcard(pattern).matches(failing)
    assert compile_wildcard(pattern.upper(), ignore_case=True).matches(matching)
    assert not compile_wildcard(pattern.upper(), ignore_case=True).matches(failing)
    arn = "arn:aws:s3:::"
    assert compile_wildcard(arn + pattern, arn=True).matches(arn + matching)
    assert not compile_wildcard(arn + pattern, arn=True).matches(arn + failing)


def test_adversarial_wildcards_in_arn_components_never_cross_a_colon():
    region = "a*" * STARS + "b"
    pattern = f"arn:aws:s3:{region}:*:*"
    assert compile_wildcard(pattern, arn=True).matches("arn:aws:s3:" + "a" * 9_999 + "b:1:x")
    assert not compile_wildcard(pattern, arn=True).matches("arn:aws:s3:" + "a" * 9_999 + ":b:1:x")


def _policy(statement: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})


RESOURCE_POLICY = _policy({"Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{ADVERSARIAL}"})
STRING_LIKE_POLICY = _policy({"Action": "s3:GetObject", "Resource": "*",
                              "Condition": {"StringLike": {"s3:prefix": ADVERSARIAL}}})
ARN_LIKE_POLICY = _policy({"Action": "s3:GetObject", "Resource": "*",
                           "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{ADVERSARIAL}"}}})
MATCHING, FAILING = "a" * 10_000 + "b", "a" * 10_000


def _simulate(policy: str, resource: str, context: list) -> str:
    iam = accessproof.client("iam")
    response = iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"],
                                          ResourceArns=[resource], ContextEntries=context)
    return response["EvaluationResults"][0]["EvalDecision"]


def _decide(policy: str, resource: str, context: dict) -> str:
    compiled = compile_policy_text(policy, "adversarial", IDENTITY)
    request = Request.of("arn:aws:iam::111122223333:user/u", "s3:GetObject", resource, context)
    return evaluate(request, PolicySet(identity=(compiled,))).decision


def _context(key: str, value: str) -> list:
    return [{"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}]


@pytest.mark.parametrize("text, decision", [(MATCHING, "allowed"), (FAILING, "implicitDeny")])
def test_the_simulator_decides_adversarial_policies(text, decision):
    # IAM caps ResourceArns at 2,048 characters (its API model, which the client enforces): there
    # a 10,000-character pattern that 2,001 characters can match (a*a*…, then 8,000 stars, then
    # b); the whole text in the decision engine and in context values (which have no cap).
    capped = RESOURCE_POLICY.replace(ADVERSARIAL, "a*" * 1_000 + "*" * 8_000 + "b")
    assert _simulate(capped, f"arn:aws:s3:::{text[-2_001:]}", []) == decision
    assert _decide(RESOURCE_POLICY, f"arn:aws:s3:::{text}", {}) == decision
    assert _simulate(STRING_LIKE_POLICY, "arn:aws:s3:::b/k", _context("s3:prefix", text)) == decision
    assert _simulate(ARN_LIKE_POLICY, "arn:aws:s3:::b/k", _context("aws:SourceArn", f"arn:aws:s3:::{text}")) == decision


@pytest.mark.parametrize("name, decision", [("s3:" + "a" * 10_000 + "b", "allowed"), ("s3:" + "a" * 10_000, "implicitDeny")])
def test_the_decision_engine_matches_adversarial_action_patterns(name, decision):
    policy = compile_policy_text(_policy({"Action": f"s3:{ADVERSARIAL}", "Resource": "*"}), "adversarial", IDENTITY)
    request = Request.of("arn:aws:iam::111122223333:user/u", name)
    assert evaluate(request, PolicySet(identity=(policy,))).decision == decision


@pytest.mark.parametrize("policy", [RESOURCE_POLICY, STRING_LIKE_POLICY, ARN_LIKE_POLICY])
def test_checks_decide_adversarial_policies(policy):
    granted = check_access_not_granted(policy, [{"actions": ["s3:GetObject"]}], "IDENTITY_POLICY")
    assert granted.result == FAIL
    # The check replayed its witness through the evaluator; the witness names a string the
    # adversarial pattern matches.
    witness = granted.witness
    assert witness is not None and witness["action"].lower() == "s3:getobject"
    matched = witness["resource"].removeprefix("arn:aws:s3:::") if policy is RESOURCE_POLICY else \
        witness["context"]["s3:prefix"] if policy is STRING_LIKE_POLICY else \
        witness["context"]["aws:sourcearn"].removeprefix("arn:aws:s3:::")  # context keys are lower-cased
    assert compile_wildcard(ADVERSARIAL).matches(matched)
    assert check_no_new_access(policy, policy, "IDENTITY_POLICY").result == PASS
    broader = policy.replace(ADVERSARIAL, "a*b")
    assert check_no_new_access(policy, broader, "IDENTITY_POLICY").result == PASS  # a*a*…b ⊆ a*b
    assert check_no_new_access(broader, policy, "IDENTITY_POLICY").result == FAIL  # "ab" is new


def test_checks_decide_long_resources_against_a_chunk_of_many_runs():
    pattern = _policy({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::*" + "a?" * STARS + "b*"})

    def literal(name: str) -> str:
        return _policy({"Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}"})
    # Objects (bucket/key), the only resources s3:GetObject acts on in a real request.
    assert check_no_new_access(literal("a" * 50_000 + "b/k"), pattern, "IDENTITY_POLICY").result == PASS
    assert check_no_new_access(literal("a" * 50_000 + "/k"), pattern, "IDENTITY_POLICY").result == FAIL
    # A bucket ARN is no request s3:GetObject can make: no new real access, but new access as strings.
    assert check_no_new_access(literal("a" * 50_000), pattern, "IDENTITY_POLICY").result == PASS
    assert check_no_new_access(literal("a" * 50_000), pattern, "IDENTITY_POLICY", string_semantics=True).result == FAIL
    assert _decide(pattern, "arn:aws:s3:::" + "a" * 50_000 + "b", {}) == "allowed"
    assert _decide(pattern, "arn:aws:s3:::" + "a" * 50_000, {}) == "implicitDeny"


def test_a_deny_with_an_adversarial_pattern_is_proved_to_cover_its_allow():
    statements = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{ADVERSARIAL}"},
                  {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a*b"}]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    assert check_access_not_granted(policy, [{"actions": ["s3:GetObject"]}], "IDENTITY_POLICY").result == PASS


def test_the_validator_reads_adversarial_policies():
    analyzer = accessproof.client("accessanalyzer")

    def codes(policy: str) -> set[str]:
        findings = analyzer.validate_policy(policyDocument=policy, policyType="IDENTITY_POLICY")["findings"]
        return {f["issueCode"] for f in findings}
    assert codes(RESOURCE_POLICY) == set()
    assert codes(ARN_LIKE_POLICY) == set()
    # (Whether s3:prefix is a key of s3:GetObject is the catalog's business, not the pattern's.)
    assert codes(STRING_LIKE_POLICY) <= {"UNSUPPORTED_ACTION_FOR_CONDITION_KEY"}
    assert codes(_policy({"Action": f"s3:{ADVERSARIAL}", "Resource": "*"})) == {"INVALID_ACTION"}
    # 20,000 characters: over the identity policy quota (10,240), under the refusal (32 KiB).
    longer = RESOURCE_POLICY.replace(ADVERSARIAL, "a*" * (2 * STARS) + "b")
    assert codes(longer) == {"POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"}


def test_the_catalog_matches_adversarial_action_patterns():
    catalog = default_catalog()
    assert catalog.match_actions(f"s3:{ADVERSARIAL}") == []
    spread = "*".join("GetObject") + "*" * 10_000
    assert "GetObject" in {a.name for a in catalog.match_actions(f"s3:{spread}")}
    any_s3 = "*" * 5_000 + "s" + "*" * 5_000 + "3"  # a wildcard service prefix
    assert "s3" in {a.service for a in catalog.match_actions(f"{any_s3}:GetObject")}


def test_arn_formats_decide_adversarial_arns():
    # Six placeholders in the resource part: the regular expression took time n^6.
    rtype = default_catalog().service("partnercentral").resource_types
    fmt = next(rt for rt in rtype.values() if rt.arn_format.split(":", 5)[-1].count("${") >= 6)
    hostile = "arn:aws:partnercentral:us-east-1:123456789012:catalog/" + "/engagement/resource/template/" * 2_000 + "x"
    assert not arn_format_matcher(fmt.arn_format).matches(hostile)
    fine = re.sub(r"\$\{[^}]+\}", "x", fmt.arn_format).replace("x", "aws", 1)
    assert arn_format_matcher(fmt.arn_format).matches(fine)


def test_comparing_two_adversarial_patterns():
    other = "?a*" * 3333 + "b"
    assert patterns_intersect(ADVERSARIAL, other)  # "?a" repeated, then "b": a a…a b
    assert not patterns_intersect(ADVERSARIAL, other + "c")
    assert pattern_covers("a*b", ADVERSARIAL)
    assert not pattern_covers(ADVERSARIAL, "a*b")
    assert pattern_covers(ADVERSARIAL, ADVERSARIAL)


def test_the_string_search_is_bounded_on_adversarial_patterns():
    long_pattern = wildcard_pattern(ADVERSARIAL)
    assert exact_valuation([long_pattern], (True,)) == "a" * STARS + "b"
    assert exact_valuation([wildcard_pattern("a*b"), long_pattern], (True, False)) == "ab"
    # The complete search, on a pattern of 601 tokens: its shortest member, and a proof that
    # every member of a*a*…b is a member of a*b.
    medium = wildcard_pattern("a*" * 300 + "b")
    assert find_string([medium], lambda accepted: accepted[0]) == "a" * 300 + "b"
    assert exact_valuation([medium, wildcard_pattern("a*b")], (True, False)) is None
    # Questions whose answer lies deep in the product of long patterns: the search stops at its
    # memory bound, after visiting at most MAX_SEARCH_BITS / 10,000 states (the solver then
    # answers "undecided", never a guess).
    with pytest.raises(SearchLimit):
        exact_valuation([long_pattern, wildcard_pattern("a*b")], (True, False))
    with pytest.raises(SearchLimit):
        find_string([long_pattern, wildcard_pattern("?" * (STARS + 1))], lambda accepted: accepted[0] and not accepted[1])


def test_policy_variables_in_long_values():
    unclosed = "${" * 10_000
    assert len(find_variables(unclosed)) == 10_000
    assert replace_braced(unclosed + "}", lambda v: "*") == "*"
    assert replace_braced(unclosed, lambda v: "*") == unclosed


def test_simulate_principal_policy_excludes_policies_by_adversarial_patterns():
    # PolicyExclusionList's PolicyArn is a wildcard (IAM API Reference, PolicyIdentifier); IAM caps
    # it at 2,048 characters. NeverUsedRole's one policy, S3FullAccess, allows s3:GetObject.
    snapshot = Path(__file__).resolve().parents[2] / "examples" / "account-unused"
    iam = accessproof.client("iam", snapshot=str(snapshot))
    head = "arn:aws:iam::444455556666:policy/"

    def decision(excluded: str) -> str:
        response = iam.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::444455556666:role/NeverUsedRole", ActionNames=["s3:GetObject"],
            PolicyExclusionList=[{"PolicyArn": excluded}])
        return response["EvaluationResults"][0]["EvalDecision"]
    assert decision(head + "*" * 2_000 + "S3FullAccess") == "implicitDeny"
    assert decision(head + "*l" * 1_000 + "b") == "allowed"
    assert decision(head + "*l" * 2 + "*") == "implicitDeny"


def test_a_star_written_in_an_arn_format_is_any_value():
    """``arn:${Partition}:braket:*:*:device/...``: the catalog's matcher reads the format's own ``*``
    as the engine does (any Region, any account, empty included), not as the character."""
    catalog = default_catalog()
    device = catalog.service("braket").resource_type("device")
    assert "*:*" in device.arn_format
    assert device.matches_arn("arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1")
    assert not device.matches_arn("arn:aws:braket:us-east-1::job/qpu/ionq/Aria-1")
    point = catalog.service("backup").resource_type("recoveryPoint")
    assert point.matches_arn("arn:aws:ec2:us-east-1::snapshot:snap-0123")  # no account: EC2's own
    from accessproof.reason.requests import is_real_request

    assert is_real_request("backup:CopyFromBackupVault", "arn:aws:ec2:us-east-1::snapshot:snap-0123")
