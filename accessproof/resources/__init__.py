"""One module per external-access resource type: its configuration as IAM policy statements.

``registry.REGISTRY`` maps each ``ResourceType`` (e.g. ``"AWS::S3::Bucket"``) to a
``ResourceModule``; ``statements(resource)`` turns a loaded resource into ``SourcedStatement``s
(the statement, its ``FindingSourceType`` and a human label of its origin) and
``resource_policy_text(resource)`` joins them into one policy document for
``accessproof.evaluate.compile_policy_text(text, name, RESOURCE)`` and the symbolic engine.
"""

from .base import (
    POLICY_SOURCE, Source, SourcedStatement, SourceType, policy_document, policy_text, statements_of_policy,
)
from .registry import ACCESS_DENIED, REGISTRY, ResourceModule, access_denied, module_for, resource_policy_text, statements

__all__ = [
    "ACCESS_DENIED", "POLICY_SOURCE", "REGISTRY", "ResourceModule", "Source", "SourceType", "SourcedStatement",
    "access_denied", "module_for", "policy_document", "policy_text", "resource_policy_text", "statements",
    "statements_of_policy",
]
