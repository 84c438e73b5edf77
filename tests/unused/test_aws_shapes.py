"""Every unused-access response has the shape botocore's model gives it, and the documented values.

The reference is botocore's ``accessanalyzer`` service model (the API Reference pages
GetFindingV2, ListFindingsV2, GetFindingsStatistics, GetFindingRecommendation, FindingDetails,
UnusedPermissionDetails, UnusedAction, UnusedIamRoleDetails, UnusedIamUserAccessKeyDetails,
UnusedIamUserPasswordDetails, UnusedPermissionsRecommendedStep, UnusedAccessFindingsStatistics):
members, required members, enums, unions (exactly one member), timestamps, list lengths. Extra
members are accessproof's documented extensions only (``accessproof``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import botocore.session
import pytest

import accessproof
from accessproof.findings import FindingsStore
from tests.boto import body as without_metadata

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account-unused"
ORGANIZATION = ROOT / "examples" / "organization"
NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)
MODEL = botocore.session.get_session().get_service_model("accessanalyzer")
EXTENSIONS = frozenset({"accessproof", "ResponseMetadata"})  # ResponseMetadata: botocore adds it to every response


def shape_errors(value, shape, where="$", top=True) -> list[str]:
    """Where ``value`` departs from the botocore ``shape`` (empty: it conforms)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        errors = []
        members = shape.members
        unknown = set(value) - set(members) - (EXTENSIONS if top else set())
        errors += [f"{where}.{name}: not a member of {shape.name}" for name in sorted(unknown)]
        errors += [f"{where}.{name}: required by {shape.name}" for name in shape.required_members if name not in value]
        if shape.metadata.get("union") and len([k for k in value if k in members]) != 1:
            errors.append(f"{where}: a {shape.name} union has exactly one member, not {sorted(value)}")
        for name, member in members.items():
            if name in value:
                errors += shape_errors(value[name], member, f"{where}.{name}", top=False)
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        errors = []
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and len(value) < low or high is not None and len(value) > high:
            errors.append(f"{where}: {len(value)} items, outside {low}..{high}")
        for i, item in enumerate(value):
            errors += shape_errors(item, shape.member, f"{where}[{i}]", top=False)
        return errors
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: expected a map"]
        return [e for k, v in value.items() for e in shape_errors(v, shape.value, f"{where}[{k}]", top=False)]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string"]
        return [f"{where}: {value!r} not in {shape.name}'s enum"] if shape.enum and value not in shape.enum else []
    if kind == "timestamp":
        return [] if isinstance(value, datetime) else [f"{where}: expected a datetime"]
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: expected an integer"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
    return []


def output_errors(operation: str, response: dict) -> list[str]:
    return shape_errors(response, MODEL.operation_model(operation).output_shape)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The example account and organization analysed once, with a recommendation generated."""
    path = tmp_path_factory.mktemp("shapes") / "f.db"
    store = FindingsStore.open(f"sqlite:///{path}", account_id="444455556666", clock=lambda: NOW)
    client = accessproof.client("accessanalyzer", findings_store=store, clock=lambda: NOW)
    account = client.create_analyzer(analyzerName="account", type="ACCOUNT_UNUSED_ACCESS")["arn"]
    client.analyze_unused_access(analyzerArn=account, snapshotPath=str(EXAMPLE), now=NOW)
    org = client.create_analyzer(analyzerName="org", type="ORGANIZATION_UNUSED_ACCESS")["arn"]
    client.analyze_unused_access(analyzerArn=org, snapshotPath=str(ORGANIZATION), now=NOW)
    yield client, account, org
    store.close()


# --- the checker sees departures (so that an empty list below means something) ------------------

def test_shape_checker_reports_missing_unknown_enum_and_union_errors():
    summary = MODEL.shape_for("FindingSummaryV2")
    assert any("required" in e for e in shape_errors({"id": "x"}, summary))
    details = MODEL.shape_for("FindingDetails")
    assert shape_errors({"unusedIamRoleDetails": {}, "unusedIamUserPasswordDetails": {}}, details, top=False) != []
    step = MODEL.shape_for("UnusedPermissionsRecommendedStep")
    assert shape_errors({"recommendedAction": "DELETE_POLICY"}, step) == [
        "$.recommendedAction: 'DELETE_POLICY' not in RecommendedRemediationAction's enum"]
    assert shape_errors({"recommendedAction": "DETACH_POLICY", "extra": 1}, step, top=False) != []


# --- ListFindingsV2 / GetFindingV2 ---------------------------------------------------------------

def test_list_findings_v2_and_get_finding_v2_conform(analysed):
    client, account, org = analysed
    for arn in (account, org):
        listed = client.list_findings_v2(analyzerArn=arn)
        assert output_errors("ListFindingsV2", listed) == []
        for summary in listed["findings"]:
            got = client.get_finding_v2(analyzerArn=arn, id=summary["id"])
            assert output_errors("GetFindingV2", got) == [], summary["findingType"]


# Security Hub User Guide, "Understanding unused access findings": the resource each type evaluates.
RESOURCE_EVALUATED = {
    "UnusedIAMRole": {"AWS::IAM::Role"},
    "UnusedIAMUserAccessKey": {"AWS::IAM::User"},
    "UnusedIAMUserPassword": {"AWS::IAM::User"},
    "UnusedPermission": {"AWS::IAM::Role", "AWS::IAM::User"},
}
# API Reference, FindingDetails: the union member of each unused finding type.
DETAILS_MEMBER = {
    "UnusedIAMRole": "unusedIamRoleDetails",
    "UnusedIAMUserAccessKey": "unusedIamUserAccessKeyDetails",
    "UnusedIAMUserPassword": "unusedIamUserPasswordDetails",
    "UnusedPermission": "unusedPermissionDetails",
}


def test_each_finding_type_names_its_resource_type_and_details_member(analysed):
    client, account, _ = analysed
    seen = set()
    for summary in client.list_findings_v2(analyzerArn=account)["findings"]:
        kind = summary["findingType"]
        seen.add(kind)
        assert summary["resourceType"] in RESOURCE_EVALUATED[kind]
        assert summary["resource"].split(":")[5].split("/")[0] == summary["resourceType"].split("::")[-1].lower()
        details = client.get_finding_v2(analyzerArn=account, id=summary["id"])["findingDetails"]
        assert details and {member for entry in details for member in entry} == {DETAILS_MEMBER[kind]}
    assert seen == set(DETAILS_MEMBER)


def test_status_and_timestamps_of_new_findings(analysed):
    """API Reference, FindingSummaryV2: status ACTIVE | ARCHIVED | RESOLVED; a new finding was
    created, updated and analysed at the analysis time."""
    client, account, _ = analysed
    for summary in client.list_findings_v2(analyzerArn=account)["findings"]:
        assert summary["status"] == "ACTIVE"
        assert summary["createdAt"] == summary["updatedAt"] == summary["analyzedAt"] == NOW


# --- GetFindingsStatistics -----------------------------------------------------------------------

def test_get_findings_statistics_conforms_and_counts(analysed):
    client, account, org = analysed
    for arn in (account, org):
        response = client.get_findings_statistics(analyzerArn=arn)
        assert output_errors("GetFindingsStatistics", response) == []
        [body] = [s["unusedAccessFindingsStatistics"] for s in response["findingsStatistics"]]
        listed = client.list_findings_v2(analyzerArn=arn)["findings"]
        per_type = {}
        for f in listed:
            per_type[f["findingType"]] = per_type.get(f["findingType"], 0) + 1
        assert {s["unusedAccessType"]: s["total"] for s in body["unusedAccessTypeStatistics"]} == per_type
        assert body["totalActiveFindings"] == len(listed)
        assert sum(a["numberOfActiveFindings"] for a in body["topAccounts"]) == len(listed)


# --- GenerateFindingRecommendation / GetFindingRecommendation -------------------------------------

def test_get_finding_recommendation_conforms(analysed):
    client, account, _ = analysed
    for summary in client.list_findings_v2(analyzerArn=account, filter={"findingType": {"eq": ["UnusedPermission"]}})["findings"]:
        assert without_metadata(client.generate_finding_recommendation(analyzerArn=account, id=summary["id"])) == {}
        response = client.get_finding_recommendation(analyzerArn=account, id=summary["id"])
        assert output_errors("GetFindingRecommendation", response) == [], summary["resource"]
        assert response["status"] == "SUCCEEDED" and response["resourceArn"] == summary["resource"]
        assert response["recommendationType"] == "UnusedPermissionRecommendation"
        for step in response["recommendedSteps"]:
            body = step["unusedPermissionsRecommendedStep"]
            # recommendedPolicy only with CREATE_POLICY; every step names the policy it is about
            assert ("recommendedPolicy" in body) == (body["recommendedAction"] == "CREATE_POLICY")
            assert body["existingPolicyId"]
