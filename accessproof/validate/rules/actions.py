"""Rules: actions and service prefixes — unknown actions and services, wildcards in service names,
redundant actions."""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Iterator, Optional

from ...catalog import Catalog
from ...catalog.service_reference import is_identity_provider_prefix
from ...policy import Location, Statement, Value
from ...policy.wildcards import compile_wildcard, has_wildcard
from ..rule import ERROR, SUGGESTION, Context, Report, Reports, rule
from .resources import redundant_values, split_arn

# A prefix this close to a known one (difflib ratio) is taken for a typo of it and reported as
# INVALID_SERVICE_IN_ACTION with "Did you mean ...?"; a prefix close to none is INVALID_SERVICE.
# AWS documents both codes for an unknown prefix in an action without saying where the line is.
SERVICE_SUGGESTION_CUTOFF = 0.75


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


@lru_cache(maxsize=1024)
def _closest_service(catalog: Catalog, prefix: str) -> Optional[str]:
    found = difflib.get_close_matches(prefix.lower(), sorted(catalog.service_prefixes), n=1,
                                      cutoff=SERVICE_SUGGESTION_CUTOFF)
    return found[0] if found else None


def _closest_action(catalog: Catalog, prefix: str, name: str) -> str:
    """The action of the service whose name is closest to ``name`` (always one: AWS's message
    always ends with "Did you mean ...?")."""
    svc = catalog.service(prefix)
    assert svc is not None
    names = {a.name.lower(): a.name for a in svc.actions.values()}
    probe = name.replace("*", "").replace("?", "").lower()
    found = difflib.get_close_matches(probe, sorted(names), n=1, cutoff=0.0)
    return f"{svc.prefix}:{names[found[0]]}" if found else f"{svc.prefix}:*"


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
            matches = compile_wildcard(name, ignore_case=True).matches
            cache[key] = any(matches(a.name) for a in svc.actions.values())
    return cache[key]


def _prefix_is_unknown(catalog: Catalog, prefix: str) -> bool:
    cache = catalog.memo("_rules_actions_unknown_prefix")
    found = cache.get(prefix)
    if found is None:
        found = cache[prefix] = prefix != "" and not has_wildcard(prefix) and not catalog.has_service(prefix)
    return found


def unknown_service_prefix_locations(ctx: Context) -> Iterator[tuple[Location, str]]:
    """(location, prefix) for every unknown service prefix that INVALID_SERVICE reports.

    Actions (``Action``/``NotAction``): a prefix that is no service and is not close to one (a
    close one is INVALID_SERVICE_IN_ACTION instead). Condition keys: a prefix that is no service,
    not ``aws``, not a known key owner (``saml``, ``cognito-identity.amazonaws.com``...) and not
    an identity-provider host (``accounts.google.com``, any ``host/path``); reported at the key.
    """
    catalog = ctx.catalog
    for st in ctx.statements:
        for text, v in _action_values(st):
            prefix, sep, _ = text.partition(":")
            if sep and _prefix_is_unknown(catalog, prefix) and _closest_service(catalog, prefix) is None:
                yield v.loc, prefix
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
    "The service {{service}} specified in the action does not exist. Did you mean {{service2}}?",
)
def invalid_service_in_action(ctx: Context) -> Reports:
    for st in ctx.statements:
        for text, v in _action_values(st):
            prefix, sep, _ = text.partition(":")
            if sep and _prefix_is_unknown(ctx.catalog, prefix):
                suggestion = _closest_service(ctx.catalog, prefix)
                if suggestion:
                    yield Report.at(v.loc, service=prefix, service2=suggestion)


@rule(
    "INVALID_ACTION", ERROR, "Invalid action",
    "The action {{action}} does not exist. Did you mean {{valid_action}}?",
)
def invalid_action(ctx: Context) -> Reports:
    # Action names are case-insensitive. A pattern with wildcards that matches no action of a
    # known service (``s3:GetObjekt*``) is reported too: it grants nothing, like a misspelt name.
    catalog = ctx.catalog
    verdicts = catalog.memo("_rules_actions_invalid")
    for st in ctx.statements:
        for text, v in _action_values(st):
            if text not in verdicts:
                verdicts[text] = _invalid_action_suggestion(catalog, text)
            suggestion = verdicts[text]
            if suggestion:
                yield Report.at(v.loc, action=text, valid_action=suggestion)


def _invalid_action_suggestion(catalog: Catalog, text: str) -> Optional[str]:
    """None when ``text`` is not an invalid action of a known service, else the suggestion."""
    prefix, sep, name = text.partition(":")
    if not sep or not name or has_wildcard(prefix) or not catalog.has_service(prefix):
        return None
    if _matches_any(catalog, text):
        return None
    return _closest_action(catalog, prefix, name)


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
    # One finding per Action element, located at every redundant entry; {{redundantAction}} is
    # the first of them. An entry is redundant when another single entry covers it as a pattern
    # (``iam:Get*`` covers ``iam:GetCredentialReport``; ``iam:*CredentialReport`` is not covered,
    # as in AWS's example) or repeats it (case-insensitively: action names ignore case).
    # NotAction is not checked: AWS documents this check for the Action element.
    for st in ctx.statements:
        if not st.action:
            continue
        values = list(Context.string_values(st.action.values))
        if len(values) < 2:
            continue
        found = redundant_values(values, ignore_case=True)
        if found:
            yield Report.at(*(v.loc for v in found), redundantActionCount=len(found),
                            redundantAction=found[0].text)
