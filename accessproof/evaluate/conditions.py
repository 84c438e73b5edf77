"""The ``Condition`` element: every operator, set qualifiers, ``IfExists``, missing keys.

Rules (IAM User Guide, "IAM JSON policy elements: Condition operators", "Condition element",
"Multivalued context keys"):

- several values for one key are ORed; several keys, and several operators, are ANDed;
- a key missing from the request makes a condition false, except that a negated operator
  (``StringNotEquals``, ``StringNotLike``, ``NumericNotEquals``, ``DateNotEquals``,
  ``NotIpAddress``, ``ArnNotEquals``, ``ArnNotLike``) is then true;
- ``...IfExists``: a missing key makes the condition true;
- ``ForAllValues:`` is true when every value of the request's set matches (so also when the
  key is missing or its set is empty); ``ForAnyValue:`` is true when at least one value
  matches (so false when the key is missing or empty); with a negated operator, "matches"
  is the negated test applied to each request value;
- ``Null``: ``true`` means the key is absent, ``false`` that it is present.

Choices where the documentation is silent (written down as the design asks):

- an empty multivalued set counts as a missing key for the plain and ``IfExists`` forms and
  for ``Null`` (the documentation's advice to guard ``ForAllValues`` with ``Null: false``
  "to check whether the context key exists and its value is not null" treats both alike);
- a plain (unqualified) operator applied to a multivalued key is true when any request value
  matches any policy value, and its negated form is the negation of that;
- a value that cannot be read as the operator's type (``NumericEquals`` on ``"abc"``, a bad
  CIDR, a bad date, an ARN operator's value without ARN components such as ``"*"``) cannot be
  compared: the comparison is false, and so is its negation (IAM refuses such policy values
  when a policy is saved, so this only decides what an unsaveable policy means; failing closed
  for both forms keeps an unreadable value from granting anything);
- policy variables are substituted in the values of String and ARN operators only (the User
  Guide documents variables "in the Resource element and in string comparisons in the
  Condition element"); a variable that cannot be resolved (no value, no default) makes the
  condition false whatever the operator ("If AWS cannot resolve a variable this might cause the
  entire statement to be invalid", IAM User Guide, "IAM policy elements: Variables and tags").
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Callable, Mapping, Optional

from ..policy.operators import Comparison, Family, Operator, parse_operator
from ..policy.wildcards import compile_pieces, compile_wildcard, fold
from .errors import MalformedPolicy
from .patterns import has_variables, literal_text, resolve
from .request import ContextValue

# Does one request value satisfy one policy value? None: the two cannot be compared.
ValueTest = Callable[[str], Optional[bool]]


def _incomparable(_: str) -> Optional[bool]:
    return None

_ORDER: dict[Comparison, Callable[[object, object], bool]] = {
    Comparison.EQUALS: lambda a, b: a == b,
    Comparison.LESS_THAN: lambda a, b: a < b,  # type: ignore[operator]
    Comparison.LESS_THAN_EQUALS: lambda a, b: a <= b,  # type: ignore[operator]
    Comparison.GREATER_THAN: lambda a, b: a > b,  # type: ignore[operator]
    Comparison.GREATER_THAN_EQUALS: lambda a, b: a >= b,  # type: ignore[operator]
}


def parse_number(text: str) -> Optional[Decimal]:
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_date(text: str) -> Optional[float]:
    """ISO 8601 (date, date-time, with or without zone; UTC when none) or epoch seconds."""
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").replace(".", "", 1).isdigit():
        try:
            return float(text)
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def parse_network(text: str):
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def parse_address(text: str):
    text = text.strip()
    try:
        if "/" in text:  # a request value written as a CIDR is its network address
            return ipaddress.ip_network(text, strict=False).network_address
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_binary(text: str) -> Optional[bytes]:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def value_test(operator: Operator, policy_value: str, pieces=None) -> ValueTest:
    """The test of one request value against one policy value (before negation).

    ``pieces`` is the resolved policy value when it contained variables.
    """
    family = operator.family
    if family == Family.STRING:
        if operator.like:
            return (compile_pieces(pieces, False) if pieces is not None else compile_wildcard(policy_value)).matches
        expected = literal_text(pieces) if pieces is not None else policy_value
        if operator.ignore_case:
            # Choice (AWS documents only "ignoring case"): character by character, each by its
            # own lower case (``policy.wildcards.fold``), as the symbolic engine compares. Full
            # case folding (str.casefold: "ß" equals "ss") has no per-character form, and the
            # symbolic engine, unable to follow it, proved checks that this evaluator broke.
            folded = fold(expected)
            return lambda v: fold(v) == folded
        return lambda v: v == expected
    if family == Family.ARN:
        # "Each of the six colon-delimited components of the ARN is checked separately": a value
        # without components (such as "*") is no ARN pattern and matches nothing, unlike the
        # Resource element, where "*" alone is documented to mean every resource.
        if ":" not in (literal_text(pieces) if pieces is not None else policy_value):
            return _incomparable
        return (compile_pieces(pieces, True) if pieces is not None else compile_wildcard(policy_value, True)).matches
    if family == Family.NUMERIC:
        bound = parse_number(policy_value)
        if bound is None:
            return _incomparable
        compare = _ORDER[operator.comparison]

        def numeric(v: str) -> Optional[bool]:
            n = parse_number(v)
            return None if n is None else compare(n, bound)
        return numeric
    if family == Family.DATE:
        moment = parse_date(policy_value)
        if moment is None:
            return _incomparable
        compare = _ORDER[operator.comparison]

        def date(v: str) -> Optional[bool]:
            d = parse_date(v)
            return None if d is None else compare(d, moment)
        return date
    if family == Family.BOOL:
        expected = policy_value.strip().lower()
        return lambda v: v.strip().lower() == expected
    if family == Family.BINARY:
        data = parse_binary(policy_value)
        if data is None:
            return _incomparable

        def binary(v: str) -> Optional[bool]:
            given = parse_binary(v)
            return None if given is None else given == data
        return binary
    if family == Family.IP:
        network = parse_network(policy_value)
        if network is None:
            return _incomparable

        def in_range(v: str) -> Optional[bool]:
            address = parse_address(v)
            if address is None:
                return None
            return address.version == network.version and address in network
        return in_range
    raise AssertionError(family)


@dataclass(frozen=True, slots=True)
class Condition:
    """One key under one operator: ``"StringLike": {"s3:prefix": ["home/", "home/${aws:username}/*"]}``."""

    operator: Operator
    key: str  # as written
    values: tuple[str, ...]  # policy values as text (numbers and booleans as written)
    static_tests: tuple[ValueTest, ...]  # tests of the values without variables
    variable_values: tuple[str, ...]  # values with policy variables, resolved per request

    @property
    def key_lower(self) -> str:
        return self.key.lower()


def compile_condition(operator_name: str, key: str, values: list[str], variables: bool = True) -> Condition:
    """``variables``: False for a policy of Version 2008-10-17, where ``${...}`` is plain text."""
    operator = parse_operator(operator_name)
    if operator is None:
        raise MalformedPolicy(f"unknown condition operator: {operator_name}")
    if not operator.is_valid_combination:
        raise MalformedPolicy(f"{operator_name} is not a valid condition operator")
    substitutes = variables and operator.family in (Family.STRING, Family.ARN)
    static: list[ValueTest] = []
    variable: list[str] = []
    if operator.family != Family.NULL:
        for value in values:
            if substitutes and has_variables(value):
                variable.append(value)
            else:
                static.append(value_test(operator, value))
    else:
        for value in values:
            if value.lower() not in ("true", "false"):
                raise MalformedPolicy(f"Null condition on {key} takes true or false, not {value!r}")
    return Condition(operator, key, tuple(values), tuple(static), tuple(variable))


def _tests(condition: Condition, context: Mapping[str, ContextValue]) -> Optional[list[ValueTest]]:
    """The value tests; None when a policy variable cannot be resolved."""
    if not condition.variable_values:
        return list(condition.static_tests)
    tests = list(condition.static_tests)
    for value in condition.variable_values:
        pieces = resolve(value, context)
        if pieces is None:
            return None
        tests.append(value_test(condition.operator, value, pieces))
    return tests


def evaluate_condition(condition: Condition, context: Mapping[str, ContextValue]) -> bool:
    operator = condition.operator
    found = context.get(condition.key_lower)
    present = found is not None and not found.is_empty
    if operator.family == Family.NULL:
        wanted = "false" if present else "true"
        return any(v.lower() == wanted for v in condition.values)
    if not present:
        if operator.if_exists or operator.for_all_values:
            return True
        if operator.for_any_value:
            return False
        return operator.negated
    tests = _tests(condition, context)
    if tests is None:
        # An unresolvable variable makes the statement invalid (see ``matching``): the condition
        # fails whatever the operator.
        return False
    negated = operator.negated
    assert found is not None
    if operator.qualifier is None:
        if negated:
            return all(test(v) is False for v in found.values for test in tests)
        return any(test(v) is True for v in found.values for test in tests)
    # With a set qualifier the (possibly negated) test is applied to each request value.
    if negated:
        outcomes = (all(test(v) is False for test in tests) for v in found.values)
    else:
        outcomes = (any(test(v) is True for test in tests) for v in found.values)
    return all(outcomes) if operator.for_all_values else any(outcomes)


def evaluate_conditions(conditions: tuple[Condition, ...], context: Mapping[str, ContextValue]) -> bool:
    return all(evaluate_condition(c, context) for c in conditions)
