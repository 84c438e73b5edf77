"""What a command prints: the response as JSON (as the AWS CLI prints it), filtered by ``--query``
(JMESPath, as in the AWS CLI), or a query's result in the AWS CLI's text format.

Without ``--query``, ``--output text`` is accessproof's readable report (each command renders its
own); with ``--query`` it is the AWS CLI's text format of the query's result, for scripts
(``--query 'findings[].id' --output text``).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, Callable, Iterable, Optional

import jmespath
import typer
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from .inputs import InputError

QUERY_HELP = "A JMESPath query applied to the JSON response, as the AWS CLI's --query (e.g. 'findings[].id')."

Query = Optional[ParsedResult]


def compile_query(expression: Optional[str]) -> Query:
    """``--query`` compiled up front, so that a bad expression fails before any work is done."""
    if expression is None:
        return None
    try:
        return jmespath.compile(expression)
    except JMESPathError as e:
        raise InputError(f"--query: not a JMESPath expression: {' '.join(str(e).split())}") from None


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def json_data(body: Any) -> Any:
    """The response as the JSON printed (timestamps as ISO 8601 text): what ``--query`` sees."""
    return json.loads(json.dumps(body, default=_iso))


def print_json(body: Any, query: Query = None, *, compact: bool = False) -> None:
    data = body if query is None else query.search(json_data(body))
    typer.echo(json.dumps(data, indent=None if compact else 4, default=_iso))


def stream_json_list(key: str, items: Iterable[Any], write: Optional[Callable[[str], Any]] = None,
                     before: Optional[dict] = None) -> None:
    """Print ``{**before, key: [items...]}`` exactly as ``print_json`` prints it, one item at a time,
    so that a listing of any length is never held whole in memory. ``write``: default standard output's."""
    write = write or sys.stdout.write
    write("{\n")
    for name, value in (before or {}).items():
        write(" " * 4 + json.dumps(name) + ": " + json.dumps(value, indent=4, default=_iso).replace("\n", "\n    ")
              + ",\n")
    write(" " * 4 + json.dumps(key) + ": [")
    count = 0
    for item in items:
        text = json.dumps(item, indent=4, default=_iso).replace("\n", "\n" + " " * 8)
        write(("\n" if count == 0 else ",\n") + " " * 8 + text)
        count += 1
    write(("\n" + " " * 4 + "]" if count else "]") + "\n}\n")


def emit(body: Any, output: str, query: Query, text: Callable[[], None],
         sarif: Optional[Callable[[], dict]] = None) -> None:
    """Print ``body`` per ``--output`` (json, text or sarif) and ``--query``."""
    if output == "sarif" and sarif is not None:
        print_json(sarif(), query)
    elif output == "text" and query is None:
        text()
    elif output == "text":
        typer.echo(aws_text(query.search(json_data(body))), nl=False)
    else:
        print_json(body, query)


# ------------------------------------------------------------------------------ AWS CLI text format


def aws_text(value: Any) -> str:
    """The AWS CLI's ``--output text`` (AWS CLI User Guide, "Text output format"): tab-separated
    values, one line per object; an object's scalar values in the order of their keys, each nested
    list or object on lines of its own that start with its key in capitals; a list of objects in
    columns made of all their keys (a key an object lacks is an empty field); ``None`` for null.
    A list of scalars is one line (one line each below a key)."""
    lines: list[str] = []
    _text(value, None, lines)
    return "".join(line + "\n" for line in lines)


_MISSING = object()


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _cell(value: Any) -> str:
    if value is _MISSING:
        return ""
    return "None" if value is None else str(value)


def _row(identifier: Optional[str], values: list[Any]) -> str:
    return "\t".join(([identifier] if identifier else []) + [_cell(v) for v in values])


def _text(value: Any, identifier: Optional[str], lines: list[str]) -> None:
    if isinstance(value, dict):
        _object(value, identifier, lines, sorted(k for k, v in value.items() if _is_scalar(v)))
    elif isinstance(value, list):
        _list(value, identifier, lines)
    else:
        lines.append(_row(identifier, [value]))


def _object(value: dict, identifier: Optional[str], lines: list[str], columns: list[str]) -> None:
    if columns:
        lines.append(_row(identifier, [value.get(k, _MISSING) if _is_scalar(value.get(k)) else _MISSING
                                       for k in columns]))
    for key in sorted(k for k, v in value.items() if not _is_scalar(v)):
        _text(value[key], key.upper(), lines)


def _list(items: list, identifier: Optional[str], lines: list[str]) -> None:
    scalars = [v for v in items if _is_scalar(v)]
    if scalars:
        if identifier:
            lines.extend(_row(identifier, [v]) for v in scalars)
        else:
            lines.append(_row(None, scalars))
    columns = sorted({k for v in items if isinstance(v, dict) for k, item in v.items() if _is_scalar(item)})
    for item in items:
        if isinstance(item, dict):
            _object(item, identifier, lines, columns)
        elif isinstance(item, list):
            _list(item, identifier, lines)
