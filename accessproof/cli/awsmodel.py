"""Arguments of the commands that mirror an AWS operation, typed by botocore's service model.

A command that mirrors an operation (``list-findings`` is ListFindings) takes its members as the
AWS CLI does: ``--kebab-case`` options, lists as several values after one option, structures,
maps and lists of structures as JSON or shorthand (``accessproof.cli.shorthand``), any value
from ``file://path`` (``~`` is the home folder; ``fileb://`` reads the same bytes: every member
these commands take is text, so the bytes must be UTF-8); a structure also from ``-`` (standard
input). JSON is parsed within the limits of ``accessproof.untrusted``. The model says which member
is a list, a structure or a number; nothing is listed by hand per command.

Policy documents (members whose shape is a policy document: ``PolicyDocument``,
``AccessCheckPolicyDocument``, IAM's ``policyDocumentType``) keep accessproof's forms: a path,
``file://path``, ``-`` for standard input, or inline JSON.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence, Union

from botocore import xform_name

from .inputs import InputError, parse_json_text, read_argument, read_path, read_stdin
from .shorthand import ShorthandError, parse_shorthand

if TYPE_CHECKING:  # botocore.model imports urllib3, ssl and awscrt: only a command that needs a model loads it
    from botocore.model import OperationModel, Shape

# A value that came from --cli-input-json starts with this character: it is the member's value
# itself, never a path or shorthand ("the string will be taken literally", AWS CLI Command Reference,
# --cli-input-json). No command-line argument can hold a NUL character, so no user can forge it.
LITERAL = "\x00"

FILE_PREFIXES = ("file://", "fileb://")
CLI_INPUT_NAME = "<cli-input-json>"


@lru_cache(maxsize=None)
def operation_model(service: str, operation: str) -> OperationModel:
    # The loader alone, not a botocore session: a session imports the whole client machinery.
    from botocore.loaders import create_loader
    from botocore.model import ServiceModel

    data = create_loader().load_service_model(service, "service-2")
    return ServiceModel(data, service_name=service).operation_model(operation)


def option_name(member: str) -> str:
    """The AWS CLI's option for a member: ``policyDocument`` → ``--policy-document``."""
    return "--" + xform_name(member, "-")


def is_document(shape: Shape) -> bool:
    return "policydocument" in shape.name.lower()


def is_scalar(shape: Shape) -> bool:
    return shape.type_name not in ("structure", "map", "list")


# ------------------------------------------------------------------------------ files


def file_url_path(value: str) -> Optional[Path]:
    """The path of ``file://path`` or ``fileb://path`` (``~`` expanded); None for anything else."""
    for prefix in FILE_PREFIXES:
        if value.startswith(prefix):
            return Path(os.path.expanduser(value[len(prefix):]))
    return None


def expand_file_url(value: str) -> str:
    """``file://~/x`` and ``fileb://~/x`` as ``file:///home/me/x``; anything else unchanged."""
    path = file_url_path(value)
    return value if path is None else f"file://{path}"


def read_document(value: str) -> tuple[str, str]:
    """A policy document argument: (display name, text). Adds ``file://~``, ``fileb://`` and the
    literal values of ``--cli-input-json`` to ``inputs.read_argument``."""
    if value.startswith(LITERAL):
        return CLI_INPUT_NAME, value[len(LITERAL):]
    return read_argument(expand_file_url(value))


def load_text(value: str) -> str:
    """A value as the AWS CLI reads it: the content of ``file://`` / ``fileb://``, else itself."""
    path = file_url_path(value)
    return value if path is None else read_path(path)


# ------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Mirror:
    """The AWS operation a command mirrors (botocore service name and operation name)."""

    service: str
    operation: str

    @property
    def model(self) -> OperationModel:
        return operation_model(self.service, self.operation)

    def member(self, name: str) -> Shape:
        return self.model.input_shape.members[name]

    def argument(self, member: str, raw: Union[str, Sequence[str], None]) -> Any:
        """A member's value from what the option received (one string, or the values of a list
        option), typed by the model; None when the option was not given."""
        if raw is None or (not isinstance(raw, str) and not raw):
            return None
        shape = self.member(member)
        option = option_name(member)
        if shape.type_name == "list":
            return list_value([raw] if isinstance(raw, str) else list(raw), shape, option)
        if not isinstance(raw, str):
            raise InputError(f"{option}: expected one value")
        return conform(*structure_value(raw, option), shape, option)

    def skeleton(self, members: Iterable[str], output: bool = False) -> dict[str, Any]:
        """``--generate-cli-skeleton``: the members given, each with a sample value."""
        shape = self.model.output_shape if output else self.model.input_shape
        if shape is None:
            return {}
        taken = set(members)
        wanted = list(shape.members) if output else [m for m in shape.members if m in taken]
        return {name: sample(shape.members[name]) for name in wanted}


def source(raw: str, stdin: bool = True) -> tuple[str, str]:
    """(display name, text) of a structure-valued argument: the literal JSON of ``--cli-input-json``,
    the content of ``file://`` / ``fileb://``, standard input for ``-`` (accessproof's form, as for
    documents), else the argument itself."""
    if raw.startswith(LITERAL):
        return CLI_INPUT_NAME, raw[len(LITERAL):]
    if stdin and raw == "-":
        return "<stdin>", read_stdin()
    path = file_url_path(raw)
    if path is not None:
        return str(path), read_path(path)
    return "<argument>", raw


def structure_value(raw: str, where: str) -> tuple[Any, bool]:
    """A structure, map or list written as JSON (inline, in a file or on standard input) or in
    shorthand; and whether it was shorthand (whose scalars are all strings)."""
    return parsed_structure(*source(raw), where)


def parsed_structure(name: str, text: str, where: str) -> tuple[Any, bool]:
    """``text`` (from ``name``) as JSON within accessproof's limits, or as shorthand."""
    if name == CLI_INPUT_NAME or text.lstrip().startswith(("{", "[")):
        return parse_json_text(text, name, where), False
    try:
        return parse_shorthand(text, load_file=load_text), True
    except ShorthandError as e:
        raise InputError(f"{where}: neither JSON nor shorthand (Key=value,Key2=[a,b]): {e}") from None


def list_value(values: list[str], shape: Shape, option: str) -> list[Any]:
    """A list member from its values: one item per value (JSON or shorthand for a structure), or
    the whole list as one JSON value ``[...]``, as the AWS CLI reads them. Policy documents are
    returned as given, for the command to read (``read_document``)."""
    item_shape = shape.member
    if is_document(item_shape):
        return list(values)
    if len(values) == 1:
        # Read once: a single value may be the whole list, or its only item (from standard input too).
        name, text = source(values[0], stdin=not is_scalar(item_shape))
        if name == CLI_INPUT_NAME or text.lstrip().startswith("["):
            return conform(parse_json_text(text, name, option), False, shape, option)
        where = f"{option}[0]"
        if is_scalar(item_shape):
            return [conform(text, True, item_shape, where)]
        return [conform(*parsed_structure(name, text, where), item_shape, where)]
    items: list[Any] = []
    for index, value in enumerate(values):
        where = f"{option}[{index}]"
        if is_scalar(item_shape):
            items.append(conform(load_text(value), True, item_shape, where))
        else:
            items.append(conform(*structure_value(value, where), item_shape, where))
    return items


# ------------------------------------------------------------------------------ typing values


def conform(value: Any, from_shorthand: bool, shape: Shape, where: str) -> Any:
    """``value`` checked against ``shape``: unknown keys and wrong types are errors. Shorthand
    gives strings, which become numbers and booleans where the model says so, and a single value
    where the model wants a list is a one-item list (as the AWS CLI reads shorthand)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected a structure with {', '.join(shape.members)}; found {_show(value)}")
        out = {}
        for key, item in value.items():
            if key not in shape.members:
                raise InputError(f"{where}: unknown key {key!r}; expected one of {', '.join(shape.members)}")
            out[key] = conform(item, from_shorthand, shape.members[key], f"{where}.{key}")
        return out
    if kind == "map":
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected a map of keys to values; found {_show(value)}")
        return {key: conform(item, from_shorthand, shape.value, f"{where}.{key}") for key, item in value.items()}
    if kind == "list":
        if not isinstance(value, list):
            if not from_shorthand:
                raise InputError(f"{where}: expected a list; found {_show(value)}")
            value = [value]
        return [conform(item, from_shorthand, shape.member, f"{where}[{i}]") for i, item in enumerate(value)]
    return _scalar(value, shape, where, from_shorthand)


def _scalar(value: Any, shape: Shape, where: str, from_shorthand: bool) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        if from_shorthand and isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise InputError(f"{where}: expected an integer; found {_show(value)}")
    if kind in ("float", "double"):
        if from_shorthand and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise InputError(f"{where}: expected a number; found {_show(value)}")
    if kind == "boolean":
        if from_shorthand and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, bool):
            return value
        raise InputError(f"{where}: expected true or false; found {_show(value)}")
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a string; found {_show(value)}")
    return value


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def sample(shape: Shape, depth: int = 0) -> Any:
    """A sample value of a shape, as ``--generate-cli-skeleton`` prints them (an enum's first value)."""
    kind = shape.type_name
    if depth > 8:  # recursive shapes
        return {}
    if kind == "structure":
        return {name: sample(member, depth + 1) for name, member in shape.members.items()}
    if kind == "map":
        return {"KeyName": sample(shape.value, depth + 1)}
    if kind == "list":
        return [sample(shape.member, depth + 1)]
    if kind in ("integer", "long"):
        return 0
    if kind in ("float", "double"):
        return 0.0
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return "1970-01-01T00:00:00"
    enum = getattr(shape, "enum", None)
    return enum[0] if enum else ""
