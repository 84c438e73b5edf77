"""Values on the wire <-> Python values, driven by botocore's shapes (both protocols).

``parse_json`` reads a request member from decoded JSON (types checked: a string is a ``str``, a
timestamp an epoch number or an ISO 8601 string, a blob base64 ...), ``parse_text`` one from a URI
label, query string or header (text, converted by type). ``check_constraints`` then applies the
model's constraints as AWS's front end does (required, enum, length, range) and returns AWS's
messages. ``to_json`` turns a backend's response value into the JSON the shape describes, refusing
what the shape does not describe: an unknown member or a wrong type is a bug of ours
(``ResponseShapeError``), never silently dropped.

CHOICE: ``pattern`` constraints are not applied here. Smithy patterns are unanchored ECMAScript
expressions and some of AWS's (written for Java) differ from Python's ``re``; the backends check the
patterns they rely on (analyzer and rule names, ARNs) with AWS's wording.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime, timezone
from typing import Any, Optional

from botocore.model import Shape
from botocore.utils import parse_timestamp


class WireError(ValueError):
    """A request value that does not have the type its shape says (a 400, never a 500)."""

    def __init__(self, path: str, expected: str):
        super().__init__(f"Value at '{path}' failed to satisfy constraint: Member must be {expected}")
        self.path = path


class ResponseShapeError(Exception):
    """A backend response that its output shape does not describe (a bug of ours)."""


_JSON_TYPE_NAMES = {
    "string": "a string", "integer": "an integer", "long": "an integer", "boolean": "a boolean",
    "float": "a number", "double": "a number", "timestamp": "a timestamp", "blob": "base64 text",
    "structure": "an object", "map": "an object", "list": "a list",
}


def _expected(shape: Shape) -> str:
    return _JSON_TYPE_NAMES.get(shape.type_name, shape.type_name)


def member_path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def list_item_path(parent: str, index: int) -> str:
    """AWS names list items ``field.1.member`` (1-based)."""
    return f"{parent}.{index + 1}.member"


# --- request values ---------------------------------------------------------------------------

def parse_timestamp_value(value: Any, path: str) -> datetime:
    if isinstance(value, bool):
        raise WireError(path, "a timestamp")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise WireError(path, "a timestamp")
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise WireError(path, "a timestamp") from None
    if isinstance(value, str):
        try:
            parsed = parse_timestamp(value)
        except (ValueError, TypeError, OverflowError):
            raise WireError(path, "a timestamp (ISO 8601 or seconds since the epoch)") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise WireError(path, "a timestamp")


def parse_json(shape: Shape, value: Any, path: str) -> Any:
    """A request value decoded from JSON, as the backend receives it."""
    kind = shape.type_name
    if kind == "structure":
        if getattr(shape, "is_document_type", False):
            return value
        if not isinstance(value, dict):
            raise WireError(path, "an object")
        out = {}
        for name, member in shape.members.items():
            wire_name = member.serialization.get("name", name)
            if wire_name in value and value[wire_name] is not None:
                out[name] = parse_json(member, value[wire_name], member_path(path, name))
        # Members the model does not know are ignored, as AWS's front end ignores them.
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise WireError(path, "a list")
        return [parse_json(shape.member, item, list_item_path(path, i)) for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise WireError(path, "an object")
        return {parse_json(shape.key, k, member_path(path, "key")): parse_json(shape.value, v, member_path(path, k))
                for k, v in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            raise WireError(path, "a string")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise WireError(path, "an integer")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise WireError(path, "a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise WireError(path, "a boolean")
        return value
    if kind == "timestamp":
        return parse_timestamp_value(value, path)
    if kind == "blob":
        if not isinstance(value, str):
            raise WireError(path, "base64 text")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise WireError(path, "base64 text") from None
    raise WireError(path, _expected(shape))


def parse_text(shape: Shape, text: str, path: str) -> Any:
    """A scalar request value given as text (URI label, query string, header)."""
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise WireError(path, "an integer") from None
    if kind in ("float", "double"):
        try:
            number = float(text)
        except ValueError:
            raise WireError(path, "a number") from None
        if not math.isfinite(number):
            raise WireError(path, "a number")
        return number
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise WireError(path, "a boolean (true or false)")
        return text.lower() == "true"
    if kind == "timestamp":
        try:
            return parse_timestamp_value(float(text), path)
        except ValueError:
            return parse_timestamp_value(text, path)
    if kind == "blob":
        return parse_json(shape, text, path)
    raise WireError(path, _expected(shape))


# --- constraints ------------------------------------------------------------------------------

def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "..."


def check_constraints(shape: Shape, value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, message) for each constraint ``value`` breaks, in AWS's wording."""
    problems: list[tuple[str, str]] = []
    _check(shape, value, path, problems)
    return problems


def _check(shape: Shape, value: Any, path: str, problems: list[tuple[str, str]]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and not getattr(shape, "is_document_type", False):
        for name in shape.required_members:
            if value.get(name) is None:
                where = member_path(path, name)
                problems.append((where, f"Value null at '{where}' failed to satisfy constraint: Member must not be null"))
        if getattr(shape, "is_tagged_union", False) and len([v for v in value.values() if v is not None]) > 1:
            problems.append((path, f"Value at '{path}' failed to satisfy constraint: "
                                   "Member must have exactly one of its members set"))
        for name, member_value in value.items():
            if member_value is not None:
                _check(shape.members[name], member_value, member_path(path, name), problems)
        return
    if kind == "list":
        _check_length(meta, len(value), value, path, problems)
        for index, item in enumerate(value):
            _check(shape.member, item, list_item_path(path, index), problems)
        return
    if kind == "map":
        _check_length(meta, len(value), value, path, problems)
        for key, item in value.items():
            _check(shape.key, key, member_path(path, "key"), problems)
            _check(shape.value, item, member_path(path, str(key)), problems)
        return
    if kind == "string":
        enum = shape.enum
        if enum and value not in enum:
            problems.append((path, f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                                   f"Member must satisfy enum value set: [{', '.join(enum)}]"))
        _check_length(meta, len(value), value, path, problems)
        return
    if kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            problems.append((path, f"Value '{value}' at '{path}' failed to satisfy constraint: "
                                   f"Member must have value greater than or equal to {meta['min']}"))
        if "max" in meta and value > meta["max"]:
            problems.append((path, f"Value '{value}' at '{path}' failed to satisfy constraint: "
                                   f"Member must have value less than or equal to {meta['max']}"))


def _check_length(meta: dict, length: int, value: Any, path: str, problems: list[tuple[str, str]]) -> None:
    if "min" in meta and length < meta["min"]:
        problems.append((path, f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                               f"Member must have length greater than or equal to {meta['min']}"))
    if "max" in meta and length > meta["max"]:
        problems.append((path, f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                               f"Member must have length less than or equal to {meta['max']}"))


def validation_message(problems: list[tuple[str, str]]) -> str:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(message for _, message in problems)


# --- response values --------------------------------------------------------------------------

def format_timestamp(value: datetime, timestamp_format: Optional[str]) -> Any:
    moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if timestamp_format == "unixTimestamp":
        return moment.timestamp()
    if timestamp_format == "rfc822":
        return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def _timestamp(value: Any, path: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_timestamp_value(value, path)
        except WireError:
            pass
    raise ResponseShapeError(f"{path}: expected a timestamp, got {type(value).__name__} {value!r:.80}")


def _document(value: Any, path: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ResponseShapeError(f"{path}: not a JSON document ({e})") from None
    return value


def to_json(shape: Shape, value: Any, path: str, default_timestamp_format: str = "unixTimestamp") -> Any:
    """The JSON value of a response member. Raises ResponseShapeError for anything the shape
    does not describe."""
    kind = shape.type_name
    if kind == "structure":
        if getattr(shape, "is_document_type", False):
            return _document(value, path)
        if not isinstance(value, dict):
            raise ResponseShapeError(f"{path or 'response'}: expected an object, got {type(value).__name__}")
        out = {}
        for name, member_value in value.items():
            if member_value is None:
                continue
            member = shape.members.get(name)
            if member is None:
                raise ResponseShapeError(f"{member_path(path, name)}: not a member of {shape.name} in the service model")
            out[member.serialization.get("name", name)] = to_json(member, member_value, member_path(path, name),
                                                                  default_timestamp_format)
        if getattr(shape, "is_tagged_union", False) and len(out) != 1:
            raise ResponseShapeError(f"{path}: a {shape.name} union needs exactly one member, got {sorted(out)}")
        return out
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise ResponseShapeError(f"{path}: expected a list, got {type(value).__name__}")
        return [to_json(shape.member, item, list_item_path(path, i), default_timestamp_format)
                for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise ResponseShapeError(f"{path}: expected an object, got {type(value).__name__}")
        return {to_json(shape.key, k, member_path(path, "key"), default_timestamp_format):
                to_json(shape.value, v, member_path(path, str(k)), default_timestamp_format) for k, v in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            raise ResponseShapeError(f"{path}: expected a string, got {type(value).__name__} {value!r:.80}")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResponseShapeError(f"{path}: expected an integer, got {type(value).__name__}")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ResponseShapeError(f"{path}: expected a number, got {type(value).__name__}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ResponseShapeError(f"{path}: expected a boolean, got {type(value).__name__}")
        return value
    if kind == "timestamp":
        return format_timestamp(_timestamp(value, path), shape.serialization.get("timestampFormat",
                                                                                 default_timestamp_format))
    if kind == "blob":
        if isinstance(value, str):
            value = value.encode()
        if not isinstance(value, (bytes, bytearray)):
            raise ResponseShapeError(f"{path}: expected bytes, got {type(value).__name__}")
        return base64.b64encode(bytes(value)).decode()
    raise ResponseShapeError(f"{path}: shape type {kind} is not supported")
