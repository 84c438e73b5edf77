"""The Ray executor on a local Ray instance (``ray.init`` with two CPUs): the same analyses as one
process, exceptions as in one process, a killed worker fails the map (``ShardFailed``)."""

from __future__ import annotations

from typing import Iterator

import pytest

from accessproof.analyzers import unused_service
from accessproof.analyzers.external import ACCOUNT, ExternalAccessAnalyzer, ZoneOfTrust
from accessproof.analyzers.unused import ORGANIZATION_UNUSED_ACCESS, settings_from_configuration
from accessproof.inventory import load_snapshot
from accessproof.parallel import SerialExecutor, ShardFailed, executor
from accessproof.parallel.ray import RayExecutor

from .snapshots import MANAGEMENT, NOW, write_organization, write_snapshot
from .workers import die_on_three, refuse_three, square


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_analyses_equal_one_process(local_ray, tmp_path):
    snapshot = load_snapshot(write_snapshot(tmp_path / "snap", 60, 0.25))
    zone = ZoneOfTrust.of(snapshot.account, ACCOUNT)
    expected = ExternalAccessAnalyzer(zone).analyze_snapshot(snapshot, executor=SerialExecutor())
    on_ray = RayExecutor()
    assert on_ray.workers == 2
    assert ExternalAccessAnalyzer(zone).analyze_snapshot(snapshot, executor=on_ray, min_parallel=1) == expected


def test_ray_unused_access_equals_one_process(local_ray, tmp_path, monkeypatch):
    """Accounts as Ray tasks (the workers read the account snapshots at the same path), one large
    account in parts: the same analysis as one process."""
    monkeypatch.setattr(unused_service, "PARALLEL_MIN_BYTES", 0)
    write_organization(tmp_path / "org", 4, 30)
    layout = unused_service.load_snapshot(tmp_path / "org")
    settings = settings_from_configuration(None, ORGANIZATION_UNUSED_ACCESS, MANAGEMENT)
    expected = unused_service.analyze_layout(layout, settings, NOW, SerialExecutor())
    got = unused_service.analyze_layout(layout, settings, NOW, RayExecutor())
    assert got.results == expected.results and got.accounts == expected.accounts
    assert len(expected.results) == 4 * 30


def test_ray_reads_log_shards_and_generates_as_one_process(local_ray, monkeypatch):
    """CloudTrail file shards read with DuckDB inside Ray tasks and merged; the policies of many
    principals generated as Ray tasks: what one local scan and generation give."""
    import accessproof.generate as generate
    from accessproof.generate import generate_for_principals, parse_time
    from accessproof.generate.collect import discover
    from accessproof.generate.reader import read_activity
    from accessproof.generate.shards import read_activity_in_shards
    from tests.generate.conftest import ALL_TIME, CORPUS
    from tests.generate.test_many_principals import _principals

    monkeypatch.setattr(generate, "PARALLEL_MIN_PRINCIPALS", 1)
    files = discover([str(CORPUS)]).files
    local = read_activity(files)
    on_ray = read_activity_in_shards(files, RayExecutor())
    def aggregates(activity) -> set:
        return {g._replace(caller="") for g in activity.groups}

    assert aggregates(on_ray) == aggregates(local) and len(on_ray.groups) == len(local.groups)
    principals = _principals()
    start, end = (parse_time(t) for t in ALL_TIME)
    expected = [r.generated_policy_result() for r in generate_for_principals(local, principals, start=start, end=end)]
    got = [r.generated_policy_result() for r in generate_for_principals(on_ray, principals, start=start, end=end,
                                                                         executor=RayExecutor())]
    assert got == expected and len(got) == len(principals)


def test_generate_policy_ray_option_writes_what_the_local_run_writes(local_ray, tmp_path):
    """``generate-policy --ray`` (in this process, on the Ray already started): the same files."""
    import json

    from typer.testing import CliRunner

    from accessproof.cli.main import app, register
    from tests.generate.conftest import ALL_TIME, CORPUS
    from tests.generate.test_many_principals import _principals

    register()
    base = ["generate-policy", "--cloudtrail", str(CORPUS), "--start-time", ALL_TIME[0], "--end-time", ALL_TIME[1],
            *[a for p in _principals() for a in ("--principal-arn", p)]]
    outputs = {}
    for name, extra in (("local", ["--workers", "1"]), ("ray", ["--ray", "local"])):
        run = CliRunner().invoke(app, [*base, "--output-dir", str(tmp_path / name), *extra])
        assert run.exit_code == 0, run.output
        outputs[name] = {f.name: json.loads(f.read_text()) for f in (tmp_path / name).iterdir()}
    assert outputs["ray"] == outputs["local"] and len(outputs["local"]) == len(_principals())


def test_ray_maps_in_order_and_raises_as_one_process(local_ray):
    on_ray = executor(ray_address="local")
    assert isinstance(on_ray, RayExecutor)
    assert on_ray.map(square, list(range(10))) == [n * n for n in range(10)]
    with pytest.raises(ValueError, match="three is refused"):
        on_ray.map(refuse_three, list(range(6)))


def test_a_killed_ray_worker_fails_the_map(local_ray):
    with pytest.raises(ShardFailed, match="Ray: .*nothing was recorded"):
        RayExecutor().map(die_on_three, list(range(6)), describe=lambda i: f"item {i}")
    assert RayExecutor().map(square, [2, 3]) == [4, 9]  # the cluster still works
