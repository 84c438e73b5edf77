"""Wildcard patterns with policy variables, compiled to regular expressions.

A pattern from a policy (a ``Resource``, a ``StringLike`` or ``ArnLike`` value) is first resolved
against the request context into *pieces*: text written in the policy, where ``*`` and ``?``
are wildcards, and literal text that came from a policy variable (``${aws:username}``) or from
one of the special variables ``${*}``, ``${?}``, ``${$}`` — those stand for the characters
themselves (IAM User Guide, "IAM policy elements: Variables and tags", "Special characters").
A variable that the context cannot resolve and that has no default makes the whole pattern
unresolvable: it matches nothing.

ARN patterns are matched component by component: "Each of the six colon-delimited components
of the ARN is checked separately and each can include multi-character match wildcards (*) or
single-character match wildcards (?)" (IAM User Guide, "Condition operators", ARN condition
operators; the ``Resource`` element follows the same rule). A wildcard in one of the first five
components therefore never crosses a colon, while the sixth component (the resource part, which
may itself contain colons) is matched as a whole.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping, Optional

from ..policy.variables import SPECIAL_CHARACTERS, find_variables
from .request import ContextValue

Piece = tuple[str, bool]  # (text, literal): literal text has no wildcards
Pieces = tuple[Piece, ...]


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


@lru_cache(maxsize=16384)
def compile_pieces(pieces: Pieces, arn: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """The regular expression of a resolved wildcard pattern (``arn``: component by component)."""
    segmented = arn and any(":" in text for text, _ in pieces)
    colons = 0
    out: list[str] = []
    for text, literal in pieces:
        for ch in text:
            if literal or ch not in "*?":
                out.append(re.escape(ch))
                if ch == ":":
                    colons += 1
            elif segmented and colons < 5:
                out.append("[^:]*" if ch == "*" else "[^:]")
            else:
                out.append(".*" if ch == "*" else ".")
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def static_regex(pattern: str, arn: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """The regex of a pattern without variables."""
    return compile_pieces(((pattern, False),), arn, ignore_case)
