"""Wildcard patterns with policy variables, resolved against a request.

A pattern from a policy (a ``Resource``, a ``StringLike`` or ``ArnLike`` value) is first resolved
against the request context into *pieces*: text written in the policy, where ``*`` and ``?``
are wildcards, and literal text that came from a policy variable (``${aws:username}``) or from
one of the special variables ``${*}``, ``${?}``, ``${$}`` — those stand for the characters
themselves (IAM User Guide, "IAM policy elements: Variables and tags", "Special characters").
A variable that the context cannot resolve and that has no default makes the whole pattern
unresolvable: it matches nothing.

The pieces are matched by ``policy.wildcards`` (``compile_pieces``), which also applies the ARN
rule (component by component) and never backtracks.
"""

from __future__ import annotations

from typing import Mapping, Optional

from ..policy.variables import SPECIAL_CHARACTERS, find_variables
from ..policy.wildcards import Piece, Pieces
from .request import ContextValue


def has_variables(pattern: str) -> bool:
    return "${" in pattern


def resolve(pattern: str, context: Mapping[str, ContextValue]) -> Optional[Pieces]:
    """Substitute the policy variables of ``pattern``; None when one cannot be resolved."""
    pieces: list[Piece] = []
    position = 0
    for variable in find_variables(pattern):
        if variable.start > position:
            pieces.append((pattern[position:variable.start], False))
        position = variable.end
        if variable.is_special:
            pieces.append((SPECIAL_CHARACTERS[variable.name], True))
        elif not variable.is_well_formed:
            # Not a variable IAM recognises: the text stays as written.
            pieces.append((pattern[variable.start:variable.end], False))
        else:
            value = context.get(variable.key.lower())
            # A multivalued key cannot stand for one string; an empty set has no value.
            if value is not None and not value.multivalued and len(value.values) == 1:
                pieces.append((value.values[0], True))
            elif variable.default is not None:
                pieces.append((variable.default, True))
            else:
                return None
    if position < len(pattern):
        pieces.append((pattern[position:], False))
    return tuple(pieces)


def literal_text(pieces: Pieces) -> str:
    """The string a resolved value stands for when it is compared exactly (StringEquals)."""
    return "".join(text for text, _ in pieces)
