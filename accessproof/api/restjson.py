"""The REST-JSON protocol, read from the service model: routes, requests, responses.

``Router`` is built from every operation's ``http.method`` and ``requestUri`` (``{label}`` matches
one path segment, ``{label+}`` the rest of the path); ``parse_request`` inverts botocore's
RestJSONSerializer (URI labels, query string, headers, JSON body) and ``response`` builds what
botocore's RestJSONParser reads (JSON body, header members, the operation's status code).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from .http import HttpRequest, HttpResponse, json_response
from .wire import WireError, member_path, parse_json, parse_text, to_json

_LABEL = re.compile(r"\{([^}]+)\}")


class RequestError(ValueError):
    """A request that cannot be read: ``reason`` is ValidationExceptionReason (cannotParse,
    fieldValidationFailed)."""

    def __init__(self, message: str, reason: str, field: Optional[str] = None):
        super().__init__(message)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    literal_query: tuple[tuple[str, str], ...]
    literal_length: int  # characters of literal path: more literal routes are tried first


def _route(operation: OperationModel) -> Route:
    uri = operation.http["requestUri"]
    path, _, query = uri.partition("?")
    labels: list[str] = []
    regex = ""
    position = 0
    for match in _LABEL.finditer(path):
        regex += re.escape(path[position:match.start()])
        name = match.group(1)
        greedy = name.endswith("+")
        labels.append(name.rstrip("+"))
        regex += "(.+)" if greedy else "([^/]+)"
        position = match.end()
    regex += re.escape(path[position:])
    literal_query = tuple((k, v) for k, _, v in (item.partition("=") for item in query.split("&") if item))
    literal = len(_LABEL.sub("", path))
    return Route(operation, operation.http["method"].upper(), re.compile(regex), tuple(labels), literal_query, literal)


class Router:
    """Operation lookup by method and raw path, for the operations of ``service`` named in
    ``operations`` (default: all)."""

    def __init__(self, service: ServiceModel, operations: Optional[Iterable[str]] = None):
        names = list(operations) if operations is not None else list(service.operation_names)
        routes = [_route(service.operation_model(name)) for name in names]
        self.routes = sorted(routes, key=lambda r: (-r.literal_length, len(r.labels)))

    def match(self, method: str, raw_path: str, query: Mapping[str, list[str]]) -> Optional[tuple[Route, dict[str, str]]]:
        path = raw_path.split("?", 1)[0] or "/"
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        for route in self.routes:
            if route.method != method.upper():
                continue
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            if any(query.get(k) != [v] for k, v in route.literal_query):
                continue
            return route, {name: unquote(value) for name, value in zip(route.labels, found.groups())}
        return None


def _query_map(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in items:
        out.setdefault(key, []).append(value)
    return out


def parse_request(route: Route, labels: Mapping[str, str], request: HttpRequest) -> dict[str, Any]:
    """The operation's input parameters (member name -> Python value). Raises RequestError."""
    shape = route.operation.input_shape
    if shape is None:
        return {}
    query = _query_map(request.query_items())
    used_query: set[str] = set()
    params: dict[str, Any] = {}
    body_members: dict[str, Shape] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        try:
            if location == "uri":
                if wire_name in labels:
                    params[name] = parse_text(member, labels[wire_name], name)
            elif location == "querystring":
                if member.type_name == "map":
                    continue  # filled below with the parameters no other member takes
                values = query.get(wire_name)
                used_query.add(wire_name)
                if values is None:
                    continue
                if member.type_name == "list":
                    params[name] = [parse_text(member.member, v, f"{name}.{i + 1}.member") for i, v in enumerate(values)]
                else:
                    params[name] = parse_text(member, values[-1], name)
            elif location == "header":
                value = request.header(wire_name)
                if value is not None:
                    params[name] = parse_text(member, value, name) if member.type_name != "list" else \
                        [parse_text(member.member, v.strip(), name) for v in value.split(",")]
            elif location == "headers":
                prefix = wire_name.lower()
                found = {k[len(prefix):]: v for k, v in request.headers.items() if k.startswith(prefix)}
                if found:
                    params[name] = found
            elif location is None:
                body_members[name] = member
        except WireError as e:
            raise RequestError(f"1 validation error detected: {e}", "fieldValidationFailed", e.path) from None
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring" and member.type_name == "map":
            rest = {k: v[-1] for k, v in query.items() if k not in used_query}
            if rest:
                params[name] = rest
    if body_members:
        params.update(_parse_body(shape, body_members, request.body))
    return params


def _parse_body(shape: Shape, members: Mapping[str, Shape], body: bytes) -> dict[str, Any]:
    payload = shape.serialization.get("payload")
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise RequestError(f"The request body is not valid JSON: {e}", "cannotParse") from None
    try:
        if payload is not None:
            return {payload: parse_json(members[payload], document, payload)}
        if not isinstance(document, dict):
            raise RequestError("The request body must be a JSON object", "cannotParse")
        out: dict[str, Any] = {}
        for name, member in members.items():
            wire_name = member.serialization.get("name", name)
            if document.get(wire_name) is not None:
                out[name] = parse_json(member, document[wire_name], member_path("", name))
        return out
    except WireError as e:
        raise RequestError(f"1 validation error detected: {e}", "fieldValidationFailed", e.path) from None


def response(operation: OperationModel, result: Mapping[str, Any], request_id: str) -> HttpResponse:
    """The HTTP response of a successful call. Raises ResponseShapeError for a result the output
    shape does not describe."""
    shape = operation.output_shape
    status = int(operation.http.get("responseCode", 200))
    if shape is None:
        return json_response(status, {}, request_id)
    headers, body = split_members(shape, result)
    return json_response(status, body, request_id, headers)


def split_members(shape: Shape, values: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """(headers, JSON body) of a structure's values, per the members' locations."""
    headers: dict[str, str] = {}
    body_values: dict[str, Any] = {}
    for name, value in values.items():
        member = shape.members.get(name)
        location = member.serialization.get("location") if member is not None else None
        if value is None:
            continue
        if location == "header":
            converted = to_json(member, value, name, "rfc822")
            headers[member.serialization.get("name", name).lower()] = (
                "true" if converted is True else "false" if converted is False else str(converted))
        elif location == "statusCode":
            continue
        else:
            body_values[name] = value
    body = to_json(shape, body_values, "")
    return headers, body
