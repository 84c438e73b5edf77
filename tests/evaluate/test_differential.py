"""Differential test: our evaluator against the independent simulator ``@cloud-copilot/iam-simulate``.

Hypothesis generates identity policies, resource policies, permissions boundaries, SCPs and RCPs
with conditions of every operator family, and requests over a small vocabulary; both engines
decide each case and must agree. Disagreements where AWS's documentation shows the peer to be
wrong are listed in ``documented_disagreement`` with the page that decides.
"""

from __future__ import annotations

import ipaddress
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings

from .cases import case, ours, peer_simulation
from accessproof.policy.variables import find_variables

from .peer import Peer, peer_available

CASES = int(os.environ.get("ACCESSPROOF_DIFFERENTIAL_CASES", "3000"))

pytestmark = pytest.mark.skipif(peer_available() is not None, reason=str(peer_available()))


@pytest.fixture(scope="module")
def peer():
    p = Peer()
    yield p
    p.close()


def _without_empty_sets(c: dict) -> dict:
    return {**c, "context": {k: v for k, v in c["context"].items() if v != []}}


def _unresolvable(text: str, context: dict) -> bool:
    keys = {k.lower() for k, v in context.items() if not isinstance(v, list)}
    return any(v.is_well_formed and not v.is_special and v.default is None and v.key.lower() not in keys
               for v in find_variables(text))


def _statement_has_unresolvable(statement: dict, context: dict) -> bool:
    texts: list[str] = []
    for element in ("Resource", "NotResource"):
        value = statement.get(element, [])
        texts.extend([value] if isinstance(value, str) else value)
    for operator, block in statement.get("Condition", {}).items():
        if operator.split(":")[-1].startswith(("String", "Arn")):
            for values in block.values():
                texts.extend([values] if isinstance(values, str) else values)
    return any(_unresolvable(t, context) for t in texts)


def _without_unresolvable_statements(c: dict) -> dict:
    return _map_statements(c, lambda s: None if _statement_has_unresolvable(s, c["context"]) else s)


def _map_statements(c: dict, rewrite) -> dict:
    """Apply ``rewrite(statement)`` (which returns a statement or None to drop it) to every policy."""
    def clean(doc):
        if doc is None:
            return None
        kept = [r for r in (rewrite(dict(s)) for s in doc["Statement"]) if r is not None]
        if not kept:  # keep the policy valid: one statement that matches nothing
            inert = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::no-such-bucket/x"}
            if "Principal" in doc["Statement"][0]:
                inert["Principal"] = "*"
            kept = [inert]
        return {**doc, "Statement": kept}

    return {
        **c,
        "identity": [clean(p) for p in c["identity"]],
        "resource_policy": clean(c["resource_policy"]),
        "boundary": [clean(p) for p in c["boundary"]] if c["boundary"] is not None else None,
        "scp_levels": [[clean(p) for p in level] for level in c["scp_levels"]],
        "rcp_levels": [[clean(p) for p in level] for level in c["rcp_levels"]],
    }


def _missing_key_for_any_value_if_exists_is_true(c: dict) -> dict:
    present = {k.lower() for k, v in c["context"].items() if v != []}

    def rewrite(statement: dict) -> dict:
        if "Condition" not in statement:
            return statement
        condition = {}
        for operator, block in statement["Condition"].items():
            if operator.startswith("ForAnyValue:") and operator.endswith("IfExists"):
                block = {k: v for k, v in block.items() if k.lower() in present}
            if block:
                condition[operator] = block
        statement = {k: v for k, v in statement.items() if k != "Condition"}
        if condition:
            statement["Condition"] = condition
        return statement

    return _map_statements(c, rewrite)


def _ip_version(text: str):
    try:
        return ipaddress.ip_network(text, strict=False).version
    except ValueError:
        return None


def _other_ip_versions_dropped(c: dict) -> dict:
    address = c["context"].get("aws:SourceIp")
    if not isinstance(address, str) or _ip_version(address) is None:
        return c
    version = _ip_version(address)
    unmatched = "0.0.0.0/32" if version == 4 else "::1/128"

    def rewrite(statement: dict) -> dict:
        if "Condition" not in statement:
            return statement
        condition = {}
        for operator, block in statement["Condition"].items():
            if "IpAddress" in operator:
                block = dict(block)
                for key, values in block.items():
                    values = [values] if isinstance(values, str) else values
                    kept = [v for v in values if _ip_version(v) == version] or [unmatched]
                    block[key] = kept
            condition[operator] = block
        return {**statement, "Condition": condition}

    return _map_statements(c, rewrite)


def _key_policy_delegating_to_the_owner(c: dict) -> dict:
    if not c["action"].lower().startswith("kms:") or c["resource_policy"] is not None:
        return c
    delegation = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{c['owner']}:root"}, "Action": "kms:*",
                  "Resource": "*"}
    return {**c, "resource_policy": {"Version": "2012-10-17", "Statement": [delegation]}}


# Each entry: why we differ, the AWS page that decides, and a function that rewrites the case
# into one where the peer's reading and ours coincide; the disagreement is accepted only when
# the peer, asked again about the rewritten case, gives our answer.
DOCUMENTED = [
    (
        "An empty multivalued context value is a 'null data set': ForAllValues treats it as true and "
        "ForAnyValue as false exactly as for a missing key, and the Null operator reports it as null. "
        "iam-simulate's Null reports an empty set as present.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html",
        _without_empty_sets,
    ),
    (
        "A policy variable that cannot be resolved (no value in the request, no default) invalidates "
        "the statement, which then applies to nothing, also through NotResource and negated condition "
        "operators. iam-simulate lets such a statement apply (e.g. a Deny with NotResource naming "
        "${aws:username} denies when the key is missing).",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html "
        "(\"If AWS cannot resolve a variable this might cause the entire statement to be invalid\")",
        _without_unresolvable_statements,
    ),
    (
        "...IfExists: 'If the key is not present, evaluate the condition element as true', for every "
        "operator except Null, so ForAnyValue:StringLikeIfExists on a missing key is true. "
        "iam-simulate evaluates it as false (ForAnyValue's answer for a missing key).",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists",
        _missing_key_for_any_value_if_exists_is_true,
    ),
    (
        "An address of one IP version is not inside a range of the other version: NotIpAddress with "
        "IPv4 ranges is true for an IPv6 caller. AWS warns of exactly this when IPv6 is enabled: a "
        "NotIpAddress Deny listing only IPv4 ranges denies every IPv6 request. iam-simulate treats "
        "the pair as incomparable (the negated test false).",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ipv6-access.html (Using IPv6 addresses "
        "in IAM and bucket policies)",
        _other_ip_versions_dropped,
    ),
    (
        "A KMS request simulated without a key policy: like IAM's own simulator, which 'does not "
        "automatically retrieve policies for the specified resources', we decide with the policies given "
        "(a key policy that delegates to the account, the default key policy, gives the same answer). "
        "iam-simulate denies every KMS request that comes without a key policy.",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html (ResourcePolicy); "
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
        _key_policy_delegating_to_the_owner,
    ),
]


def documented_disagreement(peer: Peer, c: dict, our_decision: str):
    """The AWS documentation that shows the peer wrong for this case, or None."""
    combined = c
    for reason, page, rewrite in DOCUMENTED:
        rewritten = rewrite(c)
        combined = rewrite(combined)
        if rewritten != c and peer.decide(peer_simulation(rewritten)).get("decision") == our_decision:
            return reason, page
    if combined != c and peer.decide(peer_simulation(combined)).get("decision") == our_decision:
        return "several of the documented differences at once", ""
    return None


@settings(max_examples=CASES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(c=case())
def test_agrees_with_iam_simulate(peer, c):
    answer = peer.decide(peer_simulation(c))
    assert "error" not in answer, f"the peer rejected the case: {answer['error']}\n{json.dumps(c, indent=1)}"
    mine = ours(c)
    if mine.decision != answer["decision"]:
        if documented_disagreement(peer, c, mine.decision):
            return
        pytest.fail(f"we say {mine.decision} ({mine.reason}), iam-simulate says {answer['decision']}\n"
                    f"{json.dumps(c, indent=1)}")
