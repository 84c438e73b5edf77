"""A JSON reader that remembers where every key and value stands in the text.

ValidatePolicy reports locations as spans of the original text, so the standard ``json`` module
(which forgets positions) cannot be used. This reader keeps character offsets only; lines and
columns are derived on demand from a line index (``TextIndex``), which keeps parsing cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Union

# Node kinds
OBJECT = "object"
ARRAY = "array"
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"
NULL = "null"


@dataclass(slots=True)
class Member:
    """One ``"key": value`` pair of an object, in source order (duplicates are kept)."""

    key: str
    key_start: int
    key_end: int
    value: "Node"


@dataclass(slots=True)
class Node:
    """A JSON value with its half-open character span ``[start, end)`` in the source text.

    ``value`` holds: for strings the decoded text, for numbers an int or float, for booleans a
    bool, for null ``None``, for arrays a list of nodes, for objects a list of ``Member``.
    ``raw`` is the literal source text of scalar tokens (numbers keep their spelling).
    """

    kind: str
    start: int
    end: int
    value: Union[str, int, float, bool, None, list["Node"], list[Member]]
    raw: str = ""

    def members(self) -> list[Member]:
        assert self.kind == OBJECT
        return self.value  # type: ignore[return-value]

    def items(self) -> list["Node"]:
        assert self.kind == ARRAY
        return self.value  # type: ignore[return-value]

    def to_python(self):
        """The plain Python value (later duplicate keys win, as in ``json.loads``)."""
        if self.kind == OBJECT:
            return {m.key: m.value.to_python() for m in self.members()}
        if self.kind == ARRAY:
            return [n.to_python() for n in self.items()]
        return self.value


class JsonSyntaxError(ValueError):
    """The text is not JSON; ``offset`` is where reading stopped."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


class TextIndex:
    """Converts character offsets to 1-based lines and 0-based columns."""

    def __init__(self, text: str):
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1]


_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"((?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(r"\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)")
MAX_DEPTH = 64


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body

    def replace(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] != "u":
            return _ESCAPES[esc]
        if len(esc) > 5:  # a UTF-16 surrogate pair
            hi, lo = int(esc[1:5], 16), int(esc[7:11], 16)
            return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        return chr(int(esc[1:], 16))

    return _ESCAPE.sub(replace, body)


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def fail(self, what: str) -> JsonSyntaxError:
        if self.pos >= len(self.text):
            return JsonSyntaxError(f"Unexpected end of input: {what}", len(self.text))
        return JsonSyntaxError(f"Unexpected character {self.text[self.pos]!r}: {what}", self.pos)

    def string(self) -> Node:
        m = _STRING.match(self.text, self.pos)
        if not m:
            raise self.fail("invalid string")
        self.pos = m.end()
        return Node(STRING, m.start(), m.end(), _unescape(m.group(1)), m.group(0))

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise JsonSyntaxError("JSON nesting is too deep", self.pos)
        text, pos = self.text, self.pos
        ch = text[pos] if pos < len(text) else ""
        if ch == "{":
            return self.object(depth)
        if ch == "[":
            return self.array(depth)
        if ch == '"':
            return self.string()
        if ch == "t" and text.startswith("true", pos):
            self.pos += 4
            return Node(BOOLEAN, pos, pos + 4, True, "true")
        if ch == "f" and text.startswith("false", pos):
            self.pos += 5
            return Node(BOOLEAN, pos, pos + 5, False, "false")
        if ch == "n" and text.startswith("null", pos):
            self.pos += 4
            return Node(NULL, pos, pos + 4, None, "null")
        m = _NUMBER.match(text, pos)
        if m and m.end() > pos:
            raw = m.group(0)
            self.pos = m.end()
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return Node(NUMBER, pos, m.end(), number, raw)
        raise self.fail("expected a value")

    def object(self, depth: int) -> Node:
        start = self.pos
        self.pos += 1
        members: list[Member] = []
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return Node(OBJECT, start, self.pos, members)
        while True:
            self.skip_ws()
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a quoted key")
            key = self.string()
            self.skip_ws()
            if not self.text.startswith(":", self.pos):
                raise self.fail("expected ':'")
            self.pos += 1
            self.skip_ws()
            value = self.value(depth + 1)
            members.append(Member(key.value, key.start, key.end, value))  # type: ignore[arg-type]
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return Node(OBJECT, start, self.pos, members)
            raise self.fail("expected ',' or '}'")

    def array(self, depth: int) -> Node:
        start = self.pos
        self.pos += 1
        items: list[Node] = []
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return Node(ARRAY, start, self.pos, items)
        while True:
            self.skip_ws()
            items.append(self.value(depth + 1))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return Node(ARRAY, start, self.pos, items)
            raise self.fail("expected ',' or ']'")


def parse_json(text: str) -> Node:
    """Parse ``text`` (one JSON value, surrounding white space allowed) into a ``Node`` tree.

    Raises ``JsonSyntaxError`` with the offset of the first offending character.
    """
    reader = _Reader(text)
    reader.skip_ws()
    node = reader.value(0)
    reader.skip_ws()
    if reader.pos != len(text):
        raise reader.fail("expected end of input")
    return node
