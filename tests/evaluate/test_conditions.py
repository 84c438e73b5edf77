"""Every condition operator, from the IAM User Guide's "Condition operators" and "Multivalued context keys"."""

import pytest

from .helpers import condition


@pytest.mark.parametrize("block, context, expected", [
    ({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, True),
    ({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "Alice"}, False),
    ({"StringEquals": {"aws:username": ["bob", "alice"]}}, {"aws:username": "alice"}, True),  # values OR
    ({"StringNotEquals": {"aws:username": "alice"}}, {"aws:username": "bob"}, True),
    ({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": "alice"}, True),
    ({"StringNotEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": "alice"}, False),
    ({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice/x"}, True),
    ({"StringLike": {"s3:prefix": "home/?"}}, {"s3:prefix": "home/ab"}, False),
    ({"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "work/x"}, True),
    ({"StringEquals": {"aws:username": "*"}}, {"aws:username": "alice"}, False),  # no wildcard in Equals
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, True),
    ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    ({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False),
    ({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, True),
    ({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    ({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, True),
    ({"NumericEquals": {"s3:max-keys": "abc"}}, {"s3:max-keys": "10"}, False),
    ({"NumericNotEquals": {"s3:max-keys": "abc"}}, {"s3:max-keys": "10"}, False),  # incomparable
    ({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2019-12-31T23:59:59Z"}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}, {"aws:CurrentTime": "2020-01-01T00:00:01Z"}, True),
    ({"DateEquals": {"aws:CurrentTime": "1577836800"}}, {"aws:CurrentTime": "2020-01-01T00:00:00Z"}, True),  # epoch
    ({"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2021-01-01T00:00:00Z"}, True),
    ({"DateLessThanEquals": {"aws:EpochTime": "2020-01-01T00:00:00+01:00"}}, {"aws:EpochTime": "1577833200"}, True),
    ({"DateGreaterThanEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2019-01-01T00:00:00Z"}, False),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": True}, True),  # JSON boolean
    ({"BinaryEquals": {"k:blob": "QmluYXJ5VmFsdWU="}}, {"k:blob": "QmluYXJ5VmFsdWU="}, True),
    ({"BinaryEquals": {"k:blob": "QmluYXJ5VmFsdWU="}}, {"k:blob": "b3RoZXI="}, False),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.7"}, False),
    ({"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}, {"aws:SourceIp": "2001:db8:1234:5678::1"}, True),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.5"}}, {"aws:SourceIp": "203.0.113.5"}, True),  # single address
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.7"}, True),
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "2001:db8::1"}, True),  # other version
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic-a"}, True),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic-a"}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}, {"aws:SourceArn": "arn:aws:s3:::b/x:y"}, True),  # resource part spans colons
    ({"ArnLike": {"aws:SourceArn": "arn:aws:*:us-east-1:*:*"}}, {"aws:SourceArn": "arn:aws:sns:us:east-1:1:t"}, False),  # no crossing components
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {"aws:SourceArn": "arn:aws:sqs:us-east-1:1:q"}, True),
    ({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:1:q"}, False),
    ({"ArnLike": {"aws:SourceArn": "*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:1:q"}, False),  # not an ARN pattern
])
def test_operator(block, context, expected):
    assert condition(block, context) is expected


@pytest.mark.parametrize("block, expected", [
    ({"StringEquals": {"aws:username": "alice"}}, False),  # missing key: false
    ({"StringNotEquals": {"aws:username": "alice"}}, True),  # ... except negated operators
    ({"StringNotLike": {"aws:username": "a*"}}, True),
    ({"NumericNotEquals": {"s3:max-keys": "1"}}, True),
    ({"DateNotEquals": {"aws:CurrentTime": "2020-01-01"}}, True),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, True),
    ({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, True),
    ({"StringEqualsIfExists": {"aws:username": "alice"}}, True),  # IfExists: missing key → true
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, True),
    ({"Null": {"aws:username": "true"}}, True),
    ({"Null": {"aws:username": "false"}}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}, True),  # ForAllValues: missing → true
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}, False),  # ForAnyValue: missing → false
    ({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}}, True),
])
def test_missing_key(block, expected):
    assert condition(block, {}) is expected


@pytest.mark.parametrize("block, tags, expected", [
    # IAM User Guide, "Multivalued context keys" examples.
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}, ["environment"], True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}, ["environment", "owner"], False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["environment"]}}, [], True),  # empty set
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}, ["owner", "environment"], True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}, [], False),
    ({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}, ["key2:audit"], True),
    ({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}, ["key1:hr", "key1:personnel"], False),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": "a"}}, ["a", "b"], True),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": "a"}}, ["a"], False),
    ({"StringEquals": {"aws:TagKeys": "a"}}, ["b", "a"], True),  # plain operator: any value
    ({"Null": {"aws:TagKeys": "true"}}, [], True),  # an empty set is a null data set
])
def test_multivalued(block, tags, expected):
    assert condition(block, {"aws:TagKeys": tags}) is expected


def test_several_keys_and_operators_are_anded():
    block = {"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "blue"},
             "Bool": {"aws:SecureTransport": "true"}}
    ctx = {"aws:username": "alice", "aws:PrincipalTag/team": "blue", "aws:SecureTransport": "true"}
    assert condition(block, ctx)
    assert not condition(block, {**ctx, "aws:SecureTransport": "false"})
    assert not condition(block, {**ctx, "aws:PrincipalTag/team": "red"})


def test_condition_key_names_are_case_insensitive():
    assert condition({"StringEquals": {"AWS:UserName": "alice"}}, {"aws:username": "alice"})


@pytest.mark.parametrize("value, context, expected", [
    ("${aws:username}", {"aws:username": "alice"}, True),
    ("${aws:PrincipalTag/team}", {"aws:username": "blue", "aws:principaltag/team": "blue"}, True),
    ("${aws:PrincipalTag/team, 'alice'}", {"aws:username": "alice"}, True),  # default
    ("${aws:PrincipalTag/team}", {"aws:username": "alice"}, False),  # unresolvable: no match
])
def test_variables_in_condition_values(value, context, expected):
    assert condition({"StringEquals": {"aws:username": value}}, context) is expected


def test_unresolvable_variable_also_fails_negated_operators():
    assert not condition({"StringNotEquals": {"aws:username": "${aws:PrincipalTag/team}"}}, {"aws:username": "x"})


def test_special_variables_are_literal():
    assert condition({"StringLike": {"s3:prefix": "a${*}b"}}, {"s3:prefix": "a*b"})
    assert not condition({"StringLike": {"s3:prefix": "a${*}b"}}, {"s3:prefix": "axxb"})
    assert condition({"StringEquals": {"s3:prefix": "${$}{x}${?}"}}, {"s3:prefix": "${x}?"})
