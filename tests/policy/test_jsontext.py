import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accessproof.policy.jsontext import JsonSyntaxError, TextIndex, parse_json
from accessproof.untrusted import MAX_DEPTH, MAX_NUMBER_CHARS, JsonLimitError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 2, 4]))
def test_agrees_with_the_json_module(value, indent):
    text = json.dumps(value, indent=indent)
    assert parse_json(text).to_python() == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_every_span_is_the_text_of_its_value(value):
    text = json.dumps(value, indent=2, ensure_ascii=False)

    def walk(node):
        assert json.loads(text[node.start:node.end]) == node.to_python()
        if node.kind == "array":
            for item in node.items():
                walk(item)
        elif node.kind == "object":
            for m in node.members():
                assert json.loads(text[m.key_start:m.key_end]) == m.key
                walk(m.value)

    walk(parse_json(text))


@pytest.mark.parametrize("text,offset", [
    ("", 0),
    ("{", 1),
    ('{"a": }', 6),
    ('{"a": 1,}', 8),
    ('{"a" 1}', 5),
    ("[1, 2", 5),
    ('{"a": 1} x', 9),
    ("{'a': 1}", 1),
    ('"unterminated', 0),
    ("nul", 0),
])
def test_syntax_errors_point_at_the_offending_character(text, offset):
    with pytest.raises(JsonSyntaxError) as e:
        parse_json(text)
    assert e.value.offset == offset


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(JsonLimitError):
        parse_json("[" * 100000)


def test_nesting_limit_counts_open_arrays_and_objects():
    parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    parse_json('{"a": ' * MAX_DEPTH + "1" + "}" * MAX_DEPTH)
    with pytest.raises(JsonLimitError) as e:
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert e.value.offset == MAX_DEPTH


def test_long_numbers_are_refused_where_they_stand():
    text = '{"n": ' + "9" * 5000 + "}"
    with pytest.raises(JsonLimitError) as e:
        parse_json(text)
    assert e.value.offset == 6
    assert parse_json("9" * MAX_NUMBER_CHARS).value == int("9" * MAX_NUMBER_CHARS)


def test_a_repeated_key_is_a_syntax_error_at_the_repeated_key():
    text = '{"a": 1, "A": 2, "a": 3}'
    with pytest.raises(JsonSyntaxError) as e:
        parse_json(text)
    assert e.value.offset == text.rindex('"a"') and not isinstance(e.value, JsonLimitError)
    assert [m.key for m in parse_json('{"a": 1, "A": 2}').members()] == ["a", "A"]  # case differs: distinct
    assert parse_json('[{"a": 1}, {"a": 2}]').to_python() == [{"a": 1}, {"a": 2}]  # other objects: distinct


def test_line_and_column():
    index = TextIndex("ab\ncd\n\nef")
    assert index.line_col(0) == (1, 0)
    assert index.line_col(4) == (2, 1)
    assert index.line_col(6) == (3, 0)
    assert index.line_col(8) == (4, 1)
