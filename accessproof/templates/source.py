"""Template text → a tree of plain Python values that remembers the line of every key and item.

CloudFormation templates come as JSON or YAML (with the short-form intrinsic tags ``!Ref``,
``!GetAtt``, ``!Sub``, ...); Terraform plans (``terraform show -json``) and CDK's ``cdk.out``
templates are JSON. Everything is read through ``accessproof.untrusted``: a regular file of at most
``MAX_TEMPLATE_BYTES``, UTF-8; JSON through ``policy.jsontext`` (nesting, number and duplicate-key
limits, with positions); YAML through PyYAML's *safe* composer (no Python objects), then converted
here with the same limits: nesting depth, the number of values (an alias bomb — "billion laughs" —
is refused, not expanded), duplicate keys refused (CloudFormation rejects them too).

Scalars follow CloudFormation's reading, not YAML 1.1's: ``2012-10-17`` stays a string (YAML 1.1
would make it a date), ``010`` stays a string, only ``true``/``false``, ``null``/``~`` and plain
decimal numbers are converted (CHOICE: what the JSON form of the same template would hold).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from ..policy.jsontext import ARRAY, OBJECT, Node, TextIndex, parse_json
from ..untrusted import InputRefused, JsonLimitError, JsonSyntaxError, decode_text, excerpt, read_file

MAX_TEMPLATE_BYTES = 16 * 1024 * 1024
"""Largest template or plan read. CloudFormation accepts at most 1 MB from S3 (51,200 bytes inline);
Terraform plans of large configurations reach several megabytes."""

MAX_DEPTH = 100
MAX_VALUES = 2_000_000
"""Most values (after alias expansion) a YAML template may hold."""

# The short-form tags CloudFormation accepts (CloudFormation User Guide, "Intrinsic function reference").
SHORT_FORMS = {
    "Ref": "Ref", "Condition": "Condition", "GetAtt": "Fn::GetAtt", "Base64": "Fn::Base64", "Cidr": "Fn::Cidr",
    "FindInMap": "Fn::FindInMap", "GetAZs": "Fn::GetAZs", "ImportValue": "Fn::ImportValue", "Join": "Fn::Join",
    "Select": "Fn::Select", "Split": "Fn::Split", "Sub": "Fn::Sub", "Transform": "Fn::Transform", "And": "Fn::And",
    "Equals": "Fn::Equals", "If": "Fn::If", "Not": "Fn::Not", "Or": "Fn::Or", "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString", "ForEach": "Fn::ForEach",
}


class TemplateError(Exception):
    """A template accessproof cannot read or resolve; ``str()`` is one line naming the place."""

    def __init__(self, file: str, line: Optional[int], message: str):
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.message = message


class Mapping(dict):
    """A mapping of the template, with its line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


class Sequence(list):
    """A sequence of the template, with its line and the line of each item."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


def line_of(value: Any, default: int = 0) -> int:
    return getattr(value, "line", 0) or default


# ------------------------------------------------------------------------------------ read


def read_template_file(path: Union[str, Path], name: Optional[str] = None) -> tuple[str, str]:
    """(name, text) of the template file, or ``TemplateError``."""
    shown = name or str(path)
    try:
        return shown, decode_text(read_file(path, MAX_TEMPLATE_BYTES, shown), shown)
    except InputRefused as e:
        raise TemplateError(shown, None, e.reason) from None


def parse_template_text(text: str, name: str) -> Any:
    """The template's tree: JSON when the text starts with ``{`` or ``[``, YAML otherwise."""
    if text.lstrip().startswith(("{", "[")):
        return parse_json_tree(text, name)
    return parse_yaml_tree(text, name)


def parse_json_tree(text: str, name: str) -> Any:
    try:
        node = parse_json(text)
    except JsonLimitError as e:
        raise TemplateError(name, _json_line(text, e.offset), f"{e.message} (accessproof's limit)") from None
    except JsonSyntaxError as e:
        raise TemplateError(name, _json_line(text, e.offset), f"not valid JSON: {e.message}") from None
    return _from_json(node, TextIndex(text))


def _json_line(text: str, offset: int) -> Optional[int]:
    return TextIndex(text).line_col(offset)[0] if offset >= 0 else None


def _from_json(node: Node, index: TextIndex) -> Any:
    if node.kind == OBJECT:
        out = Mapping()
        out.line = index.line_col(node.start)[0]
        out.key_lines = {}
        for m in node.members():
            out[m.key] = _from_json(m.value, index)
            out.key_lines[m.key] = index.line_col(m.key_start)[0]
        return out
    if node.kind == ARRAY:
        seq = Sequence()
        seq.line = index.line_col(node.start)[0]
        seq.item_lines = []
        for item in node.items():
            seq.append(_from_json(item, index))
            seq.item_lines.append(index.line_col(item.start)[0])
        return seq
    return node.value


class _Loader(yaml.SafeLoader):
    """The safe composer; tags are read by ``_Converter``, never constructed as Python objects."""


def parse_yaml_tree(text: str, name: str) -> Any:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TemplateError(name, line, f"not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise TemplateError(name, None, f"not valid YAML: {' '.join(str(e).split())}") from None
    except RecursionError:
        raise TemplateError(name, None, f"YAML nested deeper than accessproof reads") from None
    if root is None:
        raise TemplateError(name, None, "the template is empty")
    return _Converter(name).convert(root)


_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")


class _Converter:
    def __init__(self, name: str):
        self.name = name
        self.count = 0

    def fail(self, node: yaml.Node, message: str) -> TemplateError:
        return TemplateError(self.name, node.start_mark.line + 1, message)

    def convert(self, root: yaml.Node) -> Any:
        # Iterative would be longer; the depth is bounded by MAX_DEPTH well below Python's stack.
        return self._value(root, 0)

    def _value(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.fail(node, f"more than {MAX_VALUES:,} values (after aliases are expanded): refused")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested deeper than {MAX_DEPTH} levels (accessproof's limit)")
        tag = node.tag
        if tag.startswith("!"):
            return self._short_form(node, tag[1:], depth)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, depth)
        return self._scalar(node)

    def _short_form(self, node: yaml.Node, tag: str, depth: int) -> Any:
        full = SHORT_FORMS.get(tag)
        if full is None:
            raise self.fail(node, f"unknown intrinsic function tag !{excerpt(tag, 40)[1:-1]}")
        out = Mapping()
        out.line = node.start_mark.line + 1
        out.key_lines = {full: out.line}
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
            if full == "Fn::GetAtt":
                resource, _, attribute = node.value.partition(".")
                if not attribute:
                    raise self.fail(node, f"!GetAtt {excerpt(node.value, 60)} must be Resource.Attribute")
                value = Sequence([resource, attribute])
                value.line, value.item_lines = out.line, [out.line, out.line]
            elif full == "Fn::GetAZs" and value == "":
                value = ""
        elif isinstance(node, yaml.MappingNode):
            value = self._mapping(node, depth + 1)
        else:
            value = self._sequence(node, depth + 1)
        out[full] = value
        return out

    def _mapping(self, node: yaml.MappingNode, depth: int) -> Mapping:
        out = Mapping()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "YAML merge keys (<<) are not part of CloudFormation templates")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a string")
            key = key_node.value
            if key in out:
                raise self.fail(key_node, f"duplicate key {excerpt(key, 60)}")
            out[key] = self._value(value_node, depth + 1)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> Sequence:
        seq = Sequence()
        seq.line = node.start_mark.line + 1
        seq.item_lines = []
        for item in node.value:
            seq.append(self._value(item, depth + 1))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value = node.value
        if node.style is not None and node.style != "":  # quoted or block: always a string
            return value
        if node.tag != "tag:yaml.org,2002:str" and node.tag not in _IMPLICIT_TAGS:
            return value
        if value in ("true", "True", "TRUE"):
            return True
        if value in ("false", "False", "FALSE"):
            return False
        if value in ("null", "Null", "NULL", "~", ""):
            return None
        if _INT.match(value):
            return int(value) if len(value) <= 30 else value
        if _FLOAT.match(value) and len(value) <= 30:
            return float(value)
        return value


_IMPLICIT_TAGS = frozenset({
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value",
})
