"""Access Analyzer findings as Security Hub findings (ASFF), sent with ``BatchImportFindings``.

AWS's mapping (IAM User Guide, "Integrate IAM Access Analyzer with AWS Security Hub"):

- external access findings are grouped per resource: one Security Hub finding, ``Id``
  ``<analyzer ARN>/<resource ARN>``, ACTIVE while at least one of the resource's findings is active,
  ARCHIVED when all are archived or resolved; its type, title, description and severity follow the
  access: public (``Effects/Data Exposure/External Access Granted``, "<resource ARN> allows public
  access") or cross-account, "one external principal at a time"
  (``Software and Configuration Checks/AWS Security Best Practices/External Access Granted``);
- unused access findings map one to one (``Id`` ``<analyzer ARN>/<resource ARN>/<kind>``,
  ``UnusedPermissions`` for UnusedPermission), resolved → archived;
- ``GeneratorId`` ``aws/access-analyzer``, ``SchemaVersion`` ``2018-10-08``, ``Resources[].Details.Other``
  with ``External Principal Type``, ``Condition``, ``Action Granted``, ``External Principal``;
  ``Workflow.Status`` ``NEW``; ``RecordState``.

Choices where AWS is silent or a customer cannot do what AWS does:

- ``ProductArn``: AWS's own product (``product/aws/access-analyzer``) takes findings only from AWS;
  an account imports under its default product ``arn:<partition>:securityhub:<region>:<account>:
  product/<account>/default`` (Security Hub API Reference, BatchImportFindings), the default here.
  ``ProductName`` / ``CompanyName`` are AWS's.
- Severity of public access: not documented; HIGH (Normalized 70, Product 7). Cross-account and unused
  access: LOW, as in AWS's examples. Severity and Types are also given in ``FindingProviderFields``:
  Security Hub takes a provider's later changes to them only from there.
- Among several public (or cross-account) findings of a resource, the oldest active one is shown.
- Error findings (``ACCESS_DENIED``): no ASFF mapping is documented; they are not sent (a resource
  whose only open findings are errors is sent as archived, if it had been sent).
- Resource types without an ASFF name of their own (EBS snapshots, EFS, Lambda layers, ...) are named
  the way AWS names the others (``AwsEc2Snapshot``), as AWS's titles do (``AwsS3Bucket/<arn>/``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from ..findings.outbox import Notification
from .awsshapes import arn_parts, aws_time, is_external
from .eventbridge import unused_counts

SCHEMA_VERSION = "2018-10-08"
GENERATOR_ID = "aws/access-analyzer"
PRODUCT_NAME = "IAM Access Analyzer"
PUBLIC_TYPE = "Effects/Data Exposure/External Access Granted"
CROSS_ACCOUNT_TYPE = "Software and Configuration Checks/AWS Security Best Practices/External Access Granted"
UNUSED_TYPES = {
    "UnusedPermission": ("Unused Permission", "UnusedPermissions", "contains unused permissions",
                         "contains unused service and action-level permissions"),
    "UnusedIAMRole": ("Unused IAM Role", "UnusedIAMRole", "contains unused IAM role", "is an unused IAM role"),
    "UnusedIAMUserPassword": ("Unused IAM User Password", "UnusedIAMUserPassword", "contains unused IAM user password",
                              "has an unused IAM user password"),
    "UnusedIAMUserAccessKey": ("Unused IAM User Access Key", "UnusedIAMUserAccessKey",
                               "contains unused IAM user access key", "has an unused IAM user access key"),
}
LOW = {"Product": 1, "Label": "LOW", "Normalized": 1}
HIGH = {"Product": 7, "Label": "HIGH", "Normalized": 70}
BATCH = 100  # BatchImportFindings takes at most 100 findings
EXTERNAL_REMEDIATION = (
    "If the access isn't intended, it indicates a potential security risk. Use the console for the resource to "
    "modify or remove the policy that grants the unintended access. You can use the Rescan button on the Finding "
    "details page in the Access Analyzer console to confirm whether the change removed the access. If the access is "
    "removed, the status changes to Resolved.")
UNUSED_REMEDIATION = (
    "If the unused permissions aren't required, delete the permissions to refine access to your account. Use the IAM "
    "console to modify or remove the policy that grants the unused permissions. If all the unused permissions are "
    "removed, the status of the finding changes to Resolved.")

# ASFF resource types (ASFF's own names where it has one).
ASFF_RESOURCE_TYPES = {
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::S3Express::DirectoryBucket": "AwsS3ExpressDirectoryBucket",
    "AWS::IAM::Role": "AwsIamRole",
    "AWS::IAM::User": "AwsIamUser",
    "AWS::KMS::Key": "AwsKmsKey",
    "AWS::Lambda::Function": "AwsLambdaFunction",
    "AWS::Lambda::LayerVersion": "AwsLambdaLayerVersion",
    "AWS::SQS::Queue": "AwsSqsQueue",
    "AWS::SNS::Topic": "AwsSnsTopic",
    "AWS::SecretsManager::Secret": "AwsSecretsManagerSecret",
    "AWS::EFS::FileSystem": "AwsEfsFileSystem",
    "AWS::ECR::Repository": "AwsEcrRepository",
    "AWS::EC2::Snapshot": "AwsEc2Snapshot",
    "AWS::RDS::DBSnapshot": "AwsRdsDbSnapshot",
    "AWS::RDS::DBClusterSnapshot": "AwsRdsDbClusterSnapshot",
    "AWS::DynamoDB::Table": "AwsDynamoDbTable",
    "AWS::DynamoDB::Stream": "AwsDynamoDbStream",
}


def asff_resource_type(resource_type: str) -> str:
    return ASFF_RESOURCE_TYPES.get(resource_type, "Other")


def default_product_arn(partition: str, region: str, account: str) -> str:
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _console_url(region: str, finding_id: str) -> str:
    return f"https://console.aws.amazon.com/access-analyzer/home?region={region}#/findings/details/{finding_id}"


def _representative(open_findings: Sequence[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    """The finding the Security Hub finding shows: an active public one, else an active cross-account
    one (the oldest), else none (the Security Hub finding is archived)."""
    active = sorted((f for f in open_findings if f["status"] == "ACTIVE" and f.get("error") is None),
                    key=lambda f: (f["createdAt"], f["id"]))
    public = [f for f in active if f.get("isPublic")]
    return (public or active or [None])[0]


def _principal(finding: Mapping[str, Any]) -> tuple[str, str]:
    (kind, value), *_ = sorted((finding.get("principal") or {"AWS": "*"}).items())
    return kind, value


def external_asff(payload: Mapping[str, Any], product_arn: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The Security Hub finding of the changed finding's resource, as it is after the change; None
    when there is nothing to send (an error finding of a resource never shown)."""
    changed = payload["finding"]
    analyzer_arn = payload["analyzer"]["arn"]
    partition, region, _ = arn_parts(analyzer_arn)
    open_findings = [f for f in payload.get("resourceFindings", []) if f["status"] in ("ACTIVE", "ARCHIVED")]
    shown = _representative(open_findings)
    record_state = "ACTIVE" if shown is not None else "ARCHIVED"
    if shown is None:
        # Nothing active: the finding stays as it was last shown, archived. A change of an error
        # finding alone has nothing to archive that was ever shown as access.
        candidates = [f for f in [changed, *open_findings] if f.get("error") is None]
        if not candidates:
            return None
        shown = candidates[0]
    public = bool(shown.get("isPublic"))
    account = shown["resourceOwnerAccount"]
    resource_type = shown["resourceType"]
    asff_type = asff_resource_type(resource_type)
    kind, principal = _principal(shown)
    access = "public access" if public else "cross-account access"
    types = [PUBLIC_TYPE if public else CROSS_ACCOUNT_TYPE]
    severity = HIGH if public else LOW
    condition = shown.get("condition") or {}
    updated = max(changed["updatedAt"], shown["updatedAt"])
    description = f"{resource_type}/{shown['resource']}/ allows {access}"
    if not public:
        description += f" from {kind} {principal}"
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"{analyzer_arn}/{shown['resource']}",
        "ProductArn": product_arn or default_product_arn(partition, region, account),
        "ProductName": PRODUCT_NAME,
        "CompanyName": "AWS",
        "Region": region,
        "GeneratorId": GENERATOR_ID,
        "AwsAccountId": account,
        "Types": types,
        "CreatedAt": aws_time(shown["createdAt"]),
        "UpdatedAt": aws_time(updated),
        "Severity": dict(severity),
        "Title": f"{asff_type}/{shown['resource']}/ allows {access}",
        "Description": description,
        "Remediation": {"Recommendation": {"Text": EXTERNAL_REMEDIATION}},
        "SourceUrl": _console_url(region, shown["id"]),
        "ProductFields": {"findingId": shown["id"], "resourceOwnerAccount": account, "findingType": "ExternalAccess"},
        "Resources": [{
            "Type": asff_type,
            "Id": shown["resource"],
            "Partition": partition,
            "Region": region,
            "Details": {"Other": {
                "External Principal Type": kind,
                "Condition": json.dumps(condition, sort_keys=True) if condition else "none",
                "Action Granted": ",".join(shown.get("action") or []),
                "External Principal": principal,
            }},
        }],
        "WorkflowState": "NEW",
        "Workflow": {"Status": "NEW"},
        "RecordState": record_state,
        "FindingProviderFields": {"Severity": {"Label": severity["Label"]}, "Types": types},
    }


def unused_asff(payload: Mapping[str, Any], product_arn: Optional[str] = None) -> dict[str, Any]:
    """One Security Hub finding per unused access finding; resolved or archived → archived."""
    finding = payload["finding"]
    analyzer_arn = payload["analyzer"]["arn"]
    partition, region, _ = arn_parts(analyzer_arn)
    kind_type, id_suffix, title_tail, description_tail = UNUSED_TYPES[finding["findingType"]]
    asff_type = asff_resource_type(finding["resourceType"])
    account = finding["resourceOwnerAccount"]
    types = [f"Software and Configuration Checks/AWS Security Best Practices/{kind_type}"]
    fields = {"findingId": finding["id"], "findingType": finding["findingType"], "resourceOwnerAccount": account}
    if finding["findingType"] == "UnusedPermission":
        services, actions = unused_counts(finding)
        fields.update(numberOfUnusedServices=str(services), numberOfUnusedActions=str(actions))
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"{analyzer_arn}/{finding['resource']}/{id_suffix}",
        "ProductArn": product_arn or default_product_arn(partition, region, account),
        "ProductName": PRODUCT_NAME,
        "CompanyName": "AWS",
        "Region": region,
        "GeneratorId": GENERATOR_ID,
        "AwsAccountId": account,
        "Types": types,
        "CreatedAt": aws_time(finding["createdAt"]),
        "UpdatedAt": aws_time(finding["updatedAt"]),
        "Severity": dict(LOW),
        "Title": f"{asff_type}/{finding['resource']}/ {title_tail}",
        "Description": f"{finding['resourceType']}/{finding['resource']}/ {description_tail}",
        "Remediation": {"Recommendation": {"Text": UNUSED_REMEDIATION}},
        "SourceUrl": _console_url(region, finding["id"]),
        "ProductFields": fields,
        "Resources": [{"Type": asff_type, "Id": finding["resource"], "Partition": partition, "Region": region}],
        "WorkflowState": "NEW",
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE" if finding["status"] == "ACTIVE" else "ARCHIVED",
        "FindingProviderFields": {"Severity": {"Label": LOW["Label"]}, "Types": types},
    }


def asff_finding(payload: Mapping[str, Any], product_arn: Optional[str] = None) -> Optional[dict[str, Any]]:
    if is_external(payload["finding"]):
        return external_asff(payload, product_arn)
    if payload["finding"]["findingType"] in UNUSED_TYPES:
        return unused_asff(payload, product_arn)
    return None  # internal access: no documented mapping


@dataclass
class SecurityHubSender:
    """Sends notifications as ASFF findings; ``client`` is a boto3 ``securityhub`` client."""

    client: Any
    destination: str = "securityhub"
    product_arn: Optional[str] = None

    def send(self, notifications: Sequence[Notification]) -> dict[int, Optional[str]]:
        from botocore.exceptions import BotoCoreError, ClientError

        outcome: dict[int, Optional[str]] = {}
        prepared: list[tuple[Notification, dict[str, Any]]] = []
        for notification in notifications:
            asff = asff_finding(notification.payload, self.product_arn)
            if asff is None:
                outcome[notification.seq] = None  # nothing Security Hub shows changed
            else:
                prepared.append((notification, asff))
        for start in range(0, len(prepared), BATCH):
            batch = prepared[start:start + BATCH]
            try:
                response = self.client.batch_import_findings(Findings=[asff for _, asff in batch])
            except (ClientError, BotoCoreError) as e:
                outcome.update({n.seq: f"BatchImportFindings: {e}" for n, _ in batch})
                continue
            failed = {f.get("Id"): f"{f.get('ErrorCode')}: {f.get('ErrorMessage', '')}"
                      for f in response.get("FailedFindings", [])}
            for notification, asff in batch:
                outcome[notification.seq] = failed.get(asff["Id"])
        return outcome
