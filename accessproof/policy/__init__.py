"""The IAM policy language: JSON text → typed model with source spans and paths."""

from .jsontext import JsonSyntaxError, Node, TextIndex, parse_json
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
    operator_parts,
)
from .parse import parse_policy

__all__ = [
    "ConditionBlock", "ConditionEntry", "Element", "JsonSyntaxError", "Location", "Node", "Policy",
    "Principal", "PrincipalEntry", "Statement", "TextIndex", "Value", "ValueList", "operator_parts",
    "parse_json", "parse_policy",
]
