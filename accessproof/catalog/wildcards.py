"""IAM wildcards: ``*`` is any run of characters, ``?`` any one character."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=8192)
def wildcard_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    return wildcard_regex(pattern, ignore_case).fullmatch(text) is not None


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def pattern_covers(general: str, specific: str, ignore_case: bool = False) -> bool:
    """Is every string matched by ``specific`` also matched by ``general``?

    Wildcards in ``specific`` are treated as literals of a pattern language: ``*`` in
    ``specific`` must be absorbed by a ``*`` in ``general``, ``?`` by a ``?`` or ``*``.
    """
    if ignore_case:
        general, specific = general.lower(), specific.lower()
    return _covers(general, specific)


@lru_cache(maxsize=65536)
def _covers(g: str, s: str) -> bool:
    if not has_wildcard(s):
        return wildcard_regex(g).fullmatch(s) is not None
    if not has_wildcard(g):
        return False  # a literal covers only itself, and ``s`` has a wildcard
    # Dynamic programming over (i, j): can g[i:] cover s[j:]?
    n, m = len(g), len(s)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[n][m] = True
    for i in range(n - 1, -1, -1):
        gc = g[i]
        for j in range(m, -1, -1):
            if gc == "*":
                reach[i][j] = reach[i + 1][j] or (j < m and reach[i][j + 1])
            elif j < m:
                sc = s[j]
                if gc == "?":
                    reach[i][j] = sc != "*" and reach[i + 1][j + 1]
                else:
                    reach[i][j] = sc == gc and reach[i + 1][j + 1]
    return reach[0][0]


def patterns_intersect(a: str, b: str, ignore_case: bool = False) -> bool:
    """Is there a string matched by both wildcard patterns?"""
    if ignore_case:
        a, b = a.lower(), b.lower()
    return _intersect(a, b)


@lru_cache(maxsize=65536)
def _intersect(a: str, b: str) -> bool:
    if not has_wildcard(a):
        return wildcard_regex(b).fullmatch(a) is not None
    if not has_wildcard(b):
        return wildcard_regex(a).fullmatch(b) is not None
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
    n, m = len(a), len(b)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            ac = a[i] if i < n else None
            bc = b[j] if j < m else None
            ok = False
            if ac == "*":
                ok = reach[i + 1][j] or (j < m and reach[i][j + 1])
            if not ok and bc == "*":
                ok = reach[i][j + 1] or (i < n and reach[i + 1][j])
            if not ok and ac is not None and bc is not None and ac != "*" and bc != "*":
                ok = (ac == "?" or bc == "?" or ac == bc) and reach[i + 1][j + 1]
            reach[i][j] = ok
    return reach[0][0]
