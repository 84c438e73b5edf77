"""Hostile inputs: time against input size, to show that it grows linearly.

Each section prints one table; ``main()`` runs the sections asked for (all by default).

- ``wildcards``: a wildcard ``a*a*…a*b`` with k stars matched against ``a…ab`` with k ``a``
  (a match: every chunk is searched for) and against ``aaa…a`` (no match), by pattern length:
  ``policy.wildcards`` against the backtracking regular expression the evaluator used to
  build, which doubles its time with each ``*`` on the text without a match;
- ``runs``: ``*a?a?…a?b*`` (one chunk of k runs between two stars) against ``a…a`` five times
  as long (no match): the chunk search checks places run by run, then turns to shift-and; shown
  against checking every place run by run (what it did before the shift-and fallback) and the
  old regex;
- ``arn-formats``: a hostile ARN against the catalog's format with the most placeholders in its
  resource part (six), against the regex built from that format (time n^6);
- ``algebra``: ``patterns_intersect`` and ``pattern_covers`` on two adversarial patterns,
  against the quadratic table of lists they used to fill;
- ``policies``: a policy whose ``Resource`` is the adversarial wildcard, through
  ``simulate_custom_policy``, ``check_access_not_granted`` and ``validate_policy``.

The old implementations run in a child process that is stopped after ``--cap`` seconds (a
backtracking regex cannot be interrupted otherwise); past the first length that hits the cap,
larger lengths are not tried.

    python bench/adversarial.py [--section wildcards ...] [--cap 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import accessproof  # noqa: E402
from accessproof.catalog import default_catalog  # noqa: E402
from accessproof.checks import check_access_not_granted  # noqa: E402
from accessproof.policy import wildcards as wildcard_module  # noqa: E402
from accessproof.policy.wildcards import _covers, _intersect, compile_pieces, compile_wildcard  # noqa: E402

LENGTHS = (10, 100, 1_000, 10_000, 100_000)


# ------------------------------------------------------------------ helpers


def per_call(function: Callable[[], object], budget: float = 0.2) -> float:
    """Seconds per call, repeated for about ``budget`` seconds (at least once)."""
    count, start = 0, time.perf_counter()
    while True:
        function()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return elapsed / count


def _child(function, args, pipe) -> None:
    start = time.perf_counter()
    function(*args)
    pipe.send(time.perf_counter() - start)


def capped(function: Callable, args: tuple, cap: float) -> Optional[float]:
    """Seconds one call takes in a child process, or None when it did not end within ``cap``."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(function, args, sender))
    child.start()
    child.join(cap)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return receiver.recv() if receiver.poll() else None


def show(seconds: Optional[float], cap: float) -> str:
    if seconds is None:
        return f"> {cap:g} s (stopped)"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.1f} ms"
    return f"{seconds:,.2f} s"


def table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))


def adversarial(length: int) -> str:
    """``a*a*…a*b`` of about ``length`` characters."""
    return "a*" * max(1, (length - 1) // 2) + "b"


# ------------------------------------------------------------------ the old implementations


def old_regex(pattern: str) -> re.Pattern[str]:
    """The regex ``evaluate.patterns.static_regex`` built (plain, case-sensitive)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def old_match(pattern: str, text: str) -> bool:
    return old_regex(pattern).fullmatch(text) is not None


def old_arn_format_regex(arn_format: str) -> re.Pattern[str]:
    out = []
    for i, part in enumerate(arn_format.split(":", 5)):
        pieces = re.split(r"(\$\{[^}]+\})", part)
        out.append("".join(("[^:]*" if i < 5 else ".*") if p.startswith("${") else re.escape(p) for p in pieces))
    return re.compile(":".join(out), re.DOTALL)


def old_format_match(arn_format: str, arn: str) -> bool:
    return old_arn_format_regex(arn_format).fullmatch(arn) is not None


def checked_run_by_run(pattern: str, text: str) -> bool:
    """The chunk search without its shift-and fallback: every place found checked run by run."""
    wildcard_module._CHECKS_FREE = 10 ** 18  # in the child process only
    return wildcard_module._compile(((pattern, False),), False, False).matches(text)


def old_covers(g: str, s: str) -> bool:
    n, m = len(g), len(s)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[n][m] = True
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            if g[i] == "*":
                reach[i][j] = reach[i + 1][j] or (j < m and reach[i][j + 1])
            elif j < m:
                reach[i][j] = (s[j] != "*" if g[i] == "?" else s[j] == g[i]) and reach[i + 1][j + 1]
    return reach[0][0]


# ------------------------------------------------------------------ sections


def wildcards(cap: float) -> None:
    rows, old_stopped = [], False
    for length in LENGTHS:
        pattern = adversarial(length)
        stars = pattern.count("*")
        matching, failing = "a" * stars + "b", "a" * length
        compiled = compile_wildcard(pattern)
        assert compiled.matches(matching) and not compiled.matches(failing)
        match, no_match = per_call(lambda: compiled.matches(matching)), per_call(lambda: compiled.matches(failing))
        # Compiling, uncached (patterns longer than CACHE_LIMIT are compiled at each use).
        compiling = per_call(lambda: compile_pieces.__wrapped__(((pattern, False),), False, False))
        old = None if old_stopped else capped(old_match, (pattern, failing), cap)
        rows.append((f"{len(pattern):,}", f"{stars:,}", show(match, cap), show(no_match, cap), show(compiling, cap),
                     "not tried" if old_stopped else show(old, cap)))
        old_stopped = old_stopped or old is None
    table("wildcards: a*a*…a*b against a…ab (match) and aaa…a (no match)",
          ("pattern chars", "stars", "match", "no match", "compile", "regex, no match (compile + match)"), rows)


def runs(cap: float) -> None:
    rows, stopped = [], {"checks": False, "regex": False}
    for length in LENGTHS[:4]:
        pattern = "*" + "a?" * max(1, (length - 3) // 2) + "b*"
        text = "a" * (5 * length)
        compiled = compile_wildcard(pattern)
        assert not compiled.matches(text)
        new = per_call(lambda: compiled.matches(text), 0.1)
        timed = {}
        for name, function in (("checks", checked_run_by_run), ("regex", old_match)):
            timed[name] = None if stopped[name] else capped(function, (pattern, text), cap)
        rows.append((f"{len(pattern):,}", f"{len(text):,}", show(new, cap),
                     *("not tried" if stopped[n] else show(timed[n], cap) for n in ("checks", "regex"))))
        for name in stopped:
            stopped[name] = stopped[name] or timed[name] is None
    table("runs: *a?a?…a?b* against aaa…a (no match)",
          ("pattern chars", "text chars", "policy.wildcards", "run-by-run checks only", "regex (compile + match)"), rows)


def arn_formats(cap: float) -> None:
    types = default_catalog().service("partnercentral").resource_types.values()
    rtype = max(types, key=lambda rt: rt.arn_format.split(":", 5)[-1].count("${"))
    rows, old_stopped = [], False
    for repeats in (1, 10, 100, 1_000, 10_000):
        arn = "arn:aws:partnercentral:us-east-1:123456789012:catalog/" + "/engagement/resource/template/" * repeats + "x"
        assert not rtype.matches_arn(arn)
        new = per_call(lambda: rtype.matches_arn(arn))
        old = None if old_stopped else capped(old_format_match, (rtype.arn_format, arn), cap)
        rows.append((f"{len(arn):,}", show(new, cap), "not tried" if old_stopped else show(old, cap)))
        old_stopped = old_stopped or old is None
    placeholders = rtype.arn_format.split(":", 5)[-1].count("${")
    table(f"ARN formats: a hostile ARN against {rtype.key} ({placeholders} placeholders in the resource part)",
          ("ARN chars", "policy.wildcards", "format regex"), rows)


def algebra(cap: float) -> None:
    rows, old_stopped = [], False
    for length in LENGTHS[:4]:
        a, b = adversarial(length), "?a*" * max(1, length // 3) + "b"
        # The uncached functions: short pairs would otherwise be answered from the cache.
        new_intersect = per_call(lambda: _intersect.__wrapped__(a, b), 0.1)
        new_covers = per_call(lambda: _covers.__wrapped__(a, b + "c"), 0.1)
        old = None if old_stopped else capped(old_covers, (a, b + "c"), cap)
        rows.append((f"{len(a):,} × {len(b):,}", show(new_intersect, cap), show(new_covers, cap),
                     "not tried" if old_stopped else show(old, cap)))
        old_stopped = old_stopped or old is None
    table("algebra: two adversarial patterns (bit-set rows; the old covers filled an (n+1)×(m+1) table of lists)",
          ("pattern chars", "patterns_intersect", "pattern_covers", "old pattern_covers"), rows)


def policies(cap: float) -> None:
    iam, analyzer = accessproof.client("iam"), accessproof.client("accessanalyzer")
    rows = []
    for length in LENGTHS[:4]:
        pattern = adversarial(length)
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{pattern}"}]})
        # IAM caps ResourceArns at 2,048 characters (SimulateCustomPolicy's model, which the client enforces).
        resource = "arn:aws:s3:::" + "a" * min(length, 2_000)

        def simulate() -> str:
            return iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"],
                                              ResourceArns=[resource])["EvaluationResults"][0]["EvalDecision"]
        assert simulate() == "implicitDeny"
        rows.append((f"{len(pattern):,}", show(per_call(simulate, 0.1), cap),
                     show(per_call(lambda: check_access_not_granted(policy, [{"actions": ["s3:GetObject"]}],
                                                                    "IDENTITY_POLICY"), 0.1), cap),
                     show(per_call(lambda: analyzer.validate_policy(policyDocument=policy,
                                                                    policyType="IDENTITY_POLICY"), 0.1), cap)))
    table("policies: Resource arn:aws:s3:::a*a*…a*b against arn:aws:s3:::aaa…a of at most 2,000 a "
          "(each call parses, compiles and decides)",
          ("pattern chars", "simulate_custom_policy", "check_access_not_granted", "validate_policy"), rows)


SECTIONS: dict[str, Callable[[float], None]] = {
    "wildcards": wildcards,
    "runs": runs,
    "arn-formats": arn_formats,
    "algebra": algebra,
    "policies": policies,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", action="append", choices=sorted(SECTIONS),
                        help="run only this section (repeatable; default: all)")
    parser.add_argument("--cap", type=float, default=2.0, help="seconds an old implementation may run (default 2)")
    args = parser.parse_args()
    for name in args.section or SECTIONS:
        SECTIONS[name](args.cap)


if __name__ == "__main__":
    main()
