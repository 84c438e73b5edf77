"""The rule object: one issue code of the Access Analyzer policy check reference.

A rule is declared with the ``@rule`` decorator on a check function::

    @rule(
        "EMPTY_SID_VALUE", SUGGESTION, "Empty Sid value",
        "Add a value to the empty string in the Sid element.",
    )
    def empty_sid_value(ctx: Context) -> Reports:
        for st in ctx.statements:
            if st.sid and st.sid.text == "":
                yield st.sid.loc

The function yields locations (or ``Report(loc, **placeholders)`` when the message has
``{{placeholders}}``); the engine turns them into findings with AWS's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from ..catalog import Action, Catalog
from ..policy import Location, Policy, Statement, Value

ERROR = "ERROR"
SECURITY_WARNING = "SECURITY_WARNING"
WARNING = "WARNING"
SUGGESTION = "SUGGESTION"
FINDING_TYPES = (ERROR, SECURITY_WARNING, WARNING, SUGGESTION)

IDENTITY_POLICY = "IDENTITY_POLICY"
RESOURCE_POLICY = "RESOURCE_POLICY"
SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
POLICY_TYPES = (IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY)

ROLE_TRUST_POLICY = "AWS::IAM::AssumeRolePolicyDocument"
VALIDATE_RESOURCE_TYPES = (
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3::MultiRegionAccessPoint",
    "AWS::S3ObjectLambda::AccessPoint",
    ROLE_TRUST_POLICY,
    "AWS::DynamoDB::Table",
)

LEARN_MORE_BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
ANCHOR_KIND = {
    ERROR: "error",
    SECURITY_WARNING: "security-warning",
    WARNING: "general-warning",
    SUGGESTION: "suggestion",
}


@dataclass(frozen=True, slots=True)
class Report:
    """One occurrence found by a rule: where, and the values for the message's placeholders."""

    locations: tuple[Location, ...]
    values: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def at(*locations: Location, **values: object) -> "Report":
        return Report(tuple(locations), {k: str(v) for k, v in values.items()})


Reports = Iterator[Union[Location, Report]]


@dataclass(frozen=True, slots=True)
class Finding:
    issue_code: str
    finding_type: str
    details: str
    learn_more_link: str
    locations: tuple[Location, ...]

    def sort_key(self) -> tuple:
        first = self.locations[0].start if self.locations else -1
        return (first, FINDING_TYPES.index(self.finding_type), self.issue_code)


def kebab(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass(frozen=True)
class Rule:
    code: str
    finding_type: str
    title: str
    message: str  # with {{placeholders}}
    check: Callable[["Context"], Reports]
    policy_types: frozenset[str] = frozenset(POLICY_TYPES)
    anchor: Optional[str] = None  # when AWS's anchor is not derived from the title
    # Codes with several documented messages: a report picks one with ``variant=<index>``
    # (index 0 is ``message`` itself).
    variants: tuple[str, ...] = ()

    @property
    def learn_more_link(self) -> str:
        anchor = self.anchor or (
            f"access-analyzer-reference-policy-checks-{ANCHOR_KIND[self.finding_type]}-{kebab(self.title)}"
        )
        return f"{LEARN_MORE_BASE}#{anchor}"

    def details(self, values: dict[str, str]) -> str:
        messages = (self.message, *self.variants)
        message = messages[int(values.get("variant", "0"))]
        return re.sub(r"\{\{([\w/-]+)\}\}", lambda m: values.get(m.group(1), ""), message)

    def run(self, ctx: "Context") -> Iterator[Finding]:
        if ctx.policy_type not in self.policy_types:
            return
        for found in self.check(ctx):
            yield self.finding(found)

    def finding(self, found: Any) -> Finding:
        """The finding for one thing ``check`` yielded (a ``Report``, or a location alone)."""
        report = found if isinstance(found, Report) else Report((found,))
        return Finding(self.code, self.finding_type, self.details(report.values), self.learn_more_link, report.locations)


REGISTRY: dict[str, Rule] = {}
_RULES_FOR: dict[tuple[str, int], tuple[Rule, ...]] = {}


def rules_for(policy_type: str) -> tuple[Rule, ...]:
    """The registered rules that apply to ``policy_type``, in registration order (what ``run``
    would skip is left out once, not asked of every rule for every policy)."""
    key = (policy_type, len(REGISTRY))
    rules = _RULES_FOR.get(key)
    if rules is None:
        rules = _RULES_FOR[key] = tuple(r for r in REGISTRY.values() if policy_type in r.policy_types)
    return rules


def rule(
    code: str,
    finding_type: str,
    title: str,
    message: str,
    *,
    policy_types: Iterable[str] = POLICY_TYPES,
    anchor: Optional[str] = None,
    variants: tuple[str, ...] = (),
) -> Callable[[Callable[["Context"], Reports]], Rule]:
    """Declare and register the rule for one issue code."""
    assert finding_type in FINDING_TYPES, finding_type

    def register(check: Callable[["Context"], Reports]) -> Rule:
        if code in REGISTRY:
            raise ValueError(f"issue code {code} is registered twice")
        r = Rule(code, finding_type, title, message, check, frozenset(policy_types), anchor, variants)
        REGISTRY[code] = r
        return r

    return register


@dataclass
class Context:
    """What a rule sees: the parsed policy, what kind of policy it is, and the catalog."""

    policy: Policy
    policy_type: str
    resource_type: Optional[str]
    catalog: Catalog

    @property
    def statements(self) -> list[Statement]:
        return self.policy.statements

    @property
    def is_identity(self) -> bool:
        return self.policy_type == IDENTITY_POLICY

    @property
    def is_resource(self) -> bool:
        return self.policy_type == RESOURCE_POLICY

    @property
    def is_scp(self) -> bool:
        return self.policy_type == SERVICE_CONTROL_POLICY

    @property
    def is_rcp(self) -> bool:
        return self.policy_type == RESOURCE_CONTROL_POLICY

    @property
    def is_trust_policy(self) -> bool:
        return self.policy_type == RESOURCE_POLICY and self.resource_type == ROLE_TRUST_POLICY

    @cached_property
    def _memos(self) -> dict[str, dict]:
        return {}

    def memo(self, name: str) -> dict:
        """A named dictionary for one validation: rules share per-policy analyses through it."""
        return self._memos.setdefault(name, {})

    def expand_action(self, pattern: str) -> list[Action]:
        """The catalog actions a pattern names (cached per policy)."""
        cache = self.memo("expanded actions")
        if pattern not in cache:
            cache[pattern] = self.catalog.match_actions(pattern)
        return cache[pattern]

    def actions(self, st: Statement) -> list[Action]:
        """All catalog actions named by the statement's ``Action`` element."""
        out: list[Action] = []
        for v in st.action.values if st.action else ():
            if v.text is not None:
                out.extend(self.expand_action(v.text))
        return out

    @staticmethod
    def string_values(values: Iterable[Value]) -> Iterator[tuple[str, Value]]:
        for v in values:
            if v.text is not None:
                yield v.text, v
