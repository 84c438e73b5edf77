"""Running independent pieces of work on every core (or a Ray cluster), results in order.

The analyses are CPU-bound Python and z3, so the local executor uses processes. An executor maps a
module-level function over a list of payloads and returns the results in the payloads' order,
whatever order the workers finish in: the callers (external analysis, ``validate-policy DIR``)
then produce exactly what one worker produces.

A worker that dies (killed, out of memory) fails the whole map with ``ShardFailed``, which names
the shard; no partial result is returned, so a caller that writes only after the map (the
findings store records an analysis in one transaction) keeps nothing half-done, and a rerun
starts afresh. An exception raised by the function itself propagates unchanged, as it would in
one process.

This package knows nothing of what it runs; it imports no other accessproof layer.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol, Sequence, TypeVar

from .errors import ShardFailed

P = TypeVar("P")
R = TypeVar("R")

# Modules the local workers' parent process (the forkserver) imports once, so that each worker
# starts with them loaded. None by default: the caller names its engines.
PRELOAD: tuple[str, ...] = ()
# Environment variable naming a Ray cluster (as Ray itself reads it).
RAY_ADDRESS_VARIABLE = "RAY_ADDRESS"


class Executor(Protocol):
    workers: int

    def map(self, function: Callable[[P], R], payloads: Sequence[P],
            describe: Optional[Callable[[int], str]] = None) -> list[R]: ...


def local_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def split(items: Sequence[P], parts: int) -> list[list[P]]:
    """``items`` in at most ``parts`` contiguous, non-empty runs of nearly equal length, in order."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return [part for part in out if part]


@dataclass(frozen=True)
class ByName:
    """The function ``name`` of module ``module``, called in the worker: the process that maps it
    need not import that module (a function object is pickled by reference, but it must be had
    first). The module is imported once per worker, or beforehand by the forkserver's preload."""

    module: str
    name: str

    def __call__(self, payload: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.name)(payload)


def _describe_default(index: int) -> str:
    return f"payload {index + 1}"


def _exit_reason(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return "exited" if code is None else f"exited with status {code}"


@dataclass
class SerialExecutor:
    """In this process, one payload after the other (``--workers 1``)."""

    workers: int = 1

    def map(self, function: Callable[[P], R], payloads: Sequence[P],
            describe: Optional[Callable[[int], str]] = None) -> list[R]:
        return [function(payload) for payload in payloads]


@dataclass
class LocalExecutor:
    """A pool of ``workers`` processes (default: every local core), started from a forkserver that
    has imported the engines (``preload``): no fork of this process's threads or open databases.
    The pool is started at the first map and kept for the next ones (``close`` ends it); a map
    that loses a worker discards it."""

    workers: int = 0
    preload: tuple[str, ...] = PRELOAD
    _pool: Optional[ProcessPoolExecutor] = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.workers <= 0:
            self.workers = local_cores()

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(self.preload))
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    def start(self) -> None:
        """Start the forkserver now, so that its imports (``preload``) overlap what the caller does
        before its first map (reading the input); the workers themselves start at the first map."""
        if self.workers > 1:
            self._started()
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, function: Callable[[P], R], payloads: Sequence[P],
            describe: Optional[Callable[[int], str]] = None) -> list[R]:
        if self.workers == 1 or len(payloads) <= 1:
            return SerialExecutor().map(function, payloads)
        describe = describe or _describe_default
        pool = self._started()
        futures = [pool.submit(function, payload) for payload in payloads]
        processes = list((getattr(pool, "_processes", None) or {}).values())  # to say how one died
        results: list[R] = []
        for index, future in enumerate(futures):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                for process in processes:
                    process.join(timeout=1)
                # The pool ends the surviving workers with SIGTERM: the dead one's code is another.
                processes += [p for p in (getattr(pool, "_processes", None) or {}).values() if p not in processes]
                codes = sorted((p.exitcode for p in processes if p.exitcode),
                               key=lambda c: (c == -signal.SIGTERM, c > 0))
                self._pool = None
                pool.shutdown(wait=True, cancel_futures=True)
                raise ShardFailed(index, describe(index), _exit_reason(codes[0] if codes else None)) from None
            except BaseException:
                for pending in futures:
                    pending.cancel()
                raise
        return results


def executor(workers: Optional[int] = None, ray_address: Optional[str] = None,
             preload: tuple[str, ...] = PRELOAD) -> Executor:
    """The executor for ``--workers`` / ``--ray``: Ray when an address is given (or RAY_ADDRESS is
    set and no worker count is), else local processes (``workers`` of them, default every core;
    1: in this process). ``preload``: modules the local workers import before their first task."""
    address = ray_address or (os.environ.get(RAY_ADDRESS_VARIABLE) if workers is None else None)
    if address:
        from .ray import RayExecutor

        return RayExecutor(address)
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")
    if workers == 1:
        return SerialExecutor()
    return LocalExecutor(workers or 0, preload)


__all__ = ["ByName", "Executor", "LocalExecutor", "SerialExecutor", "ShardFailed", "executor", "local_cores", "split"]
