"""Numbers, dates, IP addresses, booleans and binary values: exact tests over a finite partition.

A condition of the Numeric, Date, IpAddress, Bool or Binary family tests each request value
against each policy value and gets ``True``, ``False`` or "cannot compare" (``None``: the request
value does not parse). ``ScalarTest`` is that per-value test, built with the evaluator's own
``value_test``, so both engines apply the same function.

Every such test only compares the request value with a constant (a bound, a moment, a network,
a literal), so the constants cut the value space into finitely many regions on which every test
of a key gives the same outcome. ``representatives`` returns one value of every region, plus one
value that parses as nothing; for a key whose conditions are all of one family this list is
*complete*: if any value gives a vector of outcomes, one of the representatives gives it. The
solver searches only these, so "no representative fits" is a proof that no value fits.
"""

from __future__ import annotations

import base64
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Iterable, Optional

from ..evaluate.conditions import (
    ValueTest, parse_address, parse_binary, parse_date, parse_network, parse_number, value_test,
)
from ..policy.operators import Family, parse_operator

SCALAR_FAMILIES = (Family.NUMERIC, Family.DATE, Family.IP, Family.BOOL, Family.BINARY)
UNPARSEABLE = "accessproof-witness"  # parses as no number, date, address or base64 value
_OPERATOR_FOR = {  # an operator whose un-negated test is the given comparison
    (Family.NUMERIC, "Equals"): "NumericEquals", (Family.NUMERIC, "LessThan"): "NumericLessThan",
    (Family.NUMERIC, "LessThanEquals"): "NumericLessThanEquals",
    (Family.NUMERIC, "GreaterThan"): "NumericGreaterThan",
    (Family.NUMERIC, "GreaterThanEquals"): "NumericGreaterThanEquals",
    (Family.DATE, "Equals"): "DateEquals", (Family.DATE, "LessThan"): "DateLessThan",
    (Family.DATE, "LessThanEquals"): "DateLessThanEquals", (Family.DATE, "GreaterThan"): "DateGreaterThan",
    (Family.DATE, "GreaterThanEquals"): "DateGreaterThanEquals",
    (Family.IP, "InRange"): "IpAddress", (Family.BOOL, "Equals"): "Bool", (Family.BINARY, "Equals"): "BinaryEquals",
}


@dataclass(frozen=True, slots=True)
class ScalarTest:
    """One request value against one policy value, before negation (``family``/``comparison``
    are the operator's, ``value`` the policy value as written)."""

    family: Family
    comparison: str
    value: str

    def outcome(self, request_value: str) -> Optional[bool]:
        return _test(self)(request_value)

    def __repr__(self) -> str:
        return f"{self.family.value}{self.comparison}({self.value!r})"


@lru_cache(maxsize=16384)
def _test(test: ScalarTest) -> ValueTest:
    operator = parse_operator(_OPERATOR_FOR[(test.family, test.comparison)])
    assert operator is not None
    return value_test(operator, test.value)


# ------------------------------------------------------------------------ representatives


def representatives(tests: Iterable[ScalarTest], typed: Optional[Family] = None) -> tuple[str, ...]:
    """One request value of every region the tests' constants cut out (see module doc).

    ``typed``: the key's values are always well-formed values of this family (the service
    reference types the key, and AWS sets or validates its values: aws:SourceIp is an address,
    aws:SecureTransport is "true" or "false"), so values that do not parse are left out."""
    tests = tuple(dict.fromkeys(tests))
    out: list[str] = [] if typed is not None else [UNPARSEABLE]
    families = {t.family for t in tests}
    for family in sorted(families, key=lambda f: f.value):
        values = [t.value for t in tests if t.family == family]
        out += _BY_FAMILY[family](values)
    if typed == Family.BOOL:
        out = ["true", "false"]
    elif typed is not None:
        out = [v for v in out if _PARSERS[typed](v) is not None] or list(_BY_FAMILY[typed]([]))
    return tuple(dict.fromkeys(out))


_PARSERS = {Family.NUMERIC: parse_number, Family.DATE: parse_date, Family.IP: parse_address, Family.BINARY: parse_binary}
# The service reference's names of the scalar types.
CATALOG_TYPES = {"Numeric": Family.NUMERIC, "Date": Family.DATE, "IPAddress": Family.IP, "Bool": Family.BOOL,
                 "Binary": Family.BINARY}


def _numbers(values: list[str]) -> list[str]:
    bounds = sorted({n for v in values if (n := parse_number(v)) is not None})
    if not bounds:
        return ["0"]
    points = [bounds[0] - 1, bounds[-1] + 1, *bounds]
    points += [(a + b) / 2 for a, b in zip(bounds, bounds[1:])]  # decimals are dense
    return [str(p) for p in points]


def readable_moments(value: str) -> list[str]:
    """ISO 8601 texts of a date value and of the whole seconds around it, the form AWS gives
    aws:CurrentTime and most date keys (the caller keeps one that decides every test alike)."""
    moment = parse_date(value)
    if moment is None or not math.isfinite(moment):
        return []
    out = []
    for seconds in (moment, math.floor(moment), math.ceil(moment)):
        try:
            when = datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            continue
        out.append(when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{when.microsecond:06d}" if when.microsecond else "") + "Z")
    return list(dict.fromkeys(out))


def _moment_text(moment: float) -> str:
    # Fixed-point digits of the float's exact value: parse_date reads them back to the same float.
    return format(Decimal(moment), "f")


def _dates(values: list[str]) -> list[str]:
    moments = sorted({m for v in values if (m := parse_date(v)) is not None})
    if not moments:
        return ["0"]
    points: list[float] = []
    for m in moments:  # the float just after each moment lies in the open interval that follows it
        points += [m, math.nextafter(m, -math.inf), math.nextafter(m, math.inf)]
    return [_moment_text(p) for p in points if math.isfinite(p)]


def _addresses(values: list[str]) -> list[str]:
    out = ["0.0.0.0", "::"]
    for v in values:
        network = parse_network(v)
        if network is None:
            continue
        out.append(str(network.network_address))
        top = int(network.broadcast_address) + 1
        limit = 2 ** (32 if network.version == 4 else 128)
        if top < limit:
            out.append(str(ipaddress.ip_address(top) if network.version == 4 else ipaddress.IPv6Address(top)))
    return out


def _booleans(values: list[str]) -> list[str]:
    expected = {v.strip().lower() for v in values}
    other = next(f"{UNPARSEABLE}{i or ''}" for i in range(len(expected) + 1) if f"{UNPARSEABLE}{i or ''}" not in expected)
    return ["true", "false", *sorted(expected), other]


def _binaries(values: list[str]) -> list[str]:
    known = {data for v in values if (data := parse_binary(v)) is not None}
    fresh = next(bytes([i]) for i in range(256) if bytes([i]) not in known)
    return [base64.b64encode(data).decode() for data in sorted(known)] + [base64.b64encode(fresh).decode()]


_BY_FAMILY = {Family.NUMERIC: _numbers, Family.DATE: _dates, Family.IP: _addresses, Family.BOOL: _booleans,
              Family.BINARY: _binaries}
