"""IAM's query protocol, read from the service model: form-encoded requests, XML responses.

``parse_form`` inverts botocore's QuerySerializer (``Name.member.N``, ``Name.entry.N.key``,
``Struct.Member``); ``xml_response`` and ``xml_error`` build what botocore's QueryParser reads.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional
from xml.etree import ElementTree

from botocore.model import OperationModel, Shape

from .http import HttpResponse
from .wire import WireError, parse_text, to_json

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _indices(flat: Mapping[str, str], prefix: str) -> list[int]:
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)(?:\.|$)")
    found = {int(m.group(1)) for key in flat if (m := pattern.match(key))}
    return sorted(found)


def _present(flat: Mapping[str, str], prefix: str) -> bool:
    return prefix in flat or any(key.startswith(prefix + ".") for key in flat)


def _parse(shape: Shape, flat: Mapping[str, str], prefix: str, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            key = f"{prefix}.{member.serialization.get('name', name)}" if prefix else member.serialization.get("name", name)
            if _present(flat, key):
                out[name] = _parse(member, flat, key, f"{path}.{name}" if path else name)
        return out
    if kind == "list":
        if flat.get(prefix) == "":  # botocore sends an empty list as "Name="
            return []
        flattened = shape.serialization.get("flattened")
        item_prefix = prefix if flattened else f"{prefix}.{shape.member.serialization.get('name', 'member')}"
        return [_parse(shape.member, flat, f"{item_prefix}.{i}", f"{path}.{n + 1}.member")
                for n, i in enumerate(_indices(flat, item_prefix))]
    if kind == "map":
        entry_prefix = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        return {_parse(shape.key, flat, f"{entry_prefix}.{i}.{key_name}", path):
                _parse(shape.value, flat, f"{entry_prefix}.{i}.{value_name}", path)
                for i in _indices(flat, entry_prefix)}
    if prefix not in flat:
        raise WireError(path, f"a {kind} value, not a nested parameter")
    return parse_text(shape, flat[prefix], path)


def parse_form(operation: OperationModel, flat: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input parameters from the form's fields (Action and Version excluded).
    Raises WireError for a value of the wrong type."""
    shape = operation.input_shape
    if shape is None:
        return {}
    return _parse(shape, {k: v for k, v in flat.items() if k not in ("Action", "Version")}, "", "")


def _xml(parent: ElementTree.Element, shape: Shape, value: Any) -> None:
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                child = ElementTree.SubElement(parent, member.serialization.get("name", name))
                _xml(child, member, value[name])
    elif kind == "list":
        for item in value:
            child = ElementTree.SubElement(parent, shape.member.serialization.get("name", "member"))
            _xml(child, shape.member, item)
    elif kind == "map":
        for key, item in value.items():
            entry = ElementTree.SubElement(parent, "entry")
            _xml(ElementTree.SubElement(entry, "key"), shape.key, key)
            _xml(ElementTree.SubElement(entry, "value"), shape.value, item)
    elif kind == "boolean":
        parent.text = "true" if value else "false"
    else:
        parent.text = str(value)


def _document(root_name: str, namespace: Optional[str]) -> ElementTree.Element:
    root = ElementTree.Element(root_name)
    if namespace:
        root.set("xmlns", namespace)
    return root


def xml_response(operation: OperationModel, result: Mapping[str, Any], request_id: str) -> HttpResponse:
    """The XML response of a successful call. Raises ResponseShapeError for a result the output
    shape does not describe."""
    namespace = operation.metadata.get("xmlNamespace")
    root = _document(f"{operation.name}Response", namespace)
    shape = operation.output_shape
    if shape is not None:
        checked = to_json(shape, dict(result), "", "iso8601")
        wrapper = operation.output_shape.serialization.get("resultWrapper") or f"{operation.name}Result"
        _xml(ElementTree.SubElement(root, wrapper), shape, _by_member(shape, checked))
    metadata = ElementTree.SubElement(root, "ResponseMetadata")
    ElementTree.SubElement(metadata, "RequestId").text = request_id
    return _respond(200, root, request_id)


def _by_member(shape: Shape, value: Any) -> Any:
    """to_json's output keyed by wire names back to member names (they are the same in IAM's
    model; kept general for shapes that rename members)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if wire in value:
                out[name] = _by_member(member, value[wire])
        return out
    if shape.type_name == "list":
        return [_by_member(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {k: _by_member(shape.value, v) for k, v in value.items()}
    return value


def xml_error(status: int, code: str, message: str, request_id: str, namespace: Optional[str],
              sender_fault: bool = True) -> HttpResponse:
    root = _document("ErrorResponse", namespace)
    error = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(error, "Type").text = "Sender" if sender_fault else "Receiver"
    ElementTree.SubElement(error, "Code").text = code
    ElementTree.SubElement(error, "Message").text = message
    ElementTree.SubElement(root, "RequestId").text = request_id
    return _respond(status, root, request_id)


def _respond(status: int, root: ElementTree.Element, request_id: str) -> HttpResponse:
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return HttpResponse(status, {"content-type": "text/xml", "x-amzn-requestid": request_id}, body)
