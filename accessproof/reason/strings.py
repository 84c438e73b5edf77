"""String languages of the policy language, and an exact search for a string in a Boolean
combination of them.

Every test the engine encodes exactly on a string is a ``Pattern``: a sequence of tokens
(a literal character, possibly case-insensitive; ``?``; ``*``), where ``?`` and ``*`` may be
barred from crossing a colon — the ARN rule "each of the six colon-delimited components of the
ARN is checked separately" (IAM User Guide, "Condition operators", ARN condition operators),
which ``policy.wildcards`` applies to the first five components. The tokens are built by the
same rule, and ``Pattern.accepts`` is the evaluator's own matcher (``policy.wildcards``), so a
``Pattern`` and the evaluator accept the same strings (tests/reason/test_strings.py checks it).

``find_string`` decides, for a list of patterns and a predicate over "which of them accept",
whether some string satisfies the predicate, and returns a shortest one. It explores the
product of the patterns' position sets (a subset construction done on the fly) over an
alphabet of every character the patterns mention plus one character they do not: characters
that no pattern mentions behave alike, so the search is complete. It is the decision procedure
behind the solver's refinement loop: a Boolean valuation it declares impossible is impossible.

A position set is a Python integer used as a bit set (bit i: the pattern has read its first i
tokens), so one step of a pattern of m tokens is a few word-parallel operations, O(m / 64),
whatever the pattern: a long adversarial pattern (``a*a*a*…b``) costs time linear in its length
per step, and the search's memory is bounded (``MAX_SEARCH_BITS``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from itertools import chain
from typing import Callable, Iterator, Optional, Sequence

from ..policy.wildcards import (
    LITERAL, ONE, STAR, Wildcard, cache_when_short, case_variants, compile_pieces, fold_char,
)

Token = tuple[str, str, bool]  # (kind, literal character, flag): flag = ignore case for LITERAL, "not a colon" for ONE/STAR
# The search keeps every state it has seen: at most this many bits of position sets in all
# (about 6 MB), so that patterns of thousands of tokens lower the number of states it may visit
# (and the time: a step costs O(bits)). On the AWS managed-policy corpus the largest search
# visits 190 states of 543 bits, and the widest 38 states of 3,059 bits.
MAX_SEARCH_BITS = 50_000_000


@dataclass(frozen=True, slots=True)
class Pattern:
    tokens: tuple[Token, ...]
    text: str  # for messages and keys
    _hash: int = field(init=False, repr=False, compare=False)
    _matcher: Optional[Wildcard] = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        # Atoms hold patterns and are hashed constantly by the solver; tuples do not cache hashes.
        object.__setattr__(self, "_hash", hash((self.tokens, self.text)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def matcher(self) -> Wildcard:
        """The evaluator's matcher of this pattern's language (built on first use)."""
        matcher = self._matcher
        if matcher is None:
            matcher = _matcher(self.tokens)
            object.__setattr__(self, "_matcher", matcher)
        return matcher

    def accepts(self, s: str) -> bool:
        return (self._matcher or self.matcher).matches(s)

    def accepted_among(self, texts: Sequence[str]) -> Sequence[str]:
        """The texts of a sorted sequence that the pattern accepts. For a ``P*`` pattern they are
        the texts that start with P: one range, found by bisection."""
        matcher = self._matcher or self.matcher
        prefix = matcher.prefix
        if prefix is not None and not matcher.ignore_case:
            start = end = bisect_left(texts, prefix)
            while end < len(texts) and texts[end].startswith(prefix):
                end += 1
            return texts[start:end]
        matches = matcher.matches
        return [t for t in texts if matches(t)]


def _matcher(tokens: tuple[Token, ...]) -> Wildcard:
    """The ``policy.wildcards`` matcher of a token sequence (the tokens' own language)."""
    pieces: list[tuple[str, bool]] = []
    literal: list[str] = []
    ignore_case = {flag for kind, _, flag in tokens if kind == LITERAL}
    if len(ignore_case) > 1:
        raise ValueError("a pattern mixes case-sensitive and case-insensitive literals")
    colons, arn = 0, False
    for kind, lit, flag in tokens:
        if kind == LITERAL:
            literal.append(lit)
            colons += lit == ":"
            continue
        if literal:
            pieces.append(("".join(literal), True))
            literal = []
        pieces.append(("*" if kind == STAR else "?", False))
        arn |= flag
        if flag != (arn and colons < 5):
            raise ValueError("a pattern's colon restrictions do not follow the ARN rule")
    if literal:
        pieces.append(("".join(literal), True))
    return compile_pieces(tuple(pieces), arn, bool(ignore_case == {True}))


@cache_when_short(maxsize=65536)
def wildcard_pattern(text: str, arn: bool = False, ignore_case: bool = False) -> Pattern:
    """A policy wildcard pattern; ``arn``: ARN-segmented as ``policy.wildcards`` does."""
    segmented = arn and ":" in text
    colons = 0
    tokens: list[Token] = []
    for ch in text:
        if ch in "*?":
            tokens.append((STAR if ch == "*" else ONE, "", segmented and colons < 5))
        else:
            tokens.append((LITERAL, fold_char(ch) if ignore_case else ch, ignore_case))
            if ch == ":":
                colons += 1
    return Pattern(tuple(tokens), f"{text}{' (ignore case)' if ignore_case else ''}{' (arn)' if segmented else ''}")


@cache_when_short(maxsize=65536)
def literal_pattern(text: str, ignore_case: bool = False) -> Pattern:
    return Pattern(tuple((LITERAL, fold_char(ch) if ignore_case else ch, ignore_case) for ch in text),
                   f"={text}{' (ignore case)' if ignore_case else ''}")


class _Automaton:
    """A pattern's positions as bits, with the masks one step needs (built once per character)."""

    __slots__ = ("size", "stars", "free_stars", "ones", "free_ones", "start", "final", "exact", "folded", "_steps")

    def __init__(self, p: Pattern) -> None:
        self.size = len(p.tokens)
        self.stars = self.free_stars = self.ones = self.free_ones = 0
        self.exact: dict[str, int] = {}  # case-sensitive literal → positions
        self.folded: dict[str, int] = {}  # case-insensitive literal (lower case) → positions
        for i, (kind, lit, flag) in enumerate(p.tokens):
            bit = 1 << i
            if kind == STAR:
                self.stars |= bit
                if not flag:
                    self.free_stars |= bit
            elif kind == ONE:
                self.ones |= bit
                if not flag:
                    self.free_ones |= bit
            else:
                table = self.folded if flag else self.exact
                table[lit] = table.get(lit, 0) | bit
        self._steps: dict[tuple[str, bool], tuple[int, int]] = {}
        self.start = self.closure(1)
        self.final = 1 << self.size

    def closure(self, positions: int) -> int:
        """Add the positions reached through stars (which may match nothing). Adding ``stars``
        to the positions that are stars carries each one through the rest of its run of stars
        and one past it; the exclusive or keeps what the carries set."""
        stars = self.stars
        return positions | (((positions & stars) + stars) ^ stars)

    def masks(self, ch: str, letter: bool) -> tuple[int, int]:
        """(positions that read ``ch`` and advance, stars that read ``ch`` and stay)."""
        key = (ch, letter)
        found = self._steps.get(key)
        if found is None:
            advance = self.exact.get(ch, 0) | (self.folded.get(fold_char(ch), 0) if self.folded else 0)
            if not letter:
                advance |= self.free_ones if ch == ":" else self.ones
            stay = self.free_stars if (ch == ":" or letter) else self.stars
            found = self._steps[key] = (advance, stay)
        return found


@cache_when_short(maxsize=4096)
def _automaton(p: Pattern) -> _Automaton:
    return _Automaton(p)


def search_accepts(p: Pattern, s: str) -> bool:
    """Does the search's automaton of ``p`` accept ``s``? (The same language as ``p.accepts``,
    which tests check: the search and the evaluator must agree.)"""
    automaton = _automaton(p)
    state = automaton.start
    for ch in s:
        advance, stay = automaton.masks(ch, False)
        state = automaton.closure(((state & advance) << 1) | (state & stay))
    return bool(state & automaton.final)


def _alphabet(patterns: Sequence[Pattern], extra: str) -> list[str]:
    chars: set[str] = set(extra) | {":"}
    for p in patterns:
        for kind, lit, ignore_case in p.tokens:
            if kind == LITERAL:
                # Every character a case-insensitive literal accepts (KELVIN SIGN for "k"):
                # each may behave differently in a case-sensitive pattern of the same search.
                chars.update(case_variants(lit) if ignore_case else lit)
    # A readable fresh character when there is one; else one from the Private Use Area (a
    # policy may mention every readable candidate).
    fresh = next((c for c in "xqzjkvw0123456789XQZ_-" if c not in chars), None) or \
        next(c for c in map(chr, range(0xE000, 0xF900)) if c not in chars)
    return sorted(chars) + [fresh]


Predicate = Callable[[tuple[bool, ...]], bool]


class SearchLimit(Exception):
    """The search explored more states than allowed (never observed on real policies)."""


def find_string(patterns: Sequence[Pattern], wanted: Predicate, *, nonempty: bool = False,
                extra: str = "", max_states: int = 200_000,
                dead: Optional[Callable[[tuple[int, ...]], bool]] = None,
                letters: frozenset[str] = frozenset()) -> Optional[str]:
    """A shortest string ``s`` with ``wanted(tuple(p.accepts(s) for p in patterns))``; None if none exists.

    ``dead(positions)``: the caller knows that no continuation from these position sets (bit
    sets, see ``_Automaton``) can satisfy ``wanted``. ``letters``: characters that stand for a
    whole policy-variable value (``variables.py``): only a literal of themselves and an
    unrestricted ``*`` may consume them. Raises ``SearchLimit`` past ``max_states`` states, or
    fewer when the patterns are long (``MAX_SEARCH_BITS``)."""
    alphabet = _alphabet(patterns, extra)
    automata = [_automaton(p) for p in patterns]
    finals = [a.final for a in automata]
    limit = min(max_states, MAX_SEARCH_BITS // max(1, sum(a.size + 1 for a in automata)))
    # A search state is the position sets of every pattern, plus (when the empty string is
    # excluded) whether any character has been read. Each state remembers the state and the
    # character it was reached by, so the memory is per state, not per character of the string.
    start = (tuple(a.start for a in automata), False)
    parent: dict = {start: None}
    queue = deque([start])
    # Per character, per pattern: (positions that advance, stars that stay, all stars).
    moves = [(ch, [(*a.masks(ch, ch in letters), a.stars) for a in automata]) for ch in alphabet]
    while queue:
        state = queue.popleft()
        positions, read = state
        if (read or not nonempty) and wanted(tuple(bool(s & f) for s, f in zip(positions, finals))):
            return _spell(parent, state)
        for ch, masks in moves:
            nxt_positions = []
            for (advance, stay, stars), s in zip(masks, positions):
                s = ((s & advance) << 1) | (s & stay)
                nxt_positions.append(s | (((s & stars) + stars) ^ stars))  # _Automaton.closure
            nxt = (tuple(nxt_positions), nonempty)
            if nxt in parent:
                continue
            if dead is not None and dead(nxt[0]):
                continue
            parent[nxt] = (state, ch)
            if len(parent) > limit:
                raise SearchLimit(f"string search over {len(patterns)} patterns exceeded {limit} states")
            queue.append(nxt)
    return None


def _spell(parent: dict, state) -> str:
    out: list[str] = []
    link = parent[state]
    while link is not None:
        state, ch = link
        out.append(ch)
        link = parent[state]
    return "".join(reversed(out))


def sample_members(p: Pattern, fresh: str) -> list[str]:
    """A few members of a pattern: wildcards filled with nothing or with a fresh character."""
    out = []
    for star in ("", fresh):
        out.append("".join(lit if kind == LITERAL else fresh if kind == ONE else star for kind, lit, _ in p.tokens))
    return out


def _spliced_members(positives: Sequence[Pattern], fresh: str) -> Iterator[str]:
    """Members of one wanted pattern whose first or last wildcard is filled with a literal run of
    another wanted pattern (an ARN format's ``/`` between the stars of a long resource pattern):
    found in linear time where the complete search would need a state per character."""
    for p in positives:
        stars = [i for i, (kind, _, flag) in enumerate(p.tokens) if kind == STAR and not flag]
        if not stars:
            continue
        for q in positives:
            if q is p:
                continue
            for run in _literal_runs(q):
                for star in {stars[0], stars[-1]}:
                    yield "".join(run if i == star else lit if kind == LITERAL else fresh if kind == ONE else ""
                                  for i, (kind, lit, _) in enumerate(p.tokens))


def _literal_runs(p: Pattern) -> list[str]:
    """The literal runs between a pattern's wildcards (not its literal head or tail)."""
    runs, current, seen_wildcard = [], [], False
    for kind, lit, _ in p.tokens:
        if kind == LITERAL:
            current.append(lit)
            continue
        if seen_wildcard and current:
            runs.append("".join(current))
        current, seen_wildcard = [], True
    return runs


def exact_valuation(patterns: Sequence[Pattern], values: Sequence[bool], *, nonempty: bool = False,
                    extra: str = "") -> Optional[str]:
    """A string accepted by exactly the patterns whose value is True (None: there is none)."""
    return _exact_valuation(tuple(patterns), tuple(values), nonempty, extra)


@cache_when_short(maxsize=16384)
def _exact_valuation(patterns: tuple[Pattern, ...], required: tuple[bool, ...], nonempty: bool,
                     extra: str) -> Optional[str]:
    # Fast path: members of the wanted patterns, checked against every pattern; the complete
    # search below decides when none of them fits.
    fresh = _alphabet(patterns, extra)[-1]
    positives = [p for p, w in zip(patterns, required) if w]
    candidates = [c for p in positives[:8] for c in sample_members(p, fresh)] or [fresh, "*"]
    for candidate in chain(candidates, _spliced_members(positives[:8], fresh)):
        if (candidate or not nonempty) and all(p.accepts(candidate) == w for p, w in zip(patterns, required)):
            return candidate
    # Prune states where a required pattern can no longer accept, or a refused one must accept.
    must_accept_all = [accepts_everything_from(p) for p in patterns]

    def dead(state: tuple[int, ...]) -> bool:
        for s, want, everything in zip(state, required, must_accept_all):
            if want and not s:
                return True
            if not want and s & everything:
                return True
        return False

    return find_string(patterns, lambda got: got == required, nonempty=nonempty, extra=extra, dead=dead)


@cache_when_short(maxsize=65536)
def accepts_everything_from(p: Pattern) -> int:
    """Positions (a bit set) from which every continuation is accepted: an unrestricted star
    followed only by unrestricted stars. (The end position itself accepts only the empty
    continuation.)"""
    out = 0
    for i in range(len(p.tokens) - 1, -1, -1):
        kind, _, flag = p.tokens[i]
        if kind == STAR and not flag:
            out |= 1 << i
        else:
            break
    return out
