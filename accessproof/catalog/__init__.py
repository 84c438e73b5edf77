"""The service reference: actions, resource types and ARN formats, condition keys and types."""

from .global_keys import GLOBAL_CONDITION_KEYS
from .service_reference import (
    Action,
    Catalog,
    ConditionKey,
    ResourceType,
    Service,
    default_catalog,
    global_condition_key,
)
from .wildcards import has_wildcard, pattern_covers, patterns_intersect, wildcard_match, wildcard_regex

__all__ = [
    "Action", "Catalog", "ConditionKey", "GLOBAL_CONDITION_KEYS", "ResourceType", "Service",
    "default_catalog", "global_condition_key", "has_wildcard", "pattern_covers",
    "patterns_intersect", "wildcard_match", "wildcard_regex",
]
