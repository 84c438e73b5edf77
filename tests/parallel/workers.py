"""Functions the executor tests run in worker processes (importable by name, as workers need)."""

from __future__ import annotations

import os
import signal
import time


def square(n: int) -> int:
    return n * n


def pid_and(n: int) -> tuple[int, int]:
    time.sleep(0.05)  # long enough that every worker of the pool gets some
    return os.getpid(), n


def refuse_three(n: int) -> int:
    if n == 3:
        raise ValueError("three is refused")
    return n


def die_on_three(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return n
