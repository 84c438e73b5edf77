"""Conformance with botocore's service model: every Access Analyzer operation, called the way a
boto3 user calls it, in process (``accessproof.client``) and against ``accessproof serve`` (plain
boto3 with ``endpoint_url``, i.e. botocore's own model).

For every call the raw HTTP response is compared with what botocore parsed from it: nothing may be
lost (every member the server sent is one the model describes, and botocore kept its value), the
only members botocore's model does not know are accessproof's declared extension members, and
every error carries a code the model defines with the model's HTTP status.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from botocore.exceptions import ClientError
from botocore.model import ServiceModel, Shape
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator

import accessproof
from accessproof.api.service_model import ACCESS_ANALYZER_EXTENSION, botocore_model, service_model

from .conftest import (
    ACCESS_KEY, EXAMPLE, EXAMPLE_UNUSED, SECRET_KEY, SERVICE_KEY, SERVICE_NAME, SERVICE_SECRET, boto3_client,
    start_serve, stop_serve,
)

BOTOCORE = ServiceModel(botocore_model("accessanalyzer"), "accessanalyzer")
EXTENDED = service_model("accessanalyzer")
EXTENSION_MEMBERS = {shape: set(members) for shape, members in ACCESS_ANALYZER_EXTENSION.members.items()}
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
WIDER = POLICY.replace("s3:GetObject", "s3:*")
INBOX = "arn:aws:sqs:us-east-1:111122223333:partner-inbox"
WEBSITE = "arn:aws:s3:::example-public-website"
TRAIL = "arn:aws:cloudtrail:us-east-1:056392974792:trail/management"
USER = "arn:aws:iam::056392974792:user/christophe"
ROLE = "arn:aws:iam::056392974792:role/AccessAnalyzerMonitorServiceRole"


def _raw_matches(shape: Shape, raw: Any, parsed: Any, path: str, extensions_allowed: bool) -> None:
    """``parsed`` is botocore's reading of ``raw`` (decoded JSON) through ``shape``: nothing lost."""
    if shape.type_name == "structure":
        if getattr(shape, "is_document_type", False):
            assert parsed == raw, path
            return
        assert isinstance(raw, dict) and isinstance(parsed, dict), path
        wire = {member.serialization.get("name", name): name for name, member in shape.members.items()}
        unknown = set(raw) - set(wire)
        if unknown:
            assert unknown <= EXTENSION_MEMBERS.get(shape.name, set()), \
                f"{path}: members {sorted(unknown)} are not in {shape.name}"
        for key, value in raw.items():
            if key in unknown or value is None:
                continue
            name = wire[key]
            assert name in parsed, f"{path}.{name}: sent but not parsed"
            _raw_matches(shape.members[name], value, parsed[name], f"{path}.{name}", extensions_allowed)
        return
    if shape.type_name == "list":
        assert len(raw) == len(parsed), path
        for i, (r, p) in enumerate(zip(raw, parsed)):
            _raw_matches(shape.member, r, p, f"{path}[{i}]", extensions_allowed)
        return
    if shape.type_name == "map":
        assert set(raw) == set(parsed), path
        for key in raw:
            _raw_matches(shape.value, raw[key], parsed[key], f"{path}.{key}", extensions_allowed)
        return
    if shape.type_name == "timestamp":
        assert isinstance(parsed, datetime) and parsed == parse_timestamp(raw), path
        return
    assert parsed == raw, f"{path}: {raw!r} parsed as {parsed!r}"


class Conformance:
    """Watches every call of a client: successes parse without loss, errors are the model's."""

    def __init__(self, client: Any, extensions_allowed: bool):
        self.client = client
        self.extensions_allowed = extensions_allowed
        self.succeeded: set[str] = set()
        self.failed: dict[str, str] = {}
        client.meta.events.register("after-call.accessanalyzer", self._check)

    def _check(self, http_response, parsed, model, **_kwargs) -> None:
        raw = json.loads(http_response.content or b"{}")
        assert "Traceback" not in http_response.text
        if http_response.status_code < 300:
            body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
            shape = model.output_shape
            if shape is not None:
                _raw_matches(shape, raw, body, model.name, self.extensions_allowed)
                known = BOTOCORE.operation_model(model.name).output_shape if model.name in BOTOCORE.operation_names \
                    else shape
                plain = _without_extensions(known, body) if known is not shape or not self.extensions_allowed else body
                report = ParamValidator().validate(plain, known)
                assert not report.has_errors(), report.generate_report()
            self.succeeded.add(model.name)
            return
        code = parsed["Error"]["Code"]
        shapes = {s.name: s for s in EXTENDED.error_shapes}
        assert code in shapes, f"{model.name}: error code {code} is not in the model"
        assert http_response.status_code == shapes[code].metadata["error"]["httpStatusCode"], (model.name, code)
        assert raw.get("message") == parsed["Error"]["Message"]
        self.failed[model.name] = code

    def ok(self, operation: str, **kwargs: Any) -> dict:
        return getattr(self.client, operation)(**kwargs)

    def error(self, code: str, operation: str, **kwargs: Any) -> ClientError:
        with pytest.raises(ClientError) as raised:
            getattr(self.client, operation)(**kwargs)
        assert raised.value.response["Error"]["Code"] == code, raised.value.response
        return raised.value


def _without_extensions(shape: Shape, value: Any) -> Any:
    if shape.type_name == "structure" and isinstance(value, dict) and not getattr(shape, "is_document_type", False):
        return {k: _without_extensions(shape.members[k], v) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list":
        return [_without_extensions(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: _without_extensions(shape.value, v) for k, v in value.items()}
    return value


def _wait_generation(c: Conformance, job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        response = c.ok("get_generated_policy", jobId=job_id, includeResourcePlaceholders=True)
        if response["jobDetails"]["status"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def exercise(c: Conformance, service: Conformance, unused_account: Optional[Conformance]) -> None:
    """One realistic call of every operation (and one error of each), in an order that builds
    the state the next ones need. ``unused_account``: a client of the example account with unused
    access (an account analyzer analyses its own account), for the extension operations and the
    recommendations; None: plain boto3, which has no extension operation."""
    # --- policy checks
    findings = c.ok("validate_policy", policyDocument=POLICY, policyType="IDENTITY_POLICY")["findings"]
    assert [f["issueCode"] for f in findings] == ["EMPTY_SID_VALUE"]
    c.error("ValidationException", "validate_policy", policyDocument=POLICY, policyType="IDENTITY")
    check = c.ok("check_no_new_access", newPolicyDocument=WIDER, existingPolicyDocument=POLICY,
                 policyType="IDENTITY_POLICY")
    assert check["result"] == "FAIL" and ("witness" in check) == c.extensions_allowed
    c.error("ValidationException", "check_no_new_access", newPolicyDocument=WIDER, existingPolicyDocument=POLICY,
            policyType="SESSION_POLICY")
    assert c.ok("check_access_not_granted", policyDocument=POLICY, policyType="IDENTITY_POLICY",
                access=[{"actions": ["s3:PutObject"]}])["result"] == "PASS"
    c.error("ValidationException", "check_access_not_granted", policyDocument=POLICY, policyType="IDENTITY_POLICY",
            access=[{"actions": ["s3:PutObject"]}, {"actions": ["s3:GetObject"]}])
    public = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    assert c.ok("check_no_public_access", policyDocument=public, resourceType="AWS::S3::Bucket")["result"] == "FAIL"
    c.error("ValidationException", "check_no_public_access", policyDocument=public, resourceType="AWS::S3::Nothing")

    # --- analyzers and tags
    external = c.ok("create_analyzer", analyzerName="external", type="ACCOUNT", tags={"team": "security"})["arn"]
    c.error("ConflictException", "create_analyzer", analyzerName="external", type="ACCOUNT")
    # serve answers at once and analyses in the background (CREATING, then ACTIVE), as AWS does
    deadline = time.monotonic() + 120
    while (status := c.ok("get_analyzer", analyzerName="external")["analyzer"]["status"]) == "CREATING":
        assert time.monotonic() < deadline, "the first analysis did not end"
        time.sleep(0.1)
    assert status == "ACTIVE"
    c.error("ResourceNotFoundException", "get_analyzer", analyzerName="missing")
    assert "external" in [a["name"] for a in c.ok("list_analyzers")["analyzers"]]
    c.error("ValidationException", "list_analyzers", type="EVERYTHING")
    c.ok("tag_resource", resourceArn=external, tags={"env": "test"})
    c.error("ResourceNotFoundException", "tag_resource", resourceArn=external + "-missing", tags={"env": "test"})
    assert c.ok("list_tags_for_resource", resourceArn=external)["tags"] == {"team": "security", "env": "test"}
    c.error("ResourceNotFoundException", "list_tags_for_resource", resourceArn=external + "-missing")
    c.ok("untag_resource", resourceArn=external, tagKeys=["team"])
    c.error("ResourceNotFoundException", "untag_resource", resourceArn=external + "-missing", tagKeys=["team"])
    assert c.ok("list_tags_for_resource", resourceArn=external)["tags"] == {"env": "test"}
    unused = c.ok("create_analyzer", analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    assert c.ok("update_analyzer", analyzerName="unused",
                configuration={"unusedAccess": {"unusedAccessAge": 60}})["configuration"] == \
        {"unusedAccess": {"unusedAccessAge": 60}}
    c.error("ResourceNotFoundException", "update_analyzer", analyzerName="missing",
            configuration={"unusedAccess": {"unusedAccessAge": 60}})

    # --- findings
    listed = c.ok("list_findings", analyzerArn=external, filter={"resource": {"eq": [INBOX]}})["findings"]
    assert listed and all(f["resource"] == INBOX for f in listed)
    c.error("ResourceNotFoundException", "list_findings", analyzerArn=external + "-missing")
    finding = c.ok("get_finding", analyzerArn=external, id=listed[0]["id"])["finding"]
    assert finding["id"] == listed[0]["id"] and isinstance(finding["createdAt"], datetime)
    c.error("ResourceNotFoundException", "get_finding", analyzerArn=external, id="no-such-finding")
    v2 = c.ok("list_findings_v2", analyzerArn=external)["findings"]
    assert {f["findingType"] for f in v2} == {"ExternalAccess"}
    c.error("ResourceNotFoundException", "list_findings_v2", analyzerArn=external + "-missing")
    details = c.ok("get_finding_v2", analyzerArn=external, id=listed[0]["id"])["findingDetails"]
    assert "externalAccessDetails" in details[0]
    c.error("ResourceNotFoundException", "get_finding_v2", analyzerArn=external, id="no-such-finding")
    statistics = c.ok("get_findings_statistics", analyzerArn=external)["findingsStatistics"]
    assert "externalAccessFindingsStatistics" in statistics[0]
    c.error("ResourceNotFoundException", "get_findings_statistics", analyzerArn=external + "-missing")
    c.ok("update_findings", analyzerArn=external, status="ARCHIVED", ids=[listed[0]["id"]])
    c.error("ValidationException", "update_findings", analyzerArn=external, status="RESOLVED", ids=[listed[0]["id"]])
    c.ok("update_findings", analyzerArn=external, status="ACTIVE", ids=[listed[0]["id"]])

    # --- archive rules
    rule = {"resourceType": {"eq": ["AWS::SQS::Queue"]}}
    c.ok("create_archive_rule", analyzerName="external", ruleName="queues", filter=rule)
    c.error("ConflictException", "create_archive_rule", analyzerName="external", ruleName="queues", filter=rule)
    assert c.ok("get_archive_rule", analyzerName="external", ruleName="queues")["archiveRule"]["filter"] == rule
    c.error("ResourceNotFoundException", "get_archive_rule", analyzerName="external", ruleName="missing")
    assert [r["ruleName"] for r in c.ok("list_archive_rules", analyzerName="external")["archiveRules"]] == ["queues"]
    c.error("ResourceNotFoundException", "list_archive_rules", analyzerName="missing")
    c.ok("update_archive_rule", analyzerName="external", ruleName="queues",
         filter={"resourceType": {"eq": ["AWS::SQS::Queue", "AWS::SNS::Topic"]}})
    c.error("ResourceNotFoundException", "update_archive_rule", analyzerName="external", ruleName="missing", filter=rule)
    c.ok("apply_archive_rule", analyzerArn=external, ruleName="queues")
    assert {f["status"] for f in c.ok("list_findings", analyzerArn=external,
                                       filter={"resource": {"eq": [INBOX]}})["findings"]} == {"ARCHIVED"}
    c.error("ResourceNotFoundException", "apply_archive_rule", analyzerArn=external, ruleName="missing")
    c.ok("delete_archive_rule", analyzerName="external", ruleName="queues")
    c.error("ResourceNotFoundException", "delete_archive_rule", analyzerName="external", ruleName="queues")

    # --- analyzed resources and scans
    c.ok("start_resource_scan", analyzerArn=external, resourceArn=INBOX)
    c.error("ResourceNotFoundException", "start_resource_scan", analyzerArn=external, resourceArn=INBOX + "-missing")
    resources = c.ok("list_analyzed_resources", analyzerArn=external, resourceType="AWS::SQS::Queue")["analyzedResources"]
    assert INBOX in [r["resourceArn"] for r in resources]
    c.error("ResourceNotFoundException", "list_analyzed_resources", analyzerArn=external + "-missing")
    assert c.ok("get_analyzed_resource", analyzerArn=external, resourceArn=INBOX)["resource"]["resourceArn"] == INBOX
    c.error("ResourceNotFoundException", "get_analyzed_resource", analyzerArn=external, resourceArn=INBOX + "-missing")

    # --- access previews
    private_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject",
         "Resource": f"{WEBSITE}/*"}]})
    preview = c.ok("create_access_preview", analyzerArn=external,
                   configurations={WEBSITE: {"s3Bucket": {"bucketPolicy": private_policy}}})["id"]
    c.error("ValidationException", "create_access_preview", analyzerArn=external, configurations={})
    assert c.ok("get_access_preview", accessPreviewId=preview, analyzerArn=external)["accessPreview"]["status"] == \
        "COMPLETED"
    c.error("ResourceNotFoundException", "get_access_preview", accessPreviewId="00000000-0000-0000-0000-000000000000",
            analyzerArn=external)
    assert [p["id"] for p in c.ok("list_access_previews", analyzerArn=external)["accessPreviews"]] == [preview]
    c.error("ResourceNotFoundException", "list_access_previews", analyzerArn=external + "-missing")
    changes = c.ok("list_access_preview_findings", accessPreviewId=preview, analyzerArn=external)["findings"]
    assert "RESOLVED" in {f["changeType"] for f in changes if f["resource"] == WEBSITE} or \
        any(f.get("existingFindingStatus") for f in changes)
    c.error("ResourceNotFoundException", "list_access_preview_findings",
            accessPreviewId="00000000-0000-0000-0000-000000000000", analyzerArn=external)

    # --- unused access and recommendations
    if unused_account is not None:
        assert c.ok("analyze_external_access", analyzerArn=external)["analyzedResources"] > 0
        c.error("ResourceNotFoundException", "analyze_external_access", analyzerArn=external + "-missing")
        u = unused_account
        analyzed = u.ok("create_analyzer", analyzerName="unused-analysis", type="ACCOUNT_UNUSED_ACCESS")["arn"]
        assert u.ok("analyze_unused_access", analyzerArn=analyzed, now=datetime(2026, 11, 28))["opened"] > 0
        u.error("ResourceNotFoundException", "analyze_unused_access", analyzerArn=analyzed + "-missing")
        [permission] = [f for f in u.ok("list_findings_v2", analyzerArn=analyzed,
                                        filter={"findingType": {"eq": ["UnusedPermission"]}})["findings"]
                        if f["resource"].endswith("/DataReaderRole")]
        u.ok("generate_finding_recommendation", analyzerArn=analyzed, id=permission["id"])
        recommendation = u.ok("get_finding_recommendation", analyzerArn=analyzed, id=permission["id"])
        assert recommendation["status"] == "SUCCEEDED" and recommendation["recommendedSteps"]
        assert recommendation["accessproof"]["proofs"], "the proof of each recommended policy"
    c.error("ResourceNotFoundException", "generate_finding_recommendation", analyzerArn=unused, id="no-such-finding")
    c.error("ResourceNotFoundException", "get_finding_recommendation", analyzerArn=unused, id="no-such-finding")

    # --- policy generation
    job = c.ok("start_policy_generation", policyGenerationDetails={"principalArn": USER},
               cloudTrailDetails={"trails": [{"cloudTrailArn": TRAIL, "allRegions": True}],
                                  "accessRole": ROLE, "startTime": datetime(2024, 7, 1),
                                  "endTime": datetime(2024, 9, 1)})["jobId"]
    c.error("ValidationException", "start_policy_generation", policyGenerationDetails={"principalArn": "arn:aws:s3:::b"},
            cloudTrailDetails={"trails": [{"cloudTrailArn": TRAIL}], "accessRole": ROLE,
                               "startTime": datetime(2024, 7, 1)})
    generated = _wait_generation(c, job)
    assert generated["jobDetails"]["status"] == "SUCCEEDED"
    assert "ssm:SendCommand" in generated["generatedPolicyResult"]["generatedPolicies"][0]["policy"]
    c.error("ResourceNotFoundException", "get_generated_policy", jobId="no-such-job")
    assert job in [j["jobId"] for j in c.ok("list_policy_generations", principalArn=USER)["policyGenerations"]]
    c.error("ValidationException", "list_policy_generations", nextToken="not-a-token")
    c.ok("cancel_policy_generation", jobId=job)
    c.error("ResourceNotFoundException", "cancel_policy_generation", jobId="no-such-job")

    # --- service-linked analyzers: an AWS service creates them, a customer may not
    c.error("AccessDeniedException", "create_service_linked_analyzer", type="ACCOUNT_UNUSED_ACCESS")
    linked = service.ok("create_service_linked_analyzer", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    name = linked.rsplit("/", 1)[1]
    assert name.startswith(f"_AccessAnalyzerFor{SERVICE_NAME}-")
    assert c.ok("get_analyzer", analyzerName=name)["analyzer"]["managedBy"] == SERVICE_NAME
    c.error("ValidationException", "delete_analyzer", analyzerName=name)
    c.error("ValidationException", "delete_service_linked_analyzer", analyzerName="unused")
    c.ok("delete_service_linked_analyzer", analyzerName=name)
    c.error("ResourceNotFoundException", "delete_service_linked_analyzer", analyzerName=name)

    c.ok("delete_analyzer", analyzerName="unused")
    c.error("ResourceNotFoundException", "delete_analyzer", analyzerName="unused")


def _assert_complete(operations: set[str], c: Conformance, *others: Conformance) -> None:
    succeeded = c.succeeded.union(*(o.succeeded for o in others))
    failed = set(c.failed).union(*(o.failed for o in others))
    assert operations - succeeded == set(), "operations never called successfully"
    assert operations - failed == set(), "operations never failed"
    assert c.failed["CreateServiceLinkedAnalyzer"] == "AccessDeniedException"


BOTOCORE_OPERATIONS = set(BOTOCORE.operation_names)


def test_the_model_has_the_39_operations_and_the_backend_takes_their_members():
    from inspect import signature

    from botocore import xform_name

    from accessproof.api.accessanalyzer import AccessAnalyzerClient

    assert len(BOTOCORE_OPERATIONS) == 39
    for name in EXTENDED.operation_names:
        method = getattr(AccessAnalyzerClient, xform_name(name))
        parameters = signature(method).parameters
        members = EXTENDED.operation_model(name).input_shape.members
        assert set(members) <= set(parameters), f"{name}: the backend does not take {set(members) - set(parameters)}"


def test_every_operation_in_process(tmp_path):
    client = accessproof.client("accessanalyzer", snapshot=str(EXAMPLE), database=f"sqlite:///{tmp_path / 'c.db'}",
                                cloudtrail_locations={TRAIL: str(_trail_sample())})
    service = accessproof.client("accessanalyzer", database=f"sqlite:///{tmp_path / 'c.db'}",
                                 calling_service=SERVICE_NAME)
    unused = accessproof.client("accessanalyzer", snapshot=str(EXAMPLE_UNUSED),
                                database=f"sqlite:///{tmp_path / 'u.db'}")
    c, s, u = Conformance(client, True), Conformance(service, True), Conformance(unused, True)
    exercise(c, s, u)
    _assert_complete(set(EXTENDED.operation_names), c, s, u)


def test_every_operation_through_serve_with_plain_boto3(served, serve_workdir):
    c = Conformance(boto3_client(served.endpoint), False)
    s = Conformance(boto3_client(served.endpoint, key=SERVICE_KEY, secret=SERVICE_SECRET), False)
    exercise(c, s, None)
    # GenerateFindingRecommendation/GetFindingRecommendation need unused findings, which only the
    # extension operation AnalyzeUnusedAccess records: here they are exercised through their errors
    # (and succeed through serve in the next test).
    _assert_complete(BOTOCORE_OPERATIONS - {"GenerateFindingRecommendation", "GetFindingRecommendation"}, c, s)


def test_extension_operations_through_serve_with_the_extended_model(serve_workdir, tmp_path):
    served = start_serve(tmp_path, ["--snapshot", str(serve_workdir / "account-unused"),
                                    "--database", f"sqlite:///{tmp_path / 'x.db'}",
                                    "--access-key-id", ACCESS_KEY, "--secret-access-key", SECRET_KEY])
    try:
        _extension_operations(served.endpoint)
    finally:
        stop_serve(served)


def _extension_operations(endpoint: str) -> None:
    client = accessproof.client("accessanalyzer", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                                aws_secret_access_key=SECRET_KEY)
    c = Conformance(client, True)
    arn = c.ok("create_analyzer", analyzerName="unused-ext", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    summary = c.ok("analyze_unused_access", analyzerArn=arn, now=datetime(2026, 11, 28))
    assert summary["opened"] > 0
    [permission] = [f for f in c.ok("list_findings_v2", analyzerArn=arn,
                                    filter={"findingType": {"eq": ["UnusedPermission"]}})["findings"]
                    if f["resource"].endswith("/DataReaderRole")]
    c.ok("generate_finding_recommendation", analyzerArn=arn, id=permission["id"])
    recommendation = c.ok("get_finding_recommendation", analyzerArn=arn, id=permission["id"])
    assert recommendation["accessproof"]["proofs"], "the extension member crosses HTTP"
    check = c.ok("check_no_new_access", newPolicyDocument=WIDER, existingPolicyDocument=POLICY,
                 policyType="IDENTITY_POLICY")
    assert check["witness"]["action"].startswith("s3:")
    assert {"AnalyzeUnusedAccess", "GenerateFindingRecommendation", "GetFindingRecommendation"} <= c.succeeded


def _trail_sample() -> Path:
    from tests.generate.conftest import CORPUS

    return CORPUS / "aws.execution.ssm-send-command.json.gz"


def test_iam_simulator_in_process_and_through_serve(served):
    allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject",
                                                               "Resource": "*"}]})
    for iam in (accessproof.client("iam", snapshot=str(EXAMPLE)), boto3_client(served.endpoint, "iam")):
        response = iam.simulate_custom_policy(
            PolicyInputList=[allow], ActionNames=["s3:GetObject", "s3:DeleteObject"],
            ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"],
                             "ContextKeyType": "string"}],
            OrderedOrganizationPolicyInputList=[{"ServiceControlPolicyInputList": [allow]},
                                                {"ServiceControlPolicyInputList": [deny, allow]}])
        decisions = {r["EvalActionName"]: r["EvalDecision"] for r in response["EvaluationResults"]}
        assert decisions == {"s3:GetObject": "allowed", "s3:DeleteObject": "explicitDeny"}
        assert response["IsTruncated"] is False
        with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
            iam.simulate_custom_policy(PolicyInputList=["{"], ActionNames=["s3:GetObject"])
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::111122223333:role/Missing",
                                          ActionNames=["s3:GetObject"])
