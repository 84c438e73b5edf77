"""Validate every current AWS managed policy with accessproof and with parliament, in one process.

    .venv/bin/python bench/validate_corpus.py [--community] [--all-versions] [--processes [--rounds N] [--accepted-only]]

``--community`` adds parliament's community auditors; ``--all-versions`` first validates all
3,795 recorded versions under all four policy types and counts exceptions. Prints the wall time of each, the ratio, and the findings counted by type. parliament is the
best-known open-source IAM linter (installed from PyPI with the ``bench`` extra).

``--processes`` also times both commands as a user runs them, side by side: every policy written
one file each into a folder, then ``accessproof validate-policy DIR`` (every core, and
``--workers 1``) and ``parliament --directory DIR`` as processes (start-up, file reading and output
included; wall time, and CPU time of each command and the processes it started), ``--rounds N``
times in turn (default 3), medians printed. accessproof exits 2: the 11 policies over 32,768
characters are reported as refused (InvalidPolicy), as AWS refuses them, and the rest validated;
parliament analyses those 11 too, which takes it a few seconds, so ``--accepted-only`` leaves them
out of the folder for both commands.

Figures of 2026-12-04 (2 cores shared with other work; medians of 7 rounds): on all 1,390 files,
``validate-policy DIR`` 2.11 s, ``--workers 1`` 2.60 s, parliament 12.08 s: 5.8x (4.5x on one
worker); on the 1,379 accepted ones (``--accepted-only``) 1.91 s, 2.61 s and 7.84 s: 4.4x (3.1x).
Before the command's start-up and exit were cut, the 1,379 took 3.41 s (2.5x parliament, measured
in the same rounds). README, "Benchmarks", has the table.
"""

from __future__ import annotations

import collections
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import current_policies  # noqa: E402

from accessproof.validate.engine import InvalidRequest, validate_policy  # noqa: E402
from accessproof.validate.rules.size import is_refused  # noqa: E402


def run_accessproof(policies: list[tuple[str, str]]) -> tuple[float, collections.Counter]:
    counts: collections.Counter = collections.Counter()
    start = time.perf_counter()
    for _, text in policies:
        try:
            findings, _ = validate_policy(text, "IDENTITY_POLICY")
        except InvalidRequest:  # over 32 KiB: refused as a whole, as AWS refuses it
            counts["refused (InvalidPolicy)"] += 1
            continue
        counts.update(f.finding_type for f in findings)
    return time.perf_counter() - start, counts


def run_parliament(policies: list[tuple[str, str]], community: bool) -> tuple[float, int]:
    import parliament

    logging.disable(logging.CRITICAL)  # parliament logs every unknown action
    findings = 0
    start = time.perf_counter()
    for name, text in policies:
        result = parliament.analyze_policy_string(text, filepath=name, include_community_auditors=community)
        findings += len(result.findings)
    return time.perf_counter() - start, findings


def check_every_version() -> None:
    """Every recorded version of every managed policy, under all four policy types: no exception."""
    from corpus import managed_policy_records

    import json

    records = list(managed_policy_records())
    start = time.perf_counter()
    failures = refused = 0
    for r in records:
        text = json.dumps(r["document"], indent=4)
        for policy_type in ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
            try:
                validate_policy(text, policy_type)
            except InvalidRequest:  # over 32 KiB: refused as a whole, as AWS refuses it
                refused += 1
            except Exception as e:  # noqa: BLE001 - the point is to count them
                failures += 1
                print(f"  exception on {r['name']} v{r['versionId']} ({policy_type}): {e!r}")
    print(f"all versions: {len(records)} documents x 4 policy types in {time.perf_counter() - start:.1f} s, "
          f"{failures} exceptions, {refused} refused as too large")


def _rounds() -> int:
    if "--rounds" in sys.argv:
        return max(1, int(sys.argv[sys.argv.index("--rounds") + 1]))
    return 3


def _median(values) -> float:
    import statistics

    return statistics.median(list(values))


def run_commands(policies: list[tuple[str, str]], community: bool) -> None:
    """Both commands as processes on one folder of policy files."""
    import shutil
    import tempfile

    from scale import timed

    bin_dir = Path(sys.executable).parent
    parliament_command = shutil.which("parliament", path=str(bin_dir)) or shutil.which("parliament")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "policies"
        folder.mkdir()
        # Every policy, those ValidatePolicy refuses as too large included: validate-policy reports
        # them in their place and exits 2, parliament analyses them (a few seconds of its time);
        # --accepted-only leaves them out, for both.
        refused = sum(1 for _, text in policies if is_refused(text))
        if "--accepted-only" in sys.argv:
            policies = [(name, text) for name, text in policies if not is_refused(text)]
            print(f"as processes: {len(policies)} policy files ({refused} refused as too large left out)")
        else:
            print(f"as processes: {len(policies)} policy files ({refused} of them refused by ValidatePolicy as too large)")
        for index, (name, text) in enumerate(policies):
            (folder / f"{index:05d}-{name}.json").write_text(text)
        base = [sys.executable, "-m", "accessproof.cli.main", "validate-policy", str(folder), "--fail-on", "NONE"]
        commands = {"accessproof validate-policy DIR": base,
                    "accessproof validate-policy DIR --workers 1": base + ["--workers", "1"]}
        if parliament_command:
            extra = ["--include-community-auditors"] if community else []
            commands["parliament --directory DIR"] = [parliament_command, "--directory", str(folder), *extra]
        rounds = _rounds()
        runs: dict[str, list[dict]] = {label: [] for label in commands}
        for _ in range(rounds):  # in turn, so that a change of the machine's load reaches all three
            for label, command in commands.items():
                runs[label].append(timed(command))
        print(f"medians of {rounds} rounds (wall, and CPU of the command and every process it started):")
        for label, done in runs.items():
            print(f"{label:45s} wall {_median(r['wall'] for r in done):6.2f} s  "
                  f"cpu {_median(r['cpu'] for r in done):6.2f} s  exit {done[-1]['code']}")
        if parliament_command:
            theirs = runs["parliament --directory DIR"]
            for label in ("accessproof validate-policy DIR", "accessproof validate-policy DIR --workers 1"):
                ratio = _median(t["wall"] / o["wall"] for t, o in zip(theirs, runs[label]))
                print(f"{label} is {ratio:.1f}x faster than parliament --directory (wall, median of the rounds' ratios)")
        else:
            print("parliament: command not found (pip install '.[bench]')")


def main() -> None:
    community = "--community" in sys.argv
    if "--all-versions" in sys.argv:
        check_every_version()
    policies = current_policies()
    print(f"corpus: {len(policies)} current AWS managed policies")
    # Load each tool's data once before timing, as a long-running process would have it.
    validate_policy(next(text for _, text in policies if not is_refused(text)), "IDENTITY_POLICY")
    ours, counts = run_accessproof(policies)
    print(f"accessproof: {ours:8.2f} s  ({len(policies) / ours:7.0f} policies/s)  findings: {dict(counts)}")
    try:
        import parliament  # noqa: F401
    except ImportError:
        print("parliament: not installed (pip install '.[bench]')")
        return
    run_parliament(policies[:1], community)
    theirs, n = run_parliament(policies, community)
    label = "parliament (+community auditors)" if community else "parliament"
    print(f"{label}:  {theirs:8.2f} s  ({len(policies) / theirs:7.0f} policies/s)  findings: {n}")
    print(f"accessproof is {theirs / ours:.1f}x faster than parliament")
    if "--processes" in sys.argv:
        run_commands(policies, community)


if __name__ == "__main__":
    main()
