"""Requests through other accounts' S3 access points, checked by brute force: every request from
outside the account that the bucket policy allows through such an access point (or directly) is
covered by a finding — the access point policy of another account is not in the snapshot and may
admit anyone — and every finding's witness replays.

IAM User Guide, "IAM Access Analyzer supported resource types", S3: Access Analyzer "generates a
public finding when a bucket delegates access to a cross-account access point and Block Public
Access is not enabled on the bucket or account"."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.analyzers.external import ACCOUNT, ZoneOfTrust, analyze_resource
from accessproof.evaluate import IDENTITY, ContextValue, PolicySet, Request, compile_policy_text, evaluate, parse_principal
from accessproof.evaluate.matching import PrincipalMatch, match_principal_value
from accessproof.evaluate.request import context_value
from accessproof.inventory.model import Account, S3Bucket
from accessproof.resources import resource_policy_text

OWNER, PARTNER, STRANGER = "111122223333", "444455556666", "777788889999"
ZONE = ZoneOfTrust.of(Account(OWNER, "us-east-1"), ACCOUNT)
ALLOW_ALL = compile_policy_text('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
                                "caller", IDENTITY)


def ap_arn(account: str) -> str:
    return f"arn:aws:s3:us-east-1:{account}:accesspoint/ap"


PRINCIPALS = ["*", {"AWS": "*"}, {"AWS": PARTNER}, {"AWS": f"arn:aws:iam::{STRANGER}:role/r"}, {"AWS": OWNER}]
CONDITIONS = [
    None,
    {"StringEquals": {"s3:DataAccessPointAccount": PARTNER}},
    {"StringEquals": {"s3:DataAccessPointAccount": OWNER}},
    {"StringNotEquals": {"s3:DataAccessPointAccount": OWNER}},
    {"ArnLike": {"s3:DataAccessPointArn": f"arn:aws:s3:*:{STRANGER}:accesspoint/*"}},
    {"Null": {"s3:DataAccessPointArn": "true"}},
    {"StringEquals": {"aws:PrincipalAccount": PARTNER}},
]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:*"]


@st.composite
def bucket_policies(draw):
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        s = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])), "Principal": draw(st.sampled_from(PRINCIPALS)),
             "Action": draw(st.sampled_from(ACTIONS)), "Resource": "arn:aws:s3:::b/*"}
        condition = draw(st.sampled_from(CONDITIONS))
        if condition:
            s["Condition"] = condition
        statements.append(s)
    return statements


CALLERS = ["anonymous", f"arn:aws:iam::{PARTNER}:root", f"arn:aws:iam::{STRANGER}:role/r",
           f"arn:aws:sts::{STRANGER}:assumed-role/r/s", "arn:aws:iam::888899990000:user/u"]
ROUTES = [None, PARTNER, STRANGER, "123412341234"]  # directly, or through an access point of that account


def context(caller: str, route) -> dict:
    principal = parse_principal(caller)
    out = {"aws:principalisawsservice": ContextValue(("false",))} if principal.account else {}
    if principal.account:
        out["aws:principalaccount"] = ContextValue((principal.account,))
    if route is not None:
        out["s3:dataaccesspointaccount"] = ContextValue((route,))
        out["s3:dataaccesspointarn"] = ContextValue((ap_arn(route),))
    return out


def covered(findings, caller: str, action: str, source: str = "") -> bool:
    """Some finding names the caller and the action (and has a source of type ``source``)."""
    principal = parse_principal(caller)
    return any(action in (f.action or ()) and any(
        match_principal_value(kind, value, principal) != PrincipalMatch.NONE for kind, value in f.principal.items())
        and (not source or any(s["type"] == source for s in f.sources)) for f in findings)


def replays(bucket: S3Bucket, finding) -> bool:
    policy = compile_policy_text(resource_policy_text(bucket), bucket.arn, "resource")
    w = finding.witness
    request = Request(parse_principal(w["principal"]), w["action"], w["resource"],
                      {k: context_value(v, k) for k, v in w["context"].items()}, OWNER)
    return evaluate(request, PolicySet(identity=(ALLOW_ALL,), resource=policy), explain=False).allowed


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bucket_policies())
def test_requests_through_other_accounts_access_points_are_covered(statements):
    bucket = S3Bucket(arn="arn:aws:s3:::b", account_id=OWNER, origin="test", name="b",
                      policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    findings = analyze_resource(bucket, ZONE).findings
    for finding in findings:
        assert finding.error is None and replays(bucket, finding), finding
        for source in finding.sources:
            if source["type"] == "S3_ACCESS_POINT_ACCOUNT" and "detail" in source:
                assert source["detail"]["accessPointAccount"] != OWNER
    policy = compile_policy_text(resource_policy_text(bucket), bucket.arn, "resource")

    def allowed(caller, action, route) -> bool:
        request = Request(parse_principal(caller), action, "arn:aws:s3:::b/k", context(caller, route), OWNER)
        return evaluate(request, PolicySet(identity=(ALLOW_ALL,), resource=policy), explain=False).allowed

    for caller, action, route in itertools.product(CALLERS, ["s3:GetObject", "s3:PutObject"], ROUTES):
        if allowed(caller, action, route):
            assert covered(findings, caller, action), (statements, caller, action, route, findings)
            if route is not None and not any(allowed(c, action, None) for c in CALLERS):
                # Only access points let anyone in: a finding says so.
                assert covered(findings, caller, action, "S3_ACCESS_POINT_ACCOUNT"), (statements, caller, route, findings)
