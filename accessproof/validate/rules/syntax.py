"""Rules: JSON syntax, element names and JSON types, required elements, the Version element."""

from __future__ import annotations

from typing import Iterator

from ...policy import JsonSyntaxError, Location, Statement, TextIndex
from ...policy.jsontext import ARRAY, BOOLEAN, NUMBER, OBJECT, STRING, Node
from ..rule import (
    ERROR,
    RESOURCE_CONTROL_POLICY,
    RESOURCE_POLICY,
    SERVICE_CONTROL_POLICY,
    WARNING,
    Context,
    Finding,
    Report,
    Reports,
    rule,
)

POLICY_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
)
VERSIONS = ("2012-10-17", "2008-10-17")
LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


@rule(
    "JSON_SYNTAX_ERROR", ERROR, "Json syntax error",
    "Fix the JSON syntax error at index {{index}} line {{line}} column {{column}}.",
)
def json_syntax_error_rule(ctx: Context) -> Reports:
    # Reported by the engine before any rule runs (see ``json_syntax_error``); a policy that
    # reaches the rules is valid JSON, but a top-level value that is not an object is not a policy.
    if ctx.policy.root.kind != OBJECT:
        root = ctx.policy.root
        line, column = ctx.policy.index.line_col(root.start)
        yield Report.at(Location((), root.start, root.end), index=root.start, line=line, column=column)


def json_syntax_error(text: str, error: JsonSyntaxError) -> Finding:
    """The finding for text that is not JSON, pointing at the first offending character."""
    index = TextIndex(text)
    line, column = index.line_col(error.offset)
    loc = Location((), error.offset, min(error.offset + 1, len(text)) if text else 0)
    details = json_syntax_error_rule.details({"index": str(error.offset), "line": str(line), "column": str(column)})
    return Finding("JSON_SYNTAX_ERROR", ERROR, details, json_syntax_error_rule.learn_more_link, (loc,))


@rule(
    "INVALID_POLICY_ELEMENT", ERROR, "Invalid policy element",
    "The policy element {{element}} is not valid.",
)
def invalid_policy_element(ctx: Context) -> Reports:
    for e in ctx.policy.elements:
        if e.name not in POLICY_ELEMENTS:
            yield Report.at(e.key_loc, element=e.name)
    for st in ctx.statements:
        for e in st.elements:
            if e.name not in STATEMENT_ELEMENTS:
                yield Report.at(e.key_loc, element=e.name)


# Names of the expected JSON types in DATA_TYPE_MISMATCH's {{data_type}}.
STRING_TYPE = "String"
OBJECT_TYPE = "Object"
STRING_OR_ARRAY = "String or Array of String"
STATEMENT_TYPE = "Object or Array of Object"
PRINCIPAL_TYPE = "String or Object"
CONDITION_VALUE_TYPE = "String, Number, Boolean or an Array of them"
_SCALARS = (STRING, NUMBER, BOOLEAN)


def _type_mismatches(ctx: Context) -> Iterator[tuple[Location, str]]:
    """Every value whose JSON type the grammar does not allow, with the type it expects."""
    for e in ctx.policy.elements:
        if e.name in ("Version", "Id") and e.node.kind != STRING:
            yield e.loc, STRING_TYPE
        elif e.name == "Statement":
            if e.node.kind == ARRAY:
                for i, item in enumerate(e.node.items()):
                    if item.kind != OBJECT:
                        yield e.loc.child_index(i, item), OBJECT_TYPE
            elif e.node.kind != OBJECT:
                yield e.loc, STATEMENT_TYPE
    for st in ctx.statements:
        yield from _statement_mismatches(st)


def _string_list_mismatches(node: Node, loc: Location) -> Iterator[tuple[Location, str]]:
    if node.kind == ARRAY:
        for i, item in enumerate(node.items()):
            if item.kind != STRING:
                yield loc.child_index(i, item), STRING_TYPE
    elif node.kind != STRING:
        yield loc, STRING_OR_ARRAY


def _statement_mismatches(st: Statement) -> Iterator[tuple[Location, str]]:
    for e in st.elements:
        if e.name in ("Sid", "Effect") and e.node.kind != STRING:
            yield e.loc, STRING_TYPE
        elif e.name in LIST_ELEMENTS:
            yield from _string_list_mismatches(e.node, e.loc)
        elif e.name in ("Principal", "NotPrincipal"):
            if e.node.kind == OBJECT:
                for m in e.node.members():
                    yield from _string_list_mismatches(m.value, e.loc.child_value(m.key, m.value))
            elif e.node.kind != STRING:
                yield e.loc, PRINCIPAL_TYPE
        elif e.name == "Condition":
            if e.node.kind != OBJECT:
                yield e.loc, OBJECT_TYPE
                continue
            for block in st.conditions:
                if block.node.kind != OBJECT:
                    yield block.loc, OBJECT_TYPE
                    continue
                for entry in block.entries:
                    if entry.node.kind == ARRAY:
                        for v in entry.values:
                            if v.node.kind not in _SCALARS:
                                yield v.loc, CONDITION_VALUE_TYPE
                    elif entry.node.kind not in _SCALARS:
                        yield entry.loc, CONDITION_VALUE_TYPE


@rule(
    "DATA_TYPE_MISMATCH", ERROR, "Data type mismatch",
    "The text does not match the expected JSON data type {{data_type}}.",
)
def data_type_mismatch(ctx: Context) -> Reports:
    for loc, expected in _type_mismatches(ctx):
        yield Report.at(loc, data_type=expected)


@rule("MISSING_STATEMENT", ERROR, "Missing statement", "Add a statement to the policy")
def missing_statement(ctx: Context) -> Reports:
    if ctx.policy.root.kind != OBJECT:
        return
    st = ctx.policy.statement_element
    if st is None:
        yield Location((), ctx.policy.root.start, ctx.policy.root.end)


@rule(
    "MISSING_EFFECT", ERROR, "Missing effect",
    "Add an Effect element to the policy statement with a value of Allow or Deny.",
)
def missing_effect(ctx: Context) -> Reports:
    for st in ctx.statements:
        if st.effect is None:
            yield st.loc


@rule(
    "INVALID_EFFECT", ERROR, "Invalid effect",
    "The effect {{effect}} is not valid. Use Allow or Deny.",
)
def invalid_effect(ctx: Context) -> Reports:
    for st in ctx.statements:
        # The Effect value is case sensitive (IAM User Guide, "IAM JSON policy elements: Effect").
        if st.effect and st.effect.text is not None and st.effect.text not in ("Allow", "Deny"):
            yield Report.at(st.effect.loc, effect=st.effect.text)


@rule(
    "MISSING_ACTION", ERROR, "Missing action",
    "Add an Action or NotAction element to the policy statement.",
)
def missing_action(ctx: Context) -> Reports:
    for st in ctx.statements:
        if st.action is None and st.not_action is None:
            yield st.loc


@rule(
    "MISSING_RESOURCE", ERROR, "Missing resource",
    "Add a Resource or NotResource element to the policy statement.",
)
def missing_resource(ctx: Context) -> Reports:
    if ctx.is_trust_policy:
        return  # role trust policies take no Resource element
    for st in ctx.statements:
        if st.resource is None and st.not_resource is None and not _is_trust_statement(ctx, st):
            yield st.loc


def _is_trust_statement(ctx: Context, st: Statement) -> bool:
    """A resource-policy statement that only grants ``sts:`` actions reads as a role trust policy.

    AWS's documented example (aws-cli ``validate-policy``: a trust policy validated as
    RESOURCE_POLICY without ``validatePolicyResourceType``) reports no MISSING_RESOURCE, so a
    statement shaped like a trust statement is not required to name a resource.
    """
    if not ctx.is_resource or st.action is None:
        return False
    actions = st.action.strings()
    return bool(actions) and all(a.lower().startswith("sts:") for a in actions)


@rule(
    "MISSING_PRINCIPAL", ERROR, "Missing principal",
    "Add a Principal element to the policy statement.",
    policy_types=(RESOURCE_POLICY, RESOURCE_CONTROL_POLICY),
)
def missing_principal(ctx: Context) -> Reports:
    for st in ctx.statements:
        if st.principal is None and st.not_principal is None:
            yield st.loc


@rule(
    "INVALID_VERSION", ERROR, "Invalid version",
    "The version {{version}} is not valid. Use one of the following versions: {{versions}}",
)
def invalid_version(ctx: Context) -> Reports:
    v = ctx.policy.version
    if v and v.text is not None and v.text not in VERSIONS:
        yield Report.at(v.loc, version=v.text, versions=", ".join(VERSIONS))


@rule(
    "MISSING_VERSION", WARNING, "Missing version",
    "We recommend that you specify the Version element to help you with debugging permission issues.",
)
def missing_version(ctx: Context) -> Reports:
    if ctx.policy.root.kind == OBJECT and ctx.policy.version is None:
        yield Location((), ctx.policy.root.start, ctx.policy.root.end)


@rule(
    "UNSUPPORTED_ELEMENT_COMBINATION", ERROR, "Unsupported element combination",
    "The policy elements {{element1}} and {{element2}} can not be used in the same statement. "
    "Remove one of these elements.",
)
def unsupported_element_combination(ctx: Context) -> Reports:
    pairs = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
    for st in ctx.statements:
        for first, second in pairs:
            a, b = st.element(first), st.element(second)
            if a and b:
                later = b if b.key_loc.start > a.key_loc.start else a
                yield Report.at(later.key_loc, element1=first, element2=second)


__all__ = [
    "json_syntax_error", "SERVICE_CONTROL_POLICY", "POLICY_ELEMENTS", "STATEMENT_ELEMENTS", "VERSIONS",
]
