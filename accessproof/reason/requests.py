"""The requests AWS can receive: the engine's real-request semantics.

Under plain string semantics a request is any action string with any resource string, so a
policy granting ``sqs:SendMessage`` on ``arn:aws:s3:::b`` grants something, although AWS never
receives that request. Under the real-request semantics (the default of the custom checks and
of the external access analyzer) a request is

- an action of the service reference (``accessproof.catalog``) when the catalog knows the
  action's service. An action of a service the catalog does not know keeps plain string
  semantics (any ``prefix:name``, both parts non-empty and without a colon), so access to a
  service newer than the data is never lost;
- a resource that action acts on: an ARN of one of its resource types; any string for an action
  with no resource type or of an unknown service. AWS says to write ``*`` for an action with no
  resource type ("Some AWS services do not allow you to specify actions for individual resources
  [...] you use the wildcard character (*) in the Resource element", IAM User Guide, "IAM JSON
  policy elements: Resource") but not which string its request carries, and its own examples
  grant such actions on narrower patterns that must then match it (``s3:ListAllMyBuckets`` on
  ``arn:aws:s3:::*``: IAM User Guide, "IAM JSON policy elements: Statement"). So any string, lest
  a PASS miss such a grant; witnesses name ``*`` whenever ``*`` has the access. LIMIT: an action
  that lists resource types acts on one of them even when none is marked required — the
  reference's mark does not tell ``s3:GetObject`` (two optional types, an object or an access
  point object, one of which every request names) from ``cloudwatch:GetMetricData`` (an optional
  ``dataset`` that most requests do not name); a request naming none of the types is outside
  this semantics (README, "Which requests a check is about").

The ARNs of a resource type are those its ARN format describes, each ``${Placeholder}`` standing
for one or more characters. CHOICE (the Service Authorization Reference gives formats, not
grammars): in the five components before the resource part a placeholder has no colon (the ARN
rule the evaluator applies to every ARN), and a component that is a single placeholder is a
single name, with neither ``/`` nor ``:`` — partitions, Regions and account ids never have them,
nor do S3 bucket, SNS topic, SQS queue, CodeCommit repository and CodePipeline pipeline names (the
resource parts that are one ``${...Name}`` placeholder), so ``arn:aws:s3:::b/k`` is an object, not
a bucket. A resource part that is one placeholder of another kind (Migration Hub's
``${ConnectionArn}``, ``${RelativeId}``, ``${OfferingId}``) may hold anything: its names are not
documented, and excluding a separator there could hide a grant.
A ``*`` or ``?`` written in a format (DMS, Neptune) is read as a wildcard.

This module holds the catalog side as plain data — classes of interchangeable catalog actions
for the patterns of one query, the language of each resource type — and the complete searches
that realize one of them; ``solver.Session`` encodes the constraint over them, so that every
clause it learns is true of every real request and "unsatisfiable" remains a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterable, Iterator, Optional, Sequence

from ..catalog import default_catalog
from .strings import LITERAL, STAR, Pattern, exact_valuation, literal_pattern, wildcard_pattern

WITNESS_NAME = "accessproof-witness"
EXAMPLE_ACCOUNT = "123456789012"
STAR_RESOURCE = "*"
STAR_PATTERN = literal_pattern(STAR_RESOURCE)
# An action of a service the catalog does not know: "prefix:name", neither part empty nor with a colon.
UNKNOWN_SERVICE_ACTION = wildcard_pattern("?*:?*", arn=True)
UNKNOWN_SERVICE_EXAMPLE = "unknown-service:accessproof-witness"  # lower case, as the engine matches actions
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_EXAMPLE_VALUES = {"partition": "aws", "region": "us-east-1", "account": EXAMPLE_ACCOUNT, "accountid": EXAMPLE_ACCOUNT}


def _accepts(p: Pattern, text: str) -> bool:
    return p.accepts(text)


# ------------------------------------------------------------------------ resource types


@dataclass(frozen=True, eq=False)
class ResourceLanguage:
    """The ARNs of one resource type: accepted by ``pattern`` and by none of ``excluded``
    (both built on first use: a policy naming a hundred services touches a thousand types)."""

    key: str  # "<service prefix>/<type key>", unique in the catalog
    arn_format: str

    @cached_property
    def components(self) -> list[str]:
        return self.arn_format.split(":", 5)

    @cached_property
    def service(self) -> Optional[str]:
        """The service component of every ARN of the type, when the format writes it out."""
        c = self.components
        return c[2] if len(c) > 2 and not _PLACEHOLDER.search(c[2]) and not any(ch in c[2] for ch in "*?") else None

    @cached_property
    def pattern(self) -> Pattern:
        return wildcard_pattern(":".join(_PLACEHOLDER.sub("?*", c) for c in self.components), arn=True)

    @cached_property
    def excluded(self) -> tuple[Pattern, ...]:
        # A component that is one placeholder is one name: neither "/" nor (in the resource part,
        # for a documented name) ":" — see the module's CHOICE.
        loose = [_PLACEHOLDER.sub("*", c) for c in self.components]
        return tuple(wildcard_pattern(":".join(loose[:i] + [f"*{separator}*"] + loose[i + 1:]), arn=True)
                     for i, component in enumerate(self.components) if _is_single_name(i, component)
                     for separator in ("/:" if i == 5 else "/"))

    @cached_property
    def example(self) -> str:
        """A readable member: aws, us-east-1, an account id, and the witness name elsewhere."""
        return ":".join(_PLACEHOLDER.sub(lambda m: _EXAMPLE_VALUES.get(m.group(0)[2:-1].lower(), WITNESS_NAME), c)
                        .replace("*", WITNESS_NAME).replace("?", "x") for c in self.components)

    def accepts(self, arn: str) -> bool:
        return _accepts(self.pattern, arn) and not any(_accepts(p, arn) for p in self.excluded)


@lru_cache(maxsize=None)
def resource_language(key: str, arn_format: str) -> ResourceLanguage:
    return ResourceLanguage(key, arn_format)


def _is_single_name(index: int, component: str) -> bool:
    """Is this ARN component one name, without ``/`` (or ``:``)? A placeholder before the resource
    part (partition, Region, account id, vendor); in the resource part a ``${...Name}`` only."""
    return _PLACEHOLDER.fullmatch(component) is not None and (index < 5 or component.endswith("Name}"))


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, eq=False)
class CatalogAction:
    name: str  # canonical spelling, e.g. "s3:GetObject"
    resource_types: tuple[ResourceLanguage, ...]  # empty: the action acts on "*"


@lru_cache(maxsize=None)
def service_actions(prefix: str) -> dict[str, CatalogAction]:
    """The catalog's actions of one service, by lower-case full name (empty for an unknown prefix)."""
    catalog = default_catalog()
    service = catalog.service(prefix)
    if service is None:
        return {}
    return {f"{prefix}:{lower}": CatalogAction(action.full_name, tuple(
        language for rt in catalog.action_resource_types(action) for language in _languages(prefix, rt.key, rt.arn_format)))
        for lower, action in service.actions.items()}


def _languages(prefix: str, key: str, arn_format: str) -> tuple[ResourceLanguage, ...]:
    """A type's languages: a few types list two ARN formats, comma-separated (API Gateway's
    ``/apis/...`` and ``/restapis/...``, Lex's ``bot/`` and ``bot:``)."""
    formats = [f.strip() for f in arn_format.split(",")]
    return tuple(resource_language(f"{prefix}/{key.lower()}" + (f"#{i}" if i else ""), f) for i, f in enumerate(formats))


def catalog_action(lower_name: str) -> Optional[CatalogAction]:
    return service_actions(lower_name.partition(":")[0]).get(lower_name)


@lru_cache(maxsize=65536)
def _literal_head(p: Pattern) -> str:
    head = []
    for kind, lit, flag in p.tokens:
        if kind != LITERAL or flag:
            break
        head.append(lit)
    return "".join(head)


def is_catalog_prefix(prefix: str) -> bool:
    return default_catalog().has_service(prefix)


@lru_cache(maxsize=65536)
def actions_accepted(p: Pattern) -> tuple[str, ...]:
    """The catalog's actions (lower-case full names) an action pattern accepts."""
    head = _literal_head(p)
    if len(head) == len(p.tokens):
        return (head,) if catalog_action(head) is not None else ()
    if ":" in head:
        prefixes = [head.partition(":")[0]]
    else:
        prefixes = [s for s in sorted(default_catalog().service_prefixes) if s.startswith(head)]
    return tuple(name for prefix in prefixes for name in service_actions(prefix) if p.accepts(name))


@lru_cache(maxsize=65536)
def may_name_unknown_service(p: Pattern) -> bool:
    """Can the pattern accept an action of a service the catalog does not know?"""
    head = _literal_head(p)
    return ":" not in head or not is_catalog_prefix(head.partition(":")[0])


@dataclass(frozen=True, eq=False)
class ActionClass:
    """Catalog actions that the query cannot tell apart: the same patterns accept each of them
    (``patterns``: indexes into the query's action patterns) and they act on the same types."""

    actions: tuple[CatalogAction, ...]
    patterns: tuple[int, ...]
    resource_types: tuple[ResourceLanguage, ...]


def _type_keys(action: CatalogAction) -> tuple[str, ...]:
    return tuple(rt.key for rt in action.resource_types)


def action_classes(patterns: Sequence[Pattern]) -> tuple[tuple[ActionClass, ...], frozenset[str]]:
    """The classes of the catalog actions some pattern accepts, ordered so that classes acting on
    the same resource types are adjacent; and those actions' lower-case names (every other catalog
    action is accepted by none of the patterns)."""
    signature: dict[str, list[int]] = {}
    for i, p in enumerate(patterns):
        for name in actions_accepted(p):
            signature.setdefault(name, []).append(i)
    groups: dict[tuple, list[CatalogAction]] = {}
    for name, indexes in signature.items():
        action = service_actions(name.partition(":")[0])[name]
        groups.setdefault((_type_keys(action), tuple(indexes)), []).append(action)
    classes = tuple(ActionClass(tuple(members), key[1], members[0].resource_types)
                    for key, members in sorted(groups.items(), key=lambda item: item[0]))
    return classes, frozenset(signature)


# ----------------------------------------------------------------------------- searches


def realize_resource(language: ResourceLanguage, patterns: Sequence[Pattern], wanted: Sequence[bool],
                     avoid: Sequence[str] = ()) -> Optional[str]:
    """An ARN of ``language`` that exactly the wanted ``patterns`` accept, other than the
    ``avoid`` strings; None when there is none (the search is complete)."""
    if language.example not in avoid and language.accepts(language.example) and all(
            _accepts(p, language.example) == w for p, w in zip(patterns, wanted)):
        return language.example
    extra = [language.pattern, *language.excluded]
    required = (True,) + (False,) * len(language.excluded)
    excluded: list[Pattern] = []
    avoided = set(avoid)
    while True:
        found = exact_valuation([*patterns, *extra, *excluded], (*wanted, *required, *(False,) * len(excluded)),
                                nonempty=True)
        if found is None or found not in avoided:
            return found
        excluded.append(literal_pattern(found))


def realize_unknown_service_action(patterns: Sequence[Pattern], wanted: Sequence[bool]) -> Optional[str]:
    """An action of a service the catalog does not know that exactly the wanted patterns accept."""
    if all(_accepts(p, UNKNOWN_SERVICE_EXAMPLE) == w for p, w in zip(patterns, wanted)):
        return UNKNOWN_SERVICE_EXAMPLE
    known: list[Pattern] = []
    while True:
        found = exact_valuation([*patterns, UNKNOWN_SERVICE_ACTION, *known],
                                (*wanted, True, *(False,) * len(known)), nonempty=True)
        if found is None:
            return None
        prefix = found.partition(":")[0]
        if not is_catalog_prefix(prefix):
            return found
        known.append(Pattern(tuple((LITERAL, ch, False) for ch in f"{prefix}:") + ((STAR, "", False),), f"{prefix}:*"))


@lru_cache(maxsize=1)
def _services_by_component() -> dict[Optional[str], tuple[str, ...]]:
    """Service prefixes whose resource types have ARNs with a given service component (None: a
    placeholder there). A service's actions act only on its own types, so these are the only
    services with actions on such ARNs (``ssm`` acts on some ``s3`` ARNs, ``ec2`` on ``iam`` ones)."""
    catalog = default_catalog()
    out: dict[Optional[str], set[str]] = {}
    for prefix in sorted(catalog.service_prefixes):
        for arn_format in catalog.resource_type_arns(prefix).values():
            component = arn_format.split(":")[2] if arn_format.count(":") >= 2 else None
            out.setdefault(None if component is None or _PLACEHOLDER.search(component) else component,
                           set()).add(prefix)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _actions_of(prefixes: Iterable[str]) -> Iterator[tuple[str, CatalogAction]]:
    for prefix in prefixes:
        yield from service_actions(prefix).items()


def untouched_request(touched: frozenset[str], resource: Callable[[ResourceLanguage], Optional[str]],
                      star: bool, service: Optional[str] = None) -> Optional[tuple[str, str]]:
    """A catalog action outside ``touched`` and a resource it acts on: ``*`` for an action with no
    resource type when ``star`` holds, else ``resource(language)`` for one of its types (None:
    that type cannot fit) — only types whose ARNs have the service component ``service`` when it
    is given. Every such action is tried before answering None, each resource type once."""
    if star or service is None:
        prefixes: Iterable[str] = sorted(default_catalog().service_prefixes)
    else:
        index = _services_by_component()
        prefixes = sorted({*index.get(service, ()), *index.get(None, ())})
    tried: dict[str, Optional[str]] = {}
    for name, action in _actions_of(prefixes):
        if name in touched:
            continue
        if star or not action.resource_types:
            if star and not action.resource_types:
                return action.name, STAR_RESOURCE
            continue
        for language in action.resource_types:
            if language.service is not None and service is not None and language.service != service:
                continue
            if language.key not in tried:
                tried[language.key] = resource(language)
            if tried[language.key] is not None:
                return action.name, tried[language.key]
    return None


def is_real_request(action: str, resource: str) -> bool:
    """Is (action, resource) a request AWS can receive, as this module defines it?"""
    prefix = action.partition(":")[0].lower()
    if not is_catalog_prefix(prefix):
        return _accepts(UNKNOWN_SERVICE_ACTION, action.lower())
    found = catalog_action(action.lower())
    if found is None:
        return False
    if not found.resource_types:
        return True
    return any(language.accepts(resource) for language in found.resource_types)
