"""The term layer between the policy model and the SMT solver.

A formula is a tree of ``Const``/``And``/``Or``/``Not`` over *atoms*: Boolean facts about the
symbolic request. Atoms are plain frozen dataclasses, so an encoding can be printed, compared
and unit-tested without a solver. The solver (``accessproof.reason.solver``) gives each
distinct atom one Boolean variable and adds the facts that relate atoms (a literal action is
matched by exactly the patterns that accept it, a value present in a set means the key is
present, ...); everything it cannot relate up front it refines on demand, with a complete
string search (``strings.find_string``), so that an unsatisfiable formula is a proof.

Atoms:
- ``Matches(dimension, pattern)``: the request's action or resource is in the pattern's language;
- ``PrincipalNamed(kind, value)``: a resource policy's principal value names the caller
  (any level: the caller itself, its role, or its account);
- ``KeyPresent(key)``: the context key is present with at least one value;
- ``SomeValue(key, patterns, none)``: some value of the key matches one of ``patterns``
  (``none``: matches none of them);
- ``SomeScalar(key, tests, mode)``: some value of the key has, against the numeric, date, IP,
  boolean or binary ``tests`` (``scalars.ScalarTest``), a true outcome (``ANY_TRUE``), only false
  outcomes (``ALL_FALSE``), or the negations (``NOT_ALL_FALSE``, ``NOT_ANY_TRUE``): a value that
  does not parse gives no outcome, so a value can be neither;
- ``Opaque(description, ...)``: a fact the engine does not model exactly (a string condition
  with a policy variable, a key tested by operators of several families): a free Boolean. Leaving a fact free keeps
  "unsatisfiable" a proof; a satisfying valuation is then only a candidate, confirmed or not by
  the witness's replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Union

from .scalars import ScalarTest
from .strings import Pattern

ACTION = "action"
RESOURCE = "resource"


@dataclass(frozen=True, slots=True)
class Matches:
    dimension: str  # ACTION | RESOURCE
    pattern: Pattern


@dataclass(frozen=True, slots=True)
class PrincipalNamed:
    kind: str  # AWS | Service | Federated | CanonicalUser
    value: str


@dataclass(frozen=True, slots=True)
class KeyPresent:
    key: str  # lower-cased


@dataclass(frozen=True, slots=True)
class SomeValue:
    key: str
    patterns: tuple[Pattern, ...]
    none: bool  # True: some value matches none of the patterns

    def holds_for(self, accepted: tuple[bool, ...]) -> bool:
        """Does one value, accepted by exactly ``accepted`` of ``patterns``, witness this atom?"""
        return not any(accepted) if self.none else any(accepted)


ANY_TRUE, ALL_FALSE, NOT_ALL_FALSE, NOT_ANY_TRUE = "any-true", "all-false", "not-all-false", "not-any-true"


@dataclass(frozen=True, slots=True)
class SomeScalar:
    key: str
    tests: tuple[ScalarTest, ...]
    mode: str  # ANY_TRUE | ALL_FALSE | NOT_ALL_FALSE | NOT_ANY_TRUE

    def holds_for(self, outcomes: tuple[Optional[bool], ...]) -> bool:
        """Does one value, with these outcomes of ``tests``, witness this atom?"""
        any_true = any(o is True for o in outcomes)
        all_false = all(o is False for o in outcomes)
        return {ANY_TRUE: any_true, ALL_FALSE: all_false, NOT_ALL_FALSE: not all_false,
                NOT_ANY_TRUE: not any_true}[self.mode]


@dataclass(frozen=True, slots=True)
class Opaque:
    """A free Boolean standing for a fact outside the exact encoding.

    ``key`` is the context key it depends on ("" for a resource element with variables);
    ``identity`` distinguishes facts (equal identities are the same fact, so an unchanged
    statement of two policy versions means the same thing in both).
    """

    key: str
    identity: tuple


Atom = Union[Matches, PrincipalNamed, KeyPresent, SomeValue, SomeScalar, Opaque]


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class And:
    args: tuple["Term", ...]


@dataclass(frozen=True, slots=True)
class Or:
    args: tuple["Term", ...]


@dataclass(frozen=True, slots=True)
class Not:
    arg: "Term"


Term = Union[Const, And, Or, Not, Matches, PrincipalNamed, KeyPresent, SomeValue, SomeScalar, Opaque]

TRUE = Const(True)
FALSE = Const(False)


def conj(terms: Iterable[Term]) -> Term:
    args: list[Term] = []
    for t in terms:
        if t == FALSE:
            return FALSE
        if t != TRUE:
            args.append(t)
    if not args:
        return TRUE
    return args[0] if len(args) == 1 else And(tuple(args))


def disj(terms: Iterable[Term]) -> Term:
    args: list[Term] = []
    for t in terms:
        if t == TRUE:
            return TRUE
        if t != FALSE:
            args.append(t)
    if not args:
        return FALSE
    return args[0] if len(args) == 1 else Or(tuple(args))


def neg(term: Term) -> Term:
    if isinstance(term, Const):
        return Const(not term.value)
    if isinstance(term, Not):
        return term.arg
    return Not(term)


def ite(condition: Term, then: Term, otherwise: Term) -> Term:
    return disj([conj([condition, then]), conj([neg(condition), otherwise])])


def atoms(term: Term) -> set:
    """Every atom of ``term``."""
    out: set = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if isinstance(t, (And, Or)):
            stack.extend(t.args)
        elif isinstance(t, Not):
            stack.append(t.arg)
        elif not isinstance(t, Const):
            out.add(t)
    return out


def evaluate_term(term: Term, valuation) -> bool:
    """The truth of ``term`` when each atom has the value ``valuation(atom)``."""
    if isinstance(term, Const):
        return term.value
    if isinstance(term, And):
        return all(evaluate_term(a, valuation) for a in term.args)
    if isinstance(term, Or):
        return any(evaluate_term(a, valuation) for a in term.args)
    if isinstance(term, Not):
        return not evaluate_term(term.arg, valuation)
    return bool(valuation(term))
