"""The checks on a template's policies, as cfn-policy-validator reports them.

Each operation returns a list of ``Finding`` (cfn-policy-validator's finding: ``findingType``,
``code``, ``message``, ``resourceName``, ``policyName``, ``details``) plus the file and line of the
policy for SARIF and Markdown; ``report(findings, ignore, blocking)`` splits them into blocking and
non-blocking findings as cfn-policy-validator does (``--ignore-finding`` matches a resource name,
a code, or ``Resource.CODE``; ``--treat-as-blocking`` lists finding types, ``NONE`` for none).

A policy part of which could not be resolved is never checked silently: it yields an ``ERROR``
finding ``UNRESOLVED_REFERENCE`` naming what was open (blocking by default).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Sequence

from ..analyzers.external import ZoneOfTrust, analyze_resource
from ..analyzers.external_previews import proposed_resource
from .. import checks as _checks
from ..checks import CheckInputError, CheckUndecided
from ..checks.public import ACCESS_CHECK_RESOURCE_TYPES
from ..findings.errors import ValidationError
from ..findings.model import FreshFinding, finding_key
from ..inventory.model import Account, LambdaFunction, PublicAccessBlock, Resource, S3Bucket, Snapshot
from ..validate.engine import InvalidRequest, finding_dict, validate_policy
from .model import IDENTITY_POLICY, PERMISSIONS_BOUNDARY, RESOURCE_POLICY, TRUST_POLICY, Deployment, ExtractedPolicy

DEFAULT_BLOCKING = ("ERROR", "SECURITY_WARNING")
FINDING_TYPES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")
UNRESOLVED_CODE = "UNRESOLVED_REFERENCE"
_EMPTY_POLICY = '{"Version":"2012-10-17","Statement":[]}'


@dataclass(frozen=True)
class Finding:
    findingType: str
    code: str
    message: str
    resourceName: str
    policyName: str
    details: Any
    file: str = ""
    line: int = 0
    logical_id: str = ""

    def as_json(self) -> dict:
        """cfn-policy-validator's finding, member for member."""
        return {"findingType": self.findingType, "code": self.code, "message": self.message,
                "resourceName": self.resourceName, "policyName": self.policyName, "details": self.details}


@dataclass(frozen=True)
class Report:
    blocking: tuple[Finding, ...]
    non_blocking: tuple[Finding, ...]
    extra: dict = field(default_factory=dict)  # preview: the change summary

    def as_json(self) -> dict:
        return {"BlockingFindings": [f.as_json() for f in self.blocking],
                "NonBlockingFindings": [f.as_json() for f in self.non_blocking]}


def resource_name(policy: ExtractedPolicy) -> str:
    """cfn-policy-validator's ``resourceName``: the role, user or group name of an identity policy
    (it reports identities by name), the logical id otherwise."""
    if policy.kind in (IDENTITY_POLICY, PERMISSIONS_BOUNDARY) and len(policy.principals) == 1:
        return policy.principals[0].split("/", 1)[1]
    if policy.kind == TRUST_POLICY and policy.target_arn:
        return policy.target_arn.rsplit("/", 1)[-1]
    return policy.resource


def _finding(policy: ExtractedPolicy, finding_type: str, code: str, message: str, details: Any) -> Finding:
    return Finding(finding_type, code, message, resource_name(policy), policy.policy_name, details, policy.file,
                   policy.line, policy.resource)


def _text(policy: ExtractedPolicy) -> str:
    return json.dumps(policy.document, indent=4)


def unresolved_findings(deployment: Deployment) -> tuple[list[Finding], list[ExtractedPolicy]]:
    """An ERROR finding for each policy that could not be resolved, and the policies that can be checked."""
    findings, ready = [], []
    for policy in deployment.policies:
        if policy.document is None:
            what = "; ".join(u.what for u in policy.unresolved) or "a value could not be resolved"
            findings.append(_finding(policy, "ERROR", UNRESOLVED_CODE,
                                     f"The policy could not be resolved, so it was not checked: {what}.",
                                     {"unresolved": [str(u) for u in policy.unresolved]}))
        else:
            ready.append(policy)
    return findings, ready


def _check_policy_type(policy: ExtractedPolicy) -> str:
    return IDENTITY_POLICY if policy.kind in (IDENTITY_POLICY, PERMISSIONS_BOUNDARY) else RESOURCE_POLICY


_VALIDATE_RESOURCE_TYPE = {"AWS::S3::Bucket": "AWS::S3::Bucket", "AWS::S3::AccessPoint": "AWS::S3::AccessPoint",
                           "AWS::DynamoDB::Table": "AWS::DynamoDB::Table",
                           "AWS::IAM::Role": "AWS::IAM::AssumeRolePolicyDocument"}


# --------------------------------------------------------------------------------- validate


def validate(deployment: Deployment, zone_type: str = "ACCOUNT", snapshot: Optional[Snapshot] = None,
             allowed_external_principals: Sequence[str] = ()) -> list[Finding]:
    """ValidatePolicy on every policy, and the external access of every resource and trust policy
    (``EXTERNAL_PRINCIPAL`` security warnings, as cfn-policy-validator reports its access previews)."""
    findings, ready = unresolved_findings(deployment)
    for policy in ready:
        policy_type = _check_policy_type(policy)
        resource_type = _VALIDATE_RESOURCE_TYPE.get(policy.target_type or "") if policy_type == RESOURCE_POLICY else None
        try:
            found, index = validate_policy(_text(policy), policy_type, resource_type)
        except InvalidRequest as e:
            findings.append(_finding(policy, "ERROR", "INVALID_REQUEST", str(e), {}))
            continue
        for f in found:
            raw = finding_dict(f, index)
            findings.append(_finding(policy, raw["findingType"], raw["issueCode"], raw["findingDetails"], raw))
    for item in preview_findings(deployment, zone_type, snapshot):
        if item.change != "RESOLVED" and not _allowed(item.fresh, allowed_external_principals):
            kind = "Trust policy" if item.policy is not None and item.policy.kind == TRUST_POLICY else "Resource policy"
            findings.append(_finding(item.policy, "SECURITY_WARNING", "EXTERNAL_PRINCIPAL",
                                     f"{kind} allows access from external principals.", item.details()))
    return findings


def _allowed(fresh: FreshFinding, allowed: Sequence[str]) -> bool:
    if not allowed or not fresh.principal:
        return False
    for value in fresh.principal.values():
        account = value.split(":")[4] if value.startswith("arn:") and value.count(":") >= 5 else value
        if value in allowed or account in allowed:
            return True
    return False


# ----------------------------------------------------------------------------- custom checks


def _check_finding(policy: ExtractedPolicy, operation: str, response: dict) -> Finding:
    return _finding(policy, "SECURITY_WARNING", f"policy-analysis-{operation}", response["message"], response)


def _error_finding(policy: ExtractedPolicy, operation: str, error: Exception) -> Finding:
    return _finding(policy, "ERROR", f"policy-analysis-{operation}ValidationException", str(error), {})


def check_no_new_access(deployment: Deployment, reference: Optional[str] = None, reference_type: Optional[str] = None,
                        base: Optional[Deployment] = None) -> list[Finding]:
    """Each policy against ``reference`` (a policy of ``reference_type``: the policies of that type
    are checked) or against the policy with the same resource and name in ``base`` (a policy the
    base does not have is compared with an empty policy: everything it grants is new)."""
    findings, ready = unresolved_findings(deployment)
    base_policies = base.by_key() if base is not None else {}
    for policy in ready:
        policy_type = _check_policy_type(policy)
        if base is not None:
            old = base_policies.get(policy.key)
            existing = _EMPTY_POLICY if old is None or old.document is None else json.dumps(old.document)
            if old is not None and old.document is None:
                findings.append(_finding(policy, "ERROR", UNRESOLVED_CODE,
                                         "The base template's version of this policy could not be resolved: it is "
                                         "compared with an empty policy.", {}))
        else:
            if reference_type is not None and policy_type != reference_type:
                continue
            existing = reference or _EMPTY_POLICY
        findings.extend(_checked(policy, "CheckNoNewAccess", lambda: _checks.check_no_new_access(newPolicyDocument=_text(policy), existingPolicyDocument=existing, policyType=policy_type)))
    return findings


def _checked(policy: ExtractedPolicy, check: str, run_check: Callable[[], Any]) -> list[Finding]:
    """The finding of one custom check on one policy: its FAIL, or the error that stopped it."""
    try:
        result = run_check().as_dict()
    except (CheckInputError, CheckUndecided) as e:
        return [_error_finding(policy, check, e)]
    return [_check_finding(policy, check, result)] if result["result"] == "FAIL" else []


def check_access_not_granted(deployment: Deployment, actions: Sequence[str], resources: Sequence[str]) -> list[Finding]:
    findings, ready = unresolved_findings(deployment)
    access: dict = {}
    if actions:
        access["actions"] = list(actions)
    if resources:
        access["resources"] = list(resources)
    for policy in ready:
        findings.extend(_checked(policy, "CheckAccessNotGranted", lambda: _checks.check_access_not_granted(policyDocument=_text(policy), access=[access], policyType=_check_policy_type(policy))))
    return findings


_PUBLIC_TYPE = {"AWS::IAM::Role": "AWS::IAM::AssumeRolePolicyDocument"}


def check_no_public_access(deployment: Deployment) -> list[Finding]:
    findings, ready = unresolved_findings(deployment)
    for policy in ready:
        if policy.kind not in (RESOURCE_POLICY, TRUST_POLICY):
            continue
        resource_type = _PUBLIC_TYPE.get(policy.target_type or "", policy.target_type)
        if resource_type not in ACCESS_CHECK_RESOURCE_TYPES:
            continue
        findings.extend(_checked(policy, "CheckNoPublicAccess", lambda: _checks.check_no_public_access(policyDocument=_text(policy), resourceType=resource_type)))
    return findings


# ------------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class PreviewItem:
    """One external-access finding of the deployment: NEW (the deployment creates the access),
    UNCHANGED (the snapshot's resource already has it) or RESOLVED (the snapshot has it and the
    deployment removes it)."""

    change: str
    fresh: FreshFinding
    policy: ExtractedPolicy

    def details(self) -> dict:
        out: dict = {"changeType": self.change, "resource": self.fresh.resource, "resourceType": self.fresh.resource_type}
        for key, value in (("principal", self.fresh.principal), ("action", list(self.fresh.action or ())),
                           ("condition", self.fresh.condition), ("isPublic", self.fresh.is_public),
                           ("error", self.fresh.error), ("witness", self.fresh.witness)):
            if value not in (None, {}, []):
                out[key] = value
        return out


_MEMBER = {"AWS::S3::Bucket": ("s3Bucket", "bucketPolicy"), "AWS::SQS::Queue": ("sqsQueue", "queuePolicy"),
           "AWS::SNS::Topic": ("snsTopic", "topicPolicy"), "AWS::KMS::Key": ("kmsKey", "keyPolicies"),
           "AWS::SecretsManager::Secret": ("secretsManagerSecret", "secretPolicy"),
           "AWS::ECR::Repository": ("ecrRepository", "repositoryPolicy"),
           "AWS::EFS::FileSystem": ("efsFileSystem", "fileSystemPolicy"),
           "AWS::DynamoDB::Table": ("dynamodbTable", "tablePolicy"), "AWS::IAM::Role": ("iamRole", "trustPolicy")}


def proposed_resources(deployment: Deployment, snapshot: Snapshot) -> list[tuple[Resource, ExtractedPolicy]]:
    """The resources as the deployment would leave them, each with the policy that configures it."""
    out: list[tuple[Resource, ExtractedPolicy]] = []
    bucket_settings = {b.arn: b for b in deployment.buckets}
    for policy in deployment.policies:
        if policy.document is None or policy.kind not in (RESOURCE_POLICY, TRUST_POLICY) or not policy.target_arn:
            continue
        text = json.dumps(policy.document)
        if policy.target_type == "AWS::Lambda::Function":
            name = policy.target_arn.rsplit(":", 1)[-1]
            out.append((LambdaFunction(arn=policy.target_arn, account_id=snapshot.account.account_id,
                                       origin="template", name=name, policy=text), policy))
            continue
        member = _MEMBER.get(policy.target_type or "")
        if member is None:
            continue
        union, key = member
        value: dict = {key: {"default": text} if key == "keyPolicies" else text}
        settings = bucket_settings.get(policy.target_arn)
        if union == "s3Bucket" and settings is not None:
            value["bucketPublicAccessBlock"] = {
                "ignorePublicAcls": settings.ignore_public_acls, "restrictPublicBuckets": settings.restrict_public_buckets}
        try:
            resource = proposed_resource(snapshot, policy.target_arn, {union: value})
        except ValidationError:
            continue  # a target in another account than the analyzer's: not previewed
        out.append((resource, policy))
    return out


def preview_findings(deployment: Deployment, zone_type: str = "ACCOUNT",
                     snapshot: Optional[Snapshot] = None, account_id: Optional[str] = None) -> list[PreviewItem]:
    """The external-access findings the deployment's resources would have in the zone of trust;
    with a snapshot, each marked NEW / UNCHANGED against the resource as the snapshot has it, and the
    snapshot's findings that the deployment removes as RESOLVED."""
    if snapshot is None:
        account = Account(account_id or _account_of(deployment), "us-east-1")
        snapshot = Snapshot("<template>", account, ())
    zone = ZoneOfTrust.of(snapshot.account, zone_type)
    items: list[PreviewItem] = []
    for resource, policy in proposed_resources(deployment, snapshot):
        fresh = [f for f in analyze_resource(resource, zone).findings]
        existing_resource = snapshot.get(resource.arn)
        before = list(analyze_resource(existing_resource, zone).findings) if existing_resource is not None else []
        before_keys = {finding_key(f) for f in before}
        after_keys = {finding_key(f) for f in fresh}
        items += [PreviewItem("UNCHANGED" if finding_key(f) in before_keys else "NEW", f, policy) for f in fresh]
        items += [PreviewItem("RESOLVED", f, policy) for f in before if finding_key(f) not in after_keys]
    return items


def _account_of(deployment: Deployment) -> str:
    for policy in deployment.policies:
        arn = policy.target_arn or ""
        parts = arn.split(":")
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4]
    return "123456789012"


def preview(deployment: Deployment, zone_type: str = "ACCOUNT", snapshot: Optional[Snapshot] = None,
            account_id: Optional[str] = None) -> tuple[list[Finding], dict]:
    """The preview as findings (NEW and UNCHANGED external access: SECURITY_WARNING; RESOLVED: a
    SUGGESTION that reports removed access) and the counts by change."""
    findings, _ = unresolved_findings(deployment)
    counts = {"NEW": 0, "UNCHANGED": 0, "RESOLVED": 0}
    for item in preview_findings(deployment, zone_type, snapshot, account_id):
        counts[item.change] += 1
        public = " (public)" if item.fresh.is_public else ""
        if item.change == "RESOLVED":
            findings.append(_finding(item.policy, "SUGGESTION", "RESOLVED_EXTERNAL_ACCESS",
                                     f"The deployment removes external access{public} to {item.fresh.resource}.",
                                     item.details()))
        else:
            verb = "grants new" if item.change == "NEW" else "keeps"
            findings.append(_finding(item.policy, "SECURITY_WARNING", f"{item.change}_EXTERNAL_ACCESS",
                                     f"The deployment {verb} external access{public} to {item.fresh.resource}.",
                                     item.details()))
    return findings, counts


# -------------------------------------------------------------------------------- report


def report(findings: Iterable[Finding], ignore: Sequence[str] = (), blocking: Sequence[str] = DEFAULT_BLOCKING) -> Report:
    """cfn-policy-validator's split: ignored findings dropped, the rest blocking when their type is."""
    wanted = {b.upper() for b in blocking}
    kept_blocking, kept_other = [], []
    for finding in findings:
        if any(_ignored(finding, rule) for rule in ignore):
            continue
        if "NONE" not in wanted and finding.findingType.upper() in wanted:
            kept_blocking.append(finding)
        else:
            kept_other.append(finding)
    return Report(tuple(kept_blocking), tuple(kept_other))


def _ignored(finding: Finding, rule: str) -> bool:
    rule = rule.strip().lower()
    names = {finding.resourceName.lower(), finding.logical_id.lower()}
    if "." in rule:
        resource, code = rule.split(".", 1)
        return resource in names and finding.code.lower() == code
    return rule in names or finding.code.lower() == rule


def bucket_block(deployment: Deployment, arn: str) -> Optional[PublicAccessBlock]:
    for b in deployment.buckets:
        if b.arn == arn:
            return PublicAccessBlock(b.block_public_acls, b.ignore_public_acls, b.block_public_policy,
                                     b.restrict_public_buckets)
    return None


__all__ = ["DEFAULT_BLOCKING", "FINDING_TYPES", "Finding", "PreviewItem", "Report", "S3Bucket", "check_access_not_granted",
           "check_no_new_access", "check_no_public_access", "preview", "preview_findings", "report", "validate"]
