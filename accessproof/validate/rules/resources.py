"""Rules: resource ARNs — prefix, field count, partition, service case, Region, account, resource
part — and redundant resources.

Each ``Resource`` / ``NotResource`` value that is an ARN is split into its six fields
(``arn:partition:service:region:account:resource``) and compared with the ARN formats of the
resource types the catalog knows for that service (``arn:${Partition}:s3:::${BucketName}``...),
plus the resource types of the statement's own actions. Wildcards (``*``, ``?``) and policy
variables (``${aws:username}``) in a value are treated as "could be anything", so a value is only
reported when *no* string it could stand for has a known shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Optional

from ...catalog import ResourceType
from ...catalog.service_reference import template_pieces
from ...policy.wildcards import Wildcard, compile_pieces, has_wildcard, pattern_covers, patterns_intersect, wildcard_match
from ...policy import Statement, Value
from ...policy.variables import replace_braced
from ..rule import ERROR, SUGGESTION, Context, Report, Reports, rule

# Partitions (AWS General Reference, "Amazon Resource Names": aws, aws-cn, aws-us-gov, the ISO
# partitions and the AWS European Sovereign Cloud).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")

# Region codes published by AWS (General Reference, "Regions and Availability Zones", and the
# partition endpoint data of the SDKs) at the time of writing. AWS checks a Region against the
# Regions it knows; a local copy of that list goes stale whenever a Region launches, so a value
# is accepted when it is in this table OR has the syntax of a Region code
# (``<area>-<direction>-<n>``, e.g. ``ap-southeast-7``, ``us-gov-west-1``, ``us-isob-east-1``,
# ``eusc-de-east-1``). INVALID_ARN_REGION is reported only for values that cannot be a Region
# code at all (``us-east``, ``USEAST1``, ``us_east_1``...), so a new Region never yields a false error.
KNOWN_REGIONS = frozenset({
    # aws
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
    "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
    "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    # aws-cn
    "cn-north-1", "cn-northwest-1",
    # aws-us-gov
    "us-gov-east-1", "us-gov-west-1",
    # aws-iso, aws-iso-b, aws-iso-e, aws-iso-f
    "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1", "eu-isoe-west-1",
    "us-isof-south-1", "us-isof-east-1",
    # aws-eusc
    "eusc-de-east-1",
})
REGION_SYNTAX = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")

ARN_FIELDS = 6  # arn:partition:service:region:account:resource


@lru_cache(maxsize=65536)
def _literal_ends(pattern: str) -> tuple[str, str]:
    """The text before the first and after the last wildcard (cached: the same resource patterns
    and ARN-format fields are compared over and over)."""
    first = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    last = max(pattern.rfind("*"), pattern.rfind("?"))
    return pattern[:first], pattern[last + 1:] if last >= 0 else ""


def intersects(a: str, b: str) -> bool:
    """``patterns_intersect`` with fast answers for the common cases (a literal side, a bare
    ``*``, literal heads or tails that disagree) before the general quadratic comparison."""
    if a == "*" or b == "*":
        return True
    if not has_wildcard(a):
        return wildcard_match(b, a)
    if not has_wildcard(b):
        return wildcard_match(a, b)
    (ha, ta), (hb, tb) = _literal_ends(a), _literal_ends(b)
    n = min(len(ha), len(hb))
    if ha[:n] != hb[:n]:
        return False
    n = min(len(ta), len(tb))
    if n and ta[-n:] != tb[-n:]:
        return False
    return patterns_intersect(a, b)


def covers(general: str, specific: str) -> bool:
    """``pattern_covers`` with a fast answer when ``specific`` has no wildcard."""
    if general == "*":
        return True
    if not has_wildcard(specific):
        return wildcard_match(general, specific)
    return pattern_covers(general, specific)


def is_valid_region(region: str) -> bool:
    return region in KNOWN_REGIONS or REGION_SYNTAX.fullmatch(region) is not None


def as_pattern(text: str) -> str:
    """A policy value as a wildcard pattern: each policy variable may stand for anything."""
    return replace_braced(text, lambda _: "*") if "${" in text else text


def is_open(field: str) -> bool:
    """A field with a wildcard or a policy variable: its concrete value is not known."""
    return has_wildcard(field) or "${" in field


@dataclass(frozen=True)
class Arn:
    """A resource value split into ARN fields (colons inside ``${...}`` do not split)."""

    text: str
    fields: tuple[str, ...]  # up to 6; the last one keeps any further colons

    @property
    def complete(self) -> bool:
        return len(self.fields) == ARN_FIELDS

    @property
    def partition(self) -> str:
        return self.fields[1] if len(self.fields) > 1 else ""

    @property
    def service(self) -> str:
        return self.fields[2] if len(self.fields) > 2 else ""

    @property
    def region(self) -> str:
        return self.fields[3]

    @property
    def account(self) -> str:
        return self.fields[4]

    @property
    def resource(self) -> str:
        return self.fields[5]


def split_arn(text: str) -> Arn:
    masked = replace_braced(text, lambda variable: "_" * len(variable)) if "${" in text else text
    fields: list[str] = []
    start = 0
    for _ in range(ARN_FIELDS - 1):
        colon = masked.find(":", start)
        if colon < 0:
            break
        fields.append(text[start:colon])
        start = colon + 1
    fields.append(text[start:])
    return Arn(text, tuple(fields))


@lru_cache(maxsize=None)
def type_formats(arn_format: str) -> tuple[tuple[str, ...], ...]:
    """The formats of one resource type, each split into ARN fields.

    Some types have several formats in one string ("arn:...:/apis/${ApiId}, arn:...:/restapis/...").
    """
    return tuple(tuple(f.split(":", ARN_FIELDS - 1)) for f in re.split(r",\s*(?=arn:)", arn_format.strip()))


def _names_service(fmt: tuple[str, ...], service: str) -> bool:
    # A placeholder service field (backup's recovery points: "arn:${Partition}:${Vendor}:...")
    # stands for any service.
    return len(fmt) > 2 and (fmt[2] == service or fmt[2].startswith("${"))


_PLACEHOLDER = re.compile(r"\$\{[^}]+\}")


def _format_field_pattern(field: str) -> str:
    return _PLACEHOLDER.sub("*", field)


def _field_fits(value: str, fmt: str) -> bool:
    """Can the ARN field ``value`` (a pattern) be a value of the format field ``fmt``?

    An empty format field must stay empty; a field that is a single placeholder needs a value;
    anything else is compared as wildcard patterns.
    """
    if fmt == "":
        return value == "" or (is_open(value) and intersects(as_pattern(value), ""))
    if value == "":
        return False
    if not is_open(value):
        return _field_matcher(fmt).matches(value)
    return intersects(as_pattern(value), _format_field_pattern(fmt))


@lru_cache(maxsize=4096)
def _field_matcher(fmt_field: str) -> Wildcard:
    """A field of an ARN format; each placeholder stands for any run of characters."""
    return compile_pieces(template_pieces(fmt_field, "*"))


def _resource_fits(arn: Arn, fmt: tuple[str, ...]) -> bool:
    if len(fmt) != ARN_FIELDS:
        return False
    if not is_open(arn.resource):
        return _field_matcher(fmt[5]).matches(arn.resource)
    return intersects(as_pattern(arn.resource), _format_field_pattern(fmt[5]))


Candidate = tuple[ResourceType, tuple[str, ...]]


# Documented ARNs that the Service Authorization Reference (and so the catalog) lacks, found
# while running the rules over the AWS managed policies: the account root user
# (IAM User Guide, "IAM identifiers"), CloudFormation macros/transforms owned by AWS
# (arn:aws:cloudformation:<region>:aws:transform/Serverless-2016-10-31) and API Gateway's
# tagging path (/tags/<resource-arn>).
EXTRA_RESOURCE_TYPES: dict[str, tuple[ResourceType, ...]] = {
    "iam": (ResourceType("iam", "root", "arn:${Partition}:iam::${Account}:root", ()),),
    "cloudformation": (ResourceType(
        "cloudformation", "transform", "arn:${Partition}:cloudformation:${Region}:${Account}:transform/${TransformName}", ()),),
    "apigateway": (ResourceType("apigateway", "tags", "arn:${Partition}:apigateway:${Region}::/tags${ResourceArn}", ()),),
}


def candidate_types(ctx: Context, st: Statement, service: str) -> list[Candidate]:
    """Resource types (with one of their formats) whose ARN format names ``service``: the
    service's own types, and the types of the services of the statement's actions."""
    services = (service,) + _services_of(ctx, st)
    cache = ctx.catalog.memo("_rules_resources_candidates")
    if services not in cache:
        out: list[Candidate] = []
        seen: set[tuple[str, str]] = set()
        for prefix in dict.fromkeys(services):
            svc = ctx.catalog.service(prefix)
            pool = list(svc.resource_types.values()) if svc else []
            pool.extend(EXTRA_RESOURCE_TYPES.get(prefix, ()))
            for rt in pool:
                for fmt in type_formats(rt.arn_format):
                    if _names_service(fmt, service) and (rt.service, rt.key, fmt) not in seen:
                        seen.add((rt.service, rt.key, fmt))
                        out.append((rt, fmt))
        cache[services] = out
    return cache[services]


def _statement_services(st: Statement) -> tuple[str, ...]:
    """Service prefixes named literally by the statement's Action entries (sorted)."""
    out = set()
    for pattern in st.action_patterns():
        prefix, sep, _ = pattern.partition(":")
        if sep and prefix and not has_wildcard(prefix):
            out.add(prefix.lower())
    return tuple(sorted(out))


def _services_of(ctx: Context, st: Statement) -> tuple[str, ...]:
    cache = ctx.memo("resources: services")
    if id(st) not in cache:
        cache[id(st)] = _statement_services(st)
    return cache[id(st)]


# -- ARN diagnosis -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArnIssue:
    code: str
    values: dict


def _resource_values(st: Statement) -> Iterator[tuple[str, Value]]:
    for vl in (st.resource, st.not_resource):
        for v in vl.values if vl else ():
            if v.text is not None:
                yield v.text, v


def arn_issues(ctx: Context, st: Statement, text: str) -> list[ArnIssue]:
    """Everything wrong with one resource value, in the order AWS's checks read an ARN.

    The answer depends on the value and the services of the statement's actions only, so it
    is cached on the catalog across policies.
    """
    cache = ctx.catalog.memo("_rules_resources_arn_issues")
    key = (text, _services_of(ctx, st))
    if key not in cache:
        if len(cache) > 200_000:
            cache.clear()
        cache[key] = _arn_issues(ctx, st, text)
    return cache[key]


def _arn_issues(ctx: Context, st: Statement, text: str) -> list[ArnIssue]:
    if text == "" or set(text) <= {"*", "?"}:
        return []
    if not intersects(as_pattern(text), "arn:*"):
        return [ArnIssue("INVALID_ARN_PREFIX", {})]
    arn = split_arn(text)
    if not arn.complete:
        # A trailing wildcard may stand for the missing fields ("arn:aws:s3:*"): not reported.
        if is_open(arn.fields[-1]):
            return []
        return [ArnIssue("MISSING_ARN_FIELD", {"fields": ARN_FIELDS})]
    if arn.fields[0] != "arn" and not is_open(arn.fields[0]):
        return [ArnIssue("INVALID_ARN_PREFIX", {})]
    service = arn.service
    issues: list[ArnIssue] = []
    if is_open(service):
        return issues  # wildcard service: WILDCARD_IN_SERVICE_NAME (actions.py) reports it
    if service != service.lower():
        return [ArnIssue("INVALID_ARN_SERVICE_CASE", {"service": service})]
    if not is_open(arn.partition) and arn.partition not in PARTITIONS:
        issues.append(ArnIssue("INVALID_PARTITION", {
            "service": service, "partition": arn.partition, "partitions": ", ".join(PARTITIONS),
        }))
    region = arn.region
    region_syntax_bad = region != "" and not is_open(region) and not is_valid_region(region)
    account = arn.account
    account_bad = (account != "" and not is_open(account) and not re.fullmatch(r"\d{12}", account)
                   and account != "aws")
    candidates = candidate_types(ctx, st, service)
    if not candidates:
        # Unknown service in the ARN: only the syntax of the Region and account can be judged.
        if region_syntax_bad:
            issues.append(ArnIssue("INVALID_ARN_REGION", {"region": region}))
        if account_bad:
            issues.append(ArnIssue("INVALID_ARN_ACCOUNT", {"account": account}))
        return issues
    # A value with a wildcard or a policy variable anywhere is not matched against the resource
    # types' formats for the checks that need to know its resource type (INVALID_ARN_RESOURCE,
    # MISSING_ARN_ACCOUNT, MISSING_ARN_REGION). Observed regularity: across the 1,338 AWS managed
    # policies of the dev file AWS reported no ARN finding at all, although dozens of their
    # wildcard ARNs fit no format as written (arn:aws:states:*:*:statemachine:*sagemaker*,
    # arn:aws:secretsmanager:*:*:sqlworkbench!*, arn:aws:robomaker:*:*:/createSimulationApplication,
    # arn:aws:kms:*::*, arn:aws:ec2:*::launch-template/*). Concrete ARNs are still judged.
    concrete = not is_open(text)
    shaped = [(rt, fmt) for rt, fmt in candidates if _resource_fits(arn, fmt)]
    if not shaped:
        if concrete:
            issues.append(ArnIssue("INVALID_ARN_RESOURCE", {}))
        return issues
    best: Optional[list[ArnIssue]] = None
    for rt, fmt in shaped:
        found = [i for i in _field_issues(arn, rt, fmt, service)
                 if concrete or i.code not in TYPE_DEPENDENT_CODES]
        if not found:
            best = []
            break
        if best is None or len(found) < len(best):
            best = found
    issues.extend(best or [])
    codes = {i.code for i in issues}
    if region_syntax_bad and not codes & {"ARN_REGION_NOT_ALLOWED", "INVALID_ARN_REGION"}:
        issues.append(ArnIssue("INVALID_ARN_REGION", {"region": region}))
    if account_bad and not codes & {"ARN_ACCOUNT_NOT_ALLOWED", "INVALID_ARN_ACCOUNT"}:
        issues.append(ArnIssue("INVALID_ARN_ACCOUNT", {"account": account}))
    return issues


# The codes that presume the value's resource type is known (see ``_arn_issues``).
TYPE_DEPENDENT_CODES = frozenset({"INVALID_ARN_RESOURCE", "MISSING_ARN_ACCOUNT", "MISSING_ARN_REGION"})


# Resource types whose AWS-owned, shared resources have ARNs without an account although the
# catalog's format has ${Account}: SSM documents and public parameters owned by AWS
# ("arn:aws:ssm:*::document/AWS-RunShellScript", "arn:aws:ssm:us-east-1::parameter/aws/service/...").
AWS_OWNED_TYPES = frozenset({
    ("ssm", "document"), ("ssm", "parameter"), ("ssm", "automation-definition"),
})


def _field_issues(arn: Arn, rt: ResourceType, fmt: tuple[str, ...], service: str) -> list[ArnIssue]:
    out: list[ArnIssue] = []
    region, account = arn.region, arn.account
    if not _field_fits(region, fmt[3]):
        if fmt[3] == "":
            out.append(ArnIssue("ARN_REGION_NOT_ALLOWED", {"service": service}))
        elif region == "":
            out.append(ArnIssue("MISSING_ARN_REGION", {"service": service}))
        else:
            out.append(ArnIssue("INVALID_ARN_REGION", {"region": region}))
    if not _field_fits(account, fmt[4]) and not (account == "" and (rt.service, rt.key) in AWS_OWNED_TYPES):
        if fmt[4] == "":
            out.append(ArnIssue("ARN_ACCOUNT_NOT_ALLOWED", {"service": service}))
        elif account == "":
            # {{resourceName}}: AWS does not say what it names; the resource type's name
            # ("function", "role") reads best in the sentence, so that is used.
            out.append(ArnIssue("MISSING_ARN_ACCOUNT", {"resourceName": rt.key}))
        else:
            out.append(ArnIssue("INVALID_ARN_ACCOUNT", {"account": account}))
    return out


def _arn_reports(ctx: Context, code: str) -> Reports:
    memo = ctx.memo("resources")
    cache = memo.get("arn issues")
    if cache is None:
        cache = memo["arn issues"] = [
            (v, issue)
            for st in ctx.statements
            for text, v in _resource_values(st)
            for issue in arn_issues(ctx, st, text)
        ]
    for v, issue in cache:
        if issue.code == code:
            yield Report.at(v.loc, **issue.values)


@rule(
    "ARN_ACCOUNT_NOT_ALLOWED", ERROR, "ARN account not allowed",
    "The service {{service}} does not support specifying an account ID in the resource ARN.",
)
def arn_account_not_allowed(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "ARN_ACCOUNT_NOT_ALLOWED")


@rule(
    "ARN_REGION_NOT_ALLOWED", ERROR, "ARN Region not allowed",
    "The service {{service}} does not support specifying a Region in the resource ARN.",
)
def arn_region_not_allowed(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "ARN_REGION_NOT_ALLOWED")


@rule(
    "INVALID_ARN_ACCOUNT", ERROR, "Invalid ARN account",
    "The resource ARN account ID {{account}} is not valid. Provide a 12-digit account ID.",
)
def invalid_arn_account(ctx: Context) -> Reports:
    # "aws" is accepted: AWS-owned resources use it as the account (arn:aws:iam::aws:policy/...).
    yield from _arn_reports(ctx, "INVALID_ARN_ACCOUNT")


@rule(
    "INVALID_ARN_PREFIX", ERROR, "Invalid ARN prefix",
    "Add the required prefix (arn) to the resource ARN.",
)
def invalid_arn_prefix(ctx: Context) -> Reports:
    # The prefix is compared case-sensitively ("ARN:aws:..." is reported): ARNs are lower-case.
    yield from _arn_reports(ctx, "INVALID_ARN_PREFIX")


@rule(
    "INVALID_ARN_REGION", ERROR, "Invalid ARN Region",
    "The Region {{region}} is not valid for this resource. Update the resource ARN to include a supported Region.",
)
def invalid_arn_region(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "INVALID_ARN_REGION")


@rule(
    "INVALID_ARN_RESOURCE", ERROR, "Invalid ARN resource",
    "Resource ARN does not match the expected ARN format. Update the resource portion of the ARN.",
)
def invalid_arn_resource(ctx: Context) -> Reports:
    # Reported only when the resource part fits no resource type of the ARN's service (nor of
    # the statement's actions); services the catalog does not know are not judged.
    yield from _arn_reports(ctx, "INVALID_ARN_RESOURCE")


@rule(
    "INVALID_ARN_SERVICE_CASE", ERROR, "Invalid ARN service case",
    "Update the service name {{service}} in the resource ARN to use all lowercase letters.",
)
def invalid_arn_service_case(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "INVALID_ARN_SERVICE_CASE")


@rule(
    "INVALID_PARTITION", ERROR, "Invalid partition",
    "The resource ARN for the service {{service}} does not support the partition {{partition}}. "
    "Use the supported values: {{partitions}}",
)
def invalid_partition(ctx: Context) -> Reports:
    # The catalog has no per-service partition list, so every service is taken to support every
    # partition; {{partitions}} lists them comma-separated (AWS's separator is not documented).
    yield from _arn_reports(ctx, "INVALID_PARTITION")


@rule(
    "MISSING_ARN_FIELD", ERROR, "Missing ARN field",
    "Resource ARNs must include at least {{fields}} fields in the following structure: "
    "arn:partition:service:region:account:resource",
)
def missing_arn_field(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "MISSING_ARN_FIELD")


@rule(
    "MISSING_ARN_REGION", ERROR, "Missing ARN Region",
    "Add a Region to the {{service}} resource ARN.",
)
def missing_arn_region(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "MISSING_ARN_REGION")


@rule(
    "MISSING_ARN_ACCOUNT", ERROR, "Missing ARN account",
    "The resource {{resourceName}} in the arn is missing an account id. Please provide a 12 digit account id.",
)
def missing_arn_account(ctx: Context) -> Reports:
    yield from _arn_reports(ctx, "MISSING_ARN_ACCOUNT")


# -- redundancy ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RedundancyGroup:
    """Entries of one list that overlap: each covers or is covered by another of the group."""

    members: tuple[Value, ...]  # in list order
    example: Value  # the redundant entry the message names


def redundancy_groups(values: list[tuple[str, Value]], ignore_case: bool) -> list[RedundancyGroup]:
    """The groups of redundant entries of one Action or Resource list, in list order.

    AWS reports one finding per group, located at every member, covering entries included, and
    counts the members (observed on every REDUNDANT_ACTION and REDUNDANT_RESOURCE finding of the
    dev file: ``ec2:Describe*`` with the nine ``ec2:Describe...`` entries it covers is "The 10
    action(s)", at ten locations; ``*redshift*`` with the three entries it covers is one group of
    four). A group is a connected set of the relation "covers" (``pattern_covers``, so it holds
    for actions or resources added later too: ``iam:*CredentialReport`` is not covered by
    ``iam:Get*``, as in AWS's example); two equal entries cover each other. The example is the
    longest covered entry, the first of equals (AWS names ``arn:aws:s3:::redshift-downloads/*``
    rather than the earlier ``arn:aws:s3:::redshift-downloads`` of the same group).

    Only an entry with a wildcard can cover a different entry, and only one whose literal head
    (the text before its first wildcard) starts the covered entry: wildcard entries are indexed
    by head, so each entry looks up only its own prefixes (fast for lists of hundreds).
    """
    keys = [t.lower() if ignore_case else t for t, _ in values]
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    covered = [False] * len(keys)
    first: dict[str, int] = {}
    by_head: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key in first:
            join(i, first[key])
            covered[i] = covered[first[key]] = True
        else:
            first[key] = i
            if has_wildcard(key):
                by_head.setdefault(_literal_ends(key)[0], []).append(i)
    head_lengths = sorted({len(h) for h in by_head})
    for i, key in enumerate(keys):
        for j in _coverers(key, keys, by_head, head_lengths):
            join(i, j)
            covered[i] = True
    groups: dict[int, list[int]] = {}
    for i in range(len(keys)):
        groups.setdefault(root(i), []).append(i)
    out = []
    for members in sorted((m for m in groups.values() if len(m) > 1), key=lambda m: m[0]):
        example = max((i for i in members if covered[i]), key=lambda i: (len(values[i][0]), -i))
        out.append(RedundancyGroup(tuple(values[i][1] for i in members), values[example][1]))
    return out


def _coverers(key: str, keys: list[str], by_head: dict[str, list[int]], head_lengths: list[int]) -> Iterator[int]:
    """Indices of the wildcard entries, other than ``key`` itself, that cover ``key``."""
    # A head longer than the key's own literal head would have to match one of the key's
    # wildcards literally, which no head (text before a wildcard) can.
    limit = len(_literal_ends(key)[0])
    for n in head_lengths:
        if n > limit:
            break
        for j in by_head.get(key[:n], ()):
            if keys[j] != key and covers(keys[j], key):
                yield j


@rule(
    "REDUNDANT_RESOURCE", SUGGESTION, "Redundant resource",
    "The {{redundantResourceCount}} resource ARN(s) are redundant because they reference the same "
    "resource. Review the use of wildcards (*), or remove the resource {{redundantResource}} to remove "
    "the redundancy.",
)
def redundant_resource(ctx: Context) -> Reports:
    # The message is the one AWS returns (every finding of the dev file); the reference page shows
    # it cut after "Review the use of wildcards (*)". One finding per group of overlapping entries
    # of a Resource element (``redundancy_groups``). ARNs are compared case-sensitively; a policy
    # variable is compared as written (b/${aws:username} is covered by b/*). NotResource is not
    # checked: AWS documents this check for the Resource element.
    for st in ctx.statements:
        if not st.resource:
            continue
        values = list(Context.string_values(st.resource.values))
        if len(values) < 2:
            continue
        for group in redundancy_groups(values, ignore_case=False):
            yield Report.at(*(v.loc for v in group.members), redundantResourceCount=len(group.members),
                            redundantResource=group.example.text)
