"""The real-request domain (``reason.requests``) and the solver's real-request semantics."""

from __future__ import annotations

import pytest

from accessproof.catalog import default_catalog
from accessproof.catalog.service_reference import arn_format_matcher
from accessproof.reason import ACTION, RESOURCE, Matches, Session, conj, neg
from accessproof.reason.requests import (
    UNKNOWN_SERVICE_EXAMPLE, action_classes, actions_accepted, is_real_request, realize_unknown_service_action,
    resource_language, service_actions,
)
from accessproof.reason.strings import wildcard_pattern

USER = "arn:aws:iam::123456789012:user/u"
BUCKET = "arn:${Partition}:s3:::${BucketName}"
OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"


def action(text: str) -> Matches:
    return Matches(ACTION, wildcard_pattern(text.lower()))


def resource(text: str) -> Matches:
    return Matches(RESOURCE, wildcard_pattern(text, arn=True))


def witness(term, real: bool = True):
    return Session([term], USER, real_requests=real).solve(term, lambda c: True).witness


# ------------------------------------------------------------------------------ languages

def test_every_catalog_type_has_a_member_that_its_format_matches():
    """Each type's readable example is in its language and matches the catalog's own reading of
    the format (placeholders as runs of characters; it reads a written ``*`` literally, we as a
    wildcard); a two-format type yields two languages."""
    catalog = default_catalog()
    count = 0
    for prefix in sorted(catalog.service_prefixes):
        for name, found in service_actions(prefix).items():
            for language in found.resource_types:
                assert language.accepts(language.example), (language.key, language.example)
                written = language.arn_format.replace("*", "${Any}").replace("?", "${One}")
                assert arn_format_matcher(written).matches(language.example), language.arn_format
                count += 1
    assert count > 20_000


def test_a_name_placeholder_has_no_separator():
    bucket, obj = resource_language("s3/bucket", BUCKET), resource_language("s3/object", OBJECT)
    assert bucket.accepts("arn:aws:s3:::b") and not bucket.accepts("arn:aws:s3:::b/k")
    assert obj.accepts("arn:aws:s3:::b/k") and obj.accepts("arn:aws:s3:::b/k:with/colon")
    assert not obj.accepts("arn:aws:s3:::/k") and not obj.accepts("arn:aws:s3:::b/")  # placeholders are not empty
    queue = resource_language("sqs/queue", "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}")
    assert queue.accepts("arn:aws:sqs:us-east-1:123456789012:q")
    assert not queue.accepts("arn:aws:sqs:us/east:123456789012:q") and not queue.accepts("arn:aws:sqs:r:1:q:x")


def test_a_placeholder_that_is_no_documented_name_may_hold_separators():
    # Migration Hub's connection resource is "${ConnectionArn}": an ARN, so excluding "/" or ":"
    # there would hide a grant on it from a PASS.
    connection = resource_language("mgh/connectionresource", "arn:${Partition}:mgh:${Region}:${Account}:${ConnectionArn}")
    assert connection.accepts("arn:aws:mgh:us-east-1:123456789012:arn:aws:ec2:us-east-1:123456789012:vpc/v-1")
    assert not connection.accepts("arn:aws:mgh:us/east:123456789012:c")  # a Region is still one name


def test_a_type_with_two_formats_accepts_both():
    found = service_actions("apigateway")["apigateway:get"]
    stages = [l for l in found.resource_types if l.key.startswith("apigateway/stage#") or l.key == "apigateway/stage"]
    assert len(stages) == 2
    assert any(l.accepts("arn:aws:apigateway:us-east-1::/restapis/a1/stages/prod") for l in stages)
    assert any(l.accepts("arn:aws:apigateway:us-east-1::/apis/a1/stages/prod") for l in stages)


# -------------------------------------------------------------------------------- actions

@pytest.mark.parametrize("pattern", ["s3:Get*", "iam:Pass*", "s3:*", "s3*:list*", "S3:GETOBJECT", "ec2:?escribeVpcs",
                                     "s3:NoSuchAction", "nosuchservice:*"])
def test_actions_accepted_agree_with_the_catalog(pattern):
    expected = {a.full_name.lower() for a in default_catalog().match_actions(pattern.lower())} if ":" in pattern.split("*")[0] \
        else {a.full_name.lower() for p in default_catalog().service_prefixes if p.startswith("s3")
              for a in default_catalog().service(p).match_actions("list*")}
    assert set(actions_accepted(wildcard_pattern(pattern.lower()))) == expected


def test_classes_partition_the_touched_actions_by_patterns_and_types():
    patterns = [wildcard_pattern(p) for p in ("s3:*", "s3:get*", "s3:getobject", "iam:passrole")]
    classes, touched = action_classes(patterns)
    members = [a.name.lower() for c in classes for a in c.actions]
    assert sorted(members) == sorted(touched) and len(members) == len(set(members))
    for c in classes:
        for a in c.actions:
            assert tuple(i for i, p in enumerate(patterns) if a.name.lower() in actions_accepted(p)) == c.patterns
            assert service_actions(a.name.split(":")[0].lower())[a.name.lower()].resource_types == c.resource_types
    (get_object,) = [c for c in classes if 2 in c.patterns]
    assert [a.name for a in get_object.actions] == ["s3:GetObject"]


def test_real_requests():
    assert is_real_request("s3:GetObject", "arn:aws:s3:::b/k") and not is_real_request("s3:GetObject", "arn:aws:s3:::b")
    assert is_real_request("s3:ListAllMyBuckets", "*") and is_real_request("s3:ListAllMyBuckets", "arn:aws:s3:::")
    assert not is_real_request("sqs:SendMessage", "arn:aws:s3:::b") and not is_real_request("s3:Other", "*")
    assert is_real_request("newservice:DoThing", "anything") and not is_real_request(":", "*")


def test_an_unknown_service_action_avoids_every_catalog_prefix():
    assert realize_unknown_service_action([wildcard_pattern("s3:*")], [False]) == UNKNOWN_SERVICE_EXAMPLE
    found = realize_unknown_service_action([wildcard_pattern("s*:get*")], [True])
    assert found.startswith("s") and ":get" in found and not default_catalog().has_service(found.split(":")[0])


# --------------------------------------------------------------------------------- solver

def test_witness_pairs_the_action_with_a_resource_of_its_type():
    w = witness(conj([action("s3:*"), resource("arn:aws:s3:::b"), neg(action("s3:ListBucket"))]))
    assert is_real_request(w.action, w.resource) and w.resource == "arn:aws:s3:::b"
    w = witness(conj([action("s3:*"), resource("arn:aws:s3:::b*")]))
    assert is_real_request(w.action, w.resource) and w.resource.startswith("arn:aws:s3:::b")


def test_access_only_on_unreal_requests_is_unsatisfiable():
    term = conj([action("sqs:SendMessage"), resource("arn:aws:s3:::b")])
    assert witness(term) is None
    w = witness(term, real=False)
    assert (w.action.lower(), w.resource) == ("sqs:sendmessage", "arn:aws:s3:::b")


def test_an_action_without_resource_types_comes_with_any_resource_and_star_first():
    """AWS grants s3:ListAllMyBuckets on arn:aws:s3:::* (IAM User Guide, "IAM JSON policy
    elements: Statement"), so its request's resource is not only "*": such a grant is access."""
    assert witness(action("s3:ListAllMyBuckets")).resource == "*"
    w = witness(conj([action("s3:ListAllMyBuckets"), resource("arn:aws:s3:::*")]))
    assert w is not None and w.resource.startswith("arn:aws:s3:::")
    w = witness(conj([action("s3:List*"), neg(resource("arn:aws:s3:::b"))]))
    assert w.resource == "*" or is_real_request(w.action, w.resource) and default_catalog().action(w.action).resource_types


def test_a_catalog_action_is_preferred_and_an_unknown_service_is_the_last_resort():
    w = witness(neg(action("s3:*")))
    assert default_catalog().action(w.action) is not None and w.resource == "*"
    # Only S3's own typed actions act on objects; another service's action with no resource type
    # may come with any resource, and is preferred to an unknown service.
    w = witness(conj([neg(action("s3:*")), resource("arn:aws:s3:::b/*")]))
    found = default_catalog().action(w.action)
    assert found is not None and not found.resource_types and w.resource.startswith("arn:aws:s3:::b/")
    # No catalog action at all: every service's actions are refused.
    every_service = [neg(action(f"{prefix}:*")) for prefix in sorted(default_catalog().service_prefixes)]
    w = witness(conj(every_service + [resource("arn:aws:s3:::b/*")]))
    assert w.action == UNKNOWN_SERVICE_EXAMPLE and w.resource.startswith("arn:aws:s3:::b/")


def test_an_untouched_catalog_action_reaches_another_services_resource():
    """No pattern names SSM, yet ssm:SendCommand acts on S3 buckets: a real request."""
    w = witness(conj([neg(action("s3:*")), resource("arn:aws:s3:::b")]))
    assert w.action.lower().startswith("ssm:") and w.resource == "arn:aws:s3:::b" and is_real_request(w.action, w.resource)


def test_a_single_valued_key_has_one_value():
    """aws:username is single-valued: "a" and "b" at once is no real request; an untyped key may
    carry both values in either reading."""
    import json

    from accessproof.checks import check_no_new_access

    def policy(key: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {key: "a"}, "StringLike": {key: "b*"}}}]})

    nothing = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    assert check_no_new_access(policy("aws:username"), nothing, "IDENTITY_POLICY").result == "PASS"
    strings = check_no_new_access(policy("aws:username"), nothing, "IDENTITY_POLICY", string_semantics=True)
    assert strings.result == "FAIL" and sorted(strings.witness["context"]["aws:username"]) == ["a", "b"]
    untyped = check_no_new_access(policy("k"), nothing, "IDENTITY_POLICY")
    assert untyped.result == "FAIL" and sorted(untyped.witness["context"]["k"]) == ["a", "b"]
