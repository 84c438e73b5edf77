"""``generate-policy`` for several principals reads the logs once (grouped by principal) and gives
each principal exactly what generating for it alone gives."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from accessproof.cli.generate import result_file_name
from accessproof.cli.inputs import InputError
from accessproof.cli.main import app, register
from accessproof.generate import generate_from_activity, split_activity
from accessproof.generate.reader import read_activity
from accessproof.generate.collect import discover

from .conftest import ALL_TIME, CORPUS, corpus_events

register()
runner = CliRunner()
NOBODY = "arn:aws:iam::111122223333:role/never-seen"


def _principals() -> list[str]:
    """The corpus' most active users and roles (by session issuer), and one that never acted."""
    counts: Counter = Counter()
    for event in corpus_events():
        identity = event.get("userIdentity", {})
        arn = (identity.get("sessionContext", {}).get("sessionIssuer", {}).get("arn") or identity.get("arn") or "")
        if ":iam::" in arn and (":user/" in arn or ":role/" in arn):
            counts[arn] += 1
    chosen = [arn for arn, _ in counts.most_common(8)]
    assert any(":role/" in a for a in chosen) and any(":user/" in a for a in chosen)
    return [*chosen, NOBODY]


def _generate(*args: str):
    return runner.invoke(app, ["generate-policy", "--cloudtrail", str(CORPUS), "--start-time", ALL_TIME[0],
                               "--end-time", ALL_TIME[1], *args])


def test_one_scan_for_many_gives_each_what_one_scan_each_gives(tmp_path: Path) -> None:
    principals = _principals()
    out = tmp_path / "policies"
    many = _generate(*[a for p in principals for a in ("--principal-arn", p)], "--output-dir", str(out))
    assert many.exit_code == 0, many.output
    summary = json.loads(many.stdout)
    assert [g["principalArn"] for g in summary["generated"]] == principals
    for principal in principals:
        alone = _generate("--principal-arn", principal)
        assert alone.exit_code == 0, alone.output
        written = json.loads((out / result_file_name(principal)).read_text())
        assert written == json.loads(alone.stdout), principal
    active = [g for g in summary["generated"] if g["callsOfPrincipal"] > 0]
    assert len(active) == len(principals) - 1 and all(g["policies"] >= 1 for g in active)
    assert json.loads((out / result_file_name(NOBODY)).read_text())["accessproof"]["callsOfPrincipal"] == 0


def test_split_activity_matches_selected_scans() -> None:
    files = discover([str(CORPUS)]).files
    everyone = read_activity(files)
    split = split_activity(everyone, _principals())
    for principal, own in split.items():
        from accessproof.generate.reader import PrincipalSelector

        alone = read_activity(files, PrincipalSelector.parse(principal))
        assert own.events_read == alone.events_read and own.data_end == alone.data_end
        one = generate_from_activity(principal, own, validate=False).generated_policy_result()
        two = generate_from_activity(principal, alone, validate=False).generated_policy_result()
        assert one == two, principal


def test_several_principals_need_an_output_dir_and_no_existing_policy(tmp_path: Path) -> None:
    two = ("--principal-arn", NOBODY, "--principal-arn", "arn:aws:iam::111122223333:user/u")
    # (main() prints an InputError on one line and exits 2; the runner shows the exception.)
    result = _generate(*two)
    assert isinstance(result.exception, InputError) and "--output-dir" in str(result.exception)
    policy = tmp_path / "p.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}')
    result = _generate(*two, "--output-dir", str(tmp_path / "o"), "--existing-policy", str(policy))
    assert isinstance(result.exception, InputError) and "--existing-policy" in str(result.exception)
    assert isinstance(_generate().exception, InputError)


def test_many_principals_on_two_workers_give_what_one_process_gives(monkeypatch) -> None:
    import accessproof.generate as generate
    from accessproof.parallel import LocalExecutor, SerialExecutor

    monkeypatch.setattr(generate, "PARALLEL_MIN_PRINCIPALS", 1)
    everyone = read_activity(discover([str(CORPUS)]).files)
    principals = _principals()
    start, end = (generate.parse_time(t) for t in ALL_TIME)
    alone = [r.generated_policy_result() for r in generate.generate_for_principals(
        everyone, principals, start=start, end=end, executor=SerialExecutor())]
    workers = LocalExecutor(2)
    try:
        spread = [r.generated_policy_result() for r in generate.generate_for_principals(
            everyone, principals, start=start, end=end, executor=workers)]
    finally:
        workers.close()
    assert spread == alone
    assert sum(1 for r in alone if r["generatedPolicies"]) == len(principals) - 1


def test_workers_below_one_are_refused_even_for_one_principal() -> None:
    run = _generate("--principal-arn", _principals()[0], "--workers", "0")
    assert isinstance(run.exception, InputError) and "--workers must be at least 1, not 0" in str(run.exception)
