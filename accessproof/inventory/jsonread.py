"""Reading AWS CLI responses: JSON files and typed fields, every failure a ``SnapshotError``.

Each reader takes the file it reads from and the JSON path of the value (``Grants[2].Grantee``)
so that an error names both. Files and JSON are read through ``accessproof.untrusted`` (a
snapshot may come from a pull request): regular files only, at most ``MAX_SNAPSHOT_FILE_BYTES``,
JSON within the nesting and number limits and without repeated keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import unquote

from ..untrusted import (
    MAX_SNAPSHOT_FILE_BYTES, InputRefused, JsonLimitError, JsonSyntaxError, check_tree, decode_text, loads, read_file,
)
from .errors import SnapshotError

JSON_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer"}


def check_snapshot_tree(root: Union[str, Path], checked_apart: Callable[[str], bool] = lambda directory: False) -> None:
    """Refuse a snapshot (or organization folder) with a link out of it, a link loop or a special
    file, before anything in it is read (rules: ``accessproof.untrusted``). ``checked_apart``: the
    (real paths of) directories whose loader checks them itself, not descended into here."""
    try:
        check_tree(root, checked_apart)
    except InputRefused as e:
        raise SnapshotError(e.name, e.reason) from None


def read_text(path: Path) -> str:
    """The UTF-8 text of the snapshot file ``path``."""
    try:
        return decode_text(read_file(path, MAX_SNAPSHOT_FILE_BYTES), str(path))
    except InputRefused as e:
        raise SnapshotError(path, e.reason) from None


def read_json(path: Path) -> Any:
    """The parsed content of ``path``; malformed JSON is reported with its line and column."""
    text = read_text(path)
    try:
        return loads(text)
    except JsonLimitError as e:
        raise SnapshotError(path, f"{e.message} (accessproof's limit)") from None
    except JsonSyntaxError as e:
        if e.line is None:
            raise SnapshotError(path, f"malformed JSON: {e.message}") from None
        raise SnapshotError(path, f"malformed JSON at line {e.line}, column {e.column}: {e.message}") from None


def read_object(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise SnapshotError(path, f"expected a JSON object at the top level, found {_type_name(data)}")
    return data


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def field_value(obj: dict[str, Any], key: str, expected: type, path: Path, where: str,
                required: bool = True) -> Any:
    """``obj[key]`` checked to be of JSON type ``expected``; None when optional and absent."""
    name = f"{where}.{key}" if where else key
    if key not in obj or obj[key] is None:
        if required:
            raise SnapshotError(path, "missing required field", name)
        return None
    value = obj[key]
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if not ok:
        raise SnapshotError(path, f"expected {JSON_TYPE_NAMES[expected]}, found {_type_name(value)}", name)
    return value


def string(obj: dict[str, Any], key: str, path: Path, where: str = "") -> str:
    return field_value(obj, key, str, path, where)


def optional_string(obj: dict[str, Any], key: str, path: Path, where: str = "") -> Optional[str]:
    return field_value(obj, key, str, path, where, required=False)


def boolean(obj: dict[str, Any], key: str, path: Path, where: str = "", default: bool = False) -> bool:
    value = field_value(obj, key, bool, path, where, required=False)
    return default if value is None else value


def obj_field(obj: dict[str, Any], key: str, path: Path, where: str = "", required: bool = True) -> Optional[dict]:
    return field_value(obj, key, dict, path, where, required)


def list_field(obj: dict[str, Any], key: str, path: Path, where: str = "", required: bool = True) -> Optional[list]:
    return field_value(obj, key, list, path, where, required)


def objects_of(items: list, path: Path, where: str) -> list[dict[str, Any]]:
    """Every element of ``items`` checked to be an object."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SnapshotError(path, f"expected an object, found {_type_name(item)}", f"{where}[{i}]")
    return items


def strings_of(items: list, path: Path, where: str) -> tuple[str, ...]:
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise SnapshotError(path, f"expected a string, found {_type_name(item)}", f"{where}[{i}]")
    return tuple(items)


def policy_document(value: Any, path: Path, where: str) -> str:
    """A policy as JSON text, checked to be a JSON object.

    AWS returns most policies as a JSON *string* (GetBucketPolicy ``Policy``, GetKeyPolicy
    ``Policy``, ...); the text is kept verbatim. The AWS CLI prints IAM's policy documents
    (``AssumeRolePolicyDocument``) already decoded as objects, while the raw IAM API returns them
    URL-encoded ("IAM API reference, GetAccountAuthorizationDetails": "The policy document
    returned in this structure is URL-encoded compliant with RFC 3986"): all three are accepted.
    """
    if isinstance(value, dict):
        return json.dumps(value, indent=2)
    if not isinstance(value, str):
        raise SnapshotError(path, f"expected a policy document (a JSON string or object), found {_type_name(value)}",
                            where)
    text = value
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = unquote(text)
    try:
        parsed = loads(text)
    except JsonLimitError as e:
        raise SnapshotError(path, f"the policy is beyond accessproof's limits: {e.message}", where) from None
    except JsonSyntaxError as e:
        position = f" (line {e.line}, column {e.column} of the policy text)" if e.line is not None else ""
        raise SnapshotError(path, f"the policy is not valid JSON{position}: {e.message}", where) from None
    if not isinstance(parsed, dict):
        raise SnapshotError(path, f"the policy must be a JSON object, found {_type_name(parsed)}", where)
    statements = parsed.get("Statement")
    if not isinstance(statements, (dict, list)):
        found = "no Statement element" if "Statement" not in parsed else f"a Statement that is {_type_name(statements)}"
        raise SnapshotError(path, f"the policy has {found} (expected an object or an array)", where)
    # The policy grammar itself (elements, values) is the analyzer's to check, per resource: one
    # odd policy must not stop a whole account's analysis.
    return text
