"""Which resources a recorded call touched, as ARNs a policy can name.

Rules, in order (the first that gives ARNs wins):
1. Which resource types the call is checked against, from the catalog: one required type and
   no optional one (``ec2:StopInstances`` → instance) is that type; no required type means
   alternatives, one of which the call uses (``s3:GetObject`` → an object, or an object through
   an access point): the first the event fills. Several required types, or a required type with
   optional ones, are checked together (``ec2:RunInstances`` checks the image, the subnet, the
   security group...; ``ssm:SendCommand`` the document and the instances); an event does not
   name them all, so no concrete ARN is derived: ``*`` or placeholders for each type.
2. ARNs that CloudTrail lists in the event's ``resources`` and that have the action's resource
   type's format.
3. ARN-valued request parameters of that format (``roleArn``, ``policyArn``, ``topicArn``...).
4. The type's ARN format filled from request parameters (``bucketName``, ``instanceId``...),
   with the event's partition, Region and account.

Service quirks, each from the service's documentation:
- Secrets Manager appends "a hyphen and six random characters" to a secret's ARN (Secrets
  Manager User Guide, "Secret ARN"): a secret named by name becomes ``secret:NAME-??????``.
- IAM user and role ARNs carry the entity's path, which events that name the entity by name do
  not tell: both ``role/NAME`` and ``role/*/NAME`` are granted (IAM User Guide, "IAM
  identifiers").
- Lambda functions may be called with a version or alias qualifier; the qualified ARN
  ``function:NAME:QUALIFIER`` is a different resource (Lambda Developer Guide, "Using resource-based
  policies / function ARNs"): both ``function:NAME`` and ``function:NAME:*`` are granted.
- Systems Manager parameter ARNs drop the name's leading slash.
- ARNs whose Region is not a known Region (anonymized samples, new Regions) would be rejected by
  ValidatePolicy (INVALID_ARN_REGION): their Region becomes ``*``, which covers the recorded one.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional

from ..catalog import Action, Catalog, ResourceType
from ..catalog.regions import is_region

# service prefix → ARN placeholder → request-parameter paths that hold its value.
# A path ``a.b[].c`` walks dictionaries and, at ``[]``, every element of a list.
PARAMETER_PATHS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "s3": {"BucketName": ("bucketName",), "ObjectName": ("key",)},
    "ec2": {"InstanceId": ("instanceId", "instancesSet.items[].instanceId", "instanceIds[]"),
            "SnapshotId": ("snapshotId",), "ImageId": ("imageId",), "VolumeId": ("volumeId",),
            "SecurityGroupId": ("groupId",), "VpcId": ("vpcId",), "SubnetId": ("subnetId",)},
    "ec2-instance-connect": {"InstanceId": ("instanceId",)},
    "lambda": {"FunctionName": ("functionName",), "LayerName": ("layerName",)},
    "secretsmanager": {"SecretId": ("secretId", "name")},
    "ssm": {"ParameterNameWithoutLeadingSlash": ("name", "names[]"), "DocumentName": ("documentName",),
            "SessionId": ("sessionId",)},
    "iam": {"UserNameWithPath": ("userName",), "RoleNameWithPath": ("roleName",),
            "GroupNameWithPath": ("groupName",), "InstanceProfileNameWithPath": ("instanceProfileName",)},
    "cloudtrail": {"TrailName": ("name", "trailName")},
    "dynamodb": {"TableName": ("tableName",)},
    "logs": {"LogGroupName": ("logGroupName",)},
    "ecr": {"RepositoryName": ("repositoryName",)},
    "rds": {"SnapshotName": ("dBSnapshotIdentifier",), "DbInstanceInstanceName": ("dBInstanceIdentifier",)},
    "kinesis": {"StreamName": ("streamName",)},
    "sqs": {},
    "sns": {},
    "kms": {},
}

# Actions of an operation whose resource is not the one the request parameters name (CopyObject
# reads its source from ``x-amz-copy-source``): no ARN is derived for them.
NOT_DERIVED: frozenset[tuple[str, str]] = frozenset({
    ("CopyObject", "s3:GetObject"), ("UploadPartCopy", "s3:GetObject"),
})

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_GLOBAL_PLACEHOLDERS = frozenset({"Partition", "Region", "Account"})


def resource_type(catalog: Catalog, service_prefix: str, name: str) -> Optional[ResourceType]:
    """A service's resource type by the name an action uses (the catalog keys some in lower case)."""
    service = catalog.service(service_prefix)
    if service is None:
        return None
    return service.resource_types.get(name) or service.resource_types.get(name.lower())


def candidate_types(action: Action, catalog: Catalog) -> list[ResourceType]:
    """The resource types one of which is the call's only resource (see rule 1), else []."""
    service = catalog.service(action.service)
    if service is None:
        return []
    required = [r for r in action.resource_types if r.required]
    if len(required) == 1 and len(action.resource_types) == 1:
        chosen = required
    elif not required:
        chosen = list(action.resource_types)
    else:
        return []
    return [t for t in (resource_type(catalog, action.service, r.name) for r in chosen) if t is not None]


def placeholder_arns(action: Action, catalog: Catalog, partition: str) -> tuple[str, ...]:
    """ARN templates of the action's resource types (required ones, else all), partition filled."""
    if not action.resource_types:
        return ()
    refs = [r for r in action.resource_types if r.required] or list(action.resource_types)
    out = []
    for ref in refs:
        found = resource_type(catalog, action.service, ref.name)
        if found is not None:
            out.append(found.arn_format.replace("${Partition}", partition))
    return tuple(sorted(set(out)))


def derive_arns(action: Action, catalog: Catalog, operation: str, partition: str, region: Optional[str],
                account: Optional[str], parameters: Optional[Mapping], listed: Iterable[str]) -> Optional[tuple[str, ...]]:
    """The ARNs this call touched for ``action``, or None when they cannot be told."""
    if (operation, action.full_name) in NOT_DERIVED:
        return None
    listed = tuple(listed)
    values = [v for v in _string_values(parameters) if v.startswith("arn:")] if parameters else []
    for rtype in candidate_types(action, catalog):
        found = [arn for arn in listed if rtype.matches_arn(arn)]
        if not found:
            found = [v for v in values if rtype.matches_arn(v)]
        if not found and parameters:
            found = _fill(rtype, action.service, partition, region, account, parameters)
        if found:
            return tuple(sorted({_known_region(arn) for arn in found}))
    return None


def _string_values(parameters: Mapping) -> list[str]:
    out: list[str] = []
    for value in parameters.values():
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
    return out


def _walk(value: object, path: str) -> list[str]:
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if not isinstance(value, Mapping) or key not in value:
        return []
    items = value[key] if many else [value[key]]
    if not isinstance(items, list):
        return []
    if not rest:
        return [str(v) for v in items if isinstance(v, (str, int)) and str(v)]
    return [found for item in items for found in _walk(item, rest)]


def _fill(rtype: ResourceType, service: str, partition: str, region: Optional[str], account: Optional[str],
          parameters: Mapping) -> list[str]:
    paths = PARAMETER_PATHS.get(service, {})
    names = [n for n in _PLACEHOLDER.findall(rtype.arn_format) if n not in _GLOBAL_PLACEHOLDERS]
    if not names:
        return []
    values: dict[str, list[str]] = {}
    for name in names:
        found = next((v for p in paths.get(name, ()) for v in [_walk(parameters, p)] if v), None)
        if not found:
            return []
        values[name] = [variant for v in found for variant in _variants(service, name, v, parameters)]
    if "${Region}" in rtype.arn_format and not region or "${Account}" in rtype.arn_format and not account:
        return []
    base = rtype.arn_format.replace("${Partition}", partition).replace("${Region}", region or "") \
        .replace("${Account}", account or "")
    out = [base]
    for name in names:
        out = [arn.replace("${" + name + "}", v) for arn in out for v in values[name]]
    return [arn for arn in out if "${" not in arn]


def _variants(service: str, placeholder: str, value: str, parameters: Mapping) -> list[str]:
    """The ARN pieces a parameter value stands for (see the module doc for each quirk)."""
    if value.startswith("arn:"):
        return []  # an ARN of another shape than this resource type: not ours to rewrite
    if any(ch in value for ch in "*?$"):
        return []  # a wildcard or variable in a recorded value would widen the grant
    if service == "secretsmanager" and placeholder == "SecretId":
        return [f"{value}-??????"]
    if service == "iam" and placeholder.endswith("NameWithPath"):
        path = parameters.get("path")
        if isinstance(path, str) and path.startswith("/"):
            return [f"{path.strip('/')}/{value}".lstrip("/")]
        return [value, f"*/{value}"]
    if service == "lambda" and placeholder == "FunctionName":
        name = value.split(":", 1)[0]
        return [name, f"{name}:*"]
    if placeholder == "ParameterNameWithoutLeadingSlash":
        return [value.lstrip("/")]
    return [value]


def _known_region(arn: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[3] and not is_region(parts[3]):
        parts[3] = "*"
        return ":".join(parts)
    return arn


def pass_role_arns(parameters: Optional[Mapping], keys: tuple[str, ...]) -> tuple[str, ...]:
    """Role ARNs a call passes to a service, from the request parameters that carry them."""
    if not parameters:
        return ()
    found = [parameters.get(k) for k in keys]
    return tuple(sorted({v for v in found if isinstance(v, str) and ":iam::" in v and ":role/" in v}))
