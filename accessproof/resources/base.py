"""What every resource module produces: IAM policy statements tagged with their source.

A resource's access configuration (its policy, S3 ACL grants, access point policies, KMS
grants, snapshot share attributes) becomes a list of ``SourcedStatement``s. ``policy_text``
joins them into one resource-based policy document, statement *i* of the document being
element *i* of the list, so that a matched statement (``MatchedStatement.statement.index``)
leads back to its source. The document is accepted by
``accessproof.evaluate.compile_policy_text(text, name, RESOURCE)``.

Sources are AWS's ``FindingSourceType`` values (botocore model, Access Analyzer 2019-11-01):
POLICY, BUCKET_ACL, S3_ACCESS_POINT, S3_ACCESS_POINT_ACCOUNT. KMS grants and snapshot share
attributes have no value of their own in today's enum (old SDKs had KMS_GRANT): they are
reported as POLICY, and ``origin`` says which grant or attribute it was. A documented rule that
takes access away (an action a service never allows across accounts) is a Deny
(``outside_account_deny``): Denies are never findings.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Optional, Sequence

POLICY_VERSION = "2012-10-17"


class SourceType(str, Enum):
    POLICY = "POLICY"
    BUCKET_ACL = "BUCKET_ACL"
    S3_ACCESS_POINT = "S3_ACCESS_POINT"
    S3_ACCESS_POINT_ACCOUNT = "S3_ACCESS_POINT_ACCOUNT"


@dataclass(frozen=True)
class Source:
    """A finding source: its type and, for access points, which one."""

    type: SourceType
    access_point_arn: Optional[str] = None
    access_point_account: Optional[str] = None

    def to_api(self) -> dict[str, Any]:
        """The ``FindingSource`` shape: ``{"type": ..., "detail": {"accessPointArn": ...}}``."""
        out: dict[str, Any] = {"type": self.type.value}
        detail = {}
        if self.access_point_arn is not None:
            detail["accessPointArn"] = self.access_point_arn
        if self.access_point_account is not None:
            detail["accessPointAccount"] = self.access_point_account
        if detail:
            out["detail"] = detail
        return out


POLICY_SOURCE = Source(SourceType.POLICY)
BUCKET_ACL_SOURCE = Source(SourceType.BUCKET_ACL)


@dataclass(frozen=True)
class SourcedStatement:
    """One policy statement (a JSON object as a dict; treat it as read-only), where it came from
    (``source``), and a human label of the exact origin (``origin``: "bucket policy statement 2
    (Sid PublicRead)", "ACL grant READ to AllUsers", "KMS grant 0a1b...")."""

    source: Source
    statement: dict[str, Any]
    origin: str

    @property
    def is_allow(self) -> bool:
        return self.statement.get("Effect") == "Allow"


def policy_document(statements: Sequence[SourcedStatement]) -> dict[str, Any]:
    """The policy made of ``statements``, in order (statement i = ``statements[i]``)."""
    return {"Version": POLICY_VERSION, "Statement": [s.statement for s in statements]}


def policy_text(statements: Sequence[SourcedStatement], pretty: bool = False) -> str:
    """``policy_document`` as JSON text, for ``compile_policy_text(text, name, RESOURCE)``.

    Compact by default (json's C encoder only serves compact output: about twice as fast);
    ``pretty`` indents it, one element a line, for people. With no statement at all the
    document has an empty ``Statement`` list: it allows nothing.
    """
    if pretty:
        return json.dumps(policy_document(statements), indent=2)
    return json.dumps(policy_document(statements), separators=(",", ":"))


# ----------------------------------------------------------------------- from policies


def statements_of_policy(text: Optional[str], source: Source, label: str) -> list[SourcedStatement]:
    """The statements of a policy document, each kept as written.

    The joined document is ``Version`` 2012-10-17, where ``${...}`` is a policy variable. A
    policy written for 2008-10-17 (or with no Version) treats ``${...}`` literally ("If you
    don't include the Version element, variables such as ${aws:username} aren't recognized as
    variables and are instead treated as literal strings", IAM User Guide, "IAM policy
    elements: Version"), so its ``$`` characters are escaped as ``${$}`` (IAM User Guide,
    "IAM policy elements: Variables and tags", special characters) to keep that meaning.
    """
    if text is None:
        return []
    document = json.loads(text)
    raw = document.get("Statement", [])
    items = raw if isinstance(raw, list) else [raw]
    literal_variables = document.get("Version") != POLICY_VERSION
    out = []
    for index, item in enumerate(items):
        statement = item  # freshly parsed: nobody else holds it
        if literal_variables and isinstance(statement, dict):
            statement = _escape_dollars(statement)
        sid = item.get("Sid") if isinstance(item, dict) else None
        where = f"{label} statement {index + 1}" + (f" (Sid {sid})" if sid else "")
        out.append(SourcedStatement(source, statement, where))
    return out


def _escape_dollars(statement: dict[str, Any]) -> dict[str, Any]:
    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("$", "${$}")
        if isinstance(value, list):
            return [escape(v) for v in value]
        if isinstance(value, dict):
            return {k: escape(v) for k, v in value.items()}
        return value

    out = dict(statement)
    for key in ("Resource", "NotResource", "Condition"):
        if key in out:
            out[key] = escape(out[key])
    return out


# ------------------------------------------------------------------ building statements


def allow(principal: Any, actions: Iterable[str], resources: Optional[Iterable[str]],
          conditions: Optional[dict[str, dict[str, Any]]] = None, sid: Optional[str] = None) -> dict[str, Any]:
    """An Allow statement (``resources`` None: no Resource element, as in trust policies)."""
    statement: dict[str, Any] = {}
    if sid:
        statement["Sid"] = sid
    statement["Effect"] = "Allow"
    statement["Principal"] = principal
    statement["Action"] = sorted(set(actions))
    if resources is not None:
        statement["Resource"] = list(dict.fromkeys(resources))
    if conditions:
        statement["Condition"] = conditions
    return statement


def outside_account_deny(account_id: str, actions: Iterable[str], origin: str) -> SourcedStatement:
    """A Deny of ``actions`` to every caller outside ``account_id``: how a documented rule "these
    actions never work from another account" becomes part of the resource's policy.

    ``aws:PrincipalAccount`` is in every signed request (IAM User Guide, "AWS global condition
    context keys"); an anonymous caller has none, and ``StringNotEquals`` on a missing key
    matches, so anonymous callers are denied too. Callers of the owner account are untouched. A
    Deny is never a finding: it only removes access, so each use must cite the AWS rule.
    """
    statement = {"Effect": "Deny", "Principal": "*", "Action": sorted(set(actions)), "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalAccount": account_id}}}
    return SourcedStatement(POLICY_SOURCE, statement, origin)


def principal_element(identifier: str) -> Any:
    """The Principal element naming ``identifier``: ``"*"``, an account id or IAM ARN, or a
    service principal (``*.amazonaws.com``)."""
    if identifier == "*":
        return "*"
    if identifier.endswith(".amazonaws.com") and not identifier.startswith("arn:"):
        return {"Service": identifier}
    return {"AWS": identifier}


# Operators that compare like StringEquals for values without wildcards and with a case-exact
# alphabet (account ids are digits): used when a statement already has the first one for a key.
EQUALS_ALTERNATIVES = ("StringEquals", "StringLike", "StringEqualsIgnoreCase")
BOOL_ALTERNATIVES = ("Bool", "StringEquals", "StringLike")


def with_condition(statement: dict[str, Any], key: str, values: list[str],
                   operators: Sequence[str] = EQUALS_ALTERNATIVES) -> Optional[dict[str, Any]]:
    """A copy of ``statement`` further restricted by ``key`` ∈ ``values``.

    Conditions of one statement are ANDed ("If your policy has multiple condition operators
    [...] they are evaluated using a logical AND", IAM User Guide, "Condition element"). A JSON
    object cannot hold the same operator and key twice, so when the first operator of
    ``operators`` already tests ``key`` an equivalent one is used; None when all are taken
    (callers then fall back to a sound alternative).
    """
    out = copy.deepcopy(statement)
    condition = out.setdefault("Condition", {})
    if not isinstance(condition, dict):
        return None
    value: Any = values[0] if len(values) == 1 else list(values)
    for operator in operators:
        block = condition.get(operator)
        if block is None:
            condition[operator] = {key: value}
            return out
        if not isinstance(block, dict):
            return None
        if not any(existing.lower() == key.lower() for existing in block):
            block[key] = value
            return out
    return None
