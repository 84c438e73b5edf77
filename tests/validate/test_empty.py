"""Empty arrays and objects (rules/empty.py)."""

import pytest

from .helpers import only


def statement(**elements):
    st = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    st.update(elements)
    return {"Version": "2012-10-17", "Statement": [st]}


@pytest.mark.parametrize("code,element,details", [
    ("EMPTY_ARRAY_ACTION", "Action", "This statement includes no actions and does not affect the policy. Specify actions."),
    ("EMPTY_ARRAY_RESOURCE", "Resource", "This statement includes no resources and does not affect the policy. Specify resources."),
])
def test_empty_action_and_resource_arrays(code, element, details):
    [f] = only(code, statement(**{element: []}))
    assert (f["findingType"], f["findingDetails"]) == ("SUGGESTION", details)
    assert f["locations"][0]["path"] == [{"value": "Statement"}, {"index": 0}, {"value": element}]
    assert not only(code, statement(**{element: ["*"]}))


def test_empty_principals():
    [f] = only("EMPTY_ARRAY_PRINCIPAL", statement(Principal={"AWS": []}), "RESOURCE_POLICY")
    assert f["locations"][0]["path"][-2:] == [{"value": "Principal"}, {"value": "AWS"}]
    assert not only("EMPTY_ARRAY_PRINCIPAL", statement(Principal={"AWS": ["111122223333"]}), "RESOURCE_POLICY")
    assert only("EMPTY_OBJECT_PRINCIPAL", statement(Principal={}), "RESOURCE_POLICY")
    assert not only("EMPTY_OBJECT_PRINCIPAL", statement(Principal="*"), "RESOURCE_POLICY")


def test_empty_condition_objects():
    assert only("EMPTY_OBJECT_CONDITION", statement(Condition={}))
    assert only("EMPTY_OBJECT_CONDITION", statement(Condition={"StringEquals": {}}))
    assert not only("EMPTY_OBJECT_CONDITION", statement(Condition={"StringEquals": {"aws:username": "a"}}))


@pytest.mark.parametrize("operator,code", [
    ("StringEquals", "EMPTY_ARRAY_CONDITION"),
    ("ForAllValues:StringEquals", "EMPTY_ARRAY_CONDITION_FORALLVALUES"),
    ("ForAnyValue:StringEquals", "EMPTY_ARRAY_CONDITION_FORANYVALUE"),
    ("StringEqualsIfExists", "EMPTY_ARRAY_CONDITION_IFEXISTS"),
])
def test_empty_condition_values(operator, code):
    [f] = only(code, statement(Condition={operator: {"aws:TagKeys": []}}))
    assert "aws:TagKeys" in f["findingDetails"]
    assert f["locations"][0]["path"][-1] == {"value": "aws:TagKeys"}
    others = {"EMPTY_ARRAY_CONDITION", "EMPTY_ARRAY_CONDITION_FORALLVALUES", "EMPTY_ARRAY_CONDITION_FORANYVALUE",
              "EMPTY_ARRAY_CONDITION_IFEXISTS"} - {code}
    for other in others:
        assert not only(other, statement(Condition={operator: {"aws:TagKeys": []}}))
    assert not only(code, statement(Condition={operator: {"aws:TagKeys": ["a"]}}))
