"""Valid facts between string conditions with policy variables, proved once for every value.

A condition such as ``ArnLike ec2:SourceInstanceARN "arn:aws:ec2:*:*:instance/${ec2:InstanceId}"``
is an opaque fact for the solver: its truth depends on another key's value. Between two such
conditions on the same key, an implication can still be proved for *every* value of the
variables: write each variable as one letter ω that no wildcard but an unrestricted ``*`` may
consume (``strings.find_string``'s ``letters``). If every string of the first template is a string of
the second over that alphabet, then for any value w of the variable, replacing ω by w maps the
first template's strings onto exactly the strings it accepts with w, and maps the second's into
strings the second accepts with w — so the first condition implies the second whatever w is.
The solver adds these implications as clauses: they are true of every real request, so an
"unsatisfiable" answer that uses them is still a proof.

Only the shapes this argument covers are used: positive String/ARN operators (plain or
``ForAnyValue``), no ``IgnoreCase``, no special variables ``${*}``/``${?}``/``${$}``, no defaults, and
in ARN templates every variable after the fifth colon (a colon inside w then cannot move an
ARN component boundary).
"""

from __future__ import annotations

from typing import Optional

from ..evaluate.conditions import Condition
from ..policy.operators import Family
from ..policy.variables import find_variables
from .strings import Pattern, SearchLimit, find_string, literal_pattern, wildcard_pattern

_FIRST_LETTER = 0x100000  # Supplementary Private Use Area-B: one letter per variable


def _template(value: str, family: Family, like: bool, letters: dict[str, str]) -> Optional[Pattern]:
    out, position = [], 0
    for v in find_variables(value):
        if v.is_special or not v.is_well_formed or v.default is not None:
            return None
        out.append(value[position:v.start])
        out.append(letters.setdefault(v.key.lower(), chr(_FIRST_LETTER + len(letters))))
        position = v.end
    out.append(value[position:])
    text = "".join(out)
    if family == Family.ARN:
        first_letter = min((i for i, ch in enumerate(text) if ord(ch) >= _FIRST_LETTER), default=None)
        if ":" not in text or (first_letter is not None and text[:first_letter].count(":") < 5):
            return None
        return wildcard_pattern(text, arn=True)
    return wildcard_pattern(text) if like else literal_pattern(text)


def _shape_ok(condition: Condition) -> bool:
    operator = condition.operator
    return (operator.family in (Family.STRING, Family.ARN) and not operator.negated and not operator.ignore_case
            and not operator.for_all_values)


def implies(a: Condition, b: Condition) -> bool:
    """Whether condition ``a`` implies ``b`` for every request (False: not proved)."""
    if a.key_lower != b.key_lower or not (_shape_ok(a) and _shape_ok(b)):
        return False
    if a.operator.if_exists and not b.operator.if_exists:
        return False  # key absent: a holds, b does not
    if any(ord(ch) >= _FIRST_LETTER for value in a.values + b.values for ch in value):
        return False
    letters: dict[str, str] = {}
    tests_a = [_template(v, a.operator.family, a.operator.like, letters) for v in a.values]
    tests_b = [_template(v, b.operator.family, b.operator.like, letters) for v in b.values]
    if any(t is None for t in tests_a + tests_b) or not tests_b:
        return False
    variables_a = {v.key.lower() for value in a.values for v in find_variables(value)}
    variables_b = {v.key.lower() for value in b.values for v in find_variables(value)}
    if not variables_b <= variables_a:
        return False  # b could be unresolvable (false) while a resolves
    alphabet = frozenset(letters.values())
    return all(any(_contained(ta, tb, alphabet) for tb in tests_b) for ta in tests_a)  # type: ignore[arg-type]


def _contained(a: Pattern, b: Pattern, letters: frozenset[str]) -> bool:
    try:
        return find_string([a, b], lambda accepted: accepted[0] and not accepted[1], letters=letters) is None
    except SearchLimit:
        return False  # not proved
