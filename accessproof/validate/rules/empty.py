"""Rules: empty arrays and empty objects in policy elements."""

from __future__ import annotations

from typing import Iterator

from ...policy import ConditionEntry
from ...policy.jsontext import ARRAY, OBJECT
from ..rule import SUGGESTION, Context, Report, Reports, rule


def _empty_arrays(ctx: Context, *names: str) -> Reports:
    for st in ctx.statements:
        for e in st.elements:
            if e.name in names and e.node.kind == ARRAY and not e.node.items():
                yield e.loc


@rule("EMPTY_ARRAY_ACTION", SUGGESTION, "Empty array action",
      "This statement includes no actions and does not affect the policy. Specify actions.")
def empty_array_action(ctx: Context) -> Reports:
    yield from _empty_arrays(ctx, "Action", "NotAction")


@rule("EMPTY_ARRAY_RESOURCE", SUGGESTION, "Empty array resource",
      "This statement includes no resources and does not affect the policy. Specify resources.")
def empty_array_resource(ctx: Context) -> Reports:
    yield from _empty_arrays(ctx, "Resource", "NotResource")


@rule("EMPTY_ARRAY_PRINCIPAL", SUGGESTION, "Empty array principal",
      "This statement includes no principals and does not affect the policy. Specify principals.")
def empty_array_principal(ctx: Context) -> Reports:
    for st in ctx.statements:
        for p in (st.principal, st.not_principal):
            for entry in p.entries if p else ():
                node = entry.values.element.node
                if node.kind == ARRAY and not node.items():
                    yield entry.values.element.loc


@rule("EMPTY_OBJECT_PRINCIPAL", SUGGESTION, "Empty object principal",
      "This statement includes no principals and does not affect the policy. Specify principals.")
def empty_object_principal(ctx: Context) -> Reports:
    for st in ctx.statements:
        for p in (st.principal, st.not_principal):
            if p and p.element.node.kind == OBJECT and not p.element.node.members():
                yield p.element.loc


@rule("EMPTY_OBJECT_CONDITION", SUGGESTION, "Empty object condition",
      "This condition block is empty and it does not affect the policy. Specify conditions.")
def empty_object_condition(ctx: Context) -> Reports:
    for st in ctx.statements:
        if st.condition and st.condition.node.kind == OBJECT and not st.condition.node.members():
            yield st.condition.loc
        for block in st.conditions:
            if block.node.kind == OBJECT and not block.node.members():
                yield block.loc


def _empty_condition_values(ctx: Context) -> Iterator[ConditionEntry]:
    """Condition keys given an empty array of values."""
    for st in ctx.statements:
        for entry in st.condition_entries():
            if entry.node.kind == ARRAY and not entry.node.items():
                yield entry


@rule("EMPTY_ARRAY_CONDITION", SUGGESTION, "Empty array condition",
      "There are no values for the condition key {{key}} and it does not affect the policy. Specify conditions.")
def empty_array_condition(ctx: Context) -> Reports:
    for entry in _empty_condition_values(ctx):
        if entry.qualifier is None and not entry.if_exists:
            yield Report.at(entry.loc, key=entry.key)


@rule("EMPTY_ARRAY_CONDITION_FORALLVALUES", SUGGESTION, "Empty array condition ForAllValues",
      "The ForAllValues prefix with an empty condition key matches only if the key {{key}} is missing "
      "from the request context. To determine if the request context is empty, we recommend that you "
      "use the Null condition operator with the value of true instead.")
def empty_array_condition_forallvalues(ctx: Context) -> Reports:
    for entry in _empty_condition_values(ctx):
        if entry.qualifier == "ForAllValues":
            yield Report.at(entry.loc, key=entry.key)


@rule("EMPTY_ARRAY_CONDITION_FORANYVALUE", SUGGESTION, "Empty array condition ForAnyValue",
      "The ForAnyValue prefix with an empty condition key {{key}} never matches the request context and "
      "it does not affect the policy. Specify conditions.")
def empty_array_condition_foranyvalue(ctx: Context) -> Reports:
    for entry in _empty_condition_values(ctx):
        if entry.qualifier == "ForAnyValue":
            yield Report.at(entry.loc, key=entry.key)


@rule("EMPTY_ARRAY_CONDITION_IFEXISTS", SUGGESTION, "Empty array condition IfExists",
      "The IfExists suffix with an empty condition key matches only if the key {{key}} is missing from "
      "the request context. To determine if the request context is empty, we recommend that you use the "
      "Null condition operator with the value of true instead.")
def empty_array_condition_ifexists(ctx: Context) -> Reports:
    for entry in _empty_condition_values(ctx):
        if entry.if_exists and entry.qualifier is None:
            yield Report.at(entry.loc, key=entry.key)
