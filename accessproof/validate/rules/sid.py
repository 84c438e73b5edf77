"""Rules: the Sid element — empty, unsupported characters, uniqueness."""

from __future__ import annotations

import re
from collections import defaultdict

from ..rule import (
    ERROR,
    IDENTITY_POLICY,
    SERVICE_CONTROL_POLICY,
    RESOURCE_CONTROL_POLICY,
    RESOURCE_POLICY,
    SUGGESTION,
    WARNING,
    Context,
    Reports,
    rule,
)

# IAM identity policies, SCPs and RCPs accept only ASCII letters and digits in a Sid
# (IAM User Guide, "IAM JSON policy elements: Sid"); resource policies of other services allow
# more (SQS and SNS accept spaces, for example), so the check applies to the former only.
_SID_CHARS = re.compile(r"[A-Za-z0-9]*")


@rule("EMPTY_SID_VALUE", SUGGESTION, "Empty Sid value", "Add a value to the empty string in the Sid element.")
def empty_sid_value(ctx: Context) -> Reports:
    for st in ctx.statements:
        if st.sid and st.sid.text == "":
            yield st.sid.loc


@rule(
    "UNSUPPORTED_SID", ERROR, "Unsupported Sid",
    "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]",
    policy_types=(IDENTITY_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY),
)
def unsupported_sid(ctx: Context) -> Reports:
    for st in ctx.statements:
        text = st.sid_text
        if text and not _SID_CHARS.fullmatch(text):
            yield st.sid.loc  # type: ignore[union-attr]


def _duplicate_sids(ctx: Context) -> Reports:
    seen: dict[str, list] = defaultdict(list)
    for st in ctx.statements:
        if st.sid_text:
            seen[st.sid_text].append(st.sid)
    for sids in seen.values():
        for sid in sids[1:]:
            yield sid.loc


@rule(
    "UNIQUE_SIDS_REQUIRED", ERROR, "Unique Sids required",
    "Duplicate statement IDs are not supported for this policy type. Update the Sid value.",
    policy_types=(IDENTITY_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY),
)
def unique_sids_required(ctx: Context) -> Reports:
    yield from _duplicate_sids(ctx)


@rule(
    "UNIQUE_SIDS_RECOMMENDED", WARNING, "Unique Sids recommended",
    "We recommend that you use statement IDs that are unique to your policy. Update the Sid value.",
    policy_types=(RESOURCE_POLICY,),
)
def unique_sids_recommended(ctx: Context) -> Reports:
    yield from _duplicate_sids(ctx)
