"""The z3 backend: a finite Boolean abstraction of the request, refined on demand.

Each distinct atom of the query's terms (``terms``) is one z3 Boolean. The request's strings
are not variables of the solver: a string dimension (the action, the resource, the values of
one context key) is represented by which of the patterns that occur in the policies it matches.
Up front the solver learns the facts that always hold between those Booleans (a literal is
matched by exactly the patterns that accept it; two patterns that share no string are never
both matched; a value of a key means the key is present; the principal is exactly one of a
finite list of candidates that covers every way a principal can be named). A satisfying
valuation is then *concretized*: for each dimension, ``strings.find_string`` searches for a
string (or set of values) with exactly that valuation. The search is complete, so when it finds
none the valuation is impossible and is blocked with a clause that is true of every real
request; the loop ends with a concrete request, or with "unsatisfiable" — a proof, because
every clause added is a valid fact about real requests.

With ``real_requests`` the action and the resource range over the requests AWS can receive
(``requests``): the action is one of the classes of catalog actions the query's patterns tell
apart (an integer names it), another catalog action, or an action of a service the catalog does
not know; the resource is one the action acts on (any string for an action with no resource
type). The facts tie the class to the pattern atoms, to ``*`` and to the literal ARNs its types
accept; concretization realizes any other resource inside one of the class's ARN languages with
the same complete search, blocking what it cannot realize. Witnesses are sought in three phases
(assumptions, so every clause learned stays true of every real request): a catalog action, on
``*`` when it has no resource type; then such an action on any string; then an unknown service's
action.

Opaque atoms (facts outside the exact encoding) are free Booleans. Their valuation is realized
by a bounded search over candidate values and confirmed by the caller's replay; a valuation that
could not be realized is blocked *unsurely*, and once that has happened an unsatisfiable answer
is reported as ``Outcome.unsure`` (never as a proof).
"""

from __future__ import annotations

import ctypes
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Callable, Iterable, Optional, Sequence

import z3

from ..catalog import default_catalog
from ..policy.wildcards import pattern_covers, patterns_intersect
from ..evaluate.conditions import (
    Condition, compile_condition, evaluate_condition, parse_date, parse_network, parse_number,
)
from ..evaluate.matching import PrincipalMatch, match_principal_value
from ..evaluate.patterns import resolve
from ..policy.variables import find_variables
from ..evaluate.request import ContextValue, InvalidRequest, Principal, parse_principal
from .strings import (
    LITERAL, ONE, Pattern, SearchLimit, accepts_everything_from, exact_valuation, find_string, literal_pattern,
    sample_members, wildcard_pattern,
)
from ..policy.operators import Family
from .scalars import CATALOG_TYPES, readable_moments, representatives
from .requests import (
    STAR_PATTERN, STAR_RESOURCE, ActionClass, ResourceLanguage, action_classes, catalog_action,
    may_name_unknown_service, realize_resource, realize_unknown_service_action, untouched_request,
)
from .variables import implies
from .terms import (
    ACTION, ALL_FALSE, ANY_TRUE, NOT_ALL_FALSE, NOT_ANY_TRUE, RESOURCE, And, Atom, Const, KeyPresent, Matches, Not,
    Opaque, Or, PrincipalNamed, SomeScalar, SomeValue, Term, atoms,
)

ANY_ACTION = wildcard_pattern("*:*")  # the evaluator only accepts "service:action" names
MAX_ROUNDS = 400
OPAQUE_SEARCH_BUDGET = 5_000  # candidate assignments tried for one group of opaque keys
WITNESS_NAME = "accessproof-witness"
# The real-request encoding's integer ``act`` (``Session._real_action_facts``): the index of the
# action's class, or one of these.
UNKNOWN_SERVICE, UNTOUCHED_ACTION = -2, -1
_NOT_YET = object()  # a lazily computed attribute not computed yet


class Undecided(Exception):
    """The refinement loop did not end (never observed on real policies)."""


# ------------------------------------------------------------------------- z3 helpers
# z3.And / z3.Or check and coerce every argument in Python, which dominates the time of a check
# on policies with hundreds of actions; our arguments are already Booleans of one context.


def _fast(make, args: list, empty: bool):
    if not args:
        return z3.BoolVal(empty)
    if len(args) == 1:
        return args[0]
    ctx = args[0].ctx
    array, size = z3.z3._to_ast_array(args)
    return z3.BoolRef(make(ctx.ref(), size, array), ctx)


def exactly_one(args: list):
    """Exactly one of ``args`` holds (a pseudo-Boolean equality, built without z3's Python checks)."""
    ctx = args[0].ctx
    array, size = z3.z3._to_ast_array(args)
    coeffs = (ctypes.c_int * size)(*([1] * size))
    return z3.BoolRef(z3.z3core.Z3_mk_pbeq(ctx.ref(), size, array, coeffs, 1), ctx)


def fast_eq(a, b):
    ctx = a.ctx
    return z3.BoolRef(z3.z3core.Z3_mk_eq(ctx.ref(), a.as_ast(), b.as_ast()), ctx)


def int_value(like, value: int):
    ctx = like.ctx
    return z3.ArithRef(z3.z3core.Z3_mk_int(ctx.ref(), value, like.sort().ast), ctx)


def fast_not(a):
    return z3.BoolRef(z3.z3core.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)


def fast_implies(a, b):
    return z3.BoolRef(z3.z3core.Z3_mk_implies(a.ctx.ref(), a.as_ast(), b.as_ast()), a.ctx)


class IntChoice:
    """``x == i`` and ``lo <= x < hi`` for one integer variable, built once each through the C API."""

    def __init__(self, name: str):
        self.var = z3.Int(name)
        self._ctx = self.var.ctx
        self._sort = self.var.sort().ast
        self._made: dict = {}

    def _value(self, i: int):
        return z3.z3core.Z3_mk_int(self._ctx.ref(), i, self._sort)

    def __call__(self, i: int):
        found = self._made.get(i)
        if found is None:
            found = self._made[i] = z3.BoolRef(
                z3.z3core.Z3_mk_eq(self._ctx.ref(), self.var.as_ast(), self._value(i)), self._ctx)
        return found

    def within(self, lo: int, hi: int):
        if hi - lo == 1:
            return self(lo)
        found = self._made.get((lo, hi))
        if found is None:
            ref, var = self._ctx.ref(), self.var.as_ast()
            low = z3.BoolRef(z3.z3core.Z3_mk_ge(ref, var, self._value(lo)), self._ctx)
            high = z3.BoolRef(z3.z3core.Z3_mk_lt(ref, var, self._value(hi)), self._ctx)
            found = self._made[(lo, hi)] = fast_and([low, high])
        return found


def fast_or(args: list):
    return _fast(z3.z3core.Z3_mk_or, args, False)


def fast_and(args: list):
    return _fast(z3.z3core.Z3_mk_and, args, True)


def model_true(model, expr) -> bool:
    """``is_true(model.eval(expr, model_completion=True))`` through the C API: models are read
    thousands of times per check, and z3's Python wrappers cost most of that time."""
    ctx = model.ctx.ref()
    result = (z3.z3core.Ast * 1)()
    z3.z3core.Z3_model_eval(ctx, model.model, expr.as_ast(), True, result)
    return z3.z3core.Z3_get_bool_value(ctx, result[0]) == z3.Z3_L_TRUE


# ----------------------------------------------------------------------------- patterns


def accepts(p: Pattern, s: str) -> bool:
    return p.accepts(s)


def literal_text(p: Pattern) -> Optional[str]:
    """The one string a case-sensitive literal pattern accepts."""
    if all(kind == LITERAL and not flag for kind, _, flag in p.tokens):
        return "".join(lit for _, lit, _ in p.tokens)
    return None


def plain_wildcard_text(p: Pattern) -> Optional[str]:
    """The text of a pattern the catalog's wildcard algebra understands (no ARN/case flags)."""
    out = []
    for kind, lit, flag in p.tokens:
        if flag or (kind == LITERAL and lit in "*?"):
            return None
        out.append(lit if kind == LITERAL else "?" if kind == ONE else "*")
    return "".join(out)


# --------------------------------------------------------------------------- principals


def _account_of(kind: str, value: str) -> Optional[str]:
    if kind != "AWS":
        return None
    if re.fullmatch(r"\d{12}", value):
        return value
    m = re.match(r"^arn:[a-z-]+:(?:iam|sts)::(\d{12}):", value)
    return m.group(1) if m else None


def principal_candidates(named: Iterable[PrincipalNamed]) -> list[str]:
    """Principals that together match every combination of the named values a real caller can.

    A caller's match against a value depends only on: its account (account values), its ARN
    being the value (user, role, session ARNs), being a session of a named role (role ARN,
    compared by account and role name), or being the named service / provider / canonical
    user. So: the root of every named account, every parseable named principal, a fresh
    session of every named role, and one caller that no value names but ``"*"``.
    """
    named = list(named)
    mentioned = {v.value for v in named}
    accounts = {a for v in named if (a := _account_of(v.kind, v.value))}
    out: list[str] = []
    fresh_account = next(f"{n:012d}" for n in range(999999999999, 0, -1) if f"{n:012d}" not in accounts)
    out.append(f"arn:aws:iam::{fresh_account}:user/{WITNESS_NAME}")
    out.append("anonymous")
    for account in sorted(accounts):
        out.append(f"arn:aws:iam::{account}:root")
    for v in named:
        if v.value == "*":
            continue
        try:
            principal = parse_principal(v.value)
        except InvalidRequest:
            continue
        out.append(principal.arn or v.value)  # a bare account id calls as the account's root
        if principal.role_arn is not None and principal.account and principal.name:
            session = next(s for s in (f"arn:aws:sts::{principal.account}:assumed-role/{principal.name}/{WITNESS_NAME}{i or ''}"
                                       for i in range(len(mentioned) + 1)) if s not in mentioned)
            out.append(session)
    return list(dict.fromkeys(out))


def principal_matches(candidate: str, atom: PrincipalNamed) -> bool:
    principal: Principal = parse_principal(candidate)
    return match_principal_value(atom.kind, atom.value, principal) != PrincipalMatch.NONE


# ------------------------------------------------------------------------ opaque values


def _candidate_values(conditions: Sequence[Condition]) -> list[str]:
    """Values likely to reach every truth combination of numeric/date/IP/boolean tests."""
    pool: list[str] = []
    for c in conditions:
        for v in c.values:
            pool.append(v)
            n = parse_number(v)
            if n is not None:
                pool += [str(n - 1), str(n + 1), str(n - Decimal("0.5")), str(n + Decimal("0.5"))]
            d = parse_date(v)
            if d is not None:
                pool += [str(int(d) - 1), str(int(d) + 1)]
            net = parse_network(v)
            if net is not None:
                pool += [str(net.network_address), str(net.broadcast_address)]
                try:
                    pool.append(str(net.broadcast_address + 1))
                    pool.append(str(net.network_address - 1))
                except ValueError:
                    pass
    pool += ["true", "false", "0", "203.0.113.7", "2001:db8::7", "2020-01-01T00:00:00Z", "dGVzdA==", WITNESS_NAME]
    return list(dict.fromkeys(pool))


# ---------------------------------------------------------------------------- solving


class Valuation:
    """The model's value of each atom, read from z3 on demand (models have many atoms)."""

    def __init__(self, model, variables: dict):
        self.model = model
        self.variables = variables
        self.values: dict = {}

    def __call__(self, atom: Atom) -> bool:
        value = self.values.get(atom)
        if value is None:
            value = model_true(self.model, self.variables[atom])
            self.values[atom] = value
        return value


@dataclass
class Concrete:
    """A request built from a valuation: the witness the caller replays."""

    principal: Optional[str]
    action: str
    resource: str
    context: dict[str, ContextValue]
    exact: bool  # no opaque atom took part: the replay must confirm, or the encoding is wrong


@dataclass
class Outcome:
    witness: Optional[Concrete]
    unsure: bool = False  # unsatisfiable only after blocking valuations that may have been real
    rounds: int = 0


class _NotRealized(Exception):
    def __init__(self, clause: list, sure: bool):
        self.clause = clause
        self.sure = sure


@dataclass
class Session:
    """One z3 solver for the atoms of a fixed set of terms (e.g. two policies' encodings)."""

    terms: Sequence[Term]
    principal: Optional[str]  # the fixed caller (identity policies); None: a dimension
    opaque_conditions: dict = field(default_factory=dict)  # Opaque atom → Condition
    real_requests: bool = False  # requests AWS can receive (``requests``), not any two strings
    solver: z3.Solver = field(init=False)
    variables: dict = field(init=False)

    def __post_init__(self) -> None:
        self.solver = z3.Solver()
        self.variables = {}
        self.unsure_blocks = False
        self.dimensions: dict = {}
        self._z3_cache: dict = {}
        found: set = set()
        for t in self.terms:
            found |= atoms(t)
        found.add(Matches(ACTION, ANY_ACTION))
        if self.real_requests:
            found.add(Matches(RESOURCE, STAR_PATTERN))  # the resource of actions with no resource type
        self.atoms = sorted(found, key=repr)
        for atom in self.atoms:
            self.variables[atom] = z3.Bool(f"a{len(self.variables)}")
        self.solver.add(self.variables[Matches(ACTION, ANY_ACTION)])
        if self.real_requests:
            self._real_action_facts()
        else:
            self._single_string_facts(ACTION)
        self._single_string_facts(RESOURCE)
        if self.real_requests:
            self._real_resource_facts()
        self._key_facts()
        self._principal_facts()
        self._variable_facts()
        self._catalog = default_catalog()

    # ------------------------------------------------------------ background facts
    def _dimension(self, dimension: str) -> list[Matches]:
        return [a for a in self.atoms if isinstance(a, Matches) and a.dimension == dimension]

    def _single_string_facts(self, dimension: str) -> None:
        """Facts of one string dimension, in a form linear in the number of patterns.

        The string is exactly one of the literal texts that occur, or none of them: an integer
        ``which`` names it (-1: none), so a model also names it in one evaluation. A wildcard
        pattern is matched iff the string is one of the literals it accepts, or the string is
        none of the literals and a free Boolean (its value "on the other strings") holds;
        concretization realizes those free Booleans or blocks them.
        """
        v = self.variables
        matches = self._dimension(dimension)
        by_text: dict[str, list[Matches]] = {}
        wild: list[Matches] = []
        for a in matches:
            text = literal_text(a.pattern)
            if text is None:
                wild.append(a)
            else:
                by_text.setdefault(text, []).append(a)
        texts = sorted(by_text)
        facts: list = []
        for text in texts:
            first, *rest = by_text[text]
            facts += [fast_eq(v[other], v[first]) for other in rest]
        none = z3.Bool(f"none_{dimension}")
        chosen = {text: v[by_text[text][0]] for text in texts}
        which = z3.Int(f"which_{dimension}")
        facts += [fast_eq(chosen[text], fast_eq(which, int_value(which, i))) for i, text in enumerate(texts)]
        facts.append(fast_eq(none, fast_eq(which, int_value(which, -1))))
        facts.append(exactly_one([chosen[t] for t in texts] + [none]))  # redundant, but the solver needs it
        other = {}
        for a in wild:
            free = z3.Bool(f"o{len(v)}_{len(other)}_{dimension}")
            other[a] = free
            accepted = [chosen[t] for t in a.pattern.accepted_among(texts)]
            facts.append(fast_eq(v[a], fast_or(accepted + [fast_and([none, free])])))
        plain = [(a, plain_wildcard_text(a.pattern)) for a in wild]
        plain = [(a, t) for a, t in plain if t is not None]
        if len(plain) <= 40:
            for (a, ta), (b, tb) in itertools.combinations(plain, 2):
                if not patterns_intersect(ta, tb):
                    facts.append(z3.Not(z3.And(v[a], v[b])))
                    continue
                if pattern_covers(ta, tb):
                    facts.append(z3.Implies(v[b], v[a]))
                if pattern_covers(tb, ta):
                    facts.append(z3.Implies(v[a], v[b]))
        self.solver.add(fast_and(facts))
        self.dimensions[dimension] = (chosen, none, wild, other, which, texts)

    def _real_action_facts(self) -> None:
        """The action is a class of catalog actions (``act`` ≥ 0), a catalog action no pattern
        accepts (``UNTOUCHED_ACTION``) or an action of an unknown service (``UNKNOWN_SERVICE``).
        A class fixes every pattern atom; on an unknown service's action a pattern whose literal
        head names a catalog service is false, any other takes a free Boolean that concretization
        realizes or blocks."""
        v = self.variables
        atoms = [a for a in self._dimension(ACTION) if a.pattern != ANY_ACTION]
        self.classes, self.touched = action_classes([a.pattern for a in atoms])
        act = self.act = IntChoice("act")
        self.unknown_action = act(UNKNOWN_SERVICE)
        facts = [act.within(UNKNOWN_SERVICE, len(self.classes))]
        accepted_by: list[list] = [[] for _ in atoms]
        for i, cls in enumerate(self.classes):
            for k in cls.patterns:
                accepted_by[k].append(act(i))
        self.unknown_free: dict[Matches, z3.BoolRef] = {}
        for k, a in enumerate(atoms):
            if may_name_unknown_service(a.pattern):
                self.unknown_free[a] = free = z3.Bool(f"u{k}")
                accepted_by[k].append(fast_and([self.unknown_action, free]))
            facts.append(fast_eq(v[a], fast_or(accepted_by[k])))
        self.catalog_only = z3.Bool("catalog_only")  # an assumption: look for catalog actions first
        facts.append(fast_implies(self.catalog_only, fast_not(self.unknown_action)))
        self.solver.add(fast_and(facts))
        # Runs of adjacent classes acting on the same resource types (action_classes orders them so).
        self.runs: list[tuple[int, int]] = []
        for i, cls in enumerate(self.classes):
            if i and cls.resource_types == self.classes[i - 1].resource_types:
                self.runs[-1] = (self.runs[-1][0], i + 1)
            else:
                self.runs.append((i, i + 1))
        self.run_of = {i: run for run in self.runs for i in range(*run)}

    def _real_resource_facts(self) -> None:
        """The resource of a class: for classes acting on no resource type any string (``*`` while
        the assumption ``star_resources`` holds); ``*`` for no other class; a literal text of the
        policies only for classes with a type that accepts it. Any other string is realized at
        concretization inside one of the class's types (or blocked for its run)."""
        chosen, none, _, _, _, texts = self.dimensions[RESOURCE]
        act = self.act
        other_actions = [self.unknown_action, act(UNTOUCHED_ACTION)]
        starless = [act.within(lo, hi) for lo, hi in self.runs if not self.classes[lo].resource_types]
        # A preference, not a fact: witnesses name "*" for such actions whenever "*" has the access.
        self.star_resources = z3.Bool("star_resources")
        facts = [fast_implies(fast_and([self.star_resources, run]), chosen[STAR_RESOURCE]) for run in starless]
        facts.append(fast_implies(chosen[STAR_RESOURCE], fast_or(starless + other_actions)))
        any_string = [fast_or(starless)] if starless else []  # the classes that may take any text
        by_service = [(lo, hi, _types_by_service(self.classes[lo].resource_types)) for lo, hi in self.runs]
        for text in texts:
            if text == STAR_RESOURCE:
                continue
            service = _service_component(text)
            fitting = [act.within(lo, hi) for lo, hi, types in by_service
                       if any(_accepts_text(t, text) for t in types.get(service, ()) + types.get(None, ()))]
            facts.append(fast_implies(chosen[text], fast_or(any_string + fitting + other_actions)))
        self.solver.add(fast_and(facts))
        self._learned: set = set()
        self._literals: dict = {}
        self._typeless: object = _NOT_YET
        self._service_component_facts()

    def _service_component_facts(self) -> None:
        """An ARN has one service component: the literal texts and the ARN patterns that write it
        out name it in the integer ``rservice``, so ones of different services exclude each other
        in linear size."""
        chosen, _, wild, _, _, texts = self.dimensions[RESOURCE]
        named: list[tuple[z3.BoolRef, str]] = [(chosen[t], service) for t in texts
                                                if (service := _service_component(t)) is not None]
        named += [(self.variables[a], service) for a in wild if (service := _pattern_service(a.pattern)) is not None]
        services = {service: i for i, service in enumerate(sorted({service for _, service in named}))}
        if len(services) < 2:
            return
        rservice = IntChoice("rservice")
        self.solver.add(fast_and([fast_implies(holds, rservice(services[service])) for holds, service in named]))

    def _key_facts(self) -> None:
        v = self.variables
        keys = {a.key for a in self.atoms if isinstance(a, (SomeValue, SomeScalar, KeyPresent))}
        for key in keys:
            present = KeyPresent(key)
            if present not in v:
                v[present] = z3.Bool(f"a{len(v)}")
                self.atoms.append(present)
            some = [a for a in self.atoms if isinstance(a, SomeValue) and a.key == key]
            single = self._single_valued(key)  # then exactly one of two opposite facts holds
            for a in some:
                self.solver.add(z3.Implies(v[a], v[present]))
                twin = SomeValue(key, a.patterns, not a.none)
                if twin in v:
                    self.solver.add(z3.Implies(v[present], z3.Or(v[a], v[twin])))
                    if single:
                        self.solver.add(z3.Not(z3.And(v[a], v[twin])))
            for a in (a for a in self.atoms if isinstance(a, SomeScalar) and a.key == key):
                self.solver.add(z3.Implies(v[a], v[present]))
                # A value with a true outcome has not only false ones, and the converse; and
                # every value either has a true outcome or has not (likewise for "only false").
                weaker = {ANY_TRUE: NOT_ALL_FALSE, ALL_FALSE: NOT_ANY_TRUE}.get(a.mode)
                if weaker is not None and (w := SomeScalar(key, a.tests, weaker)) in v:
                    self.solver.add(z3.Implies(v[a], v[w]))
                opposite = {ANY_TRUE: NOT_ANY_TRUE, ALL_FALSE: NOT_ALL_FALSE}.get(a.mode)
                if opposite is not None and (o := SomeScalar(key, a.tests, opposite)) in v:
                    self.solver.add(z3.Implies(v[present], z3.Or(v[a], v[o])))
                    if single:
                        self.solver.add(z3.Not(z3.And(v[a], v[o])))

    def _single_valued(self, key: str) -> bool:
        """Real requests carry one value for a key the service reference types as single-valued
        (not ``ArrayOf...``: IAM User Guide, "Single-valued vs. multivalued context keys")."""
        if not self.real_requests:
            return False
        definition = default_catalog().condition_key(key)
        return definition is not None and not definition.is_multivalued

    def _variable_facts(self) -> None:
        """Implications between opaque conditions that hold for every value of their variables."""
        facts = [a for a in self.atoms if isinstance(a, Opaque) and a.identity[0] == "condition"]
        for a, b in itertools.permutations(facts, 2):
            if a.key == b.key and implies(self.opaque_conditions[a], self.opaque_conditions[b]):
                self.solver.add(z3.Implies(self.variables[a], self.variables[b]))

    def _principal_facts(self) -> None:
        named = [a for a in self.atoms if isinstance(a, PrincipalNamed)]
        if self.principal is not None:
            for a in named:  # identity policies have no principal element; kept for completeness
                self.solver.add(self.variables[a] == principal_matches(self.principal, a))
            self.candidates = [self.principal]
            return
        self.candidates = principal_candidates(named)
        choice = [z3.Bool(f"p{i}") for i in range(len(self.candidates))]
        self.choice = choice
        self.solver.add(exactly_one(choice))
        for a in named:
            self.solver.add(self.variables[a] == z3.Or(
                [c for c, text in zip(choice, self.candidates) if principal_matches(text, a)] or [z3.BoolVal(False)]))

    def restrict_principals(self, allowed: Callable[[str], bool]) -> None:
        """From now on the caller is one of the candidates ``allowed`` accepts (e.g. outsiders)."""
        if self.principal is not None:
            if not allowed(self.principal):
                self.solver.add(z3.BoolVal(False))
            return
        self.solver.add(fast_or([c for c, text in zip(self.choice, self.candidates) if allowed(text)]))

    # ------------------------------------------------------------------ translation
    def z3_term(self, term: Term):
        cached = self._z3_cache.get(id(term))
        if cached is not None:
            return cached[1]
        expr = self._z3_term(term)
        self._z3_cache[id(term)] = (term, expr)  # the term is kept alive, so its id stays unique
        return expr

    def _z3_term(self, term: Term):
        if isinstance(term, Const):
            return z3.BoolVal(term.value)
        if isinstance(term, And):
            return fast_and([self.z3_term(t) for t in term.args])
        if isinstance(term, Or):
            return fast_or([self.z3_term(t) for t in term.args])
        if isinstance(term, Not):
            return z3.Not(self.z3_term(term.arg))
        if term not in self.variables:
            raise KeyError(f"atom not registered with this session: {term}")
        return self.variables[term]

    # ---------------------------------------------------------------------- solving
    def solve(self, term: Term, accept: Callable[[Concrete], bool], max_rounds: int = MAX_ROUNDS,
              candidate: Optional[int] = None, fixed: Optional[dict[str, ContextValue]] = None) -> Outcome:
        """A concrete request satisfying ``term`` that ``accept`` confirms (by replay).

        ``candidate``: the caller is ``self.candidates[candidate]``. ``fixed``: context values
        the caller determines (e.g. aws:PrincipalAccount); ``term`` must already say what they
        make of the atoms on those keys, and the witness carries exactly these values."""
        guard = z3.FreshBool()
        self.solver.add(z3.Implies(guard, self.z3_term(term)))
        assumptions = [guard] + ([self.choice[candidate]] if candidate is not None else [])
        # Real requests: a catalog action first, on "*" when it acts on no resource type; then
        # such an action on another string; an unknown service's action only if none fits.
        phases = ([assumptions + [self.catalog_only, self.star_resources], assumptions + [self.catalog_only], assumptions]
                  if self.real_requests else [assumptions])
        has_opaque = any(isinstance(a, Opaque) for a in self.atoms)
        rounds = 0
        for phase in phases:
            while rounds < max_rounds:
                rounds += 1
                result = self.solver.check(*phase)
                if result == z3.unsat:
                    break
                if result != z3.sat:
                    raise Undecided(f"z3 answered {result}")
                model = self.solver.model()
                valuation = Valuation(model, self.variables)
                try:
                    concrete = self._concretize(valuation, model, exact=not has_opaque, fixed=fixed)
                except _NotRealized as e:
                    if not e.sure:
                        self.unsure_blocks = True
                    self.solver.add(z3.Or(e.clause) if e.clause else z3.BoolVal(False))
                    continue
                if accept(concrete):
                    return Outcome(concrete, False, rounds)
                if concrete.exact:
                    from .errors import WitnessReplayError
                    raise WitnessReplayError(concrete)
                for variant in self._variants(concrete, valuation):
                    if accept(variant):
                        return Outcome(variant, False, rounds)
                # An opaque fact took part and the replay disagrees: block this valuation of the
                # opaque facts. That clause may exclude real requests, so from now on an
                # unsatisfiable answer is only "unsure" (a conservative FAIL), never a PASS.
                self.unsure_blocks = True
                opaque = [a for a in self.atoms if isinstance(a, Opaque)]
                self.solver.add(z3.Or([self.variables[a] != z3.BoolVal(valuation(a)) for a in opaque]))
            else:
                break  # out of rounds
        else:
            return Outcome(None, self.unsure_blocks, rounds)
        raise Undecided(f"no answer after {max_rounds} refinement rounds")

    def _variants(self, concrete: Concrete, valuation: Valuation) -> list[Concrete]:
        """Other candidate witnesses when a resource element with policy variables is wanted:
        unmentioned variables set to a fixed value, and the resource built from the resolved pattern."""
        mentioned = {a.key for a in self.atoms if isinstance(a, (KeyPresent, SomeValue, SomeScalar, Opaque))}
        out = []
        for atom in self.atoms:
            if not (isinstance(atom, Opaque) and atom.identity[0] == "resource-element" and valuation(atom)):
                continue
            for pattern in atom.identity[1]:
                context = dict(concrete.context)
                for v in find_variables(pattern):
                    key = v.key.lower() if v.is_well_formed and not v.is_special else None
                    if key and key not in mentioned and key not in context:
                        context[key] = ContextValue((WITNESS_NAME,))
                pieces = resolve(pattern, context)
                if pieces is None:
                    continue
                if self.real_requests:
                    resource = _typed_member(concrete.action, pieces)
                else:
                    resource = _plain_member(pieces)
                if resource:
                    out.append(Concrete(concrete.principal, concrete.action, resource, context, False))
        return out

    def _flip(self, valuation: Valuation, chosen: Iterable[Atom]) -> list:
        return [self.variables[a] != z3.BoolVal(valuation(a)) for a in chosen]

    # ------------------------------------------------------------------ concretize
    def _concretize(self, valuation: Valuation, model, exact: bool,
                    fixed: Optional[dict[str, ContextValue]] = None) -> Concrete:
        if self.real_requests:
            action, resource = self._real_request(valuation, model)
        else:
            action = self._single_string(ACTION, valuation, model)
            resource = self._single_string(RESOURCE, valuation, model)
        principal = self.principal
        if principal is None:
            index = next(i for i, c in enumerate(self.choice) if model_true(model, c))
            principal = self.candidates[index]
        context: dict[str, ContextValue] = dict(fixed or {})
        opaque_keys = {a.key for a in self.atoms if isinstance(a, Opaque) and a.key} - set(context)
        keys = {a.key for a in self.atoms if isinstance(a, (KeyPresent, SomeValue, SomeScalar))} - opaque_keys - set(context)
        for key in sorted(keys):
            value = self._key_value(key, valuation)
            if value is not None:
                context[key] = value
        if opaque_keys:
            self._opaque_values(sorted(opaque_keys), valuation, context)
        return Concrete(principal, action, resource, context, exact)

    # ----------------------------------------------------------------- real requests
    def _real_request(self, valuation: Valuation, model) -> tuple[str, str]:
        act = model.eval(self.act.var, model_completion=True).as_long()
        if act == UNKNOWN_SERVICE:
            return self._unknown_service_action(model), self._single_string(RESOURCE, valuation, model)
        if act == UNTOUCHED_ACTION:
            return self._untouched_request(valuation, model)
        return self.classes[act].actions[0].name, self._typed_resource(act, valuation, model)

    def _resource_valuation(self, valuation: Valuation) -> tuple[list[Pattern], tuple[bool, ...]]:
        wild = self.dimensions[RESOURCE][2]
        return [a.pattern for a in wild], tuple(valuation(a) for a in wild)

    def _typed_resource(self, act: int, valuation: Valuation, model) -> str:
        """A resource of one of the class's types with the model's valuation of the resource atoms
        (any type makes a real request; the plainest is tried first). When none can have it, the
        run of classes acting on these types is blocked for the union of each type's core."""
        if not self.classes[act].resource_types:
            return self._single_string(RESOURCE, valuation, model)  # any string ("*" under star_resources)
        chosen, none, wild, other, which, texts = self.dimensions[RESOURCE]
        index = model.eval(which, model_completion=True).as_long()
        if index >= 0:
            return texts[index]  # the facts admit only a text one of the types accepts
        patterns, wanted = self._resource_valuation(valuation)
        pair = _impossible_pair(patterns, wanted)
        if pair is not None:  # no string at all has these two values
            raise _NotRealized([self.literal(wild[i], not wanted[i]) for i in pair], True)
        core: set[int] = set()
        texts_in_the_way = False
        # The shortest ARN format first: the plain resource (a bucket's object) before its variants.
        for language in sorted(self.classes[act].resource_types, key=lambda rt: len(rt.arn_format)):
            relevant, contradiction = _relevant(patterns, wanted, language)
            if contradiction is not None:
                self._learn_contradiction(patterns[contradiction], wanted[contradiction], wild[contradiction])
                core.add(contradiction)
                continue
            sub_patterns, sub_wanted = [patterns[i] for i in relevant], [wanted[i] for i in relevant]
            found = realize_resource(language, sub_patterns, sub_wanted, avoid=texts)
            if found is not None:
                return found
            found_core = _type_core(language, sub_patterns, sub_wanted)
            if found_core is None:
                texts_in_the_way = True
            else:
                core.update(relevant[i] for i in found_core)
        run = fast_not(self.act.within(*self.run_of[act]))
        if texts_in_the_way:  # only the literal texts were in the way of some type
            raise _NotRealized([run, z3.Not(none)] + [other[w] != z3.BoolVal(x) for w, x in zip(wild, wanted)], True)
        raise _NotRealized([run] + [self.literal(wild[i], not wanted[i]) for i in sorted(core)], True)

    def _learn_contradiction(self, p: Pattern, want: bool, atom: Matches) -> None:
        """The algebra shows no ARN of some type gives ``p`` the wanted value: every run of classes
        none of whose types can give it is blocked with that value, learned once."""
        if (atom, want) in self._learned:
            return
        self._learned.add((atom, want))
        unwanted = self.literal(atom, not want)
        self.solver.add(fast_and([fast_or([fast_not(self.act.within(lo, hi)), unwanted]) for lo, hi in self.runs
                                  if self.classes[lo].resource_types and
                                  all(_contradicts(p, want, t) for t in self.classes[lo].resource_types)]))

    def literal(self, atom: Atom, value: bool):
        """The atom's variable or its negation."""
        found = self._literals.get((atom, value))
        if found is None:
            found = self._literals[(atom, value)] = self.variables[atom] if value else fast_not(self.variables[atom])
        return found

    def _untouched_request(self, valuation: Valuation, model) -> tuple[str, str]:
        """A catalog action that no pattern accepts, and a resource it acts on with the model's
        valuation: an ARN of one of its types, else (unless ``star_resources`` holds) any string
        for an action with no resource type."""
        chosen, none, wild, other, which, texts = self.dimensions[RESOURCE]
        untouched = self.act(UNTOUCHED_ACTION)
        typeless = self._untouched_typeless()
        # Under star_resources a typeless action takes "*" only: the clauses learned then say so.
        star_only = typeless is not None and model_true(model, self.star_resources)
        preference = [fast_not(self.star_resources)] if star_only else []
        index = model.eval(which, model_completion=True).as_long()
        if index >= 0:
            text = texts[index]
            found = untouched_request(self.touched, lambda language: text if language.accepts(text) else None,
                                      star=text == STAR_RESOURCE, service=_service_component(text))
            if found is None and typeless is not None and not star_only:
                found = typeless, text
            if found is None:
                raise _NotRealized([z3.Not(untouched), z3.Not(chosen[text])] + preference, True)
            return found
        patterns, wanted = self._resource_valuation(valuation)
        services = {_pattern_service(p) for p, w in zip(patterns, wanted) if w} - {None}

        def resource(language: ResourceLanguage) -> Optional[str]:
            relevant, contradiction = _relevant(patterns, wanted, language)
            if len(services) > 1 or contradiction is not None:
                return None
            return realize_resource(language, [patterns[i] for i in relevant], [wanted[i] for i in relevant], avoid=texts)

        found = untouched_request(self.touched, resource, star=False, service=next(iter(services), None))
        if found is None and typeless is not None and not star_only:
            return typeless, self._single_string(RESOURCE, valuation, model)
        if found is None:
            raise _NotRealized([z3.Not(untouched), z3.Not(none)] + preference +
                               [other[w] != z3.BoolVal(want) for w, want in zip(wild, wanted)], True)
        return found

    def _untouched_typeless(self) -> Optional[str]:
        """A catalog action with no resource type that no pattern accepts, if there is one."""
        if self._typeless is _NOT_YET:
            found = untouched_request(self.touched, lambda language: None, star=True)
            self._typeless = found[0] if found is not None else None
        return self._typeless

    def _unknown_service_action(self, model) -> str:
        free = self.unknown_free
        patterns = [a.pattern for a in free]
        wanted = tuple(model_true(model, b) for b in free.values())
        found = realize_unknown_service_action(patterns, wanted)
        if found is None:
            def impossible(indices) -> bool:
                return realize_unknown_service_action([patterns[i] for i in indices], [wanted[i] for i in indices]) is None
            core = _shrink(list(range(len(patterns))), impossible)
            bools = list(free.values())
            raise _NotRealized([z3.Not(self.unknown_action)] + [bools[i] != z3.BoolVal(wanted[i]) for i in core], True)
        return found

    def _single_string(self, dimension: str, valuation: Valuation, model) -> str:
        chosen, none, wild, other, which, texts = self.dimensions[dimension]
        index = model.eval(which, model_completion=True).as_long()
        if index >= 0:
            return self._nicer_action(texts[index]) if dimension == ACTION else texts[index]
        patterns = [a.pattern for a in wild]
        wanted = tuple(valuation(a) for a in wild)
        if dimension == ACTION:
            known = self._catalog_action(patterns, wanted, chosen)
            if known is not None:
                return known
        elif "*" not in chosen and all(accepts(p, "*") == w for p, w in zip(patterns, wanted)):
            return "*"  # reads as "any resource" when no pattern has to match
        # Quick impossibility proofs with the wildcard algebra before any search.
        positives = [i for i, w in enumerate(wanted) if w]
        negatives = [i for i, w in enumerate(wanted) if not w]
        for i in positives:
            core = next(([i, j] for j in positives if j != i and disjoint(patterns[i], patterns[j])), None) or \
                next(([i, j] for j in negatives if covers(patterns[j], patterns[i])), None)
            if core is not None:
                raise _NotRealized([z3.Not(none)] + [other[wild[k]] != z3.BoolVal(wanted[k]) for k in core], True)
        excluded: list[Pattern] = []
        while True:
            try:
                found = exact_valuation(patterns + excluded, wanted + (False,) * len(excluded), nonempty=True)
            except SearchLimit as e:
                raise Undecided(str(e)) from None
            if found is None:
                core = self._core(patterns, wanted) if not excluded else range(len(wild))
                raise _NotRealized([z3.Not(none)] + [other[wild[i]] != z3.BoolVal(wanted[i]) for i in core], True)
            if found not in chosen:
                return found
            excluded.append(literal_pattern(found))

    @staticmethod
    def _core(patterns: list[Pattern], wanted: tuple[bool, ...]) -> list[int]:
        """A small subset of the patterns whose wanted values alone are impossible."""
        def impossible(indices) -> bool:
            try:
                return exact_valuation([patterns[i] for i in indices], tuple(wanted[i] for i in indices),
                                       nonempty=True) is None
            except SearchLimit:
                return False  # not proved: the core stays larger (the whole set is proved impossible)
        positives = [i for i, w in enumerate(wanted) if w]
        negatives = [i for i, w in enumerate(wanted) if not w]
        for group in ([[i, j] for i, j in itertools.combinations(positives, 2)] +
                      [[i, j] for i in positives for j in negatives] + [[i] for i in positives]):
            if len(group) <= 2 and impossible(group):
                return group
        core = list(range(len(patterns)))
        for i in list(core):
            trial = [j for j in core if j != i]
            if impossible(trial):
                core = trial
        return core

    def _nicer_action(self, lower: str) -> str:
        action = self._catalog.action(lower)
        return action.full_name if action is not None else lower

    def _catalog_action(self, patterns: list[Pattern], wanted: tuple[bool, ...], literals) -> Optional[str]:
        """A real action with the wanted valuation, when one is easy to find (nicer witnesses)."""
        services: set[str] = set()
        for p, w in zip(patterns, wanted):
            if w and p != ANY_ACTION:
                head = []
                for kind, lit, _ in p.tokens:
                    if kind != LITERAL or lit == ":":
                        break
                    head.append(lit)
                if len(head) < len(p.tokens) and p.tokens[len(head)][0] == LITERAL:
                    services.add("".join(head))
        for prefix in sorted(services)[:3]:
            service = self._catalog.service(prefix)
            if service is None:
                continue
            for action in list(service.actions.values())[:400]:
                name = action.full_name.lower()
                if name not in literals and all(accepts(p, name) == w for p, w in zip(patterns, wanted)):
                    return action.full_name
        return None

    def _scalar_key_value(self, key: str, scalar: list[SomeScalar], valuation: Valuation) -> ContextValue:
        """Values for a key tested by numbers, dates, addresses, booleans or binary values: chosen
        among the representatives of every region the tests cut out, a complete list
        (``scalars.representatives``), so finding none proves the valuation impossible."""
        tests = tuple(dict.fromkeys(t for a in scalar for t in a.tests))
        outcomes = {r: {t: t.outcome(r) for t in tests} for r in representatives(tests, self._key_type(key))}

        def holds(atom: SomeScalar, value: str) -> bool:
            return atom.holds_for(tuple(outcomes[value][t] for t in atom.tests))

        def witness(target: Optional[SomeScalar], refused: list[SomeScalar]) -> Optional[str]:
            return next((r for r in outcomes if (target is None or holds(target, r))
                         and not any(holds(a, r) for a in refused)), None)

        required = [a for a in scalar if valuation(a)]
        refused = [a for a in scalar if not valuation(a)]
        if self._single_valued(key):
            def one(wanted: list[SomeScalar], unwanted: list[SomeScalar]) -> Optional[str]:
                return next((r for r in outcomes if all(holds(a, r) for a in wanted)
                             and not any(holds(a, r) for a in unwanted)), None)
            found = one(required, refused)
            if found is None:
                self._block_single_value(key, required, refused, lambda w, u: one(w, u) is None)
            return ContextValue((self._readable(key, found, outcomes[found]),))
        values: list[str] = []
        for target in required or [None]:
            if target is not None and any(holds(target, v) for v in values):
                continue
            found = witness(target, refused)
            if found is None:
                core = list(refused)
                for atom in list(core):
                    if witness(target, [a for a in core if a is not atom]) is None:
                        core.remove(atom)
                head = self.variables[target if target is not None else KeyPresent(key)]
                raise _NotRealized([z3.Not(head)] + [self.variables[a] for a in core], True)
            values.append(found)
        values = [self._readable(key, v, outcomes[v]) for v in values]
        return ContextValue(tuple(values), multivalued=len(values) > 1)

    def _readable(self, key: str, value: str, outcomes: dict) -> str:
        """A real request's form of a date value (ISO 8601, as AWS sets aws:CurrentTime; epoch
        seconds for aws:EpochTime), when one gives every test the same outcome."""
        if not self.real_requests or key == "aws:epochtime" or self._key_type(key) != Family.DATE:
            return value
        return next((text for text in readable_moments(value)
                     if all(t.outcome(text) == outcome for t, outcome in outcomes.items())), value)

    def _block_single_value(self, key: str, required: list, refused: list,
                            impossible: Callable[[list, list], bool]) -> None:
        """No single value has the wanted facts: block a core of them (a clause true of every
        request that gives the key one value)."""
        core = _shrink(list(range(len(required) + len(refused))), lambda kept: impossible(
            [required[i] for i in kept if i < len(required)], [refused[i - len(required)] for i in kept if i >= len(required)]))
        v = self.variables
        clause = [z3.Not(v[required[i]]) if i < len(required) else v[refused[i - len(required)]] for i in core]
        if not any(i < len(required) for i in core):
            clause.append(z3.Not(v[KeyPresent(key)]))
        raise _NotRealized(clause, True)

    def _key_type(self, key: str) -> Optional[Family]:
        """The family of a key's values when the service reference types it (e.g. aws:SourceIp)."""
        definition = self._catalog.condition_key(key)
        return CATALOG_TYPES.get(definition.scalar_type) if definition is not None else None

    def _key_value(self, key: str, valuation: Valuation) -> Optional[ContextValue]:
        if not valuation(KeyPresent(key)):
            return None
        scalar = [a for a in self.atoms if isinstance(a, SomeScalar) and a.key == key]
        if scalar:
            return self._scalar_key_value(key, scalar, valuation)
        some = [a for a in self.atoms if isinstance(a, SomeValue) and a.key == key]
        patterns = list(dict.fromkeys(p for a in some for p in a.patterns))
        index = {p: i for i, p in enumerate(patterns)}
        refused = [a for a in some if not valuation(a)]
        required = [a for a in some if valuation(a)]

        def holds(atom: SomeValue, accepted: tuple[bool, ...]) -> bool:
            return atom.holds_for(tuple(accepted[index[p]] for p in atom.patterns))

        if self._single_valued(key):
            found = _one_key_element(tuple(required), tuple(refused))
            if found is None:
                self._block_single_value(key, required, refused,
                                         lambda w, u: _one_key_element(tuple(w), tuple(u)) is None)
            return ContextValue((found,))
        values: list[str] = []
        covered: set = set()
        for target in required or [None]:
            if target in covered:
                continue
            found = _key_element(target, tuple(refused))
            if found is None:
                # Impossible: no value satisfies the target while avoiding the refused facts.
                # Shrink the refused facts to a small core, so one clause removes many valuations.
                core = next(([a] for a in refused if _key_element(target, (a,)) is None),
                            list(refused))
                for atom in list(core) if len(core) > 1 else ():
                    trial = [a for a in core if a is not atom]
                    if _key_element(target, tuple(trial)) is None:
                        core = trial
                head = z3.Not(self.variables[target]) if target is not None else z3.Not(self.variables[KeyPresent(key)])
                raise _NotRealized([head] + [self.variables[a] for a in core], True)
            values.append(found)
            accepted = tuple(accepts(p, found) for p in patterns)
            covered |= {a for a in required if holds(a, accepted)}
        values = list(dict.fromkeys(values))
        return ContextValue(tuple(values), multivalued=len(values) > 1)

    def _opaque_values(self, keys: list[str], valuation: Valuation, context: dict) -> None:
        """Set the opaque keys (and the policy variables their conditions read) so that every
        opaque condition takes its wanted value: a bounded joint search, confirmed by replay.

        Keys are tried in an order where a key read as a variable comes before the keys whose
        conditions read it, so candidate values can be built from the resolved conditions."""
        conditions = {key: [(self.opaque_conditions[a], valuation(a)) for a in self.atoms
                            if isinstance(a, Opaque) and a.key == key] for key in keys}
        reads = {key: {v.key.lower() for c, _ in found for value in c.values for v in find_variables(value)
                       if v.is_well_formed and not v.is_special} for key, found in conditions.items()}
        mentioned = {a.key for a in self.atoms if isinstance(a, (KeyPresent, SomeValue, SomeScalar, Opaque))}
        free = sorted(set().union(*reads.values()) - mentioned - set(context)) if reads else []
        order: list[str] = []
        for key in sorted(keys, key=lambda k: -sum(k in r for r in reads.values())):
            if key not in order:
                order.extend(k for k in sorted(reads[key] & set(keys)) if k not in order and k != key)
                if key not in order:
                    order.append(key)
        # Keys that share no variable are independent: each group is searched on its own, so a
        # group that cannot be realized costs no backtracking through the others.
        group_of: dict[str, str] = {}

        def root(k: str) -> str:
            while group_of.setdefault(k, k) != k:
                k = group_of[k]
            return k
        for key in keys:
            for other in reads[key] & (set(keys) | set(free)):
                group_of[root(other)] = root(key)
        found: Optional[dict] = dict(context)
        for group in dict.fromkeys(root(k) for k in free + order):
            members = [k for k in free + order if root(k) == group]
            found = self._search_opaque(members, [k for k in members if k not in free], free, conditions, reads,
                                        valuation, found)
            if found is None:
                # The group failed under these opaque facts and these values of the keys it reads
                # (fixed by their own atoms): block that combination only.
                read = set().union(*(reads[k] for k in members if k in reads)) - set(members)
                involved: list[Atom] = [a for a in self.atoms if isinstance(a, Opaque) and a.key in members]
                involved += [KeyPresent(k) for k in members if KeyPresent(k) in self.variables]
                involved += [a for a in self.atoms if isinstance(a, (KeyPresent, SomeValue, SomeScalar)) and a.key in read]
                raise _NotRealized(self._flip(valuation, involved), False)
        context.clear()
        context.update(found)

    def _search_opaque(self, sequence: list[str], keys: list[str], free: list[str], conditions: dict, reads: dict,
                       valuation: Valuation, context: dict) -> Optional[dict]:
        """Values for one group of opaque keys, tried in ``sequence`` (``free``: variables that no
        policy tests, tried set to a fixed value and absent), with a bounded backtracking search."""
        budget = [OPAQUE_SEARCH_BUDGET]
        in_sequence = set(sequence)

        def satisfied(ctx: dict, assigned: set) -> bool:
            # A key's conditions are checked once every variable they read is assigned.
            return all(evaluate_condition(c, ctx) == want for key in keys
                       if key in assigned and reads[key] & in_sequence <= assigned
                       for c, want in conditions[key])

        def options(key: str, ctx: dict) -> list[Optional[ContextValue]]:
            if key in free:
                return [ContextValue((WITNESS_NAME,)), None]
            presence = KeyPresent(key)
            want_present = valuation(presence) if presence in self.variables else None
            pool = _candidate_values([c for c, _ in conditions[key]])
            for c, _ in conditions[key]:
                for value in c.values:
                    pieces = resolve(value, ctx)
                    if pieces is not None:
                        pool.insert(0, "".join(text for text, _ in pieces))
            pool = list(dict.fromkeys(pool))
            found: list[Optional[ContextValue]] = [None] if want_present is not True else []
            if want_present is not False:
                found += [ContextValue((v,)) for v in pool]
                if not self._single_valued(key):
                    found += [ContextValue(pair, multivalued=True) for pair in itertools.combinations(pool[:14], 2)]
            return found

        def search(i: int, ctx: dict, assigned: set) -> Optional[dict]:
            if i == len(sequence):
                return ctx
            key = sequence[i]
            for option in options(key, ctx):
                budget[0] -= 1
                if budget[0] < 0:
                    return None
                trial = dict(ctx)
                if option is not None:
                    trial[key] = option
                now = assigned | {key}
                if satisfied(trial, now):
                    found = search(i + 1, trial, now)
                    if found is not None:
                        return found
            return None

        return search(0, dict(context), set())


def _typed_member(action: str, pieces: list[tuple[str, bool]]) -> Optional[str]:
    """A resource the action acts on that a resolved Resource value (``patterns.resolve``'s
    pieces: variable values are literal) accepts, if one is easy to build."""
    found = catalog_action(action.lower())
    if found is None or not found.resource_types:  # any string acts: the value's plainest member
        return _plain_member(pieces)
    if any(literal and any(ch in text for ch in "*?") for text, literal in pieces):
        return None
    pattern = wildcard_pattern("".join(text for text, _ in pieces), arn=True)
    for language in found.resource_types:
        member = realize_resource(language, [pattern], [True])
        if member is not None:
            return member
    return None


def _plain_member(pieces: list[tuple[str, bool]]) -> str:
    return "".join(text if literal else text.replace("*", "").replace("?", "x") for text, literal in pieces)


DISJOINT, COVERS, EXCLUDED, OVERLAPS = "disjoint", "covers", "excluded", "overlaps"


@lru_cache(maxsize=65536)
def _relation(p: Pattern, language: ResourceLanguage) -> str:
    """How a pattern meets a type's ARNs, by the wildcard algebra: it accepts none of the type's
    pattern, all of it, only strings the type excludes, or (as far as the algebra knows) some."""
    if disjoint(p, language.pattern):
        return DISJOINT
    if covers(p, language.pattern):
        return COVERS
    if any(covers(x, p) for x in language.excluded):
        return EXCLUDED
    return OVERLAPS


def _contradicts(p: Pattern, want: bool, language: ResourceLanguage) -> bool:
    """No ARN of the type gives ``p`` the wanted value (the algebra proves it)."""
    relation = _relation(p, language)
    return relation in (DISJOINT, EXCLUDED) if want else relation == COVERS


def _relevant(patterns: list[Pattern], wanted: tuple[bool, ...], language: ResourceLanguage
              ) -> tuple[list[int], Optional[int]]:
    """The patterns a search for an ARN of the type must consider, and the first one whose wanted
    value no such ARN has, if any. A pattern disjoint from the type's pattern is false on each of
    its ARNs and one that accepts the whole pattern is true, so either is settled without search
    — most of a policy's patterns name other resources."""
    relevant: list[int] = []
    for i, (p, want) in enumerate(zip(patterns, wanted)):
        relation = _relation(p, language)
        if _contradicts(p, want, language):
            return relevant, i
        if relation == OVERLAPS:
            relevant.append(i)
    return relevant, None


def _impossible_pair(patterns: list[Pattern], wanted: tuple[bool, ...]) -> Optional[list[int]]:
    """Two patterns whose wanted values no string has, by the wildcard algebra: two wanted
    patterns that share no string, or a wanted one inside a refused one."""
    positives = [i for i, w in enumerate(wanted) if w]
    negatives = [i for i, w in enumerate(wanted) if not w]
    for i in positives:
        for j in positives:
            if j > i and disjoint(patterns[i], patterns[j]):
                return [i, j]
        for j in negatives:
            if covers(patterns[j], patterns[i]):
                return [i, j]
    return None


# Pairs of wanted values tried for a small impossible core, past the single patterns.
CORE_PAIRS = 64


def _type_core(language: ResourceLanguage, patterns: list[Pattern], wanted: list[bool]) -> Optional[list[int]]:
    """Indexes of patterns whose wanted values no ARN of the type has: one or two when such a
    small core exists (searched first), else all; None when some ARN of the type has the whole
    valuation (then only the literal texts to avoid were in the way)."""
    def impossible(indices) -> bool:
        return realize_resource(language, [patterns[i] for i in indices], [wanted[i] for i in indices]) is None

    positives = [i for i, w in enumerate(wanted) if w]
    negatives = [i for i, w in enumerate(wanted) if not w]
    pairs = [[i, j] for i, j in itertools.combinations(positives, 2)] + [[i, j] for i in positives for j in negatives]
    for group in [[i] for i in positives + negatives] + pairs[:CORE_PAIRS]:
        if impossible(group):
            return group
    return list(range(len(patterns))) if impossible(range(len(patterns))) else None


def _types_by_service(types: tuple[ResourceLanguage, ...]) -> dict[Optional[str], tuple[ResourceLanguage, ...]]:
    out: dict[Optional[str], tuple[ResourceLanguage, ...]] = {}
    for t in types:
        out[t.service] = out.get(t.service, ()) + (t,)
    return out


@lru_cache(maxsize=65536)
def _accepts_text(language: ResourceLanguage, text: str) -> bool:
    return language.accepts(text)


def _service_component(text: str) -> Optional[str]:
    """The third colon-separated component of a string (an ARN's service), if it has one."""
    parts = text.split(":", 3)
    return parts[2] if len(parts) > 3 else None


def _pattern_service(p: Pattern) -> Optional[str]:
    """The service component every string of an ARN pattern has, when the pattern writes it out."""
    components = _components(p)
    return components[2] if components is not None and not any(ch in components[2] for ch in "*?") else None


def _shrink(core: list[int], impossible: Callable[[list[int]], bool]) -> list[int]:
    """A smaller subset of ``core`` (itself impossible) that is still impossible: one pass."""
    for i in list(core):
        trial = [j for j in core if j != i]
        if impossible(trial):
            core = trial
    return core


def _components(p: Pattern) -> Optional[list[str]]:
    """The six components of an ARN-segmented pattern as plain wildcard texts (else None)."""
    out, current, colons = [], [], 0
    for kind, lit, flag in p.tokens:
        if kind == LITERAL and (flag or lit in "*?"):
            return None
        if kind == LITERAL and lit == ":" and colons < 5:
            out.append("".join(current))
            current, colons = [], colons + 1
            continue
        if kind != LITERAL and flag != (colons < 5):
            return None
        current.append(lit if kind == LITERAL else "?" if kind == ONE else "*")
    out.append("".join(current))
    return out if colons == 5 else None


@lru_cache(maxsize=65536)
def _algebra(p: Pattern) -> Optional[tuple[str, ...]]:
    """A pattern as components the catalog's wildcard algebra decides exactly: one plain
    pattern, or the six components of an ARN pattern (the first five contain no colon, so
    "*" meaning "[^:]*" there changes no containment or intersection)."""
    plain = plain_wildcard_text(p)
    if plain is not None:
        return (plain,)
    components = _components(p)
    return tuple(components) if components is not None else None


@lru_cache(maxsize=65536)
def covers(general: Pattern, specific: Pattern) -> bool:
    """Every string of ``specific`` is accepted by ``general`` (False: unknown or no)."""
    text = literal_text(specific)
    if text is not None:
        return accepts(general, text)
    g, s = _algebra(general), _algebra(specific)
    return g is not None and s is not None and len(g) == len(s) and all(map(pattern_covers, g, s))


@lru_cache(maxsize=65536)
def disjoint(a: Pattern, b: Pattern) -> bool:
    """No string is accepted by both (False: unknown or no)."""
    ta, tb = literal_text(a), literal_text(b)
    if ta is not None:
        return not accepts(b, ta)
    if tb is not None:
        return not accepts(a, tb)
    ca, cb = _algebra(a), _algebra(b)
    return (ca is not None and cb is not None and len(ca) == len(cb)
            and not all(map(patterns_intersect, ca, cb)))


def _covered(p: Pattern, by: list[Pattern]) -> bool:
    """Is every string of ``p`` accepted by one of ``by`` (decided only for plain patterns)?"""
    text = literal_text(p)
    if text is not None:
        return any(accepts(q, text) for q in by)
    plain = plain_wildcard_text(p)
    if plain is None:
        return False
    return any((qt := plain_wildcard_text(q)) is not None and pattern_covers(qt, plain) for q in by)


@lru_cache(maxsize=16384)
def _key_element(target: Optional[SomeValue], refused: tuple[SomeValue, ...]) -> Optional[str]:
    patterns = list(dict.fromkeys(p for a in ((target,) if target else ()) + refused for p in a.patterns))
    index = {p: i for i, p in enumerate(patterns)}

    def holds(atom: SomeValue, accepted: tuple[bool, ...]) -> bool:
        return atom.holds_for(tuple(accepted[index[p]] for p in atom.patterns))

    def wanted(accepted: tuple[bool, ...]) -> bool:
        return (target is None or holds(target, accepted)) and not any(holds(a, accepted) for a in refused)

    # Fast path: members of the target's patterns, and a few plain strings; then the complete search.
    fresh = "x" if all("x" not in p.text for p in patterns) else "\u00a7"
    candidates = [c for p in (target.patterns if target is not None and not target.none else ())
                  for c in sample_members(p, fresh)] + [fresh, "", WITNESS_NAME]
    candidates += [c for p in patterns for c in sample_members(p, fresh)]
    for c in dict.fromkeys(candidates):
        if wanted(tuple(p.accepts(c) for p in patterns)):
            return c
    # Quick proof of impossibility: every pattern of an "any of" target lies inside a pattern
    # that some refused "any of" fact forbids (the catalog's exact wildcard containment).
    if target is not None and not target.none and target.patterns:
        forbidden = [q for a in refused if not a.none for q in a.patterns]
        if forbidden and all(_covered(p, forbidden) for p in target.patterns):
            return None
    # Prune search states that can no longer satisfy the wanted facts: a group of patterns
    # one of which must accept has lost all its positions, or a pattern that must reject has
    # reached a position from which it accepts everything.
    need: list[list[int]] = []
    forbid: list[int] = []
    if target is not None:
        (forbid.extend if target.none else lambda g: need.append(list(g)))(index[p] for p in target.patterns)
    for a in refused:
        (need.append if a.none else forbid.extend)([index[p] for p in a.patterns])
    everything = [accepts_everything_from(p) for p in patterns]

    def dead(state) -> bool:
        if any(not any(state[i] for i in group) for group in need):
            return True
        return any(state[i] & everything[i] for i in forbid)

    try:
        return find_string(patterns, wanted, dead=dead)
    except SearchLimit as e:
        raise Undecided(str(e)) from None


@lru_cache(maxsize=16384)
def _one_key_element(required: tuple[SomeValue, ...], refused: tuple[SomeValue, ...]) -> Optional[str]:
    """One value with every ``required`` fact and none of the ``refused`` ones (complete search)."""
    patterns = list(dict.fromkeys(p for a in required + refused for p in a.patterns))
    index = {p: i for i, p in enumerate(patterns)}

    def holds(atom: SomeValue, accepted: tuple[bool, ...]) -> bool:
        return atom.holds_for(tuple(accepted[index[p]] for p in atom.patterns))

    def wanted(accepted: tuple[bool, ...]) -> bool:
        return all(holds(a, accepted) for a in required) and not any(holds(a, accepted) for a in refused)

    fresh = "x" if all("x" not in p.text for p in patterns) else "\u00a7"
    candidates = [c for a in required if not a.none for p in a.patterns for c in sample_members(p, fresh)]
    for c in dict.fromkeys(candidates + [fresh, "", WITNESS_NAME]):
        if wanted(tuple(p.accepts(c) for p in patterns)):
            return c
    # Quick proof of impossibility: every pattern of a required "any of" fact lies inside a
    # pattern of a refused "any of" fact (the exact wildcard containment of the algebra).
    forbidden = [q for a in refused if not a.none for q in a.patterns]
    if forbidden and any(not a.none and a.patterns and all(_covered(p, forbidden) for p in a.patterns)
                         for a in required):
        return None
    try:
        return find_string(patterns, wanted)
    except SearchLimit as e:
        raise Undecided(str(e)) from None


def opaque_condition_map(policies) -> dict:
    """Opaque condition atoms → the evaluator's Condition, for realizing their valuation."""
    from .encode import uses_variables
    out: dict = {}
    for policy in policies:
        variables = uses_variables(policy)
        for statement in policy.statements:
            for c in statement.conditions:
                atom = Opaque(c.key_lower, ("condition", c.operator.name, c.key_lower, c.values, variables))
                out.setdefault(atom, compile_condition(c.operator.name, c.key_lower, list(c.values), variables))
    return out
