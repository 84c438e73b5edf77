"""Reading what the user gave: a path, ``file://path``, ``-`` (standard input) or inline JSON."""

from __future__ import annotations

import sys
from pathlib import Path


class InputError(Exception):
    """Bad input from the user; the CLI prints the message on one line and exits with 2."""


def decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name} is not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    return text[1:] if text.startswith("\ufeff") else text  # tolerate a byte-order mark


def read_path(path: Path) -> str:
    try:
        return decode(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}") from None


def read_argument(value: str) -> tuple[str, str]:
    """Resolve a document argument as the AWS CLI does; returns (display name, text)."""
    if value == "-":
        return "<stdin>", decode(sys.stdin.buffer.read(), "standard input")
    if value.startswith("file://"):
        path = Path(value[len("file://"):])
        return str(path), read_path(path)
    if value.lstrip().startswith(("{", "[")):
        return "<argument>", value
    return value, read_path(Path(value))


def policy_files(paths: list[str]) -> list[Path]:
    """Files named directly, and the ``*.json`` files below named directories (sorted)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p[len("file://"):] if p.startswith("file://") else p)
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*.json") if f.is_file()))
        elif path.exists():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return out
