"""Rules: policy size quotas.

How the characters are counted follows each quota's own documentation:

* Identity policies: 6,144 characters for a managed policy; "IAM does not count white space when
  calculating the size of a policy" (IAM User Guide, IAM and AWS STS quotas; the finding says
  "excluding whitespace"). Choice: the JSON whitespace between tokens is dropped and every
  character of the policy's strings counts, as in the minified document.
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

IDENTITY_POLICY_QUOTA = 6144
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

# A string literal, unrolled so that a long string is matched in one step. Outside strings a
# valid JSON text has quotes only where strings begin, so the matches stay aligned.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?')


def size_without_whitespace(text: str) -> int:
    """Characters of the document without the JSON whitespace between tokens."""
    outside = _STRING.sub("", text)
    blank = outside.count(" ") + outside.count("\n") + outside.count("\t") + outside.count("\r")
    return len(text) - blank


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
    yield from _over(ctx, size_without_whitespace(ctx.policy.text), IDENTITY_POLICY_QUOTA)


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
