"""Every FAIL witness of the brute-force suites is a real request for an independent judge.

The witnesses of the cases ``test_bruteforce`` and ``test_bruteforce_scalars`` draw go to the
simulator ``@cloud-copilot/iam-simulate`` (``tests/evaluate/peer.py``), which refuses to simulate
a request that AWS cannot receive: an unknown service or action, a resource that is none of the
action's resource types (or matches several equally), anything but ``*`` for an action without
a resource type. Each witness must be accepted, must replay in our evaluator, and — when the peer
kept every context key (it drops keys that do not apply to the action, so the brute-force
suites' made-up keys are dropped) — the peer must decide each policy as we do, or as we do once
one of the differential test's documented disagreements is taken out of the case.

A witness whose action belongs to a service the catalog does not know (plain string semantics,
sought only when no catalog action fits) is outside what the peer can judge: it must come from a
policy that can grant an unknown service at all (``NotAction`` or ``"*"``), and no real request
of the brute-force space may have the access. So is an action with no resource type on another
resource than ``*`` (sought only when no request the peer can simulate has the access), and the
peer's decision on ``*`` for such an action, which it reads as a pattern, is compared only where
every statement names ``*``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Callable, Optional

import pytest
from hypothesis import given, strategies as st

from accessproof.catalog import default_catalog
from accessproof.checks import (
    FAIL, IDENTITY_POLICY, Concrete, check_access_not_granted, check_no_new_access, replay, replay_request,
)
from accessproof.evaluate import parse_principal
from accessproof.evaluate.request import PrincipalKind

from ..evaluate.peer import Peer, peer_available
from ..evaluate.cases import peer_simulation
from ..evaluate.test_differential import documented_disagreement
from . import test_bruteforce as strings_suite
from . import test_bruteforce_scalars as scalars_suite

pytestmark = pytest.mark.skipif(peer_available() is not None, reason=str(peer_available()))

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
CALLER_ACCOUNT = "123456789012"  # the account of the identity checks' caller


@pytest.fixture(scope="module")
def peer():
    p = Peer()
    yield p
    p.close()


def peer_case(witness: dict, document: str, policy_type: str) -> dict:
    """The witness under the checks' reading (``checks.common``) as a case of the differential
    test: the identity policy alone, or the resource policy for a caller whose own account allows
    everything (``replay_request`` picks the resource's account)."""
    request = replay_request(strings_suite.as_concrete(witness), policy_type)
    caller = parse_principal(witness["principal"])
    principal = None if caller.kind == PrincipalKind.ANONYMOUS else witness["principal"]
    policy = json.loads(document)
    if policy_type == IDENTITY_POLICY:
        identity, resource_policy, owner = [policy], None, CALLER_ACCOUNT
    else:
        identity = [ALLOW_ALL] if principal is not None and caller.kind != PrincipalKind.SERVICE else []
        resource_policy, owner = policy, request.resource_account
    return {"principal": principal, "action": witness["action"], "resource": witness["resource"], "owner": owner,
            "context": witness["context"], "identity": identity, "resource_policy": resource_policy, "boundary": None,
            "scp_levels": [], "rcp_levels": []}


def assert_peer_agrees(peer: Peer, witness: dict, documents: list[str], policy_type: str,
                       access: Optional[Callable[[Concrete], bool]] = None) -> None:
    """The peer accepts the witness and, where it kept every context key, decides each policy as
    we do (or one of the differential test's documented disagreements explains why not).
    ``access``: whether a request of the brute-force space has the access the check is about."""
    def some(only) -> Optional[Concrete]:
        if access is None:
            return None
        return next((c for c in strings_suite.request_space(policy_type, only=only) if access(c)), None)

    if not default_catalog().has_service(witness["action"].partition(":")[0]):
        assert any(grants_any_service(d) for d in documents[:1]) and some(strings_suite.REAL) is None, witness
        return
    typeless = strings_suite.typeless(witness["action"])
    if typeless and witness["resource"] != "*":
        # The peer simulates such an action on "*" only; this witness is sought only when no
        # request the peer can simulate has the access.
        assert some(strings_suite.SIMULABLE) is None, witness
        return
    for document in documents:
        case = peer_case(witness, document, policy_type)
        answer = peer.decide(peer_simulation(case))
        assert "error" not in answer, f"the peer refused the witness {witness}: {answer['error']}"
        ours = replay(strings_suite.compiled(document, policy_type), strings_suite.as_concrete(witness), policy_type)
        if typeless and not only_star_resources(document):
            # iam-simulate reads the request's "*" as a pattern that any overlapping Resource
            # matches (its resource.js); we read the string "*". The two agree on "*" alone.
            continue
        if not answer["ignored"] and answer["decision"] != ours.decision:
            assert documented_disagreement(peer, case, ours.decision) or \
                peer.decide(peer_simulation(epoch_dates_as_iso(case))).get("decision") == ours.decision, \
                (witness, document, answer, ours.decision)


def only_star_resources(document: str) -> bool:
    """Every statement names its resources ``Resource: "*"``."""
    return all(s.get("Resource") in ("*", ["*"]) for s in json.loads(document)["Statement"])


def epoch_dates_as_iso(case: dict) -> dict:
    """The case with every date written as epoch seconds rewritten in ISO 8601. Date operators
    take either form ("epoch (UNIX) time" or ISO 8601: IAM User Guide, "IAM JSON policy elements:
    Condition operators", Date condition operators); iam-simulate reads an integer as seconds but
    an ISO 8601 date as milliseconds, and so compares the two forms in different units."""
    def iso(value):
        if isinstance(value, list):
            return [iso(v) for v in value]
        if isinstance(value, str) and value.isdigit():
            return datetime.fromtimestamp(int(value), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return value

    def statement(s: dict) -> dict:
        conditions = {op: ({k: iso(v) for k, v in block.items()} if "Date" in op else block)
                      for op, block in s.get("Condition", {}).items()}
        return {**s, "Condition": conditions} if conditions else s

    def policy(document):
        return None if document is None else {**document, "Statement": [statement(s) for s in document["Statement"]]}

    date_keys = {k for k in case["context"] if (d := default_catalog().condition_key(k)) and d.scalar_type == "Date"}
    return {**case, "context": {k: iso(v) if k in date_keys else v for k, v in case["context"].items()},
            "identity": [policy(p) for p in case["identity"]], "resource_policy": policy(case["resource_policy"])}


def grants_any_service(document: str) -> bool:
    return any(s["Effect"] == "Allow" and ("NotAction" in s or "*" in s["Action"])
               for s in json.loads(document)["Statement"])


@strings_suite.SETTINGS
@given(st.data())
def test_no_new_access_witnesses(peer, data):
    new_text, old_text, policy_type = strings_suite.no_new_access_case(data)
    result = check_no_new_access(new_text, old_text, policy_type).as_dict()
    if result["result"] == FAIL:
        witness = strings_suite.as_concrete(result["witness"])
        new, old = (strings_suite.compiled(t, policy_type) for t in (new_text, old_text))
        assert replay(new, witness, policy_type).allowed and not replay(old, witness, policy_type).allowed
        assert_peer_agrees(peer, result["witness"], [new_text, old_text], policy_type,
                           lambda c: replay(new, c, policy_type).allowed and not replay(old, c, policy_type).allowed)


@strings_suite.SETTINGS
@given(st.data())
def test_access_not_granted_witnesses(peer, data):
    text, access, policy_type = strings_suite.access_not_granted_case(data)
    result = check_access_not_granted(text, access, policy_type).as_dict()
    if result["result"] == FAIL:
        witness = strings_suite.as_concrete(result["witness"])
        policy = strings_suite.compiled(text, policy_type)
        assert strings_suite.listed(access, witness) and replay(policy, witness, policy_type).allowed
        assert_peer_agrees(peer, result["witness"], [text], policy_type,
                           lambda c: strings_suite.listed(access, c) and replay(policy, c, policy_type).allowed)


@scalars_suite.SETTINGS
@given(scalars_suite.policies(), scalars_suite.policies())
def test_scalar_condition_witnesses(peer, new_text, old_text):
    new, old = (strings_suite.compiled(t, IDENTITY_POLICY) for t in (new_text, old_text))
    for result, documents in ((check_no_new_access(new_text, old_text, IDENTITY_POLICY).as_dict(), [new_text, old_text]),
                              (check_access_not_granted(new_text, [{"actions": ["s3:GetObject"]}], IDENTITY_POLICY).as_dict(),
                               [new_text])):
        if result["result"] == FAIL:
            witness = scalars_suite.as_concrete(result["witness"])
            assert replay(new, witness, IDENTITY_POLICY).allowed
            assert len(documents) == 1 or not replay(old, witness, IDENTITY_POLICY).allowed
            assert_peer_agrees(peer, result["witness"], documents, IDENTITY_POLICY)


# The suites' made-up keys renamed to real global keys of the same type, so that the peer keeps
# them and the witnesses' context values are judged too.
REAL_KEYS = {"k": "aws:PrincipalTag/team", "n": "aws:MultiFactorAuthAge", "d": "aws:CurrentTime",
             "ip": "aws:SourceIp", "b": "aws:SecureTransport"}


def with_real_keys(text: str) -> str:
    document = json.loads(text)
    for statement in document["Statement"]:
        for operator, block in statement.get("Condition", {}).items():
            statement["Condition"][operator] = {REAL_KEYS.get(key, key): values for key, values in block.items()}
    return json.dumps(document)


@strings_suite.SETTINGS
@given(st.data())
def test_witnesses_with_real_condition_keys(peer, data):
    if data.draw(st.booleans()):
        new_text, old_text, policy_type = strings_suite.no_new_access_case(data)
    else:
        new_text, old_text, policy_type = data.draw(scalars_suite.policies()), data.draw(scalars_suite.policies()), IDENTITY_POLICY
    new_text, old_text = with_real_keys(new_text), with_real_keys(old_text)
    result = check_no_new_access(new_text, old_text, policy_type).as_dict()
    if result["result"] == FAIL:
        witness = strings_suite.as_concrete(result["witness"])
        new, old = (strings_suite.compiled(t, policy_type) for t in (new_text, old_text))
        assert replay(new, witness, policy_type).allowed and not replay(old, witness, policy_type).allowed
        single = [k for k, v in result["witness"]["context"].items()
                  if isinstance(v, list) and not default_catalog().condition_key(k).is_multivalued]
        assert not single, result["witness"]  # one value for a single-valued key
        assert_peer_agrees(peer, result["witness"], [new_text, old_text], policy_type)
