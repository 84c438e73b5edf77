"""What "public" means for CheckNoPublicAccess: data and pure decisions, no I/O.

``CheckNoPublicAccess(policyDocument, resourceType)`` answers FAIL when the resource policy may
grant *public* access to a resource of ``resourceType`` (one of the 26
``AccessCheckResourceType`` values, :data:`ACCESS_CHECK_RESOURCE_TYPES`; any other value is an
error, :class:`InvalidResourceType`). This module says which principals are public, which
condition keys can narrow a grant to a non-public audience, and which values of those keys do.
The symbolic engine (``accessproof.reason`` / ``accessproof.checks``) does the rest.

Sources (quoted or paraphrased where used below)
-------------------------------------------------
* [S3-PUBLIC] Amazon S3 User Guide, "Blocking public access to your Amazon S3 storage" — section
  "The meaning of 'public'"
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status):
  "To be considered non-public, a bucket policy must grant access only to fixed values (values
  that don't contain a wildcard or an AWS Identity and Access Management Policy Variable) for one
  or more of the following: an AWS principal, user, role, or service principal (e.g.
  aws:PrincipalOrgID); a set of CIDRs, using aws:SourceIp [...]; aws:SourceArn; aws:SourceVpc;
  aws:SourceVpce; aws:SourceOwner; aws:SourceAccount;
  s3:x-amz-server-side-encryption-aws-kms-key-id; aws:userid, outside the pattern "AROLEID:*";
  s3:DataAccessPointArn; s3:DataAccessPointAccount."
  Note on aws:SourceIp: "very broad IP ranges (for example, 0.0.0.0/1) are evaluated as
  'public.' This includes values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918
  private ranges)."
  Note on s3:DataAccessPointArn: in a *bucket* policy "this value can contain a wildcard for the
  access point name without rendering the policy public, as long as the account id is fixed"
  (example ``arn:aws:s3:us-west-2:123456789012:accesspoint/*``); in an *access point* policy
  "an access point policy that grants access to a set of access points using
  s3:DataAccessPointArn is considered public".
  Examples (encoded in tests/checks/test_public.py): ``{"Federated": "graph.facebook.com"}``,
  ``"*"`` and ``"*"`` with ``StringLike aws:SourceVpc vpc-*`` are public;
  ``"*"`` with ``StringEquals aws:SourceVpc vpc-91237329`` is not.
* [AA-FILTER] IAM User Guide, "IAM Access Analyzer filter keys"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html):
  the condition keys a finding can report — aws:PrincipalArn, aws:PrincipalOrgID,
  aws:PrincipalOrgPaths, aws:SourceIp, aws:SourceVpc, aws:UserId,
  cognito-identity.amazonaws.com:aud, graph.facebook.com:app_id, accounts.google.com:aud,
  www.amazon.com:app_id, kms:CallerAccount.
* [AA-RESOURCES] IAM User Guide, "IAM Access Analyzer resource types for external access"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html): KMS uses
  kms:CallerAccount; Lambda: "also analyzes permissions granted when using the AddPermission
  operation [...] with an EventSourceToken" (lambda:EventSourceToken); role trust policies.
* [AA-CONCEPTS] IAM User Guide, IAM Access Analyzer overview (the text was found quoted in a
  third-party integration's description; the AWS page itself was not retrieved):
  "Access Analyzer considers only certain IAM
  condition keys that external users cannot directly influence, or that are otherwise
  impactful to authorization." and "Access Analyzer does not currently report findings from
  AWS service principals".
* [CONFIG-KMS] / [CONFIG-LAMBDA] AWS Config rules kms-key-policy-no-public-access and
  lambda-function-public-access-prohibited
  (https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html,
  https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-public-access-prohibited.html):
  "To be considered non-public, a KMS key policy [a
  Lambda resource-based policy] must grant access only to fixed values. This means values that
  don't contain a wildcard or [...] Variables." — the same fixed-value rule as S3.

Where this module goes beyond what those pages say, the table entry's ``basis`` says
``"inferred: ..."`` (see :data:`KEY_BASIS`); the report lists these as open questions.

The definition, for the engine
------------------------------
A policy P is **public** for resource type T iff there is a request r = (principal, action,
resource, context) such that

1. P allows r under the engine's ordinary semantics (some Allow statement matches r, no Deny
   statement matches r). Only actions of T's services matter (:func:`service_prefixes`); a grant
   of another service's action on this resource type is not access to it.
2. r's principal is an **outsider**: anonymous, or a principal of a *fresh* AWS account (an
   account id that no value in P names), or — in a role trust policy — a web identity from a
   public identity provider (:func:`is_public_federated_provider`). A principal element matches
   an outsider exactly when :func:`is_public_principal` says so for one of its values (``"*"``,
   ``{"AWS": "*"}``, a wildcard), or the statement uses ``NotPrincipal`` (in an Allow it
   matches everyone it does not list). Service principals, named accounts, users, roles,
   canonical users and SAML providers are not outsiders ([S3-PUBLIC], [AA-CONCEPTS]).
3. For every **restricting key** k of T (:func:`restricting_keys`, plus for trust policies the
   provider keys of :func:`federated_restricting_keys`), r's context value of k is *absent* or a
   *fresh* value: one that matches no **restricting value** of k written anywhere in P. A
   restricting value is one :func:`is_restricting_value` accepts: a fixed value (no wildcard
   under a ``*Like``/``Arn*`` operator, no policy variable), an aws:SourceIp CIDR no broader
   than /8 (IPv4) or /32 (IPv6), and the few documented patterns (``AROLEID:*`` for aws:userid,
   ``...:<account>:accesspoint/*`` for s3:DataAccessPointArn in bucket policies, an org path
   rooted at a fixed organization id).
   "Wildcard" is read semantically: ``*`` and ``?`` are wildcards only under ``StringLike``,
   ``ArnLike``/``ArnEquals`` and their negations; under ``StringEquals`` they are literal
   characters, so ``StringEquals aws:SourceVpc "vpc-*"`` names one (odd) VPC and restricts.
   Every other condition key is chosen freely by the outsider, as the engine already does.

In words: the restricting keys are "fixed by the resource owner's side" — an outsider cannot
place itself inside a VPC, an organization, an account, an IP range or a source ARN that the
policy names with a fixed value, but it can omit the key or carry any other value, including
one that matches a wildcard or a broad CIDR. This single rule gives the syntactic S3 reading for
Allow statements (a statement is non-public when one of its condition blocks is a positive,
non-``IfExists``, non-``ForAllValues`` test of a restricting key whose values are all
restricting values — :func:`value_restricts`, :func:`condition_restricts`) and also handles Deny
statements (``Deny ... StringNotEquals aws:SourceVpc vpc-1`` leaves only vpc-1, a restricting
value, so the policy is not public).

Encoding hint: collect, per restricting key k, the restricting values of k that P mentions
under any operator (:func:`restricting_values_in_policy`); in the public query add, for each such
k, ``absent(k) or not any(match(v, k) for v in those values)``; for aws:SourceIp ``match`` is
CIDR membership; fix the principal to a fresh-account principal or to anonymous (try both, or
let the solver choose). Condition keys that describe the principal (aws:PrincipalArn,
aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:userid) are fresh for a
fresh-account principal and absent for an anonymous one.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Optional, Sequence, Union

__all__ = [
    "ACCESS_CHECK_RESOURCE_TYPES", "InvalidResourceType", "ResourceTypeRule", "RULES", "KEY_BASIS",
    "PUBLIC_WEB_IDENTITY_PROVIDERS", "check_resource_type", "service_prefixes", "restricting_keys",
    "is_restricting_key", "is_restricting_value", "value_restricts", "values_restrict",
    "condition_restricts", "is_public_principal", "principal_element_is_public",
    "is_public_federated_provider", "federated_restricting_keys", "is_public_statement_shape",
    "restricting_values_in_policy",
]

# --------------------------------------------------------------------------- resource types

#: The ``AccessCheckResourceType`` enum of the IAM Access Analyzer API Reference
#: (API_CheckNoPublicAccess, "resourceType ... Valid Values"), in the documented order.
ACCESS_CHECK_RESOURCE_TYPES: tuple[str, ...] = (
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::EFS::FileSystem",
    "AWS::OpenSearchService::Domain",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3::Glacier",
    "AWS::S3Outposts::Bucket",
    "AWS::S3Outposts::AccessPoint",
    "AWS::SecretsManager::Secret",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::S3Tables::TableBucket",
    "AWS::ApiGateway::RestApi",
    "AWS::CodeArtifact::Domain",
    "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Dashboard",
    "AWS::CloudTrail::EventDataStore",
    "AWS::S3Tables::Table",
    "AWS::S3Express::AccessPoint",
)


class InvalidResourceType(ValueError):
    """``resourceType`` is not an ``AccessCheckResourceType`` (the API answers ValidationException)."""


# ------------------------------------------------------------------------------- key rules

# How a key's values are judged (see is_restricting_value).
FIXED = "fixed"  # no wildcard (under a *Like / Arn* operator) and no policy variable
CIDR = "cidr"  # aws:SourceIp: a CIDR no broader than /8 (IPv4) or /32 (IPv6); RFC 1918 exempt
USERID = "userid"  # fixed, or "<fixed id>:*" (S3: "aws:userid, outside the pattern AROLEID:*")
ORG_PATH = "org_path"  # aws:*OrgPaths: the organization id (first path segment) is fixed
ACCESS_POINT_IN_BUCKET_POLICY = "access_point_in_bucket_policy"  # fixed, or wildcard only in the AP name

S3_DOC = ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
          "#access-control-block-public-access-policy-status")
AA_FILTER_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html"
AA_RESOURCES_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html"

#: Why each key is restricting: a documentation page, or ``"inferred: ..."``.
KEY_BASIS: dict[str, str] = {
    "aws:principalarn": f"{AA_FILTER_DOC}; {S3_DOC} ('An AWS principal, user, role')",
    "aws:principalaccount": f"{S3_DOC} ('An AWS principal, user, role, or service principal')",
    "aws:principalorgid": f"{S3_DOC} ('e.g. aws:PrincipalOrgID'); {AA_FILTER_DOC}",
    "aws:principalorgpaths": (f"{AA_FILTER_DOC}; inferred: a path rooted at a fixed organization id "
                              "restricts like aws:PrincipalOrgID"),
    "aws:sourceip": f"{S3_DOC}; {AA_FILTER_DOC}",
    "aws:sourcearn": S3_DOC,
    "aws:sourcevpc": f"{S3_DOC}; {AA_FILTER_DOC}",
    "aws:sourcevpce": S3_DOC,
    "aws:sourceowner": S3_DOC,
    "aws:sourceaccount": S3_DOC,
    "aws:userid": f"{S3_DOC} ('aws:userid, outside the pattern AROLEID:*'); {AA_FILTER_DOC}",
    "aws:sourceorgid": "inferred: the service-principal analogue of aws:PrincipalOrgID",
    "aws:sourceorgpaths": "inferred: the service-principal analogue of aws:PrincipalOrgPaths",
    "s3:dataaccesspointarn": S3_DOC,
    "s3:dataaccesspointaccount": S3_DOC,
    "s3:x-amz-server-side-encryption-aws-kms-key-id": S3_DOC,
    "s3express:dataaccesspointarn": "inferred: the s3express spelling of s3:DataAccessPointArn",
    "s3express:dataaccesspointaccount": "inferred: the s3express spelling of s3:DataAccessPointAccount",
    "s3express:x-amz-server-side-encryption-aws-kms-key-id": "inferred: the s3express spelling of the S3 key",
    "s3-outposts:dataaccesspointarn": "inferred: the s3-outposts spelling of s3:DataAccessPointArn",
    "s3-outposts:dataaccesspointaccount": "inferred: the s3-outposts spelling of s3:DataAccessPointAccount",
    "kms:calleraccount": f"{AA_RESOURCES_DOC} (AWS Key Management Service keys); {AA_FILTER_DOC}",
    "lambda:eventsourcetoken": f"{AA_RESOURCES_DOC} (AWS Lambda functions and layers: EventSourceToken)",
    "cognito-identity.amazonaws.com:aud": AA_FILTER_DOC,
    "graph.facebook.com:app_id": AA_FILTER_DOC,
    "accounts.google.com:aud": AA_FILTER_DOC,
    "www.amazon.com:app_id": AA_FILTER_DOC,
}

#: How each restricting key's values are judged (keys absent here use FIXED).
KEY_VALUE_RULE: dict[str, str] = {
    "aws:sourceip": CIDR,
    "aws:userid": USERID,
    "aws:principalorgpaths": ORG_PATH,
    "aws:sourceorgpaths": ORG_PATH,
}

#: Keys whose values are ARNs (ArnEquals/ArnLike apply to them as well as the String operators).
ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn",
                      "s3express:dataaccesspointarn", "s3-outposts:dataaccesspointarn"})

#: Restricting keys of every resource type ([S3-PUBLIC]'s list generalised by [CONFIG-KMS],
#: [CONFIG-LAMBDA] and [AA-FILTER], which apply the same fixed-value reading to other types).
GLOBAL_RESTRICTING_KEYS: frozenset[str] = frozenset({
    "aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths",
    "aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner",
    "aws:sourceaccount", "aws:userid", "aws:sourceorgid", "aws:sourceorgpaths",
})

_S3_KEYS = frozenset({"s3:dataaccesspointarn", "s3:dataaccesspointaccount",
                      "s3:x-amz-server-side-encryption-aws-kms-key-id"})
_S3EXPRESS_KEYS = frozenset({"s3express:dataaccesspointarn", "s3express:dataaccesspointaccount",
                             "s3express:x-amz-server-side-encryption-aws-kms-key-id"})
_S3OUTPOSTS_KEYS = frozenset({"s3-outposts:dataaccesspointarn", "s3-outposts:dataaccesspointaccount"})

#: Web identity providers anyone can sign in to, and the keys that pin a grant to one
#: application of theirs ([AA-FILTER]; [S3-PUBLIC]'s first example makes graph.facebook.com public).
PUBLIC_WEB_IDENTITY_PROVIDERS: dict[str, frozenset[str]] = {
    "cognito-identity.amazonaws.com": frozenset({"cognito-identity.amazonaws.com:aud"}),
    "graph.facebook.com": frozenset({"graph.facebook.com:app_id"}),
    "accounts.google.com": frozenset({"accounts.google.com:aud"}),
    "www.amazon.com": frozenset({"www.amazon.com:app_id"}),
}
_FEDERATED_KEYS = frozenset().union(*PUBLIC_WEB_IDENTITY_PROVIDERS.values())


@dataclass(frozen=True)
class ResourceTypeRule:
    """What makes a grant on one resource type public or not."""

    resource_type: str
    service_prefixes: frozenset[str]  # services whose actions reach this resource type
    extra_keys: frozenset[str]  # restricting keys beyond GLOBAL_RESTRICTING_KEYS
    bucket_policy: bool = False  # s3*:DataAccessPointArn may wildcard the access point name
    trust_policy: bool = False  # Federated principals and their provider keys apply
    note: str = ""

    @property
    def restricting_keys(self) -> frozenset[str]:
        return GLOBAL_RESTRICTING_KEYS | self.extra_keys


def _rule(rt: str, prefixes: Iterable[str], extra: Iterable[str] = (), **kw) -> ResourceTypeRule:
    return ResourceTypeRule(rt, frozenset(prefixes), frozenset(extra), **kw)


RULES: dict[str, ResourceTypeRule] = {r.resource_type: r for r in (
    _rule("AWS::DynamoDB::Table", ["dynamodb"]),
    _rule("AWS::DynamoDB::Stream", ["dynamodb"]),
    _rule("AWS::EFS::FileSystem", ["elasticfilesystem"]),
    _rule("AWS::OpenSearchService::Domain", ["es"]),
    _rule("AWS::Kinesis::Stream", ["kinesis"]),
    _rule("AWS::Kinesis::StreamConsumer", ["kinesis"]),
    _rule("AWS::KMS::Key", ["kms"], ["kms:calleraccount"],
          note="kms:ViaService alone does not restrict: any account can call the named service "
               "(it is not among the [AA-FILTER] keys); kms:CallerAccount does ([AA-RESOURCES])."),
    _rule("AWS::Lambda::Function", ["lambda"], ["lambda:eventsourcetoken"],
          note="lambda:FunctionUrlAuthType does not restrict (NONE is how a function URL is made public)."),
    _rule("AWS::S3::Bucket", ["s3"], _S3_KEYS, bucket_policy=True),
    _rule("AWS::S3::AccessPoint", ["s3"], _S3_KEYS,
          note="[S3-PUBLIC]: a wildcard in s3:DataAccessPointArn makes an access point policy public."),
    _rule("AWS::S3Express::DirectoryBucket", ["s3express"], _S3EXPRESS_KEYS, bucket_policy=True),
    _rule("AWS::S3::Glacier", ["glacier"]),
    _rule("AWS::S3Outposts::Bucket", ["s3-outposts"], _S3OUTPOSTS_KEYS, bucket_policy=True),
    _rule("AWS::S3Outposts::AccessPoint", ["s3-outposts"], _S3OUTPOSTS_KEYS),
    _rule("AWS::SecretsManager::Secret", ["secretsmanager"]),
    _rule("AWS::SNS::Topic", ["sns"]),
    _rule("AWS::SQS::Queue", ["sqs"]),
    _rule("AWS::IAM::AssumeRolePolicyDocument", ["sts"], _FEDERATED_KEYS, trust_policy=True,
          note="Federated principals: see is_public_federated_provider / federated_restricting_keys. "
               "sts:ExternalId does not restrict (not among the [AA-FILTER] keys)."),
    _rule("AWS::S3Tables::TableBucket", ["s3tables"]),
    _rule("AWS::ApiGateway::RestApi", ["execute-api"]),
    _rule("AWS::CodeArtifact::Domain", ["codeartifact"]),
    _rule("AWS::Backup::BackupVault", ["backup"]),
    _rule("AWS::CloudTrail::Dashboard", ["cloudtrail"]),
    _rule("AWS::CloudTrail::EventDataStore", ["cloudtrail"]),
    _rule("AWS::S3Tables::Table", ["s3tables"]),
    _rule("AWS::S3Express::AccessPoint", ["s3express"], _S3EXPRESS_KEYS),
)}

assert tuple(RULES) == ACCESS_CHECK_RESOURCE_TYPES


def check_resource_type(resource_type: object) -> ResourceTypeRule:
    """The rule of ``resource_type``; :class:`InvalidResourceType` for any other value."""
    if not isinstance(resource_type, str) or resource_type not in RULES:
        raise InvalidResourceType(
            f"resourceType must be one of {', '.join(ACCESS_CHECK_RESOURCE_TYPES)}; got {resource_type!r}")
    return RULES[resource_type]


def service_prefixes(resource_type: str) -> frozenset[str]:
    """The service prefixes of the actions that reach ``resource_type`` (lower case)."""
    return check_resource_type(resource_type).service_prefixes


def restricting_keys(resource_type: str) -> frozenset[str]:
    """The condition keys (lower case) that can restrict a grant on ``resource_type`` to a
    non-public audience. For trust policies, the keys of OIDC providers are not listed (they
    depend on the provider): see :func:`is_restricting_key` and :func:`federated_restricting_keys`."""
    return check_resource_type(resource_type).restricting_keys


def _oidc_host(provider: str) -> Optional[str]:
    """The host of an IAM OIDC provider ARN (``arn:aws:iam::123:oidc-provider/HOST[/path]``)."""
    m = re.match(r"^arn:[^:]+:iam::[^:]*:oidc-provider/(.+)$", provider)
    return m.group(1) if m else None


def _is_oidc_sub_key(key: str) -> bool:
    # "<issuer host and path>:sub", e.g. token.actions.githubusercontent.com:sub
    return key.endswith(":sub") and "." in key.split(":", 1)[0]


def is_restricting_key(resource_type: str, key: str) -> bool:
    """Whether ``key`` (any case) is a restricting key of ``resource_type``."""
    rule = check_resource_type(resource_type)
    k = key.lower()
    return k in rule.restricting_keys or (rule.trust_policy and _is_oidc_sub_key(k))


# ------------------------------------------------------------------------------- operators

_STRING_BASES = {"StringEquals": False, "StringEqualsIgnoreCase": False, "StringLike": True}
_ARN_BASES = {"ArnEquals": True, "ArnLike": True}  # both match with * and ? wildcards
_IP_BASES = {"IpAddress"}


@dataclass(frozen=True)
class _Op:
    base: str
    qualifier: Optional[str]  # "ForAnyValue" / "ForAllValues" / None
    if_exists: bool


def _parse_operator(name: str) -> _Op:
    qualifier = None
    for q in ("ForAnyValue:", "ForAllValues:"):
        if name.startswith(q):
            qualifier, name = q[:-1], name[len(q):]
            break
    if_exists = name.endswith("IfExists")
    if if_exists:
        name = name[: -len("IfExists")]
    return _Op(name, qualifier, if_exists)


def _wildcards_active(operator_name: str) -> bool:
    """Whether ``*`` and ``?`` are wildcards under this operator (``*Like`` and ``Arn*``)."""
    base = _parse_operator(operator_name).base
    return _STRING_BASES.get(base, False) or base.startswith("Arn") or base.endswith("Like")


# ----------------------------------------------------------------------------------- values

_ESCAPES = re.compile(r"\$\{[*?$]\}")  # ${*} ${?} ${$}: literal characters, not variables


def _is_fixed(value: str, wildcards: bool) -> bool:
    """No policy variable and, where ``*``/``?`` are wildcards, no wildcard ([S3-PUBLIC])."""
    if not isinstance(value, str) or value == "":
        return False
    bare = _ESCAPES.sub("", value)
    if "${" in bare:
        return False
    return not (wildcards and ("*" in bare or "?" in bare))


def _first_wildcard(value: str) -> int:
    positions = [i for i in (value.find("*"), value.find("?")) if i >= 0]
    return min(positions) if positions else -1


_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _cidr_restricts(value: str) -> bool:
    """[S3-PUBLIC]: a range broader than /8 (IPv4) or /32 (IPv6) is public, RFC 1918 ranges
    excepted; /8 and /32 themselves are not "broader" and restrict. A bare address is /32 or
    /128. A value that does not parse restricts nothing."""
    if not isinstance(value, str) or "${" in value:
        return False
    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    if net.version == 4:
        return net.prefixlen >= 8 or any(net.subnet_of(p) for p in _RFC1918)
    return net.prefixlen >= 32


_ACCESS_POINT_HEAD = re.compile(r"^arn:[^:*?]+:[^:*?]+:[^:*?]*:\d{12}:(?:[^*?]*/)?accesspoint/", re.IGNORECASE)


def is_restricting_value(resource_type: str, key: str, value: str, operator_name: str = "StringEquals") -> bool:
    """Whether ``value`` of ``key``, read as ``operator_name`` reads it (wildcards active or not),
    pins the key to a non-public audience — whatever the operator's polarity. This is the set
    of values a public witness must avoid (module doc, point 3). Non-restricting keys: False."""
    if not is_restricting_key(resource_type, key):
        return False
    rule = check_resource_type(resource_type)
    k = key.lower()
    kind = KEY_VALUE_RULE.get(k, FIXED)
    if kind == CIDR:
        return _cidr_restricts(value)
    if not isinstance(value, str):
        return False
    wild = _wildcards_active(operator_name)
    if _is_fixed(value, wild):
        return True
    if not wild or "${" in _ESCAPES.sub("", value):
        return False
    if kind == USERID:
        # "AROLEID:*": every session of one fixed role (unique) id.
        head, sep, tail = value.rpartition(":")
        return sep == ":" and tail == "*" and _is_fixed(head, True)
    if kind == ORG_PATH:
        # "o-abc/..." — inferred: the organization is fixed, so the audience is one organization.
        first = value.split("/", 1)[0]
        return "/" in value and first.startswith("o-") and _is_fixed(first, True)
    if k.endswith(":dataaccesspointarn") and rule.bucket_policy:
        # [S3-PUBLIC]: a wildcard in the access point name, with a fixed account id.
        i = _first_wildcard(value)
        return bool(_ACCESS_POINT_HEAD.match(value[:i]))
    return False


def value_restricts(resource_type: str, key: str, operator_name: str, value: str) -> bool:
    """Whether the condition ``{operator_name: {key: value}}`` in an Allow statement confines the
    grant to a non-public audience: ``key`` is restricting for ``resource_type``, the operator is a
    positive test that fails when the key is absent, and ``value`` is a restricting value.

    Negated operators (``StringNotEquals``, ``NotIpAddress``, ...) never restrict; ``...IfExists``
    never restricts (the outsider omits the key); ``ForAllValues:`` never restricts (true when the
    key is absent); ``ForAnyValue:`` restricts as its base operator does. Operators of the wrong
    family for the key (``IpAddress`` on a string key, ``StringEquals`` on aws:SourceIp, ``Null``,
    ``Bool``, ``Numeric*``, ``Date*``, ``Binary*``) do not restrict."""
    if not is_restricting_key(resource_type, key):
        return False
    op = _parse_operator(operator_name)
    if op.if_exists or op.qualifier == "ForAllValues":
        return False
    k = key.lower()
    if KEY_VALUE_RULE.get(k) == CIDR:
        if op.base not in _IP_BASES:
            return False
    elif op.base in _STRING_BASES:
        pass
    elif op.base in _ARN_BASES:
        if k not in ARN_KEYS:
            return False
    else:
        return False
    return is_restricting_value(resource_type, key, value, operator_name)


def _as_values(values: Union[str, Sequence[str]]) -> list:
    if isinstance(values, (str, bool, int, float)):
        return [values]
    return list(values)


def values_restrict(resource_type: str, key: str, operator_name: str, values: Union[str, Sequence[str]]) -> bool:
    """A condition block's values are ORed: it restricts only when every value does."""
    vals = _as_values(values)
    return bool(vals) and all(isinstance(v, str) and value_restricts(resource_type, key, operator_name, v)
                              for v in vals)


def condition_restricts(resource_type: str, condition: Optional[Mapping[str, Mapping[str, object]]]) -> bool:
    """A statement's ``Condition`` blocks are ANDed: it restricts when any one block does."""
    if not condition:
        return False
    for operator_name, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            if values_restrict(resource_type, key, operator_name, values):  # type: ignore[arg-type]
                return True
    return False


def restricting_values_in_policy(resource_type: str, statements: Iterable[Mapping[str, object]]) -> dict[str, list[tuple[str, str]]]:
    """Per restricting key (lower case), the ``(operator, value)`` pairs of ``statements`` whose
    value is a restricting value — under any operator, Allow or Deny. A public witness must
    avoid all of them (module doc, point 3)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for statement in statements:
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        if not isinstance(condition, Mapping):
            continue
        for operator_name, block in condition.items():
            if not isinstance(block, Mapping):
                continue
            for key, values in block.items():
                for v in _as_values(values):  # type: ignore[arg-type]
                    if isinstance(v, str) and is_restricting_value(resource_type, key, v, operator_name):
                        out.setdefault(key.lower(), []).append((operator_name, v))
    return out


# ------------------------------------------------------------------------------- principals

def is_public_federated_provider(provider: str) -> bool:
    """A Federated principal value that lets outsiders in: the public web identity providers
    (``cognito-identity.amazonaws.com``, ``graph.facebook.com``, ``accounts.google.com``,
    ``www.amazon.com``) and IAM OIDC providers (``arn:...:oidc-provider/HOST``, e.g.
    token.actions.githubusercontent.com, whose tokens any user of the issuer can obtain).
    A SAML provider (``arn:...:saml-provider/NAME``) belongs to the account that set up the
    identity provider and is not public."""
    p = provider.strip()
    if p in ("*",) or "*" in p or "?" in p:
        return True
    if p.lower() in PUBLIC_WEB_IDENTITY_PROVIDERS:
        return True
    return _oidc_host(p) is not None


def federated_restricting_keys(provider: str) -> frozenset[str]:
    """The keys (lower case) that pin a web identity grant to a non-public audience: the
    [AA-FILTER] key of a public web identity provider, or ``HOST:sub`` for an OIDC provider
    (inferred: a fixed subject names one identity of the issuer; ``HOST:aud`` is not included
    because some issuers, GitHub Actions among them, let any caller choose the audience)."""
    p = provider.strip().lower()
    if p in PUBLIC_WEB_IDENTITY_PROVIDERS:
        return PUBLIC_WEB_IDENTITY_PROVIDERS[p]
    host = _oidc_host(provider.strip())
    if host is not None:
        return frozenset({f"{host.lower()}:sub"})
    return frozenset()


def is_public_principal(kind: str, value: str) -> bool:
    """Whether the principal ``{kind: value}`` matches an outsider (module doc, point 2).

    * ``AWS``: ``"*"`` (everyone, anonymous included) or any value with a wildcard (IAM accepts
      no other wildcard in a principal; it is read here as matching unknown accounts). Account
      ids, account/user/role/assumed-role/federated-user ARNs and unique ids are not public.
    * ``Service``: not public ([S3-PUBLIC]: "A fixed [...] service principal"; [AA-CONCEPTS]),
      except ``"*"``.
    * ``CanonicalUser``: one S3 canonical user — not public, except ``"*"``.
    * ``Federated``: :func:`is_public_federated_provider`.
    * ``"*"`` as kind (the bare ``"Principal": "*"``): public.
    """
    if kind == "*":
        return True
    if not isinstance(value, str):
        return False
    v = value.strip()
    if kind == "Federated":
        return is_public_federated_provider(v)
    if kind in ("AWS", "Service", "CanonicalUser"):
        return v == "*" or "*" in v or "?" in v
    return False


def _principal_entries(principal: object) -> Iterator[tuple[str, str]]:
    if principal == "*":
        yield "*", "*"
        return
    if isinstance(principal, Mapping):
        for kind, values in principal.items():
            for v in _as_values(values):  # type: ignore[arg-type]
                if isinstance(v, str):
                    yield kind, v


def principal_element_is_public(principal: object) -> bool:
    """Whether a ``Principal`` element (``"*"`` or ``{"AWS": ..., "Federated": ...}``) names an outsider."""
    return any(is_public_principal(kind, value) for kind, value in _principal_entries(principal))


def is_public_statement_shape(resource_type: str, statement: Mapping[str, object]) -> bool:
    """A syntactic reading of one statement, for tests and messages — not a replacement for the
    engine (it ignores actions, resources, Deny statements and the interplay of statements):
    an ``Allow`` whose principal matches an outsider (or that uses ``NotPrincipal``) and whose
    conditions do not restrict it. For a public Federated principal the provider's keys
    (:func:`federated_restricting_keys`) restrict as well."""
    rule = check_resource_type(resource_type)
    if statement.get("Effect") != "Allow":
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        condition = {}
    if condition_restricts(resource_type, condition):  # type: ignore[arg-type]
        return False
    if "NotPrincipal" in statement:
        return True
    for kind, value in _principal_entries(statement.get("Principal")):
        if not is_public_principal(kind, value):
            continue
        if kind == "Federated" and rule.trust_policy and _provider_keys_restrict(
                resource_type, federated_restricting_keys(value), condition):  # type: ignore[arg-type]
            continue
        return True
    return False


def _provider_keys_restrict(resource_type: str, keys: frozenset[str], condition: Mapping[str, Mapping[str, object]]) -> bool:
    for operator_name, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            if key.lower() in keys and values_restrict(resource_type, key, operator_name, values):  # type: ignore[arg-type]
                return True
    return False
