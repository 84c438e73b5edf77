"""Rules: policy variables (``${aws:username}``) and permissive variables or wildcards in conditions.

Variables are parsed by :mod:`accessproof.policy.variables`. Syntax problems are reported where
variables are supported (Resource, NotResource and Condition values); locations point at the
variable inside the string (``{"substring": {"start", "length"}}``).
UNSUPPORTED_SYMBOL_IN_VARIABLE is not implemented: it is not on the current check reference page.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from ...policy import Location, Statement, Value
from ...policy.variables import PolicyVariable, find_variables
from ..rule import ERROR, REGISTRY, Context, Report, Reports, Rule, rule

# -- where variables are -------------------------------------------------------------------------


def _supported_values(st: Statement) -> Iterator[Value]:
    """Values where variables are allowed: Resource, NotResource and Condition values."""
    for vl in (st.resource, st.not_resource):
        if vl:
            yield from vl.values
    for entry in st.condition_entries():
        yield from entry.values


def _unsupported_values(st: Statement) -> Iterator[Value]:
    """Values where variables are not allowed: Action, NotAction, Principal, NotPrincipal."""
    for vl in (st.action, st.not_action):
        if vl:
            yield from vl.values
    for p in (st.principal, st.not_principal):
        if p:
            if p.wildcard is not None:
                yield p.wildcard
            for _kind, v in p.all_values():
                yield v


def _variables(values: Iterator[Value]) -> Iterator[tuple[PolicyVariable, Value]]:
    for v in values:
        text = v.text
        if text and "${" in text:
            for var in find_variables(text):
                yield var, v


def _loc(var: PolicyVariable, v: Value) -> Location:
    return v.loc.substring(var.start, var.length)


def _all_supported(ctx: Context) -> Iterator[tuple[PolicyVariable, Value]]:
    for st in ctx.statements:
        yield from _variables(_supported_values(st))


# -- syntax --------------------------------------------------------------------------------------


@rule("MISSING_BRACE_IN_VARIABLE", ERROR, "Missing brace in variable",
      "The policy variable is missing a closing curly brace. Add } after the variable text.")
def missing_brace_in_variable(ctx: Context) -> Reports:
    for var, v in _all_supported(ctx):
        if not var.closed:
            yield _loc(var, v)


@rule("MISSING_QUOTE_IN_VARIABLE", ERROR, "Missing quote in variable",
      "The policy variable default value must begin and end with a single quote. Add the missing quote.")
def missing_quote_in_variable(ctx: Context) -> Reports:
    for var, v in _all_supported(ctx):
        if var.closed and not var.quote_ok:
            yield _loc(var, v)


@rule("UNSUPPORTED_SPACE_IN_VARIABLE", ERROR, "Unsupported space in variable",
      "A space is not supported within the policy variable text. Remove the space.")
def unsupported_space_in_variable(ctx: Context) -> Reports:
    # Spaces are allowed in the default value and around it (", 'default'"), not in the name.
    for var, v in _all_supported(ctx):
        if var.closed and var.has_space_in_name:
            yield _loc(var, v)


@rule("EMPTY_VARIABLE", ERROR, "Empty variable",
      "Empty policy variable. Remove the ${ } variable structure or provide a variable within the structure.")
def empty_variable(ctx: Context) -> Reports:
    for var, v in _all_supported(ctx):
        if var.is_empty:
            yield _loc(var, v)


@rule("VARIABLE_UNSUPPORTED_IN_ELEMENT", ERROR, "Variable unsupported in element",
      "Policy variables are supported in the Resource and Condition elements. Remove the policy variable "
      "{{variable}} from this element.")
def variable_unsupported_in_element(ctx: Context) -> Reports:
    # {{variable}} is the variable as written, e.g. ${aws:username}. Only closed variables count:
    # an unclosed "${" in an Action is not a variable.
    for st in ctx.statements:
        for var, v in _variables(_unsupported_values(st)):
            if var.closed and not var.is_special:
                text = v.text or ""
                yield Report.at(_loc(var, v), variable=text[var.start:var.end])


@rule("VARIABLE_UNSUPPORTED_IN_VERSION", ERROR, "Variable unsupported in version",
      "To include variables in your policy, use the policy version 2012-10-17 or later.")
def variable_unsupported_in_version(ctx: Context) -> Reports:
    # Reported once per policy when the Version is 2008-10-17 or missing (the doc: "if you don't
    # set the Version to 2012-10-17 or later, variables are treated as literal strings"); other
    # Version values are INVALID_VERSION. Location: the Version value, else the first variable.
    version = ctx.policy.version_text
    if ctx.policy.version is not None and version != "2008-10-17":
        return
    for var, v in _all_supported(ctx):
        if var.closed and not var.is_empty:
            yield ctx.policy.version.loc if ctx.policy.version is not None else _loc(var, v)
            return


_STRING_OR_ARN = re.compile(r"^(String|Arn)")
_NON_STRING_OPERATORS = frozenset({
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
    "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
    "DateGreaterThan", "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "Null",
})


@rule("INVALID_VARIABLE_FOR_OPERATOR", ERROR, "Invalid variable for operator",
      "Policy variables can only be used with String and ARN operators.")
def invalid_variable_for_operator(ctx: Context) -> Reports:
    for st in ctx.statements:
        for entry in st.condition_entries():
            base = entry.base_operator
            if base not in _NON_STRING_OPERATORS:  # unknown operators: INVALID_CONDITION_OPERATOR
                continue
            for var, v in _variables(iter(entry.values)):
                if var.closed and not var.is_special:
                    yield _loc(var, v)


# -- permissive variables and wildcards in condition values -----------------------------------------


# Choices (AWS's list of "sensitive keys" is not published in the check reference):
# - SENSITIVE_KEYS: account and organization identifiers, where a wildcard or variable can only
#   widen the match: no wildcard or variable at all.
# - PREFIX_KEYS: ARN, org-path and VPC keys: the first wildcard or variable must be preceded by
#   at least 6 literal characters.
# - aws:userid: a wildcard or variable must sit right of the colon, or be the whole left side.
# Wildcards are checked with Like operators only (elsewhere * is a literal); variables with any
# String/Arn operator. Null is never checked.
SENSITIVE_KEYS = frozenset({
    "aws:principalaccount", "aws:sourceaccount", "aws:resourceaccount",
    "aws:principalorgid", "aws:sourceorgid", "aws:resourceorgid",
    "aws:vpceaccount", "aws:vpceorgid",
})
PREFIX_KEYS = frozenset({
    "aws:principalarn", "aws:sourcearn", "aws:sourcevpcarn",
    "aws:principalorgpaths", "aws:sourceorgpaths", "aws:resourceorgpaths", "aws:vpceorgpaths",
    "aws:sourcevpc", "aws:sourcevpce",
})
MIN_PREFIX = 6


def _wildcard_positions(text: str) -> list[int]:
    """Positions of * and ? outside variables (``${*}`` is a literal)."""
    inside = [False] * len(text)
    for var in find_variables(text):
        for i in range(var.start, var.end):
            inside[i] = True
    return [i for i, c in enumerate(text) if c in "*?" and not inside[i]]


# Variables whose value AWS itself asserts about the request (account, organization, ARN of the
# principal, source or resource). Using them is how data-perimeter policies compare two identities
# (``"aws:ResourceAccount": "${aws:PrincipalAccount}"``, common in AWS managed policies); they
# cannot be widened by the caller, so they are not reported as permissive (our choice) — except
# under aws:userid, whose placement rule the doc states for any variable.
TRUSTED_VARIABLES = frozenset({
    "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn",
    "aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
    "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcearn",
    "aws:sourcevpc", "aws:sourcevpce", "aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths",
    "aws:userid", "aws:username", "aws:requestedregion",
})


def _variable_positions(text: str, trusted_ok: bool) -> list[int]:
    return [v.start for v in find_variables(text)
            if v.closed and not v.is_special and not v.is_empty
            and not (trusted_ok and v.key.lower() in TRUSTED_VARIABLES)]


def _userid_ok(text: str, positions: list[int]) -> bool:
    """Every wildcard/variable is right of the first colon, or the left side is only that token."""
    colon = text.find(":")
    if colon == -1:
        return False
    left = text[:colon]
    if not any(p < colon for p in positions):
        return True
    return left in ("*", "?") or bool(re.fullmatch(r"\$\{[^}]*\}", left))


def _permissive(ctx: Context, wildcard: bool) -> Reports:
    for st in ctx.statements:
        for entry in st.condition_entries():
            key = entry.key.lower()
            if key not in SENSITIVE_KEYS and key not in PREFIX_KEYS and key != "aws:userid":
                continue
            base = entry.base_operator
            if wildcard and not base.endswith("Like"):
                continue
            if not wildcard and not _STRING_OR_ARN.match(base):
                continue
            for text, v in ctx.string_values(entry.values):
                positions = (_wildcard_positions(text) if wildcard
                             else _variable_positions(text, trusted_ok=key != "aws:userid"))
                if not positions:
                    continue
                variant: Optional[int] = None
                if key in SENSITIVE_KEYS:
                    variant = 1
                elif key == "aws:userid":
                    variant = None if _userid_ok(text, positions) else 2
                elif min(positions) < MIN_PREFIX:
                    variant = 0
                if variant is not None:
                    yield Report.at(v.loc, key=entry.key, variant=variant)


@rule("VARIABLE_USAGE_TOO_PERMISSIVE", ERROR, "Variable usage too permissive",
      "Overly permissive use of policy variable for the {{key}} condition key. Use the policy variable preceded by "
      "6 consecutive characters.",
    variants=(
        "The policy variable is not allowed in the condition key {{key}}. We consider the key to be sensitive and "
        "policy variables can be evaluated as effective wildcards. Therefore policy variables are not allowed to be "
        "used with sensitive keys. Refer to https://docs.aws.amazon.com/IAM/latest/UserGuide/"
        "reference_policies_condition-keys.html for the list of sensitive keys.",
        "Overly permissive use of policy variable with aws:userID. Use the policy variable on the right side of colon "
        "or as the only character on the left side of a colon.",
    ),
)
def variable_usage_too_permissive(ctx: Context) -> Reports:
    yield from _permissive(ctx, wildcard=False)


@rule("WILDCARD_USAGE_TOO_PERMISSIVE", ERROR, "Wildcard usage too permissive",
      "Overly permissive use of wildcard for the {{key}} condition key. Use the wildcard preceded by 6 consecutive "
      "characters.",
    variants=(
        "The wildcard is not allowed in the condition key {{key}}. We consider the key to be sensitive and wildcards "
        "are not allowed to be used with sensitive keys. Refer to https://docs.aws.amazon.com/IAM/latest/UserGuide/"
        "reference_policies_condition-keys.html for the list of sensitive keys.",
        "Overly permissive use of wildcard with aws:userID. Use the wildcard on the right side of colon or as the "
        "only character on the left side of a colon.",
    ),
)
def wildcard_usage_too_permissive(ctx: Context) -> Reports:
    yield from _permissive(ctx, wildcard=True)
