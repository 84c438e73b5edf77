"""Running the ``accessproof`` command in this process (as ``main()`` runs it), for speed."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from accessproof.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*args, stdin=None, cwd=None)`` → Run(code, out, err)."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> Run:
        monkeypatch.setattr(sys, "argv", ["accessproof", *args])
        monkeypatch.setenv("COLUMNS", "200")
        if cwd is not None:
            monkeypatch.chdir(cwd)
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main()
        out = capsys.readouterr()
        return Run(e.value.code if isinstance(e.value.code, int) else 0, out.out, out.err)

    return run


@pytest.fixture
def account(tmp_path) -> Path:
    """A copy of the example account snapshot."""
    copy = tmp_path / "account"
    shutil.copytree(EXAMPLES / "account", copy)
    return copy


@pytest.fixture
def database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'findings.db'}"
