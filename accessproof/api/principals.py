"""The identity policies of a principal of an account snapshot, for SimulatePrincipalPolicy.

A user's are its inline and managed policies and those of its groups; a group's and a role's
are their own. Each comes with the ``SourcePolicyType`` IAM reports for it (``user``, ``group``,
``role`` for inline policies, ``aws-managed`` or ``user-managed`` for managed ones) and with its
name as ``SourcePolicyId``. ``PolicyExclusionList`` removes some (IAM API Reference,
SimulatePrincipalPolicy: identifiers that match no attached policy are ignored).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Sequence

from . import errors

_ENTITY = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):(user|group|role)/(?:.*/)?([^/]+)$")
AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
Policy = tuple[str, str, Optional[str]]  # (SourcePolicyId, document, SourcePolicyType)


def _invalid(message: str) -> Exception:
    return errors.client_error("InvalidInputException", message, "SimulatePrincipalPolicy")


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")


def _no_such_entity(arn: str) -> Exception:
    kind = _ENTITY.match(arn).group(2) if _ENTITY.match(arn) else "entity"
    return errors.client_error("NoSuchEntityException", f"The {kind} with ARN {arn} cannot be found.",
                               "SimulatePrincipalPolicy")


def principal_policies(snapshot: Any, arn: str, exclusions: Sequence[Mapping[str, Any]]) -> list[Policy]:
    """(id, document, type) of the identity policies of the principal ``arn`` of ``snapshot``."""
    from ..inventory.activity import load_account_activity
    from ..inventory.errors import SnapshotError

    if not snapshot or not isinstance(snapshot, (str, bytes)) and not hasattr(snapshot, "__fspath__"):
        raise _invalid("SimulatePrincipalPolicy reads principals from an account snapshot: configure the client "
                       "(or accessproof serve) with snapshot=PATH")
    match = _ENTITY.match(arn or "")
    if match is None:
        raise _invalid(f"PolicySourceArn must be the ARN of an IAM user, group or role, not {arn!r}")
    try:
        account = load_account_activity(snapshot)
    except SnapshotError as e:
        raise _invalid(str(e)) from None
    kind, name = match.group(2), match.group(3)
    attachments: list[tuple[str, str, Sequence[str], Sequence[Any]]] = []  # (type, name, managed ARNs, inline)
    if kind == "group":
        group = account.groups.get(name)
        if group is None:
            raise _no_such_entity(arn)
        attachments.append(("group", name, group.attached_policy_arns, group.inline_policies))
    else:
        identity = account.identity(arn)
        if identity is None:
            raise _no_such_entity(arn)
        attachments.append((kind, identity.name, identity.attached_policy_arns, identity.inline_policies))
        for group_name in identity.group_names:
            group = account.groups.get(group_name)
            if group is not None:
                attachments.append(("group", group_name, group.attached_policy_arns, group.inline_policies))
    out: list[Policy] = []
    for attached_to, entity, managed, inline in attachments:
        for policy_arn in managed:
            policy = account.managed_policies.get(policy_arn)
            if policy is None:
                raise _invalid(f"{entity} has managed policy {policy_arn} attached, but the snapshot does not "
                               "describe it")
            managed_type = "aws-managed" if policy_arn.startswith(AWS_MANAGED_PREFIX) else "user-managed"
            if not _excluded(exclusions, managed_type, policy_arn, None, attached_to, entity):
                out.append((policy.name, policy.document, managed_type))
        for policy in inline:
            if not _excluded(exclusions, "inline", None, policy.name, attached_to, entity):
                out.append((policy.name, policy.document, attached_to))
    return out


def _excluded(exclusions: Sequence[Mapping[str, Any]], policy_type: str, policy_arn: Optional[str],
              inline_name: Optional[str], attached_to: str, entity: str) -> bool:
    for identifier in exclusions:
        if identifier.get("PolicyType") == policy_type:
            return True
        pattern = identifier.get("PolicyArn")
        if pattern and policy_arn and _wildcard(pattern).match(policy_arn):
            return True
        inline = identifier.get("InlinePolicyIdentifier")
        if inline and inline_name is not None and inline.get("PolicyName") == inline_name \
                and inline.get("AttachmentType") == attached_to \
                and _wildcard(str(inline.get("AttachmentName", ""))).match(entity):
            return True
    return False
