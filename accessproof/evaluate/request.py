"""A request to authorize: who (principal), what (action), on what (resource), in what context.

Pure data. ``parse_principal`` turns the caller's identifier (an ARN, an account id, a service
principal name, a canonical user id, ...) into a typed ``Principal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Mapping, Optional, Union

from .errors import InvalidRequest


class PrincipalKind(str, Enum):
    ROOT = "root"  # arn:aws:iam::123456789012:root
    USER = "user"  # arn:aws:iam::123456789012:user/path/name
    ROLE = "role"  # arn:aws:iam::123456789012:role/path/name (the role itself)
    ROLE_SESSION = "assumed-role"  # arn:aws:sts::123456789012:assumed-role/name/session
    FEDERATED_USER = "federated-user"  # arn:aws:sts::123456789012:federated-user/name
    SERVICE = "service"  # s3.amazonaws.com
    FEDERATED = "federated"  # an identity provider: cognito-identity.amazonaws.com, saml-provider ARN
    CANONICAL_USER = "canonical-user"  # 64 hex characters (S3)
    ANONYMOUS = "anonymous"  # an unsigned request
    UNSPECIFIED = "unspecified"  # an IAM identity whose ARN was not given (identity-only simulation)


IAM_IDENTITY_KINDS = frozenset(
    {PrincipalKind.ROOT, PrincipalKind.USER, PrincipalKind.ROLE, PrincipalKind.ROLE_SESSION,
     PrincipalKind.FEDERATED_USER, PrincipalKind.UNSPECIFIED}
)
SESSION_KINDS = frozenset({PrincipalKind.ROLE_SESSION, PrincipalKind.FEDERATED_USER})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller. ``arn`` is its own identifier; ``role_arn`` is set for a role session."""

    kind: PrincipalKind
    arn: Optional[str] = None
    account: Optional[str] = None
    partition: str = "aws"
    name: Optional[str] = None  # user name, role name, federated user name
    role_arn: Optional[str] = None  # arn:aws:iam::<account>:role/<name> for a role session (path unknown)

    @property
    def is_iam_identity(self) -> bool:
        return self.kind in IAM_IDENTITY_KINDS

    @property
    def is_session(self) -> bool:
        return self.kind in SESSION_KINDS

    @property
    def is_service_linked_role(self) -> bool:
        # Service-linked roles are named AWSServiceRoleFor... and live under /aws-service-role/
        # (IAM User Guide, "Using service-linked roles"); a session ARN keeps only the name.
        if self.kind == PrincipalKind.ROLE and self.arn:
            return ":role/aws-service-role/" in self.arn
        if self.kind == PrincipalKind.ROLE_SESSION and self.name:
            return self.name.startswith("AWSServiceRoleFor")
        return False


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
UNSPECIFIED = Principal(PrincipalKind.UNSPECIFIED)

_ACCOUNT = re.compile(r"^\d{12}$")
_CANONICAL = re.compile(r"^[0-9a-fA-F]{64}$")
_IAM_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<resource>.+)$")


def parse_principal(text: Optional[str]) -> Principal:
    """The caller named by ``text``; None or ``"anonymous"`` is an unsigned request."""
    if text is None or text == "anonymous":
        return ANONYMOUS
    if not isinstance(text, str) or not text:
        raise InvalidRequest(f"invalid principal: {text!r}")
    if _ACCOUNT.match(text):
        return Principal(PrincipalKind.ROOT, f"arn:aws:iam::{text}:root", text)
    if _CANONICAL.match(text):
        return Principal(PrincipalKind.CANONICAL_USER, text)
    m = _IAM_ARN.match(text)
    if m:
        return _iam_principal(text, m["partition"], m["service"], m["account"], m["resource"])
    if text.startswith("arn:"):
        raise InvalidRequest(f"unsupported principal ARN: {text}")
    if text.endswith(".amazonaws.com") and text not in FEDERATED_PROVIDERS:
        return Principal(PrincipalKind.SERVICE, text)
    # Web identity providers are named by their host (accounts.google.com, graph.facebook.com, ...).
    return Principal(PrincipalKind.FEDERATED, text)


# Identity providers whose name ends like a service principal (IAM User Guide, "Principal" element).
FEDERATED_PROVIDERS = frozenset({"cognito-identity.amazonaws.com"})


def _iam_principal(arn: str, partition: str, service: str, account: str, resource: str) -> Principal:
    if service == "iam":
        if resource == "root":
            return Principal(PrincipalKind.ROOT, arn, account, partition)
        kind_name, _, rest = resource.partition("/")
        name = rest.rsplit("/", 1)[-1] if rest else None
        if kind_name == "user" and name:
            return Principal(PrincipalKind.USER, arn, account, partition, name)
        if kind_name == "role" and name:
            return Principal(PrincipalKind.ROLE, arn, account, partition, name,
                             role_arn=f"arn:{partition}:iam::{account}:role/{name}")
        if kind_name in ("saml-provider", "oidc-provider") and rest:
            return Principal(PrincipalKind.FEDERATED, arn, account, partition)
    else:
        parts = resource.split("/")
        if parts[0] == "assumed-role" and len(parts) == 3 and all(parts[1:]):
            return Principal(PrincipalKind.ROLE_SESSION, arn, account, partition, parts[1],
                             role_arn=f"arn:{partition}:iam::{account}:role/{parts[1]}")
        if parts[0] == "federated-user" and len(parts) == 2 and parts[1]:
            return Principal(PrincipalKind.FEDERATED_USER, arn, account, partition, parts[1])
    raise InvalidRequest(f"unsupported principal ARN: {arn}")


@dataclass(frozen=True, slots=True)
class ContextValue:
    """The value of one context key: a single value, or a set of values for a multivalued key.

    Values are kept as strings, as the IAM simulator's ``ContextEntries`` carries them; each
    operator family converts them when it compares.
    """

    values: tuple[str, ...]
    multivalued: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.values


ContextInput = Mapping[str, Union[str, int, float, bool, Iterable[Union[str, int, float, bool]], ContextValue]]


def _scalar(value: object, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise InvalidRequest(f"context key {key}: unsupported value {value!r}")


def context_value(value: object, key: str = "") -> ContextValue:
    """A ``ContextValue`` from a plain value: a scalar, or a list/tuple for a multivalued key."""
    if isinstance(value, ContextValue):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return ContextValue(tuple(_scalar(v, key) for v in value), multivalued=True)
    return ContextValue((_scalar(value, key),))


def normalize_context(context: Optional[ContextInput]) -> dict[str, ContextValue]:
    """Keys lower-cased (condition key names are case-insensitive), values as ``ContextValue``."""
    if not context:
        return {}
    return {key.lower(): context_value(value, key) for key, value in context.items()}


@dataclass(frozen=True)
class Request:
    """One authorization request.

    ``resource_account`` is the account that owns the resource; None means the principal's own
    account (as the IAM simulator assumes when the resource ARN names no owner).
    """

    principal: Principal
    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_account: Optional[str] = None

    @staticmethod
    def of(principal: Union[str, Principal, None], action: str, resource: str = "*",
           context: Optional[ContextInput] = None, resource_account: Optional[str] = None) -> "Request":
        """Build a request from plain values (principal as text, context as a plain mapping)."""
        p = principal if isinstance(principal, Principal) else parse_principal(principal)
        if not isinstance(action, str) or ":" not in action:
            raise InvalidRequest(f"invalid action name: {action!r} (expected service:Action)")
        if not isinstance(resource, str) or not resource:
            raise InvalidRequest(f"invalid resource: {resource!r}")
        return Request(p, action, resource, normalize_context(context), resource_account)

    @property
    def owner_account(self) -> Optional[str]:
        return self.resource_account if self.resource_account is not None else self.principal.account

    @property
    def is_cross_account(self) -> bool:
        owner = self.resource_account
        return owner is not None and self.principal.account is not None and owner != self.principal.account
