"""The typed policy model: every element keeps its node, its path and its span.

Paths follow ValidatePolicy's convention (see the aws-cli ``validate-policy`` example): the value
of an object member is addressed by ``{"value": key}``, the key itself by ``{"key": key}``, an
array item by ``{"index": n}`` and part of a string by ``{"substring": {"start", "length"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

from .jsontext import ARRAY, OBJECT, STRING, Node, TextIndex

PathElement = tuple[str, object]  # ("value", "Statement") | ("index", 0) | ("key", "Sid") | ("substring", (s, n))


@dataclass(frozen=True, slots=True)
class Location:
    path: tuple[PathElement, ...]
    start: int
    end: int

    def child_value(self, key: str, node: Node) -> "Location":
        return Location(self.path + (("value", key),), node.start, node.end)

    def child_key(self, key: str, start: int, end: int) -> "Location":
        return Location(self.path + (("key", key),), start, end)

    def child_index(self, index: int, node: Node) -> "Location":
        return Location(self.path + (("index", index),), node.start, node.end)

    def substring(self, start: int, length: int) -> "Location":
        """Part of a string value; offsets count characters of the value (after the quote)."""
        first = self.start + 1 + start
        return Location(self.path + (("substring", (start, length)),), first, first + length)


@dataclass(slots=True)
class Value:
    """A scalar where the grammar wants a string. ``text`` is None when the JSON type is wrong."""

    node: Node
    loc: Location

    @property
    def text(self) -> Optional[str]:
        return self.node.value if self.node.kind == STRING else None  # type: ignore[return-value]

    @property
    def is_string(self) -> bool:
        return self.node.kind == STRING


@dataclass(slots=True)
class Element:
    """A member of the policy or of a statement: ``"Name": value``."""

    name: str
    node: Node
    loc: Location  # the value
    key_loc: Location  # the key


@dataclass(slots=True)
class ValueList:
    """Action, NotAction, Resource, NotResource, or one principal type's values.

    Accepts a single value or an array; ``values`` holds each item with its own location.
    """

    element: Element
    values: list[Value]

    @property
    def is_array(self) -> bool:
        return self.element.node.kind == ARRAY

    def strings(self) -> list[str]:
        return [v.text for v in self.values if v.text is not None]


@dataclass(slots=True)
class PrincipalEntry:
    kind: str  # AWS | Service | Federated | CanonicalUser | anything else the user wrote
    key_loc: Location
    values: ValueList


@dataclass(slots=True)
class Principal:
    """``Principal`` or ``NotPrincipal``: either the string ``"*"`` or a map of principal types."""

    element: Element
    wildcard: Optional[Value] = None  # set when the element is a plain string
    entries: list[PrincipalEntry] = field(default_factory=list)

    @property
    def is_map(self) -> bool:
        return self.element.node.kind == OBJECT

    def values(self, kind: str) -> list[Value]:
        return [v for e in self.entries if e.kind == kind for v in e.values.values]

    def all_values(self) -> Iterator[tuple[str, Value]]:
        for e in self.entries:
            for v in e.values.values:
                yield e.kind, v


@dataclass(slots=True)
class ConditionEntry:
    """One ``"key": values`` inside one operator block of a Condition."""

    operator: str
    key: str
    key_loc: Location
    loc: Location  # the values
    node: Node
    values: list[Value]  # scalars (type may be string, number or boolean)

    @property
    def base_operator(self) -> str:
        return operator_parts(self.operator)[1]

    @property
    def qualifier(self) -> Optional[str]:
        return operator_parts(self.operator)[0]

    @property
    def if_exists(self) -> bool:
        return operator_parts(self.operator)[2]


@dataclass(slots=True)
class ConditionBlock:
    """One operator of a Condition: ``"StringEquals": {...}``."""

    operator: str
    key_loc: Location
    loc: Location
    node: Node
    entries: list[ConditionEntry]


@dataclass(slots=True)
class Statement:
    index: Optional[int]  # None when Statement is a single object rather than an array
    node: Node
    loc: Location
    elements: list[Element]
    sid: Optional[Value] = None
    effect: Optional[Value] = None
    action: Optional[ValueList] = None
    not_action: Optional[ValueList] = None
    resource: Optional[ValueList] = None
    not_resource: Optional[ValueList] = None
    principal: Optional[Principal] = None
    not_principal: Optional[Principal] = None
    condition: Optional[Element] = None
    conditions: list[ConditionBlock] = field(default_factory=list)

    def element(self, name: str) -> Optional[Element]:
        for e in self.elements:
            if e.name == name:
                return e
        return None

    @property
    def effect_text(self) -> Optional[str]:
        return self.effect.text if self.effect else None

    @property
    def is_allow(self) -> bool:
        return self.effect_text == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect_text == "Deny"

    @property
    def sid_text(self) -> Optional[str]:
        return self.sid.text if self.sid else None

    def action_patterns(self) -> list[str]:
        return self.action.strings() if self.action else []

    def not_action_patterns(self) -> list[str]:
        return self.not_action.strings() if self.not_action else []

    def resource_patterns(self) -> list[str]:
        return self.resource.strings() if self.resource else []

    def condition_entries(self) -> Iterator[ConditionEntry]:
        for block in self.conditions:
            yield from block.entries


@dataclass(slots=True)
class Policy:
    text: str
    root: Node
    index: TextIndex
    elements: list[Element]
    version: Optional[Value] = None
    id: Optional[Value] = None
    statement_element: Optional[Element] = None
    statements: list[Statement] = field(default_factory=list)

    @property
    def version_text(self) -> Optional[str]:
        return self.version.text if self.version else None


def location_dict(loc: Location, index: TextIndex) -> dict:
    """A location in the API's shape: ``{"path": [...], "span": {"start", "end"}}``."""
    sl, sc = index.line_col(loc.start)
    el, ec = index.line_col(loc.end)
    return {
        "path": [path_element_dict(p) for p in loc.path],
        "span": {
            "start": {"line": sl, "column": sc, "offset": loc.start},
            "end": {"line": el, "column": ec, "offset": loc.end},
        },
    }


def path_element_dict(p: PathElement) -> dict:
    kind, value = p
    if kind == "substring":
        start, length = value  # type: ignore[misc]
        return {"substring": {"start": start, "length": length}}
    return {kind: value}


CONDITION_QUALIFIERS = ("ForAllValues", "ForAnyValue")


def operator_parts(operator: str) -> tuple[Optional[str], str, bool]:
    """Split ``ForAnyValue:StringLikeIfExists`` into (qualifier, base operator, if-exists)."""
    qualifier = None
    rest = operator
    if ":" in operator:
        head, _, tail = operator.partition(":")
        qualifier, rest = head, tail
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    return qualifier, base, if_exists
