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
# The wildcard algebra lives in ``policy.wildcards`` (every layer uses it); these names stay
# importable from the catalog, where they used to live.
from ..policy.wildcards import has_wildcard, pattern_covers, patterns_intersect, wildcard_match

__all__ = [
    "Action", "Catalog", "ConditionKey", "GLOBAL_CONDITION_KEYS", "ResourceType", "Service",
    "default_catalog", "global_condition_key", "has_wildcard", "pattern_covers",
    "patterns_intersect", "wildcard_match",
]
