"""Rules: policy size quotas.

How the characters are counted follows each quota's own documentation:

* Identity policies: AWS checks 10,240 characters, its message says "the 10240 character maximum
  for inline and managed policies" (the IAM quota of a role's inline policies; a managed policy's
  own quota, 6,144, is not what ValidatePolicy checks: none of the dev file's many AWS managed
  policies between the two sizes has the finding, all 33 above 10,240 have it). "IAM does not count
  white space when calculating the size of a policy" (IAM User Guide, IAM and AWS STS quotas): the
  JSON whitespace between tokens is dropped and every character of the policy's strings counts.
  AWS's figure is then one more than that count, in all 33 findings of the dev file (whatever the
  policy's size or shape); the finding is reported when that figure exceeds the quota.
* Role trust policies: 2,048 characters by default, whitespace excluded the same way. The finding
  tells the user to ignore it if the quota has been raised, so the default quota is the one checked.
* SCPs and RCPs: 5,120 characters, and "All characters in your SCP count against its maximum size"
  (Organizations User Guide, SCP syntax): the document is counted as written, whitespace included.
* Resource policies: the quota of the resource the policy is attached to. S3 bucket policies and
  DynamoDB resource policies are limited to 20 KB (DynamoDB counts whitespace); S3 access point
  policies likewise. Choice: 20,480 characters, whitespace included, for every S3 resource type
  (the Multi-Region and Object Lambda access point pages give no separate figure) and DynamoDB
  tables. Without ``validatePolicyResourceType`` the service is unknown and its quota with it
  (SQS: 8,192 bytes; KMS: 32 KB, ...), so nothing is reported.

The finding points at the whole policy document.
"""

from __future__ import annotations

import re

from ...policy import Location
from ..rule import (
    IDENTITY_POLICY,
    RESOURCE_CONTROL_POLICY,
    RESOURCE_POLICY,
    ROLE_TRUST_POLICY,
    SERVICE_CONTROL_POLICY,
    ERROR,
    WARNING,
    Context,
    Report,
    Reports,
    rule,
)

IDENTITY_POLICY_QUOTA = 10240
ROLE_TRUST_POLICY_QUOTA = 2048
SCP_QUOTA = 5120
RCP_QUOTA = 5120
RESOURCE_POLICY_QUOTAS = {
    "AWS::S3::Bucket": 20480,
    "AWS::S3::AccessPoint": 20480,
    "AWS::S3::MultiRegionAccessPoint": 20480,
    "AWS::S3ObjectLambda::AccessPoint": 20480,
    "AWS::DynamoDB::Table": 20480,
}

# ValidatePolicy refuses a longer document outright, with ``ValidationException: InvalidPolicy``
# and no findings. Undocumented; observed in the dev file: all 15 requests of 34,365 characters or
# more were refused, all of 32,693 or fewer answered (the managed policies ReadOnlyAccess and
# AWS_ConfigRole crossed the line as they grew). 32,768 (32 KiB) is the round figure in between.
# Choice: the document's characters as sent, whitespace included, as a request limit is applied
# before the policy is read (the dev file cannot tell this from the count without whitespace).
MAX_POLICY_DOCUMENT_CHARS = 32768
REFUSED_POLICY_MESSAGE = "InvalidPolicy"


def is_refused(text: str) -> bool:
    """Would ValidatePolicy refuse this document as a whole (``InvalidPolicy``)?"""
    return len(text) > MAX_POLICY_DOCUMENT_CHARS


# A string literal, unrolled so that a long string is matched in one step. Outside strings a
# valid JSON text has quotes only where strings begin, so the matches stay aligned.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?')


def size_without_whitespace(text: str) -> int:
    """Characters of the document without the JSON whitespace between tokens."""
    outside = _STRING.sub("", text)
    blank = outside.count(" ") + outside.count("\n") + outside.count("\t") + outside.count("\r")
    return len(text) - blank


def identity_policy_size(text: str) -> int:
    """The size AWS reports for an identity policy: one more than its characters without whitespace."""
    return size_without_whitespace(text) + 1


def _document(ctx: Context) -> Location:
    root = ctx.policy.root
    return Location((), root.start, root.end)


def _over(ctx: Context, size: int, quota: int) -> Reports:
    if size > quota:
        yield Report.at(_document(ctx), policySize=size, policySizeQuota=quota)


@rule(
    "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", WARNING, "Policy size exceeds identity policy quota",
    "The {{policySize}} characters in the identity policy, excluding whitespace, exceed the "
    "{{policySizeQuota}} character maximum for inline and managed policies. We recommend that you use "
    "multiple granular policies.",
    policy_types=(IDENTITY_POLICY,),
)
def policy_size_exceeds_identity_policy_quota(ctx: Context) -> Reports:
    yield from _over(ctx, identity_policy_size(ctx.policy.text), IDENTITY_POLICY_QUOTA)


@rule(
    "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA", WARNING, "Policy size exceeds resource policy quota",
    "The {{policySize}} characters in the resource policy exceed the {{policySizeQuota}} character "
    "maximum for resource policies. We recommend that you use multiple granular policies.",
    policy_types=(RESOURCE_POLICY,),
)
def policy_size_exceeds_resource_policy_quota(ctx: Context) -> Reports:
    quota = RESOURCE_POLICY_QUOTAS.get(ctx.resource_type or "")
    if quota is not None:
        yield from _over(ctx, len(ctx.policy.text), quota)


@rule(
    "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", WARNING, "Policy size exceeds role trust policy quota",
    "The characters in the role trust policy, excluding whitespace, exceed the character maximum. We "
    "recommend that you request a role trust policy length quota increase using Service Quotas and AWS "
    "Support Center. If the quotas have already been increased, then you can ignore this warning.",
    policy_types=(RESOURCE_POLICY,),
)
def policy_size_exceeds_role_trust_policy_quota(ctx: Context) -> Reports:
    if ctx.resource_type == ROLE_TRUST_POLICY and size_without_whitespace(ctx.policy.text) > ROLE_TRUST_POLICY_QUOTA:
        yield _document(ctx)


@rule(
    "POLICY_SIZE_EXCEEDS_SCP_QUOTA", ERROR, "Policy size exceeds SCP quota",
    "The {{policySize}} characters in the service control policy (SCP) exceed the {{policySizeQuota}} "
    "character maximum for SCPs. We recommend that you use multiple granular policies.",
    policy_types=(SERVICE_CONTROL_POLICY,),
)
def policy_size_exceeds_scp_quota(ctx: Context) -> Reports:
    yield from _over(ctx, len(ctx.policy.text), SCP_QUOTA)


@rule(
    "POLICY_SIZE_EXCEEDS_RCP_QUOTA", ERROR, "Policy size exceeds RCP quota",
    "The {{policySize}} characters in the resource control policy (RCP) exceed the {{policySizeQuota}} "
    "character maximum for RCPs. We recommend that you use multiple granular policies.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def policy_size_exceeds_rcp_quota(ctx: Context) -> Reports:
    yield from _over(ctx, len(ctx.policy.text), RCP_QUOTA)
