"""``--workers`` and ``--ray``: the executor (``accessproof.parallel``) a command spreads its work on."""

from __future__ import annotations

from typing import Any, Optional

from .inputs import InputError

WORKERS_HELP = "Processes that analyse in parallel (default: every local core; 1: this process only)."
RAY_HELP = ("Run the analysis on the Ray cluster at this address (ray://host:10001, or auto); default the "
            "RAY_ADDRESS environment variable when set and --workers is not given. Needs accessproof[ray].")


# What the workers of an analysis import before their first task (once, in the forkserver).
ANALYSIS_PRELOAD = ("accessproof.analyzers.external",)


def make_executor(workers: Optional[int], ray: Optional[str], preload: Optional[tuple[str, ...]] = None) -> Any:
    """The ``accessproof.parallel`` executor for ``--workers`` and ``--ray`` (bad values: exit 2)."""
    from ..parallel import executor

    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    try:
        return executor(workers, ray, preload or ANALYSIS_PRELOAD)
    except (ImportError, ValueError, ConnectionError) as e:
        raise InputError(f"--ray: {e}") from None
