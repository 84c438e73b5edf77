"""CheckNoNewAccess witnesses on real policy changes are real requests.

A sample of consecutive versions of AWS managed policies (the shared corpus, ``bench/corpus.py``;
skipped with a reason in a plain clone, ``tests/conftest.py``): every FAIL's
witness names an action of the service reference and a resource that action acts on — an ARN
its resource types' formats match, read with the catalog's own regular expressions; for an action
without a resource type ``*``, or another string only when ``*`` has no new access. The one exception the semantics allows, an action of a
service the catalog does not know, must come from a new policy that can grant such a service
(``NotAction``, or an action pattern with a wildcard in the service or an unknown service).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from accessproof.catalog import default_catalog
from accessproof.catalog.service_reference import arn_format_matcher
from accessproof.checks import FAIL, check_no_new_access, replay
from accessproof.evaluate import IDENTITY, compile_policy_text

from corpus import MANAGED_POLICIES, managed_policy_records

from .test_bruteforce import as_concrete


def acts_on(action: str, resource: str) -> bool:
    catalog = default_catalog()
    found = catalog.action(action)
    if found is None:
        return False
    types = catalog.action_resource_types(found)
    if not types:
        return True  # any resource (``reason.requests``): "*" first, checked below
    # A few types list two formats, comma-separated; a "*" written in a format is a wildcard.
    return any(arn_format_matcher(f.strip().replace("*", "${Any}")).matches(resource)
               for t in types for f in t.arn_format.split(","))


def may_grant_unknown_services(document: dict) -> bool:
    catalog = default_catalog()
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    for s in statements:
        if s.get("Effect") != "Allow":
            continue
        if "NotAction" in s:
            return True
        actions = s.get("Action", [])
        for a in [actions] if isinstance(actions, str) else actions:
            prefix = a.partition(":")[0]
            if a == "*" or "*" in prefix or "?" in prefix or not catalog.has_service(prefix):
                return True
    return False


def sample_pairs() -> list[tuple[dict, dict]]:
    records = list(managed_policy_records(MANAGED_POLICIES))
    names = sorted({r["name"] for r in records})
    chosen = set(names[7::20])  # every 20th policy (test_corpus_sample takes every 25th from the first)
    return [(old, new) for old, new in zip(records, records[1:])
            if old["name"] == new["name"] and old["name"] in chosen]


@pytest.mark.shared_corpus
def test_every_no_new_access_witness_is_a_real_request():
    pairs = sample_pairs()
    failures = 0
    for old, new in pairs:
        result = check_no_new_access(json.dumps(new["document"]), json.dumps(old["document"]), "IDENTITY_POLICY").as_dict()
        if result["result"] != FAIL:
            continue
        failures += 1
        w = result["witness"]
        where = f"{new['name']} {old['versionId']}->{new['versionId']}: {w['action']} on {w['resource']}"
        if default_catalog().has_service(w["action"].partition(":")[0]):
            assert acts_on(w["action"], w["resource"]), where
            if not default_catalog().action(w["action"]).resource_types and w["resource"] != "*":
                on_star = replace(as_concrete(w), resource="*")
                new_policy, old_policy = (compile_policy_text(json.dumps(r["document"]), "p", IDENTITY) for r in (new, old))
                assert not (replay(new_policy, on_star, "IDENTITY_POLICY").allowed and
                            not replay(old_policy, on_star, "IDENTITY_POLICY").allowed), where
        else:
            assert may_grant_unknown_services(new["document"]), where
    assert len(pairs) > 50 and failures > 30, (len(pairs), failures)
