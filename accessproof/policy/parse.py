"""Policy text → ``Policy``. Tolerant: wrong shapes are kept for the validator to report."""

from __future__ import annotations

from typing import Optional

from .jsontext import ARRAY, OBJECT, Node, TextIndex, parse_json
from .model import (
    ConditionBlock,
    ConditionEntry,
    Element,
    Location,
    Policy,
    Principal,
    PrincipalEntry,
    Statement,
    Value,
    ValueList,
)

ROOT = Location((), 0, 0)


def _elements(node: Node, loc: Location) -> list[Element]:
    if node.kind != OBJECT:
        return []
    return [
        Element(m.key, m.value, loc.child_value(m.key, m.value), loc.child_key(m.key, m.key_start, m.key_end))
        for m in node.members()
    ]


def _items(node: Node, loc: Location) -> list[tuple[Node, Location]]:
    """A single value or the items of an array, each with its location."""
    if node.kind == ARRAY:
        return [(item, loc.child_index(i, item)) for i, item in enumerate(node.items())]
    return [(node, loc)]


def value_list(element: Element) -> ValueList:
    return ValueList(element, [Value(n, l) for n, l in _items(element.node, element.loc)])


def principal(element: Element) -> Principal:
    result = Principal(element)
    if element.node.kind == OBJECT:
        for sub in _elements(element.node, element.loc):
            result.entries.append(PrincipalEntry(sub.name, sub.key_loc, value_list(sub)))
    else:
        result.wildcard = Value(element.node, element.loc)
    return result


def conditions(element: Element) -> list[ConditionBlock]:
    blocks = []
    for op in _elements(element.node, element.loc):
        entries = []
        for key in _elements(op.node, op.loc):
            values = [Value(n, l) for n, l in _items(key.node, key.loc)]
            entries.append(ConditionEntry(op.name, key.name, key.key_loc, key.loc, key.node, values))
        blocks.append(ConditionBlock(op.name, op.key_loc, op.loc, op.node, entries))
    return blocks


def statement(node: Node, loc: Location, index: Optional[int]) -> Statement:
    elements = _elements(node, loc)
    st = Statement(index, node, loc, elements)
    for e in elements:
        # Element names are unique: the JSON reader refuses a repeated key (policy/jsontext.py).
        if e.name == "Sid" and st.sid is None:
            st.sid = Value(e.node, e.loc)
        elif e.name == "Effect" and st.effect is None:
            st.effect = Value(e.node, e.loc)
        elif e.name == "Action" and st.action is None:
            st.action = value_list(e)
        elif e.name == "NotAction" and st.not_action is None:
            st.not_action = value_list(e)
        elif e.name == "Resource" and st.resource is None:
            st.resource = value_list(e)
        elif e.name == "NotResource" and st.not_resource is None:
            st.not_resource = value_list(e)
        elif e.name == "Principal" and st.principal is None:
            st.principal = principal(e)
        elif e.name == "NotPrincipal" and st.not_principal is None:
            st.not_principal = principal(e)
        elif e.name == "Condition" and st.condition is None:
            st.condition = e
            st.conditions = conditions(e)
    return st


def build_policy(text: str, root: Node) -> Policy:
    index = TextIndex(text)
    elements = _elements(root, ROOT)
    policy = Policy(text, root, index, elements)
    for e in elements:
        if e.name == "Version" and policy.version is None:
            policy.version = Value(e.node, e.loc)
        elif e.name == "Id" and policy.id is None:
            policy.id = Value(e.node, e.loc)
        elif e.name == "Statement" and policy.statement_element is None:
            policy.statement_element = e
            if e.node.kind == ARRAY:
                policy.statements = [
                    statement(item, e.loc.child_index(i, item), i)
                    for i, item in enumerate(e.node.items())
                    if item.kind == OBJECT
                ]
            elif e.node.kind == OBJECT:
                policy.statements = [statement(e.node, e.loc, None)]
    return policy


def parse_policy(text: str) -> Policy:
    """Parse policy text. Raises ``JsonSyntaxError`` when the text is not JSON."""
    return build_policy(text, parse_json(text))
