"""Policy variables inside a string: ``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``.

A pure parser shared by the validator (syntax checks) and the evaluator (substitution)::

    >>> [v.name for v in find_variables("home/${aws:username}/${aws:PrincipalTag/team, 'none'}")]
    ['aws:username', 'aws:PrincipalTag/team']

Grammar (IAM User Guide, "IAM policy elements: Variables and tags"):

- a variable starts with ``${`` and ends at the next ``}``;
- inside: a name, optionally followed by ``,`` and a default value in single quotes
  (``${aws:username, 'anonymous'}``); the default may contain spaces, the name may not;
- ``${*}``, ``${?}`` and ``${$}`` are the special characters ``*``, ``?`` and ``$`` as literals.

The parser never raises: malformed variables are returned with flags (``closed``,
``quote_ok``) so that each caller decides what to do with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

SPECIAL_CHARACTERS = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class PolicyVariable:
    """One ``${...}`` occurrence.

    ``start``/``end`` are character offsets in the string (``end`` exclusive; for an unclosed
    variable, ``end`` is the end of the string). ``name`` is the raw text before the first comma
    (not stripped), ``default`` the default value without its quotes (None when there is none
    or when it is malformed), ``raw_default`` the raw text after the comma.
    """

    start: int
    end: int
    name: str
    default: Optional[str]
    raw_default: Optional[str]
    closed: bool

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def body(self) -> str:
        """Everything between ``${`` and ``}``."""
        if self.raw_default is None:
            return self.name
        return f"{self.name},{self.raw_default}"

    @property
    def is_special(self) -> bool:
        """``${*}``, ``${?}`` or ``${$}``: an escaped literal character, not a request value."""
        return self.closed and self.raw_default is None and self.name in SPECIAL_CHARACTERS

    @property
    def is_empty(self) -> bool:
        return self.closed and self.body.strip() == ""

    @property
    def has_space_in_name(self) -> bool:
        return any(c.isspace() for c in self.name) and not self.is_empty

    @property
    def quote_ok(self) -> bool:
        """False when a default value is present but not wrapped in single quotes."""
        if self.raw_default is None:
            return True
        d = self.raw_default.strip()
        return len(d) >= 2 and d.startswith("'") and d.endswith("'")

    @property
    def is_well_formed(self) -> bool:
        return (self.closed and not self.is_empty and not self.has_space_in_name and self.quote_ok)

    @property
    def key(self) -> str:
        """The request-context key the variable reads (the name, stripped)."""
        return self.name.strip()


def find_variables(text: str) -> list[PolicyVariable]:
    """Every ``${...}`` in ``text``, in order. Never raises."""
    out: list[PolicyVariable] = []
    i = text.find("${")
    close = text.find("}", i + 2) if i != -1 else -1
    while i != -1:
        # The first "}" after i + 2: still ``close`` unless that lies before (searching again for
        # each of many unclosed "${" would take quadratic time; none found stays none).
        if close != -1 and close < i + 2:
            close = text.find("}", i + 2)
        nxt = text.find("${", i + 2)
        if close == -1 or (nxt != -1 and nxt < close):
            # Unclosed: the variable runs to the next ``${`` or to the end of the string.
            end = nxt if nxt != -1 else len(text)
            body = text[i + 2:end]
            out.append(_make(i, end, body, closed=False))
            i = nxt
            continue
        body = text[i + 2:close]
        out.append(_make(i, close + 1, body, closed=True))
        i = text.find("${", close + 1)
    return out


def _make(start: int, end: int, body: str, closed: bool) -> PolicyVariable:
    name, comma, rest = body.partition(",")
    if not comma:
        return PolicyVariable(start, end, name, None, None, closed)
    d = rest.strip()
    default = d[1:-1] if len(d) >= 2 and d.startswith("'") and d.endswith("'") else None
    return PolicyVariable(start, end, name, default, rest, closed)


def has_variables(text: str) -> bool:
    return "${" in text


def replace_braced(text: str, replacement: Callable[[str], str]) -> str:
    """Each ``${`` up to the next ``}`` (a nested ``${`` included) replaced by ``replacement(it)``:
    the substitution of the regular expression ``\\$\\{[^}]*\\}``, in linear time (the regex search
    takes quadratic time on a value with many unclosed ``${``)."""
    out: list[str] = []
    position = 0
    while True:
        start = text.find("${", position)
        close = text.find("}", start + 2) if start != -1 else -1
        if close == -1:
            break
        out.append(text[position:start])
        out.append(replacement(text[start:close + 1]))
        position = close + 1
    out.append(text[position:])
    return "".join(out)


def substitute(text: str, context: dict[str, object]) -> Optional[str]:
    """Replace each variable by its value from ``context`` (keys compared case-insensitively).

    A missing key uses the default value; a missing key without default makes the whole string
    unusable and returns None (IAM then treats the condition or resource as not matching).
    Special variables become their literal character. Malformed variables are kept as text.
    Multivalued context values are not substituted (None).
    """
    lowered = {k.lower(): v for k, v in context.items()}
    parts: list[str] = []
    pos = 0
    for var in find_variables(text):
        parts.append(text[pos:var.start])
        pos = var.end
        if var.is_special:
            parts.append(SPECIAL_CHARACTERS[var.name])
        elif not var.is_well_formed:
            parts.append(text[var.start:var.end])
        else:
            value = lowered.get(var.key.lower())
            if value is None or isinstance(value, (list, tuple, set)):
                if var.default is None:
                    return None
                parts.append(var.default)
            else:
                parts.append(str(value).lower() if isinstance(value, bool) else str(value))
    parts.append(text[pos:])
    return "".join(parts)
