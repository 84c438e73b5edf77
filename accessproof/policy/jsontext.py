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


# One token per match, white space before it skipped. ``bad`` catches any other character (and
# the end of the text, as an empty match) so that an error can name its position.
_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:"""
    r"""(?P<string>"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*")"""
    r"""|(?P<punct>[{}\[\],:])"""
    r"""|(?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"""
    r"""|(?P<literal>true|false|null)"""
    r"""|(?P<bad>.|\Z))""",
    re.DOTALL,
)
_LITERALS = {"true": (BOOLEAN, True), "false": (BOOLEAN, False), "null": (NULL, None)}
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


class _Parser:
    """Recursive descent over the token stream of ``_TOKEN``."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _TOKEN.finditer(text)
        self.token: re.Match[str] = next(self.tokens)

    def advance(self) -> None:
        self.token = next(self.tokens)

    def fail(self, what: str) -> JsonSyntaxError:
        tok = self.token
        kind = tok.lastgroup
        offset = tok.start(kind)  # type: ignore[arg-type]
        if offset >= len(self.text):
            return JsonSyntaxError(f"Unexpected end of input: {what}", len(self.text))
        return JsonSyntaxError(f"Unexpected character {self.text[offset]!r}: {what}", offset)

    def punct(self, char: str) -> bool:
        tok = self.token
        if tok.lastgroup == "punct" and tok.group("punct") == char:
            self.advance()
            return True
        return False

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise JsonSyntaxError("JSON nesting is too deep", self.token.start())
        tok = self.token
        kind = tok.lastgroup
        if kind == "string":
            start, end = tok.span("string")
            raw = tok.group("string")
            self.advance()
            return Node(STRING, start, end, _unescape(raw[1:-1]), raw)
        if kind == "punct":
            char = tok.group("punct")
            if char == "{":
                return self.object(depth)
            if char == "[":
                return self.array(depth)
        elif kind == "number":
            start, end = tok.span("number")
            raw = tok.group("number")
            self.advance()
            number: int | float = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            return Node(NUMBER, start, end, number, raw)
        elif kind == "literal":
            start, end = tok.span("literal")
            raw = tok.group("literal")
            self.advance()
            node_kind, value = _LITERALS[raw]
            return Node(node_kind, start, end, value, raw)
        raise self.fail("expected a value")

    def object(self, depth: int) -> Node:
        start = self.token.start("punct")
        self.advance()
        members: list[Member] = []
        if self.token.lastgroup == "punct" and self.token.group("punct") == "}":
            end = self.token.end()
            self.advance()
            return Node(OBJECT, start, end, members)
        while True:
            tok = self.token
            if tok.lastgroup != "string":
                raise self.fail("expected a quoted key")
            key_start, key_end = tok.span("string")
            key = _unescape(tok.group("string")[1:-1])
            self.advance()
            if not self.punct(":"):
                raise self.fail("expected ':'")
            members.append(Member(key, key_start, key_end, self.value(depth + 1)))
            if self.punct(","):
                continue
            tok = self.token
            if tok.lastgroup == "punct" and tok.group("punct") == "}":
                self.advance()
                return Node(OBJECT, start, tok.end(), members)
            raise self.fail("expected ',' or '}'")

    def array(self, depth: int) -> Node:
        start = self.token.start("punct")
        self.advance()
        items: list[Node] = []
        if self.token.lastgroup == "punct" and self.token.group("punct") == "]":
            end = self.token.end()
            self.advance()
            return Node(ARRAY, start, end, items)
        while True:
            items.append(self.value(depth + 1))
            if self.punct(","):
                continue
            tok = self.token
            if tok.lastgroup == "punct" and tok.group("punct") == "]":
                self.advance()
                return Node(ARRAY, start, tok.end(), items)
            raise self.fail("expected ',' or ']'")


def parse_json(text: str) -> Node:
    """Parse ``text`` (one JSON value, surrounding white space allowed) into a ``Node`` tree.

    Raises ``JsonSyntaxError`` with the offset of the first offending character.
    """
    parser = _Parser(text)
    node = parser.value(0)
    tok = parser.token
    if tok.lastgroup != "bad" or tok.group("bad") != "" :
        raise parser.fail("expected end of input")
    return node
