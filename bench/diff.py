"""Benchmark and cross-check of the access delta (``accessproof diff``) on the managed-policy corpus.

Every consecutive version pair of every AWS managed policy (``old → new``, as the corpus orders
them) is diffed in both directions (added and removed actions). Cross-checks, independent of the
delta's own enumeration:

- the delta is empty exactly when CheckNoNewAccess(new, old) passes (a proof of no new access) —
  except where the check's only new access is on actions of services the catalog does not know
  (the delta lists catalog actions; such pairs are listed apart) or the delta is flagged incomplete;
- every listed action's witness is replayed by the evaluator as new access (inside the delta, and
  again here through ``checks.common.replay``);
- for a sample of the catalog actions the new version's Allow statements name and the delta does
  not list, CheckNoNewAccess of both versions restricted to that action (a ``Deny`` on
  ``NotAction``) passes: no listed action is missing.

    python bench/diff.py [--sample] [--limit N] [--per-pair-sample K]

prints the figures (time per pair: median, p95, max; actions listed) as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import MANAGED_POLICIES, MANAGED_POLICIES_SAMPLE, managed_policy_records  # noqa: E402

from accessproof.catalog import default_catalog  # noqa: E402
from accessproof.checks import CheckUndecided, check_no_new_access  # noqa: E402
from accessproof.checks.common import IDENTITY_POLICY, replay  # noqa: E402
from accessproof.delta import policy_delta  # noqa: E402
from accessproof.evaluate import IDENTITY, compile_policy_text  # noqa: E402
from accessproof.reason import Concrete  # noqa: E402


def pairs(records: list[dict]) -> list[tuple[str, str, str, dict, dict]]:
    """(name, old version, new version, old document, new document) of consecutive versions."""
    out = []
    previous: dict[str, dict] = {}
    for r in records:
        before = previous.get(r["name"])
        if before is not None:
            out.append((r["name"], before["versionId"], r["versionId"], before["document"], r["document"]))
        previous[r["name"]] = r
    return out


def _restricted(document: dict, action: str) -> str:
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return json.dumps({"Version": "2012-10-17", "Statement": statements + [
        {"Effect": "Deny", "NotAction": action, "Resource": "*"}]})


def _named_actions(document: dict) -> set[str]:
    catalog = default_catalog()
    out: set[str] = set()
    statements = document.get("Statement", [])
    for s in statements if isinstance(statements, list) else [statements]:
        if not isinstance(s, dict) or s.get("Effect") != "Allow" or "Action" not in s:
            continue
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        for pattern in actions:
            if pattern == "*" or ":" not in pattern:
                continue
            prefix, _, name = pattern.partition(":")
            service = catalog.service(prefix)
            if service is not None:
                out.update(a.full_name for a in service.match_actions(name))
    return out


def check_pair(old: dict, new: dict, per_pair_sample: int, rng: random.Random) -> dict:
    old_text, new_text = json.dumps(old), json.dumps(new)
    start = time.perf_counter()
    delta = policy_delta(old_text, new_text, IDENTITY_POLICY)
    elapsed = time.perf_counter() - start
    errors: list[str] = []
    proof = check_no_new_access(newPolicyDocument=new_text, existingPolicyDocument=old_text, policyType=IDENTITY_POLICY)
    incomplete = not delta.added.complete or not delta.removed.complete
    outside = proof.result == "FAIL" and default_catalog().action(proof.witness["action"]) is None
    if not delta.added.complete or (outside and not delta.added.actions):
        pass  # listed apart: an incomplete delta, or new access only on actions the catalog does not know
    elif (proof.result == "FAIL") != bool(delta.added.actions or delta.added.unconfirmed):
        errors.append(f"CheckNoNewAccess says {proof.result}, the delta lists {len(delta.added.actions)} actions")
    compiled_old = compile_policy_text(old_text, "old", IDENTITY)
    compiled_new = compile_policy_text(new_text, "new", IDENTITY)
    for access in delta.added.actions:
        w = access.witness
        if w["context"]:
            continue  # context values are typed by the delta's own replay; the plain ones are replayed here
        request = Concrete(w["principal"], w["action"], w["resource"], {}, True)
        if not replay(compiled_new, request, IDENTITY_POLICY).allowed or replay(compiled_old, request, IDENTITY_POLICY).allowed:
            errors.append(f"witness of {access.action} does not replay")
    listed = {a.action.lower() for a in delta.added.actions}
    unlisted = sorted(a for a in _named_actions(new) if a.lower() not in listed)
    undecided = 0
    for action in rng.sample(unlisted, min(per_pair_sample, len(unlisted))):
        try:
            result = check_no_new_access(newPolicyDocument=_restricted(new, action),
                                         existingPolicyDocument=_restricted(old, action), policyType=IDENTITY_POLICY)
        except CheckUndecided:
            undecided += 1  # the cross-check itself could not decide (policy variables): not counted either way
            continue
        if result.result != "PASS":
            errors.append(f"{action} is not listed but CheckNoNewAccess restricted to it FAILs")
    return {"seconds": elapsed, "added": len(delta.added.actions), "removed": len(delta.removed.actions),
            "unconfirmed": len(delta.added.unconfirmed) + len(delta.removed.unconfirmed), "incomplete": incomplete,
            "outside_catalog": outside, "cross_checks_undecided": undecided, "errors": errors}


def run(records: list[dict], limit: int = 0, per_pair_sample: int = 3, seed: int = 15) -> dict:
    rng = random.Random(seed)
    chosen = pairs(records)
    if limit:
        chosen = chosen[:limit]
    results = []
    for name, old_version, new_version, old, new in chosen:
        r = check_pair(old, new, per_pair_sample, rng)
        r["pair"] = f"{name} {old_version}->{new_version}"
        results.append(r)
    times = sorted(r["seconds"] for r in results)
    return {
        "pairs": len(results),
        "seconds_total": round(sum(times), 2),
        "seconds_median": round(statistics.median(times), 4) if times else 0,
        "seconds_p95": round(times[int(0.95 * (len(times) - 1))], 4) if times else 0,
        "seconds_max": round(times[-1], 3) if times else 0,
        "slowest": max(results, key=lambda r: r["seconds"])["pair"] if results else None,
        "actions_added_total": sum(r["added"] for r in results),
        "actions_removed_total": sum(r["removed"] for r in results),
        "pairs_with_new_access": sum(1 for r in results if r["added"]),
        "unconfirmed": sum(r["unconfirmed"] for r in results),
        "incomplete": [r["pair"] for r in results if r["incomplete"]],
        "new_access_outside_catalog": [r["pair"] for r in results if r["outside_catalog"]],
        "cross_checks_undecided": sum(r["cross_checks_undecided"] for r in results),
        "errors": [f"{r['pair']}: {e}" for r in results for e in r["errors"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", action="store_true", help="the repository's sample instead of the shared corpus")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pairs")
    parser.add_argument("--per-pair-sample", type=int, default=3, help="unlisted actions cross-checked per pair")
    args = parser.parse_args()
    records = list(managed_policy_records(MANAGED_POLICIES_SAMPLE if args.sample else MANAGED_POLICIES))
    print(json.dumps(run(records, args.limit, args.per_pair_sample), indent=2))


if __name__ == "__main__":
    main()
