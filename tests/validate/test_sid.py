"""The Sid element (rules/sid.py)."""

from .helpers import only


def policy(*sids):
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": {"AWS": "111122223333"}}
        for sid in sids]}


def test_empty_sid_value():
    [f] = only("EMPTY_SID_VALUE", policy(""))
    assert (f["findingType"], f["findingDetails"]) == ("SUGGESTION", "Add a value to the empty string in the Sid element.")
    assert f["locations"][0]["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Sid"}]
    assert not only("EMPTY_SID_VALUE", policy("Read"))


def test_unsupported_sid_characters_in_identity_policies():
    [f] = only("UNSUPPORTED_SID", policy("Read objects"))
    assert f["findingType"] == "ERROR"
    assert not only("UNSUPPORTED_SID", policy("ReadObjects1"))
    assert not only("UNSUPPORTED_SID", policy("Read objects"), "RESOURCE_POLICY")


def test_unique_sids_required_in_identity_policies_recommended_in_resource_policies():
    [f] = only("UNIQUE_SIDS_REQUIRED", policy("A", "B", "A"))
    assert f["locations"][0]["path"] == [{"value": "Statement"}, {"index": 2}, {"value": "Sid"}]
    assert f["findingDetails"] == "Duplicate statement IDs are not supported for this policy type. Update the Sid value."
    assert not only("UNIQUE_SIDS_REQUIRED", policy("A", "B"))
    [f] = only("UNIQUE_SIDS_RECOMMENDED", policy("A", "A"), "RESOURCE_POLICY")
    assert f["findingType"] == "WARNING"
    assert not only("UNIQUE_SIDS_REQUIRED", policy("A", "A"), "RESOURCE_POLICY")
    assert not only("UNIQUE_SIDS_RECOMMENDED", policy("A", "B"), "RESOURCE_POLICY")
