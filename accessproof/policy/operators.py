"""Condition operators of the IAM policy language: names, families and modifiers.

``parse_operator("ForAnyValue:StringNotLikeIfExists")`` splits an operator as written in a
``Condition`` block into its parts and says what kind of comparison it makes::

    Operator(name="ForAnyValue:StringNotLikeIfExists", qualifier="ForAnyValue",
             base="StringNotLike", family=Family.STRING, comparison=Comparison.LIKE,
             negated=True, if_exists=True, like=True, ignore_case=False)

Source: IAM User Guide, "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
and "Multivalued context keys" for the ``ForAllValues:`` / ``ForAnyValue:`` set qualifiers.

Names are matched case-sensitively: the User Guide spells every operator one way and documents
case-insensitivity only for condition key *names*, so ``stringequals`` is not an operator here.

The module is pure (no I/O, no catalog) so that both the validator and the evaluator can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Optional


class Family(str, Enum):
    """The data type an operator compares (the User Guide's operator categories)."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class Comparison(str, Enum):
    """What an operator tests, before negation."""

    EQUALS = "Equals"  # exact match (StringEquals, NumericEquals, Bool, BinaryEquals, ...)
    LIKE = "Like"  # wildcard match with * and ? (StringLike, ArnLike, ArnEquals)
    LESS_THAN = "LessThan"
    LESS_THAN_EQUALS = "LessThanEquals"
    GREATER_THAN = "GreaterThan"
    GREATER_THAN_EQUALS = "GreaterThanEquals"
    IN_RANGE = "InRange"  # IpAddress / NotIpAddress: the address is inside a CIDR range
    IS_NULL = "IsNull"  # Null: value true means "the key is absent"


QUALIFIERS = ("ForAllValues", "ForAnyValue")
IF_EXISTS = "IfExists"


@dataclass(frozen=True, slots=True)
class BaseOperator:
    """One operator without qualifier or ``IfExists``."""

    name: str
    family: Family
    comparison: Comparison
    negated: bool = False
    ignore_case: bool = False

    @property
    def like(self) -> bool:
        """Values are patterns with ``*`` and ``?`` wildcards.

        True for ``StringLike``/``StringNotLike`` and for every ARN operator: the User Guide says
        ``ArnEquals`` and ``ArnLike`` behave identically and both accept wildcards in each of
        the six ARN components.
        """
        return self.comparison == Comparison.LIKE


def _b(name: str, family: Family, comparison: Comparison, negated: bool = False,
       ignore_case: bool = False) -> BaseOperator:
    return BaseOperator(name, family, comparison, negated, ignore_case)


_S, _N, _D = Family.STRING, Family.NUMERIC, Family.DATE
_C = Comparison

#: Every base operator, by its exact (case-sensitive) name.
BASE_OPERATORS: dict[str, BaseOperator] = {
    op.name: op
    for op in (
        _b("StringEquals", _S, _C.EQUALS),
        _b("StringNotEquals", _S, _C.EQUALS, negated=True),
        _b("StringEqualsIgnoreCase", _S, _C.EQUALS, ignore_case=True),
        _b("StringNotEqualsIgnoreCase", _S, _C.EQUALS, negated=True, ignore_case=True),
        _b("StringLike", _S, _C.LIKE),
        _b("StringNotLike", _S, _C.LIKE, negated=True),
        _b("NumericEquals", _N, _C.EQUALS),
        _b("NumericNotEquals", _N, _C.EQUALS, negated=True),
        _b("NumericLessThan", _N, _C.LESS_THAN),
        _b("NumericLessThanEquals", _N, _C.LESS_THAN_EQUALS),
        _b("NumericGreaterThan", _N, _C.GREATER_THAN),
        _b("NumericGreaterThanEquals", _N, _C.GREATER_THAN_EQUALS),
        _b("DateEquals", _D, _C.EQUALS),
        _b("DateNotEquals", _D, _C.EQUALS, negated=True),
        _b("DateLessThan", _D, _C.LESS_THAN),
        _b("DateLessThanEquals", _D, _C.LESS_THAN_EQUALS),
        _b("DateGreaterThan", _D, _C.GREATER_THAN),
        _b("DateGreaterThanEquals", _D, _C.GREATER_THAN_EQUALS),
        _b("Bool", Family.BOOL, _C.EQUALS),
        _b("BinaryEquals", Family.BINARY, _C.EQUALS),
        _b("IpAddress", Family.IP, _C.IN_RANGE),
        _b("NotIpAddress", Family.IP, _C.IN_RANGE, negated=True),
        _b("ArnEquals", Family.ARN, _C.LIKE),
        _b("ArnLike", Family.ARN, _C.LIKE),
        _b("ArnNotEquals", Family.ARN, _C.LIKE, negated=True),
        _b("ArnNotLike", Family.ARN, _C.LIKE, negated=True),
        _b("Null", Family.NULL, _C.IS_NULL),
    )
}


@dataclass(frozen=True, slots=True)
class Operator:
    """A condition operator as written: optional set qualifier, base operator, optional IfExists.

    ``Null`` combined with ``IfExists`` or with a qualifier parses (so that validators can name
    the exact problem: NULL_WITH_IF_EXISTS, NULL_WITH_QUALIFIER); ``is_valid_combination`` says
    whether IAM accepts the combination.
    """

    name: str  # as written, e.g. "ForAllValues:StringLikeIfExists"
    qualifier: Optional[str]  # "ForAllValues" | "ForAnyValue" | None
    base: str  # e.g. "StringLike"
    family: Family
    comparison: Comparison
    negated: bool  # StringNot*, NumericNotEquals, DateNotEquals, NotIpAddress, ArnNot*
    if_exists: bool
    like: bool  # values are wildcard patterns (StringLike/NotLike and all Arn operators)
    ignore_case: bool

    @property
    def for_all_values(self) -> bool:
        return self.qualifier == "ForAllValues"

    @property
    def for_any_value(self) -> bool:
        return self.qualifier == "ForAnyValue"

    @property
    def is_valid_combination(self) -> bool:
        """``IfExists`` is documented for every operator except ``Null``."""
        return not (self.family == Family.NULL and self.if_exists)

    @property
    def unqualified_name(self) -> str:
        """The name without the set qualifier (``StringLikeIfExists``)."""
        return self.base + (IF_EXISTS if self.if_exists else "")


@lru_cache(maxsize=1024)
def parse_operator(name: str) -> Optional[Operator]:
    """Parse an operator name; None when it is not an IAM condition operator.

    Accepts ``[ForAllValues:|ForAnyValue:]<base>[IfExists]`` where ``<base>`` is one of
    ``BASE_OPERATORS``; matching is case-sensitive.
    """
    if not isinstance(name, str):
        return None
    qualifier: Optional[str] = None
    rest = name
    if ":" in name:
        head, _, rest = name.partition(":")
        if head not in QUALIFIERS:
            return None
        qualifier = head
    base = BASE_OPERATORS.get(rest)
    if_exists = False
    if base is None and rest.endswith(IF_EXISTS):
        base = BASE_OPERATORS.get(rest[: -len(IF_EXISTS)])
        if_exists = True
    if base is None:
        return None
    return Operator(
        name=name,
        qualifier=qualifier,
        base=base.name,
        family=base.family,
        comparison=base.comparison,
        negated=base.negated,
        if_exists=if_exists,
        like=base.like,
        ignore_case=base.ignore_case,
    )


def is_operator(name: str) -> bool:
    """Is ``name`` a well-formed condition operator (including ``NullIfExists``)?"""
    return parse_operator(name) is not None


__all__ = [
    "BASE_OPERATORS", "BaseOperator", "Comparison", "Family", "IF_EXISTS", "Operator", "QUALIFIERS",
    "is_operator", "parse_operator",
]
