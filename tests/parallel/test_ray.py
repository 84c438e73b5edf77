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
