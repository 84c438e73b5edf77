from accessproof.policy import parse_policy
from accessproof.policy.model import location_dict


def loc(policy, location):
    return location_dict(location, policy.index)


# The aws-cli documentation's validate-policy example (awscli/examples/accessanalyzer).
CLI_EXAMPLE = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "",
            "Effect": "Allow",
            "Principal": {
                "Federated": "cognito-identity.amazonaws.com"
            },
            "Action": [
                "sts:AssumeRole",
                "sts:TagSession"
            ],
            "Condition": {
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": "us-west-2_EXAMPLE"
                }
            }
        }
    ]
}"""


def test_span_and_path_of_the_documented_example():
    policy = parse_policy(CLI_EXAMPLE)
    sid = policy.statements[0].sid
    assert loc(policy, sid.loc) == {
        "path": [{"value": "Statement"}, {"index": 0}, {"value": "Sid"}],
        "span": {"start": {"line": 5, "column": 19, "offset": 79}, "end": {"line": 5, "column": 21, "offset": 81}},
    }


def test_list_items_single_values_and_keys():
    policy = parse_policy(CLI_EXAMPLE)
    st = policy.statements[0]
    second = st.action.values[1]
    assert second.text == "sts:TagSession"
    assert loc(policy, second.loc)["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}]
    assert CLI_EXAMPLE[second.loc.start:second.loc.end] == '"sts:TagSession"'
    [entry] = st.principal.entries
    assert entry.kind == "Federated" and entry.values.strings() == ["cognito-identity.amazonaws.com"]
    assert loc(policy, entry.values.values[0].loc)["path"][-2:] == [{"value": "Principal"}, {"value": "Federated"}]
    [block] = st.conditions
    [cond] = block.entries
    assert (cond.operator, cond.key, [v.text for v in cond.values]) == (
        "StringEquals", "cognito-identity.amazonaws.com:aud", ["us-west-2_EXAMPLE"])
    assert loc(policy, cond.key_loc)["path"][-1] == {"key": "cognito-identity.amazonaws.com:aud"}
    assert CLI_EXAMPLE[cond.key_loc.start:cond.key_loc.end] == '"cognito-identity.amazonaws.com:aud"'


def test_single_statement_object_and_string_forms():
    text = '{"Statement": {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::b", "Principal": "*"}}'
    policy = parse_policy(text)
    [st] = policy.statements
    assert st.index is None and st.is_deny
    assert st.action.strings() == ["*"] and not st.action.is_array
    assert st.not_resource.strings() == ["arn:aws:s3:::b"]
    assert st.principal.wildcard.text == "*"
    assert loc(policy, st.effect.loc)["path"] == [{"value": "Statement"}, {"value": "Effect"}]


def test_substring_location():
    text = '{"Statement": [{"Resource": "arn:aws:s3:::bucket"}]}'
    policy = parse_policy(text)
    value = policy.statements[0].resource.values[0]
    part = value.loc.substring(13, 6)
    assert text[part.start:part.end] == "bucket"
    assert loc(policy, part)["path"][-1] == {"substring": {"start": 13, "length": 6}}


def test_operator_parts():
    from accessproof.policy import operator_parts

    assert operator_parts("ForAnyValue:StringLikeIfExists") == ("ForAnyValue", "StringLike", True)
    assert operator_parts("Null") == (None, "Null", False)
