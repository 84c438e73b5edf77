"""Which permissions are old enough to be analysed: those granted for the whole tracking period.

AWS (IAM User Guide, "Create an unused access analyzer"): "The analyzer will only evaluate
permissions for IAM entities ... that have existed for the entire tracking period. For example, if
you set a tracking period of 90 days, only permissions that are at least 90 days old will be
analyzed". A role or user created inside the period is skipped whole (``unused.analyze_identity``);
this module answers the finer question for the permissions of an older identity.

An action is analysed when the identity's policies grant it now *and* granted it at the start of
the period (the cutoff): ``policies_at_cutoff`` rebuilds the policies as they applied then, and
the unused analyzer intersects what both sets grant (``unused_grants``, engine and evaluator).
What a policy set granted at the cutoff:

- a managed policy created after the cutoff, or attached after it (the trail's
  ``Attach*Policy``, ``inventory.grant_times``), is left out;
- a managed policy whose default version was created after the cutoff counts with the version in
  force then: the latest listed version created at or before the cutoff (``PolicyVersionList``);
- an inline policy written after the cutoff (the trail's ``Put*Policy``) is left out;
- a user's group policies count only if the user was in the group at the cutoff (the trail's
  ``AddUserToGroup``), each as above.

Where the snapshot is silent (CHOICE): ``get-account-authorization-details`` has no attachment
dates, so without a trail a policy counts as attached since the identity was created (which is
before the cutoff, or the identity is not analysed); a managed policy whose current default
version is younger than the cutoff while no older version is listed (deleted, or not exported)
counts with its current document, as an unknown creation date counts as old enough elsewhere; a
``SetDefaultPolicyVersion`` back to an older version is not seen (the latest version created by
the cutoff is taken as the one in force then). A Deny is never left out by being young in a way
that matters: the analysed actions are also granted *now*, under every current Deny.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Optional, Sequence

from ..inventory.activity import USER, AccountActivity, Identity, InlinePolicy, ManagedPolicy
from ..inventory.grant_times import GROUP_KIND, ROLE_KIND, USER_KIND


def _after(moment: Optional[datetime], cutoff: datetime) -> bool:
    return moment is not None and moment > cutoff


def document_at(policy: ManagedPolicy, cutoff: datetime) -> Optional[str]:
    """The managed policy's document as it read at ``cutoff``; None when it did not exist yet."""
    if _after(policy.created_at, cutoff):
        return None
    default = next((v for v in policy.versions if v.is_default), None)
    if default is None or not _after(default.created_at, cutoff):
        return policy.document
    earlier = [v for v in policy.versions if v.created_at is not None and v.created_at <= cutoff]
    if not earlier:
        return policy.document
    return max(earlier, key=lambda v: v.created_at).document  # type: ignore[arg-type, return-value]


def _policies_of_entity(account: AccountActivity, kind: str, name: str, arns: Iterable[str],
                        inline: Iterable[InlinePolicy], prefix: str, cutoff: datetime) -> list[tuple[str, str]]:
    account_id = account.account.account_id
    times = account.grant_times
    out: list[tuple[str, str]] = []
    for arn in arns:
        policy = account.managed_policies.get(arn)
        if policy is None or _after(times.attached_at(account_id, kind, name, arn), cutoff):
            continue
        document = document_at(policy, cutoff)
        if document is not None:
            out.append((prefix + arn, document))
    for p in inline:
        if not _after(times.written_at(account_id, kind, name, p.name), cutoff):
            out.append((f"{prefix}inline:{p.name}", p.document))
    return out


def policies_at_cutoff(identity: Identity, account: AccountActivity, cutoff: datetime) -> list[tuple[str, str]]:
    """(policy id, document) of the identity-based policies that applied to ``identity`` at the
    cutoff, as they read then; ids as ``inventory.activity.policies_of`` names them."""
    kind = USER_KIND if identity.resource_type == USER else ROLE_KIND
    out = _policies_of_entity(account, kind, identity.name, identity.attached_policy_arns, identity.inline_policies,
                              "", cutoff)
    for group_name in identity.group_names:
        group = account.groups.get(group_name)
        if group is None or _after(account.grant_times.joined_at(account.account.account_id, identity.name, group_name),
                                   cutoff):
            continue
        out += _policies_of_entity(account, GROUP_KIND, group_name, group.attached_policy_arns, group.inline_policies,
                                   f"group/{group_name}:", cutoff)
    return out


def same_policies(a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]]) -> bool:
    return sorted(a) == sorted(b)
