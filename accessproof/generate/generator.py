"""Recorded calls → used actions and resources → policies (pure: no I/O here)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Optional

from ..catalog import Catalog
from .arns import derive_arns, pass_role_arns, placeholder_arns
from .mapping import PASS_ROLE_PARAMETERS, MappedEvent, map_event, operation_name
from .policy import ActionUse
from .reader import CallGroup

# AWS's generation window is at most 90 days (IAM User Guide, "IAM Access Analyzer quotas").
DEFAULT_WINDOW_DAYS = 90


def is_denied(error_code: Optional[str]) -> bool:
    """Was the call refused by authorization? Other errors happen after authorization passed."""
    if not error_code:
        return False
    return ("AccessDenied" in error_code or "Unauthorized" in error_code or "AuthorizationError" in error_code
            or error_code in ("Forbidden", "NotAuthorized"))


def default_window_start(data_end: datetime) -> date:
    """The first day of the default window: the 90 UTC days that end with the data's last day.

    AWS's default ends "now"; offline, "now" is the end of the logs. The window is counted in
    whole days, as the IAM console's date picker chooses it.
    """
    return data_end.date() - timedelta(days=DEFAULT_WINDOW_DAYS - 1)


def in_window(group: CallGroup, first_day: Optional[date]) -> bool:
    return first_day is None or group.day >= first_day


@dataclass
class EventTally:
    event_source: str
    event_name: str
    calls: int = 0

    def as_dict(self) -> dict:
        return {"eventSource": self.event_source, "eventName": self.event_name, "count": self.calls}


@dataclass
class Usage:
    """What a principal's calls need, and what could not be mapped."""

    uses: dict[str, ActionUse] = field(default_factory=dict)
    unmapped: dict[tuple[str, str], EventTally] = field(default_factory=dict)
    no_permission: dict[tuple[str, str], EventTally] = field(default_factory=dict)
    calls: int = 0
    services: Counter = field(default_factory=Counter)

    def use(self, action: str) -> ActionUse:
        found = self.uses.get(action)
        if found is None:
            found = self.uses[action] = ActionUse(action)
        return found


class Mapper:
    """Maps call groups to actions and resources, memoizing per operation."""

    def __init__(self, catalog: Catalog, partition: str, include_placeholders: bool):
        self.catalog = catalog
        self.partition = partition
        self.include_placeholders = include_placeholders
        self._fallback: dict[str, tuple[str, ...]] = {}

    def fallback(self, action_name: str) -> tuple[str, ...]:
        """Resources for a call whose resource is unknown: placeholders if asked, else ``*``."""
        found = self._fallback.get(action_name)
        if found is None:
            action = self.catalog.action(action_name)
            templates = placeholder_arns(action, self.catalog, self.partition) if (
                action is not None and self.include_placeholders) else ()
            found = self._fallback[action_name] = templates or ("*",)
        return found

    def resources(self, action_name: str, group: CallGroup, parameters: Optional[dict]) -> tuple[str, ...]:
        action = self.catalog.action(action_name)
        if action is None:
            return ("*",)
        derived = derive_arns(action, self.catalog, operation_name(group.event_name), self.partition,
                              group.region, group.account, parameters, group.resource_arns())
        return derived if derived is not None else self.fallback(action_name)

    def request_actions(self, group: CallGroup, parameters: Optional[dict]) -> Optional[MappedEvent]:
        return map_event(group.event_source, group.event_name, self.catalog, parameters)


def tally_usage(groups: Iterable[CallGroup], mapper: Mapper) -> Usage:
    usage = Usage()
    for group in groups:
        usage.calls += group.count
        parameters = group.parameters()
        mapped = mapper.request_actions(group, parameters)
        key = (group.event_source, group.event_name)
        if mapped is None:
            usage.unmapped.setdefault(key, EventTally(*key)).calls += group.count
            continue
        if mapped.no_permission_needed:
            usage.no_permission.setdefault(key, EventTally(*key)).calls += group.count
            continue
        denied = is_denied(group.error_code)
        needs: list[tuple[str, tuple[str, ...]]] = [
            (action, mapper.resources(action, group, parameters)) for action in mapped.actions]
        roles = pass_role_arns(parameters, PASS_ROLE_PARAMETERS.get((group.event_source, operation_name(group.event_name)), ()))
        if roles:
            needs.append(("iam:PassRole", roles))
        for action, resources in needs:
            use = usage.use(action)
            usage.services[action.split(":", 1)[0]] += group.count
            if denied:
                use.denied_calls += group.count
                use.denied_resources.update(resources)
            else:
                use.allowed_calls += group.count
                use.allowed_resources.update(resources)
    return usage
