"""Reading what the user gave: a path, ``file://path``, ``-`` (standard input) or inline JSON.

Files and standard input go through ``accessproof.untrusted``: regular files only (a FIFO or a
device is refused; pipe data on ``-`` instead), at most ``MAX_DOCUMENT_BYTES``, enforced while
reading; directories of policies are walked without following links out of them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..untrusted import (
    MAX_DOCUMENT_BYTES, InputRefused, JsonLimitError, JsonSyntaxError, decode_text, loads, read_file, read_stream,
    regular_files, size_text,
)


class InputError(Exception):
    """Bad input from the user; the CLI prints the message on one line and exits with 2."""


def read_path(path: Path) -> str:
    try:
        return decode_text(read_file(path, MAX_DOCUMENT_BYTES), str(path))
    except InputRefused as e:
        raise InputError(_with_hint(e)) from None


def _with_hint(e: InputRefused) -> str:
    if "not a regular file" in e.reason:
        return f"{e}; give the content on standard input with -"
    return str(e)


def read_stdin() -> str:
    """Standard input, refused past ``MAX_DOCUMENT_BYTES`` (reading stops there)."""
    # The unbuffered stream when there is one: not even a read-ahead buffer takes more than the limit + 1 bytes.
    stream = getattr(sys.stdin.buffer, "raw", sys.stdin.buffer)
    try:
        return decode_text(read_stream(stream, MAX_DOCUMENT_BYTES, "standard input"), "standard input")
    except InputRefused as e:
        raise InputError(str(e)) from None


def read_argument(value: str) -> tuple[str, str]:
    """Resolve a document argument as the AWS CLI does; returns (display name, text)."""
    if value == "-":
        return "<stdin>", read_stdin()
    if value.startswith("file://"):
        path = Path(value[len("file://"):])
        return str(path), read_path(path)
    if value.lstrip().startswith(("{", "[")):
        data = value.encode("utf-8", "surrogateescape")  # the bytes given (Python decodes argv leniently)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise InputError(f"<argument>: larger than the maximum of {size_text(MAX_DOCUMENT_BYTES)}")
        try:
            return "<argument>", decode_text(data, "<argument>")
        except InputRefused as e:
            raise InputError(str(e)) from None
    return value, read_path(Path(value))


def json_argument(value: str, option: str) -> Any:
    """The JSON value of an argument (inline, a path, ``file://path`` or ``-``), parsed within the
    limits of ``accessproof.untrusted`` (nesting, number length, no repeated keys)."""
    name, text = read_argument(value)
    return parse_json_text(text, name, option)


def parse_json_text(text: str, name: str, option: str) -> Any:
    """``text`` (an argument's content) as JSON within the limits of ``accessproof.untrusted``."""
    try:
        return loads(text)
    except JsonLimitError as e:
        raise InputError(f"{option} {name}: {e.message} (accessproof's limit)") from None
    except JsonSyntaxError as e:
        where = f" at line {e.line}, column {e.column}" if e.line is not None else ""
        raise InputError(f"{option} {name}: not valid JSON{where}: {e.message}") from None


def policy_files(paths: list[str]) -> list[Path]:
    """Files named directly, and the ``*.json`` files below named directories (sorted). A
    directory is walked without following links out of it; a special file there is refused."""
    out: list[Path] = []
    for p in paths:
        path = Path(p[len("file://"):] if p.startswith("file://") else p)
        if path.is_dir():
            try:
                out.extend(regular_files(path, include=lambda name: name.endswith(".json")))
            except InputRefused as e:
                raise InputError(str(e)) from None
        elif path.exists() or path.is_symlink():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return out
