"""Reading what users give us — files, directory trees, standard input, JSON — without trusting it.

Everything a user hands accessproof (a policy, a snapshot from a pull request, a filter on the
command line) may be hostile. This module is the one place that reads it, with these rules:

- **Files** are regular files, read with a size limit enforced while reading (never more than
  ``limit + 1`` bytes). A FIFO, socket or device is refused from its ``stat``, before it is
  opened, so it cannot hang the reader; the file is then opened non-blocking and checked again.
- **Trees** (a snapshot, a directory of policies) are confined: a symbolic link may point at
  another file or directory *inside* the tree (CHOICE: snapshots are often assembled with links
  to shared files); a link that leads out of the tree, a dangling link, a link loop and any
  special file are refused, naming the entry, never the target or its content.
- **Standard input** is read like a file, with the limit enforced while reading.
- **JSON** is parsed with limits on nesting depth and on the length of number literals (Python
  refuses to convert integers of more than 4,300 digits, and deep nesting exhausts its stack);
  a number beyond a float's range (``1e400``) is refused too (it would be written back as
  ``Infinity``, which is not JSON);
  ``NaN``/``Infinity`` (not JSON) are refused, and **duplicate keys are refused**: IAM's policy
  grammar says "Individual elements must not contain multiple instances of the same key" (IAM
  User Guide, "Grammar of the IAM JSON policy language", policy grammar notes), and no AWS API
  output repeats a key; every reader therefore sees the same single value, where ``json.loads``
  keeps the last one and a hand-written reader might keep the first.
- Strings must be Unicode text: an escaped UTF-16 surrogate that is not half of a pair
  (``"\\ud800"``) is refused (CHOICE: JSON's grammar allows it, but RFC 7493 (I-JSON) forbids it,
  and such a string cannot be printed, stored in a database or encoded at all).
- **Errors** are one line; values from the input appear only as short, escaped excerpts.

Policy text, whose every key and value needs its source position, is parsed by
``accessproof.policy.jsontext`` with the same limits and the same duplicate-key rule.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Mapping, Optional, Union

MAX_DEPTH = 64
"""Deepest JSON nesting accepted. Policies nest 6 levels, AWS CLI outputs about 12."""

MAX_NUMBER_CHARS = 100
"""Longest JSON number literal accepted (sign, digits, fraction and exponent)."""

MAX_DOCUMENT_BYTES = 1024 * 1024
"""Largest document argument (policy, filter, configuration) read from a file or standard input.
AWS's largest policy quotas are tens of kilobytes (S3 bucket policies 20 KB, KMS key policies 32 KB)."""

MAX_SNAPSHOT_FILE_BYTES = 256 * 1024 * 1024
"""Largest file of an account snapshot. ``get-account-authorization-details`` of a very large
account (thousands of roles and managed policy versions) stays well under it."""

EXCERPT_CHARS = 100
UNPAIRED_SURROGATE = "a string holds a UTF-16 surrogate that is not half of a pair (not Unicode text)"
_CHUNK = 1024 * 1024


class InputRefused(Exception):
    """Input accessproof will not read; ``str()`` is one line: ``<name>: <reason>``."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class JsonSyntaxError(ValueError):
    """The text is not JSON, or not JSON we accept; ``offset`` is where reading stopped (-1 when
    the position is not known). ``line`` and ``column`` (both 1-based) are set when known."""

    def __init__(self, message: str, offset: int = -1, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column


class JsonLimitError(JsonSyntaxError):
    """Well-formed JSON beyond accessproof's limits (nesting depth, number length): the request is
    refused rather than judged."""


# ------------------------------------------------------------------------------------ text


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters: safe to print (control characters are
    escaped) and short (a value from a file is never echoed whole)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str, limit: int = 1000) -> str:
    """``text`` safe to print as one line of an error: control characters (newlines, terminal
    escapes) spelled as escapes, and at most about ``limit`` characters."""
    if not _UNPRINTABLE.search(text) and len(text) <= limit:
        return text
    text = _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def size_text(count: int) -> str:
    """``1 MiB (1,048,576 bytes)``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit} ({count:,} bytes)"
    return f"{count:,} bytes"


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped), or ``InputRefused`` naming the byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputRefused(name, f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    return text[1:] if text.startswith("\ufeff") else text


# ----------------------------------------------------------------------------------- files


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symbolic link loop"
    if error.errno == errno.ENOENT:
        return "no such file"
    if error.errno == errno.EACCES:
        return "permission denied"
    if error.errno == errno.ENOTDIR:
        return "not a directory"
    return f"cannot read ({error.strerror or error.__class__.__name__})"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _not_regular(mode: int) -> str:
    kind = _kind(mode)
    return kind if stat.S_ISDIR(mode) else f"{kind}, not a regular file"


def read_file(path: Union[str, Path], limit: int, name: Optional[str] = None) -> bytes:
    """The content of the regular file at ``path`` (a symbolic link is followed), at most ``limit``
    bytes; ``InputRefused`` otherwise. ``name`` is how errors call the file (default ``path``)."""
    shown = name if name is not None else str(path)
    try:
        mode = os.stat(path).st_mode  # refuse FIFOs and devices before opening them
    except OSError as e:
        raise InputRefused(shown, _os_reason(e)) from None
    if not stat.S_ISREG(mode):
        raise InputRefused(shown, _not_regular(mode))
    try:
        # Non-blocking: if the file was swapped for a FIFO since the stat, opening must not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise InputRefused(shown, _os_reason(e)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputRefused(shown, _not_regular(mode))
        return _read_bounded(lambda n: os.read(fd, n), limit, shown)
    except OSError as e:
        raise InputRefused(shown, _os_reason(e)) from None
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, limit: int, name: str) -> bytes:
    """All of ``stream`` (e.g. ``sys.stdin.buffer``), at most ``limit`` bytes: reading stops at
    ``limit + 1`` bytes with ``InputRefused``."""
    try:
        return _read_bounded(stream.read, limit, name)
    except OSError as e:
        raise InputRefused(name, _os_reason(e)) from None


def _read_bounded(read: Callable[[int], bytes], limit: int, name: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise InputRefused(name, f"larger than the maximum of {size_text(limit)}")


# ----------------------------------------------------------------------------------- trees


@dataclass(frozen=True)
class _Tree:
    root: Path  # as the user gave it: error messages name entries under it
    real: str  # its resolved path: what "inside" means

    def shown(self, real_path: str) -> str:
        return str(self.root / os.path.relpath(real_path, self.real))

    def inside(self, real_path: str) -> bool:
        return real_path == self.real or real_path.startswith(self.real.rstrip(os.sep) + os.sep)


def regular_files(root: Union[str, Path], include: Callable[[str], bool] = lambda name: True) -> list[Path]:
    """Every regular file below the directory ``root`` whose name ``include`` accepts, sorted, each
    named as a path under ``root``; ``InputRefused`` for the first such entry, or directory, that
    breaks the tree rules (module docstring). Directories are descended; links never are (a link
    to a directory inside the tree is checked, and its target is walked where it is). Entries
    that are not directories and that ``include`` rejects are not looked at."""
    tree = _tree(root)
    return sorted(Path(tree.shown(path)) for path in _walk(tree, include))


def check_tree(root: Union[str, Path], checked_apart: Callable[[str], bool] = lambda directory: False) -> None:
    """``InputRefused`` unless every entry below ``root`` follows the tree rules (module docstring).
    ``checked_apart(real path)``: directories not descended into because their reader checks them
    as trees of their own before reading them (their entry itself is checked here)."""
    for _ in _walk(_tree(root), lambda name: True, checked_apart):
        pass


def _walk(tree: _Tree, include: Callable[[str], bool],
          checked_apart: Callable[[str], bool] = lambda directory: False) -> Iterator[str]:
    """The real paths of the regular files ``regular_files`` returns, in no particular order."""
    pending = [tree.real]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)  # the same first error on every run
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # d_type: no stat on most file systems
                    if not checked_apart(entry.path):
                        pending.append(entry.path)
                elif not include(entry.name):
                    continue
                elif entry.is_file(follow_symlinks=False):
                    yield entry.path
                elif not entry.is_symlink():
                    raise InputRefused(tree.shown(entry.path), _not_regular(entry.stat(follow_symlinks=False).st_mode))
                elif _linked_regular_file(entry, tree, directory):
                    yield entry.path
        except OSError as e:
            raise InputRefused(tree.shown(directory), _os_reason(e)) from None


def _tree(root: Union[str, Path]) -> _Tree:
    given = Path(root)
    try:
        real = os.path.realpath(given, strict=True)
        mode = os.stat(real).st_mode
    except OSError as e:
        raise InputRefused(str(given), _os_reason(e)) from None
    if not stat.S_ISDIR(mode):
        raise InputRefused(str(given), "not a directory")
    return _Tree(given, real)


def _linked_regular_file(link: os.DirEntry, tree: _Tree, directory: str) -> bool:
    """Whether the link leads to a regular file (True) or to a directory (False) inside the tree;
    ``InputRefused`` when it leads out of it, nowhere, round in a loop or to a special file."""
    shown = tree.shown(link.path)
    try:
        target = os.path.realpath(link.path, strict=True)
        mode = os.stat(target).st_mode
    except OSError as e:
        raise InputRefused(shown, "a symbolic link to nothing" if e.errno == errno.ENOENT else _os_reason(e)) from None
    if not tree.inside(target):
        raise InputRefused(shown, f"a symbolic link that leads out of {tree.root} (refused)")
    if stat.S_ISDIR(mode):
        if directory == target or directory.startswith(target.rstrip(os.sep) + os.sep):
            raise InputRefused(shown, "a symbolic link loop (a link to a directory that contains it)")
        return False
    if not stat.S_ISREG(mode):
        raise InputRefused(shown, _not_regular(mode))
    return True


# ------------------------------------------------------------------------------------ JSON


def loads(text: str) -> Any:
    """``json.loads`` within the limits: ``JsonSyntaxError`` for text that is not JSON or repeats
    a key in an object, ``JsonLimitError`` past ``MAX_DEPTH`` or ``MAX_NUMBER_CHARS``."""
    # A number literal of more than MAX_NUMBER_CHARS holds a run of more than a third of them in
    # digits (integer, fraction or exponent), and one beyond a float's range a 3-digit exponent:
    # without either in the text, numbers need no checking hook.
    risky = _DIGIT_RUN.search(text) or _LONG_EXPONENT.search(text)
    numbers = {"parse_int": _int, "parse_float": _float} if risky else {}
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_constant, **numbers)
    except json.JSONDecodeError as e:
        raise JsonSyntaxError(e.msg, e.pos, e.lineno, e.colno) from None
    except RecursionError:
        raise JsonLimitError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _nesting(value) > MAX_DEPTH:  # counting is cheap
        raise JsonLimitError(f"JSON nested deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text):  # json.loads joins valid pairs: what is left is lone
        check_structure(value)
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_DIGIT_RUN = re.compile(r"[0-9]{%d}" % ((MAX_NUMBER_CHARS - 4) // 3))
_LONG_EXPONENT = re.compile(r"[eE][-+]?[0-9]{3}")


def _nesting(value: Any) -> int:
    """How many arrays and objects are open at the deepest point of parsed JSON (breadth first:
    one list comprehension a level, the quickest walk measured), at most ``MAX_DEPTH + 1``."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level and depth <= MAX_DEPTH:
        depth += 1
        below: list = []
        for container in level:
            below += [item for item in (container.values() if type(container) is dict else container)
                      if type(item) is dict or type(item) is list]
        level = below
    return depth


def check_structure(value: Any) -> None:
    """``JsonLimitError`` when ``value`` (parsed JSON, or arguments given to the client) nests
    deeper than ``MAX_DEPTH`` or holds an integer longer than ``MAX_NUMBER_CHARS`` digits;
    ``JsonSyntaxError`` when a string in it (value or key) is not Unicode text.
    Iterative: a structure too deep for Python's stack is refused, not crashed on."""
    pending: list[tuple[Any, int]] = [([value], 0)]
    while pending:
        container, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise JsonLimitError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if type(container) is dict or isinstance(container, Mapping):
            for key in container:
                if type(key) is str and not key.isascii():
                    _check_text(key)
            children: Any = container.values()
        else:
            children = container
        for child in children:
            kind = type(child)
            if kind is str:
                if not child.isascii():
                    _check_text(child)
            elif kind is bool or kind is float or child is None:
                continue
            elif kind is dict or kind is list or isinstance(child, (Mapping, list, tuple)):
                pending.append((child, depth + 1))
            elif isinstance(child, int) and child.bit_length() > _MAX_INT_BITS:
                raise JsonLimitError(f"a number longer than {MAX_NUMBER_CHARS} digits")
            elif isinstance(child, str) and not child.isascii():
                _check_text(child)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonSyntaxError(UNPAIRED_SURROGATE) from None


_MAX_INT_BITS = int(MAX_NUMBER_CHARS * 3.33)  # log2(10) bits a digit, rounded down: within the limit


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonSyntaxError(f"duplicate key {excerpt(key)} (keys must be unique within an object)")
            seen.add(key)
    return result


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonLimitError(f"a number of {len(text):,} characters; the maximum is {MAX_NUMBER_CHARS}")
    return text


def _int(text: str) -> int:
    return int(_number_text(text))


def _float(text: str) -> float:
    value = float(_number_text(text))
    if math.isinf(value):  # 1e400: a valid literal, but no float holds it (json.dumps would write Infinity)
        raise JsonLimitError(f"a number out of range ({excerpt(text, 20)})")
    return value


def _constant(name: str) -> Any:
    raise JsonSyntaxError(f"{name} is not a JSON value")
