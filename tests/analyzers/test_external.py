"""The external access analyzer on the bundled example account, and its completeness checked by
brute force: every request from outside the zone that the evaluator allows is covered by a
finding (principal and action), and every finding's witness replays."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof.catalog import default_catalog
from accessproof.analyzers.external import ACCOUNT, ORGANIZATION, ExternalAccessAnalyzer, ZoneOfTrust, analyze_resource
from accessproof.evaluate import ContextValue, IDENTITY, PolicySet, Request, compile_policy_text, evaluate, parse_principal
from accessproof.evaluate.matching import PrincipalMatch, match_principal_value
from accessproof.evaluate.request import context_value
from accessproof.inventory.load import load_snapshot
from accessproof.reason.requests import is_real_request
from accessproof.inventory.model import Account, S3Bucket
from accessproof.resources import module_for, resource_policy_text

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = load_snapshot(ROOT / "examples" / "account")
ALLOW_ALL = compile_policy_text('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
                                "caller", IDENTITY)


def by_name(analyses):
    return {a.resource.rsplit(":", 1)[-1].split("/")[-1]: a for a in analyses}


@pytest.fixture(scope="module")
def account_zone():
    return by_name(ExternalAccessAnalyzer(ZoneOfTrust.of(SNAPSHOT.account, ACCOUNT)).analyze_snapshot(SNAPSHOT))


@pytest.fixture(scope="module")
def organization_zone():
    return by_name(ExternalAccessAnalyzer(ZoneOfTrust.of(SNAPSHOT.account, ORGANIZATION)).analyze_snapshot(SNAPSHOT))


def replay_witness(resource, finding) -> bool:
    policy = compile_policy_text(resource_policy_text(resource), resource.arn, "resource")
    w = finding.witness
    request = Request(parse_principal(w["principal"]), w["action"], w["resource"],
                      {k: context_value(v, k) for k, v in w["context"].items()}, resource.account_id)
    return evaluate(request, PolicySet(identity=(ALLOW_ALL,), resource=policy), explain=False).allowed


def test_exposed_resources_have_findings(account_zone):
    public = {name for name, a in account_zone.items() if any(f.is_public for f in a.findings)}
    assert {"example-public-website", "example-acl-public-logs", "snap-0123456789abcdef0", "public-webhook",
            "GitHubDeployRole", "public-announcements"} <= public
    cross = {name for name, a in account_zone.items() if a.findings}
    assert {"CrossAccountAuditRole", "partner-inbox", "orders-db-final", "example-data-lake"} <= cross
    sources = {s["type"] for a in account_zone.values() for f in a.findings for s in f.sources or ()}
    assert {"POLICY", "BUCKET_ACL", "S3_ACCESS_POINT"} <= sources


def test_safe_resources_have_none(account_zone):
    for name in ("example-bpa-blocked", "GitHubDeployScopedRole"):
        assert not any(f.is_public for f in account_zone[name].findings), name


def test_organization_zone_drops_member_and_org_access(account_zone, organization_zone):
    assert any(f.principal == {"AWS": "444455556666"} for f in account_zone["snap-0fedcba9876543210"].findings)
    assert organization_zone["snap-0fedcba9876543210"].findings == ()
    assert account_zone["example-org-reports"].findings and organization_zone["example-org-reports"].findings == ()


def test_every_witness_replays(account_zone):
    for resource in SNAPSHOT.resources:
        for finding in account_zone[resource.arn.rsplit(":", 1)[-1].split("/")[-1]].findings:
            if finding.error is not None:  # only what the snapshot could not read is an error
                assert finding.error == "ACCESS_DENIED" and resource.unreadable, finding
                continue
            assert replay_witness(resource, finding), (resource.arn, finding)
            # and it is a request AWS can receive: an action acting on this resource (reason.requests)
            assert is_real_request(finding.witness["action"], finding.witness["resource"]), (resource.arn, finding)
            assert default_catalog().action(finding.witness["action"]) is not None, finding.witness


def test_principal_describing_keys_follow_the_caller():
    bucket = s3_bucket({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                        "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}})
    assert analyze_resource(bucket, ZONE).findings == ()
    bucket = s3_bucket({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                        "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}}})
    assert analyze_resource(bucket, ZONE).findings == ()


def test_cache_analyzes_identical_configurations_once():
    analyzer = ExternalAccessAnalyzer(ZoneOfTrust.of(SNAPSHOT.account, ACCOUNT))
    first = analyzer.analyze_snapshot(SNAPSHOT)
    assert analyzer.analyze_snapshot(SNAPSHOT) == first and analyzer.hits == len(SNAPSHOT.resources)


# ------------------------------------------------------------------------------ brute force

OWNER, MEMBER, PARTNER = "111122223333", "222233334444", "444455556666"
ORG = "o-exampleorg"
ZONE = ZoneOfTrust.of(Account(OWNER, "us-east-1", ORG, (OWNER, MEMBER)), ACCOUNT)
PRINCIPALS = ["*", {"AWS": PARTNER}, {"AWS": f"arn:aws:iam::{PARTNER}:role/r"}, {"AWS": OWNER}, {"AWS": MEMBER},
              {"Service": "logging.s3.amazonaws.com"}]
CONDITIONS = [None, {"StringEquals": {"aws:PrincipalOrgID": ORG}}, {"StringEquals": {"aws:PrincipalAccount": PARTNER}},
              {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"StringNotEquals": {"aws:PrincipalAccount": OWNER}},
              {"Bool": {"aws:SecureTransport": "true"}}]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*"]
RESOURCES = ["arn:aws:s3:::b/*", "arn:aws:s3:::b", "*"]


def s3_bucket(*statements) -> S3Bucket:
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return S3Bucket(arn="arn:aws:s3:::b", account_id=OWNER, origin="test", name="b", policy=policy)


@st.composite
def bucket_policies(draw):
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        s = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])), "Principal": draw(st.sampled_from(PRINCIPALS)),
             "Action": draw(st.sampled_from(ACTIONS)), "Resource": draw(st.sampled_from(RESOURCES))}
        condition = draw(st.sampled_from(CONDITIONS))
        if condition:
            s["Condition"] = condition
        statements.append(s)
    return statements


CALLERS = [("anonymous", {}), (f"arn:aws:iam::{PARTNER}:root", {"aws:principalaccount": PARTNER}),
           (f"arn:aws:iam::{PARTNER}:role/r", {"aws:principalaccount": PARTNER}),
           (f"arn:aws:sts::{PARTNER}:assumed-role/r/s", {"aws:principalaccount": PARTNER}),
           (f"arn:aws:iam::{MEMBER}:user/u", {"aws:principalaccount": MEMBER, "aws:principalorgid": ORG}),
           ("arn:aws:iam::777788889999:user/x", {"aws:principalaccount": "777788889999"}),
           ("arn:aws:iam::777788889999:user/y", {"aws:principalaccount": "777788889999", "aws:principalorgid": "o-other"})]


def covered(findings, caller: str, action: str) -> bool:
    principal = parse_principal(caller)
    return any(action in (f.action or ()) and any(
        match_principal_value(kind, value, principal) != PrincipalMatch.NONE for kind, value in f.principal.items())
        for f in findings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bucket_policies())
def test_findings_cover_every_external_request(statements):
    bucket = s3_bucket(*statements)
    analysis = analyze_resource(bucket, ZONE)
    for finding in analysis.findings:
        assert replay_witness(bucket, finding)
    policy = compile_policy_text(resource_policy_text(bucket), bucket.arn, "resource")
    for (caller, keys), action, resource, ip in itertools.product(
            CALLERS, ["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::b/k"], [None, "10.1.1.1", "192.0.2.1"]):
        context = {k: ContextValue((v,)) for k, v in keys.items()}
        context["aws:principalisawsservice"] = ContextValue(("false",))
        if ip:
            context["aws:sourceip"] = ContextValue((ip,))
        request = Request(parse_principal(caller), action, resource, context, OWNER)
        if evaluate(request, PolicySet(identity=(ALLOW_ALL,), resource=policy), explain=False).allowed:
            assert covered(analysis.findings, caller, action), (statements, caller, action, ip, analysis.findings)


@pytest.mark.parametrize("principal,condition,external", [
    ("*", {"StringEquals": {"aws:PrincipalAccount": PARTNER}}, True),
    ("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}}, True),
    ({"AWS": PARTNER}, {"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{PARTNER}:role/X"}}, True),
    ("*", {"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:role/X"}}, False),
    ("*", {"StringEquals": {"aws:PrincipalAccount": OWNER}}, False),
    ("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}}, True),  # other members of the organization
])
def test_conditions_on_the_caller_name_outside_callers(principal, condition, external):
    bucket = s3_bucket({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::b/*", "Condition": condition})
    findings = analyze_resource(bucket, ZONE).findings
    assert bool(findings) == external, findings
    for finding in findings:
        assert replay_witness(bucket, finding)


def test_access_points_need_the_bucket_and_the_access_point():
    from accessproof.inventory.model import AccessPoint

    ap_arn = f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/ap"
    ap_policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:role/r"}, "Action": "s3:GetObject",
        "Resource": f"{ap_arn}/object/*"}]})
    access_point = AccessPoint(name="ap", arn=ap_arn, account_id=OWNER, network_origin="Internet", policy=ap_policy)
    delegation = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                  "Condition": {"StringEquals": {"s3:DataAccessPointAccount": OWNER}}}

    def bucket(*statements):
        policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}) if statements else None
        return S3Bucket(arn="arn:aws:s3:::b", account_id=OWNER, origin="test", name="b", policy=policy,
                        access_points=(access_point,))
    # The bucket delegates to its access points: the partner reaches objects through "ap" only.
    (finding,) = analyze_resource(bucket(delegation), ZONE).findings
    assert finding.sources[0]["type"] == "S3_ACCESS_POINT" and finding.principal == {"AWS": f"arn:aws:iam::{PARTNER}:role/r"}
    assert not finding.is_public and replay_witness(bucket(delegation), finding) is not None
    # Without the bucket's permission the access point's grant reaches nothing.
    assert analyze_resource(bucket(), ZONE).findings == ()
