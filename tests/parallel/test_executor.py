"""``accessproof.parallel``: results in order, exceptions as in one process, a dead worker fails the map."""

from __future__ import annotations

import os

import pytest

from accessproof.parallel import LocalExecutor, SerialExecutor, ShardFailed, executor, local_cores, split

from .workers import die_on_three, pid_and, refuse_three, square


def test_split_keeps_order_and_balances():
    assert split(list(range(10)), 3) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert split(list(range(2)), 8) == [[0], [1]]
    assert split([], 4) == []
    for parts in range(1, 12):
        chunks = split(list(range(23)), parts)
        assert [x for c in chunks for x in c] == list(range(23))
        assert max(map(len, chunks)) - min(map(len, chunks)) <= 1


def test_local_pool_returns_results_in_payload_order_from_several_processes():
    payloads = list(range(40))
    results = LocalExecutor(2).map(pid_and, payloads)
    assert [n for _, n in results] == payloads
    assert len({pid for pid, _ in results}) == 2 and os.getpid() not in {pid for pid, _ in results}
    assert LocalExecutor(2).map(square, payloads) == SerialExecutor().map(square, payloads)


def test_an_exception_in_the_function_propagates_as_in_one_process():
    with pytest.raises(ValueError, match="three is refused"):
        LocalExecutor(2).map(refuse_three, list(range(8)))
    with pytest.raises(ValueError, match="three is refused"):
        SerialExecutor().map(refuse_three, list(range(8)))


def test_a_killed_worker_fails_the_map_and_names_a_shard():
    pool = LocalExecutor(2)
    with pytest.raises(ShardFailed, match=r"a worker died \(.+\) before shard .* was done; nothing was recorded"):
        pool.map(die_on_three, list(range(8)), describe=lambda i: f"item {i}")
    assert pool.map(square, [1, 2, 3]) == [1, 4, 9]  # the next map starts a new pool
    pool.close()


def test_choosing_the_executor(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert isinstance(executor(1), SerialExecutor)
    assert executor(3).workers == 3
    assert executor().workers == local_cores() >= 1
    with pytest.raises(ValueError):
        executor(0)
