"""String languages of the policy language, and an exact search for a string in a Boolean
combination of them.

Every test the engine encodes exactly on a string is a ``Pattern``: a sequence of tokens
(a literal character, possibly case-insensitive; ``?``; ``*``), where ``?`` and ``*`` may be
barred from crossing a colon — the ARN rule "each of the six colon-delimited components of the
ARN is checked separately" (IAM User Guide, "Condition operators", ARN condition operators),
which the evaluator's ``patterns.compile_pieces`` applies to the first five components. The
tokens are built the same way ``compile_pieces`` builds its regex, so a ``Pattern`` and the
evaluator's regex accept the same strings (tests/reason/test_strings.py checks it).

``find_string`` decides, for a list of patterns and a predicate over "which of them accept",
whether some string satisfies the predicate, and returns a shortest one. It explores the
product of the patterns' position sets (a subset construction done on the fly) over an
alphabet of every character the patterns mention plus one character they do not: characters
that no pattern mentions behave alike, so the search is complete. It is the decision procedure
behind the solver's refinement loop: a Boolean valuation it declares impossible is impossible.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional, Sequence

LITERAL, ONE, STAR = 0, 1, 2
Token = tuple[int, str, bool]  # (kind, literal character, flag): flag = ignore case for LITERAL, "not a colon" for ONE/STAR


@dataclass(frozen=True, slots=True)
class Pattern:
    tokens: tuple[Token, ...]
    text: str  # for messages and keys
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Atoms hold patterns and are hashed constantly by the solver; tuples do not cache hashes.
        object.__setattr__(self, "_hash", hash((self.tokens, self.text)))

    def __hash__(self) -> int:
        return self._hash

    def accepts(self, s: str) -> bool:
        return _final(self, _run(self, s))


@lru_cache(maxsize=65536)
def wildcard_pattern(text: str, arn: bool = False, ignore_case: bool = False) -> Pattern:
    """A policy wildcard pattern; ``arn``: ARN-segmented as ``patterns.compile_pieces`` does."""
    segmented = arn and ":" in text
    colons = 0
    tokens: list[Token] = []
    for ch in text:
        if ch in "*?":
            tokens.append((STAR if ch == "*" else ONE, "", segmented and colons < 5))
        else:
            tokens.append((LITERAL, ch.lower() if ignore_case else ch, ignore_case))
            if ch == ":":
                colons += 1
    return Pattern(tuple(tokens), f"{text}{' (ignore case)' if ignore_case else ''}{' (arn)' if segmented else ''}")


@lru_cache(maxsize=65536)
def literal_pattern(text: str, ignore_case: bool = False) -> Pattern:
    return Pattern(tuple((LITERAL, ch.lower() if ignore_case else ch, ignore_case) for ch in text),
                   f"={text}{' (ignore case)' if ignore_case else ''}")


def _closure(p: Pattern, positions: frozenset[int]) -> frozenset[int]:
    out = set(positions)
    stack = list(positions)
    while stack:
        i = stack.pop()
        if i < len(p.tokens) and p.tokens[i][0] == STAR and i + 1 not in out:
            out.add(i + 1)
            stack.append(i + 1)
    return frozenset(out)


def _step(p: Pattern, positions: frozenset[int], ch: str, letters: frozenset[str] = frozenset()) -> frozenset[int]:
    """``letters``: characters that stand for a whole policy-variable value (``variables.py``):
    only a literal of themselves and an unrestricted ``*`` may consume them."""
    nxt: set[int] = set()
    for i in positions:
        if i >= len(p.tokens):
            continue
        kind, lit, flag = p.tokens[i]
        if kind == LITERAL:
            if (ch.lower() == lit) if flag else (ch == lit):
                nxt.add(i + 1)
        elif kind == ONE:
            if not (flag and ch == ":") and ch not in letters:
                nxt.add(i + 1)
        else:
            if not (flag and (ch == ":" or ch in letters)):
                nxt.add(i)
    return _closure(p, frozenset(nxt))


def _start(p: Pattern) -> frozenset[int]:
    return _closure(p, frozenset({0}))


def _run(p: Pattern, s: str) -> frozenset[int]:
    state = _start(p)
    for ch in s:
        state = _step(p, state, ch)
    return state


def _final(p: Pattern, positions: frozenset[int]) -> bool:
    return len(p.tokens) in positions


def _alphabet(patterns: Sequence[Pattern], extra: str) -> list[str]:
    chars: set[str] = set(extra) | {":"}
    for p in patterns:
        for kind, lit, ignore_case in p.tokens:
            if kind == LITERAL:
                chars.add(lit)
                if ignore_case:
                    chars.add(lit.upper())
    fresh = next(c for c in "xqzjkvw0123456789XQZ_-" if c not in chars)
    return sorted(chars) + [fresh]


Predicate = Callable[[tuple[bool, ...]], bool]


class SearchLimit(Exception):
    """The search explored more states than allowed (never observed on real policies)."""


def find_string(patterns: Sequence[Pattern], wanted: Predicate, *, nonempty: bool = False,
                extra: str = "", max_states: int = 200_000,
                dead: Optional[Callable[[tuple[frozenset[int], ...]], bool]] = None,
                letters: frozenset[str] = frozenset()) -> Optional[str]:
    """A shortest string ``s`` with ``wanted(tuple(p.accepts(s) for p in patterns))``; None if none exists."""
    alphabet = _alphabet(patterns, extra)
    # A search state is the position sets of every pattern, plus (when the empty string is
    # excluded) whether any character has been read.
    start = (tuple(_start(p) for p in patterns), False)
    seen = {start: ""}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        text = seen[state]
        positions = state[0]
        if (text or not nonempty) and wanted(tuple(_final(p, s) for p, s in zip(patterns, positions))):
            return text
        for ch in alphabet:
            nxt_positions = tuple(_step(p, s, ch, letters) for p, s in zip(patterns, positions))
            nxt = (nxt_positions, nonempty)
            if nxt in seen:
                continue
            if dead is not None and dead(nxt_positions):
                continue
            seen[nxt] = text + ch
            if len(seen) > max_states:
                raise SearchLimit(f"string search over {len(patterns)} patterns exceeded {max_states} states")
            queue.append(nxt)
    return None


@lru_cache(maxsize=65536)
def pattern_regex(p: Pattern) -> "re.Pattern[str]":
    """The regular expression of a pattern (the same language as its tokens)."""
    out: list[str] = []
    for kind, lit, flag in p.tokens:
        if kind == LITERAL:
            out.append(f"(?i:{re.escape(lit)})" if flag else re.escape(lit))
        elif kind == ONE:
            out.append("[^:]" if flag else ".")
        else:
            out.append("[^:]*" if flag else ".*")
    return re.compile("".join(out), re.DOTALL)


def sample_members(p: Pattern, fresh: str) -> list[str]:
    """A few members of a pattern: wildcards filled with nothing or with a fresh character."""
    out = []
    for star in ("", fresh):
        out.append("".join(lit if kind == LITERAL else fresh if kind == ONE else star for kind, lit, _ in p.tokens))
    return out


def exact_valuation(patterns: Sequence[Pattern], values: Sequence[bool], *, nonempty: bool = False,
                    extra: str = "") -> Optional[str]:
    """A string accepted by exactly the patterns whose value is True (None: there is none)."""
    return _exact_valuation(tuple(patterns), tuple(values), nonempty, extra)


@lru_cache(maxsize=16384)
def _exact_valuation(patterns: tuple[Pattern, ...], required: tuple[bool, ...], nonempty: bool,
                     extra: str) -> Optional[str]:
    # Fast path: members of the wanted patterns, checked against every pattern; the complete
    # search below decides when none of them fits.
    regexes = [pattern_regex(p) for p in patterns]
    fresh = _alphabet(patterns, extra)[-1]
    positives = [p for p, w in zip(patterns, required) if w]
    for candidate in [c for p in positives[:8] for c in sample_members(p, fresh)] or [fresh, "*"]:
        if (candidate or not nonempty) and all(
                (r.fullmatch(candidate) is not None) == w for r, w in zip(regexes, required)):
            return candidate
    # Prune states where a required pattern can no longer accept, or a refused one must accept.
    must_accept_all = [accepts_everything_from(p) for p in patterns]

    def dead(state: tuple[frozenset[int], ...]) -> bool:
        for p, s, want, everything in zip(patterns, state, required, must_accept_all):
            if want and not s:
                return True
            if not want and any(i in everything for i in s):
                return True
        return False

    return find_string(patterns, lambda got: got == required, nonempty=nonempty, extra=extra, dead=dead)


@lru_cache(maxsize=65536)
def accepts_everything_from(p: Pattern) -> frozenset[int]:
    """Positions from which every continuation is accepted: an unrestricted star followed only by
    unrestricted stars. (The end position itself accepts only the empty continuation.)"""
    out: set[int] = set()
    for i in range(len(p.tokens) - 1, -1, -1):
        kind, _, flag = p.tokens[i]
        if kind == STAR and not flag:
            out.add(i)
        else:
            break
    return frozenset(out)
