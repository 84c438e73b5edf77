"""The Ray executor: the same maps as ``LocalExecutor``, as Ray tasks on a cluster (``--ray ADDRESS``).

Ray is optional (``pip install 'accessproof[ray]'``); nothing imports this module unless Ray is
asked for. Each payload is one task; the results come back to this process in the payloads'
order, and this process alone writes the findings store, so the workers need the code (the same
accessproof and its dependencies, e.g. a ``runtime_env`` or the cluster's image) but no database
URL and no credentials: a snapshot's resources travel in the payloads.

A task whose worker dies is not retried (``max_retries=0``): the map fails with ``ShardFailed``,
as locally, and nothing is recorded; rerunning converges.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, TypeVar

from .errors import ShardFailed

P = TypeVar("P")
R = TypeVar("R")


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("Ray is not installed: pip install 'accessproof[ray]'") from None
    return ray


class RayExecutor:
    """Maps as Ray tasks. ``address``: a cluster (``ray://head:10001``, ``auto``), or ``local`` to
    start one on this machine; a Ray already initialised in this process is used as it is."""

    def __init__(self, address: Optional[str] = None, workers: Optional[int] = None) -> None:
        ray = _ray()
        if not ray.is_initialized():
            try:
                ray.init(address=None if address in (None, "local") else address, log_to_driver=False,
                         include_dashboard=False)
            except ConnectionError as e:
                raise ConnectionError(f"cannot reach the Ray cluster at {address}: {e}") from None
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))

    def map(self, function: Callable[[P], R], payloads: Sequence[P],
            describe: Optional[Callable[[int], str]] = None) -> list[R]:
        ray = _ray()
        task = ray.remote(max_retries=0)(function)
        pending = [task.remote(payload) for payload in payloads]
        results: list[R] = []
        for index, reference in enumerate(pending):
            try:
                results.append(ray.get(reference))
            except ray.exceptions.RayTaskError as e:  # the function raised: as in one process
                for other in pending[index + 1:]:
                    ray.cancel(other, force=True)
                cause = e.as_instanceof_cause()
                raise (getattr(cause, "cause", None) or cause) from None
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                    ray.exceptions.RayError) as e:
                for other in pending[index + 1:]:
                    ray.cancel(other, force=True)
                what = describe(index) if describe else f"payload {index + 1}"
                raise ShardFailed(index, what, f"Ray: {type(e).__name__}") from None
        return results

    def close(self) -> None:
        """Nothing to end: the Ray connection outlives a map (``ray.shutdown`` ends it)."""
