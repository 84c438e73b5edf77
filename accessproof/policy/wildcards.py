"""IAM wildcard patterns, matched and compared without backtracking.

The one place where every layer matches a policy's wildcards: the evaluator (``Action``,
``Resource``, ``StringLike``, ``ArnLike``), the symbolic engine (its patterns' languages), the
catalog (action names, ARN formats, condition-key names) and the validator. A policy is
attacker-controlled text, so no pattern may make matching blow up: a backtracking regular
expression built from ``a*a*a*…b`` takes time exponential in the number of ``*``. Here matching
takes O(n + m) time in practice and O(n·m) at worst (n the text, m the pattern), and comparing two
patterns O(n·m / word size).

Semantics (IAM User Guide, "IAM JSON policy elements: Resource", "Condition operators"):

- ``*`` matches any run of characters, the empty run included; ``?`` any one character;
- a pattern is given as *pieces* ``(text, literal)``: in a piece written in the policy ``*`` and
  ``?`` are wildcards, in a literal piece (the value of a policy variable, or one of ``${*}``,
  ``${?}``, ``${$}``) every character stands for itself;
- ARN patterns (``arn=True``) are matched component by component: "Each of the six
  colon-delimited components of the ARN is checked separately and each can include
  multi-character match wildcards (*) or single-character match wildcards (?)" (ARN condition
  operators; the ``Resource`` element follows the same rule). A wildcard in one of the first
  five components therefore never matches a colon; the sixth component (the resource part, which
  may contain colons) is matched as a whole. A pattern without any colon is not split;
- ``ignore_case``: each character is compared by its own lower case (``fold_char``; a
  character whose lower case is longer, such as U+0130, is compared as it is). Python's
  ``re.IGNORECASE``, which this replaces, agrees on every character but the few with several
  case variants (σ/ς/Σ, k/K/U+212A). The evaluator's ``StringEqualsIgnoreCase`` and the
  symbolic engine use the same fold (its string search tries every ``case_variants`` of a
  case-insensitive literal), so that the two engines agree on every character.

Matching: a component is split at its stars into *chunks* of literal characters and ``?``. The
first chunk must fit at the start of the text, the last at the end, and the others are found
left to right, each at its leftmost place after the previous one: a later place never helps, it
only leaves less text for the chunks that follow. A chunk is found with ``str.find`` on its
longest literal run, each place found then checked run by run. A chunk of many runs split by
``?`` (``a?a?…a?b``) can fail that check at almost every place of a long text (n·k steps of
Python, 43 s for k = 5,000 and a 50,000-character text), so once the failed checks cost more
than a few steps per character passed, the search goes on by shift-and (one bit per position of
the chunk, one step of word-parallel operations per character: O(n·k / word size)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import Callable, Iterable, Optional

Piece = tuple[str, bool]  # (text, literal): a literal piece has no wildcards
Pieces = tuple[Piece, ...]

ARN_COMPONENTS = 6
# Patterns (or pattern pairs) longer than this are not kept in the caches below: compiling one is
# linear anyway, and caches holding thousands of megabyte-long attacker patterns would be a leak.
CACHE_LIMIT = 2048

# The kinds of pattern characters (``reason.strings`` tokens use the same names).
LITERAL, ONE, STAR = "l", "?", "*"


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def fold_char(char: str) -> str:
    """A character as case-insensitive matching compares it: its lower case, or itself when that
    is longer than one character (U+0130), so that a ``?`` still stands for one character."""
    low = char.lower()
    return low if len(low) == 1 else char


# The characters whose lower case is the key but that neither ``key.upper()`` nor ``key.title()``
# gives back (KELVIN SIGN, ANGSTROM SIGN, GREEK CAPITAL THETA SYMBOL, OHM SIGN, CAPITAL SHARP S;
# Python 3.11's Unicode data: tests/security/test_wildcards.py rebuilds the table from it).
_OTHER_CASES = {"k": "\u212a", "\u00e5": "\u212b", "\u03b8": "\u03f4", "\u03c9": "\u2126", "\u00df": "\u1e9e"}


def case_variants(folded: str) -> frozenset[str]:
    """Every character whose ``fold_char`` is ``folded`` (a character that is its own fold):
    the characters a case-insensitive literal accepts."""
    found = {c for c in (folded, folded.upper(), folded.title()) if len(c) == 1 and fold_char(c) == folded}
    found.update(_OTHER_CASES.get(folded, ""))
    return frozenset(found)


def fold(text: str) -> str:
    """``fold_char`` of each character (not ``str.lower`` of the whole text, which lowers a
    final Σ to ς by its context)."""
    return text.lower() if text.isascii() else "".join(map(fold_char, text))


def text_length(value: object) -> int:
    """How much pattern text a cache key holds: the length of a string, of the strings in a
    tuple, or of an object's ``text`` (the symbolic engine's patterns)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (bool, int)):
        return 0
    if isinstance(value, tuple):
        return sum(map(text_length, value))
    text = getattr(value, "text", None)
    return len(text) if isinstance(text, str) else 0


def cache_when_short(maxsize: int):
    """An LRU cache for functions of pattern text that skips calls whose arguments hold more than
    ``CACHE_LIMIT`` characters of it (``text_length``): those are computed at each call, in
    linear time, rather than kept alive by the cache."""
    def decorate(function):
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(*args, **kwargs):
            size = 0
            for value in args:
                size += len(value) if value.__class__ is str else text_length(value)
            for value in kwargs.values():
                size += text_length(value)
            return (cached if size <= CACHE_LIMIT else function)(*args, **kwargs)
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call
    return decorate


# ------------------------------------------------------------------------------ compiling


# Failed place checks (runs compared, in Python) allowed per character that the search has passed,
# plus a constant, before a chunk search turns to shift-and: below this the checks cost about as
# much as scanning the text once.
_CHECKS_PER_CHAR, _CHECKS_FREE = 4, 256


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A run of a component between two stars: literal characters and ``?``, of fixed length."""

    length: int
    runs: tuple[tuple[int, str], ...]  # (offset, text) of each literal run; the gaps are ``?``
    anchor: Optional[tuple[int, str]]  # the longest run, searched for with str.find
    # For shift-and, built on first use: character → bit set of the positions it may take.
    _masks: Optional[dict[str, int]] = field(default=None, compare=False, repr=False)
    _any: int = field(default=0, compare=False, repr=False)  # the ``?`` positions

    def fits(self, text: str, at: int) -> bool:
        """Does the chunk match ``text[at:at + length]`` (which the caller knows exists)?"""
        for offset, run in self.runs:
            if not text.startswith(run, at + offset):
                return False
        return True

    def find(self, text: str, start: int, stop: int) -> int:
        """The leftmost ``at >= start`` where the chunk fits inside ``text[:stop]``; -1 when none."""
        last = stop - self.length
        if last < start:
            return -1
        if self.anchor is None:
            return start  # only ``?``: any place fits
        offset, run = self.anchor
        low, high = start + offset, last + offset + len(run)
        checks, per_place = 0, len(self.runs) - 1  # runs compared besides the anchor
        while True:
            found = text.find(run, low, high)
            if found < 0:
                return -1
            at = found - offset
            if self.fits(text, at):
                return at
            low = found + 1
            checks += per_place
            if checks > _CHECKS_PER_CHAR * (at - start) + _CHECKS_FREE:
                return self._shift_and(text, at + 1, stop)

    def _shift_and(self, text: str, start: int, stop: int) -> int:
        """``find`` by shift-and: bit j of ``state`` says that the chunk's first j + 1 positions
        fit the text ending at the current character (and starting at ``start`` or later)."""
        masks = self._masks
        if masks is None:
            masks = {}
            literal = 0
            for offset, run in self.runs:
                for i, char in enumerate(run):
                    masks[char] = masks.get(char, 0) | (1 << (offset + i))
                literal |= ((1 << len(run)) - 1) << offset
            object.__setattr__(self, "_any", ((1 << self.length) - 1) & ~literal)
            object.__setattr__(self, "_masks", masks)
        wildcard, done, state = self._any, 1 << (self.length - 1), 0
        get = masks.get
        for position in range(start, stop):
            state = ((state << 1) | 1) & (get(text[position], 0) | wildcard)
            if state & done:
                return position - self.length + 1
        return -1


def _chunk(chars: str, kinds: str) -> _Chunk:
    runs: list[tuple[int, str]] = []
    offset = 0
    for segment in kinds.split(ONE):
        if segment:
            runs.append((offset, chars[offset:offset + len(segment)]))
        offset += len(segment) + 1
    anchor = max(runs, key=lambda r: len(r[1])) if runs else None
    return _Chunk(len(kinds), tuple(runs), anchor)


@dataclass(frozen=True, slots=True)
class _Glob:
    """One component: chunks separated by stars (``tail`` is None when there is no star)."""

    head: _Chunk
    middle: tuple[_Chunk, ...]
    tail: Optional[_Chunk]
    min_length: int

    def matches(self, text: str) -> bool:
        n = len(text)
        if self.tail is None:
            return n == self.head.length and self.head.fits(text, 0)
        if n < self.min_length or not self.head.fits(text, 0):
            return False
        tail_at = n - self.tail.length
        if not self.tail.fits(text, tail_at):
            return False
        at = self.head.length
        for chunk in self.middle:
            found = chunk.find(text, at, tail_at)
            if found < 0:
                return False
            at = found + chunk.length
        return True

    @property
    def literal(self) -> Optional[str]:
        """The text of a component without wildcards."""
        if self.tail is None and self.head.length == sum(len(r) for _, r in self.head.runs):
            return "".join(r for _, r in self.head.runs)
        return None

    @property
    def literal_prefix(self) -> Optional[str]:
        """``P`` for a component ``P*`` (P without wildcards)."""
        if (self.tail is not None and not self.middle and self.tail.length == 0
                and self.head.length == sum(len(r) for _, r in self.head.runs)):
            return "".join(r for _, r in self.head.runs)
        return None

    @property
    def literal_ends(self) -> Optional[tuple[str, str]]:
        """``(P, S)`` for a component ``P*S`` (P and S without wildcards)."""
        if self.tail is None or self.middle:
            return None
        if any(c.length != sum(len(r) for _, r in c.runs) for c in (self.head, self.tail)):
            return None
        return "".join(r for _, r in self.head.runs), "".join(r for _, r in self.tail.runs)


def _glob(chars: str, kinds: str) -> _Glob:
    made: dict[tuple[str, str], _Chunk] = {}  # a*a*a*…: one chunk object for every "a"
    chunks: list[_Chunk] = []
    offset = 0
    for segment in kinds.split(STAR):
        key = (chars[offset:offset + len(segment)], segment)
        found = made.get(key)
        if found is None:
            found = made[key] = _chunk(*key)
        chunks.append(found)
        offset += len(segment) + 1
    if len(chunks) == 1:
        return _Glob(chunks[0], (), None, chunks[0].length)
    head, tail = chunks[0], chunks[-1]
    middle = tuple(c for c in chunks[1:-1] if c.length)  # "**" leaves an empty chunk: nothing to find
    return _Glob(head, middle, tail, head.length + tail.length + sum(c.length for c in middle))


# The kind of each character of a pattern: LITERAL, or the wildcard itself (ONE, STAR). A
# negated character class: linear, nothing to backtrack.
_NOT_WILDCARD = re.compile(r"[^*?]")


def _encode(pieces: Iterable[Piece], ignore_case: bool) -> tuple[str, str]:
    """The pattern's characters (folded when ``ignore_case``) and, for each, its kind."""
    chars: list[str] = []
    kinds: list[str] = []
    for text, literal in pieces:
        chars.append(fold(text) if ignore_case else text)
        kinds.append(LITERAL * len(text) if literal else _NOT_WILDCARD.sub(LITERAL, text))
    return "".join(chars), "".join(kinds)


def _arn_components(chars: str, kinds: str) -> Optional[list[tuple[str, str]]]:
    """The components of an ARN pattern, split at its first five colons, when the split matters:
    None when there is no colon, or no wildcard before the fifth colon (the colons then match
    exactly themselves, split or not)."""
    colons: list[int] = []
    position = chars.find(":")
    while position != -1 and len(colons) < ARN_COMPONENTS - 1:
        colons.append(position)
        position = chars.find(":", position + 1)
    if not colons:
        return None
    restricted = kinds[:colons[-1]] if len(colons) == ARN_COMPONENTS - 1 else kinds
    if STAR not in restricted and ONE not in restricted:
        return None
    bounds = [-1, *colons, len(chars)]
    return [(chars[a + 1:b], kinds[a + 1:b]) for a, b in zip(bounds, bounds[1:])]


@dataclass(frozen=True, slots=True, eq=False)
class Wildcard:
    """A compiled pattern: ``matches(text)`` tells whether the whole text matches.

    ``matches`` is chosen when compiling: an equality, a prefix test, a prefix-and-suffix test,
    or the general chunk search. ``exact`` is the text of a pattern without wildcards and
    ``prefix`` the ``P`` of a pattern ``P*`` (both None otherwise; case-folded when
    ``ignore_case``), so that sets of patterns can be matched with one look-up.
    """

    text: str
    matches: Callable[[str], bool]
    exact: Optional[str]
    prefix: Optional[str]
    ignore_case: bool

    def __repr__(self) -> str:
        return f"Wildcard({self.text!r}{', ignore_case' if self.ignore_case else ''})"


def _components_matcher(globs: tuple[_Glob, ...]) -> Callable[[str], bool]:
    count = len(globs)

    def matches(text: str) -> bool:
        # Fewer than six components: the text has exactly as many colons as the pattern.
        parts = text.split(":", ARN_COMPONENTS - 1)
        if len(parts) != count:
            return False
        for glob, part in zip(globs, parts):
            if not glob.matches(part):
                return False
        return True
    return matches


def _single_matcher(glob: _Glob) -> tuple[Callable[[str], bool], Optional[str], Optional[str]]:
    literal = glob.literal
    if literal is not None:
        return (lambda text: text == literal), literal, None
    prefix = glob.literal_prefix
    if prefix is not None:
        if not prefix:
            return (lambda text: True), None, ""
        return (lambda text: text.startswith(prefix)), None, prefix
    ends = glob.literal_ends
    if ends is not None:
        head, tail = ends
        length = len(head) + len(tail)
        return (lambda text: len(text) >= length and text.startswith(head) and text.endswith(tail)), None, None
    return glob.matches, None, None


def _compile(pieces: Pieces, arn: bool, ignore_case: bool) -> Wildcard:
    chars, kinds = _encode(pieces, ignore_case)
    text = "".join(t for t, _ in pieces)
    components = _arn_components(chars, kinds) if arn else None
    exact = prefix = None
    if components is None:
        matches, exact, prefix = _single_matcher(_glob(chars, kinds))
    else:
        matches = _components_matcher(tuple(_glob(c, k) for c, k in components))
    if ignore_case:
        inner = matches

        def matches(candidate: str) -> bool:
            return inner(fold(candidate))
    return Wildcard(text, matches, exact, prefix, ignore_case)


@cache_when_short(maxsize=16384)
def compile_pieces(pieces: Pieces, arn: bool = False, ignore_case: bool = False) -> Wildcard:
    """The matcher of a pattern resolved into pieces (``arn``: component by component)."""
    return _compile(pieces, arn, ignore_case)


def compile_wildcard(pattern: str, arn: bool = False, ignore_case: bool = False) -> Wildcard:
    """The matcher of a pattern as written, where every ``*`` and ``?`` is a wildcard."""
    return compile_pieces(((pattern, False),), arn, ignore_case)


def wildcard_match(pattern: str, text: str, ignore_case: bool = False, arn: bool = False) -> bool:
    return compile_wildcard(pattern, arn, ignore_case).matches(text)


@dataclass(frozen=True, slots=True, eq=False)
class WildcardSet:
    """Any of several case-sensitive patterns of one mode: texts without wildcards by one set
    look-up, ``P*`` patterns by one ``str.startswith`` over a tuple, the others one by one."""

    everything: bool
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    others: tuple[Wildcard, ...]

    def matches(self, text: str) -> bool:
        if self.everything or text in self.exact or (self.prefixes and text.startswith(self.prefixes)):
            return True
        for wildcard in self.others:
            if wildcard.matches(text):
                return True
        return False


def wildcard_set(patterns: Iterable[Pieces], arn: bool = False) -> WildcardSet:
    """Any of the resolved patterns (see ``compile_pieces``)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    others: list[Wildcard] = []
    for pieces in patterns:
        wildcard = compile_pieces(pieces, arn, False)
        if wildcard.exact is not None:
            exact.add(wildcard.exact)
        elif wildcard.prefix == "":
            return WildcardSet(True, frozenset(), (), ())
        elif wildcard.prefix is not None:
            prefixes.append(wildcard.prefix)
        else:
            others.append(wildcard)
    return WildcardSet(False, frozenset(exact), tuple(dict.fromkeys(prefixes)), tuple(others))


# ------------------------------------------------------------------ comparing two patterns
# Both relations are decided by the classic dynamic programme over (position in one pattern,
# position in the other), one row at a time, a row being a Python integer used as a bit set:
# O(n·m / word size) time and O(m) memory, where the quadratic table of lists took gigabytes
# and minutes on two 10,000-character patterns.


def _char_masks(text: str) -> dict[str, int]:
    """For each character, the bit set of its positions in ``text``."""
    masks: dict[str, int] = {}
    for position, char in enumerate(text):
        masks[char] = masks.get(char, 0) | (1 << position)
    return masks


def _fill_below(row: int) -> int:
    """Every position at or below the highest one in ``row`` (what a ``*`` can reach)."""
    return (1 << row.bit_length()) - 1


def pattern_covers(general: str, specific: str, ignore_case: bool = False) -> bool:
    """Is every string matched by ``specific`` also matched by ``general``?

    Wildcards in ``specific`` are treated as literals of a pattern language: ``*`` in
    ``specific`` must be absorbed by a ``*`` in ``general``, ``?`` by a ``?`` or ``*``. This is
    sound (True only when the containment holds) and exact when ``specific`` has no ``?``.
    """
    if ignore_case:
        general, specific = general.lower(), specific.lower()
    return _covers(general, specific)


@cache_when_short(maxsize=65536)
def _covers(general: str, specific: str) -> bool:
    if not has_wildcard(specific):
        return compile_wildcard(general).matches(specific)
    if not has_wildcard(general):
        return False  # a literal covers only itself, and ``specific`` has a wildcard
    # Row i, bit j: general[i:] covers specific[j:].
    m = len(specific)
    masks = _char_masks(specific)
    not_star = ((1 << m) - 1) & ~masks.get("*", 0)
    row = 1 << m
    for char in reversed(general):
        if char == "*":
            row = _fill_below(row)
        else:
            row = (row >> 1) & (not_star if char == "?" else masks.get(char, 0))
            if not row:
                return False
    return bool(row & 1)


def patterns_intersect(a: str, b: str, ignore_case: bool = False) -> bool:
    """Is there a string matched by both wildcard patterns?"""
    if ignore_case:
        a, b = a.lower(), b.lower()
    return _intersect(a, b)


def _collapse_stars(pattern: str) -> str:
    while "**" in pattern:
        pattern = pattern.replace("**", "*")
    return pattern


@cache_when_short(maxsize=65536)
def _intersect(a: str, b: str) -> bool:
    if not has_wildcard(a):
        return compile_wildcard(b).matches(a)
    if not has_wildcard(b):
        return compile_wildcard(a).matches(b)
    if "?" not in a and "?" not in b:
        # Both have a ``*`` and no ``?``: they share a string exactly when their literal heads
        # (before the first ``*``) and tails (after the last) agree — a string made of the longer
        # head, every middle literal of both, and the longer tail then matches both, each one's
        # stars absorbing the other's literals.
        head_a, head_b = a[: a.index("*")], b[: b.index("*")]
        tail_a, tail_b = a[a.rindex("*") + 1:], b[b.rindex("*") + 1:]
        return (head_a.startswith(head_b) or head_b.startswith(head_a)) and (
            tail_a.endswith(tail_b) or tail_b.endswith(tail_a)
        )
    # Row i, bit j: a[i:] and b[j:] share a string. With runs of stars collapsed, a star of ``b``
    # is followed by a non-star, so each row is computed from the previous one without a loop.
    a, b = _collapse_stars(a), _collapse_stars(b)
    m = len(b)
    masks = _char_masks(b)
    stars, ones = masks.get("*", 0), masks.get("?", 0)
    not_star = ((1 << m) - 1) & ~stars
    row = (1 << m) | ((1 << (m - 1)) if b.endswith("*") else 0)
    for char in reversed(a):
        if char == "*":
            row = _fill_below(row)
        else:
            fits = not_star if char == "?" else (masks.get(char, 0) | ones)
            advanced = (row >> 1) & fits
            row = advanced | (stars & (row | (advanced >> 1)))
            if not row:
                return False
    return bool(row & 1)
