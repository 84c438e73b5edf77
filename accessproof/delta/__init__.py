"""The access delta: what a change to policies, templates or a folder newly allows (and removes),
as the exact set of catalog actions, each proven by a replayed witness request.

``policy_delta(old, new, policy_type)`` for two policies; ``documents_delta`` for two policies or
two templates/plans; ``revisions_delta`` for two git revisions of a folder.
"""

from .compare import DeltaReport, GitError, NamedDelta, deployment_delta, documents_delta, revisions_delta
from .core import ActionAccess, PolicyDelta, Side, policy_delta
from .render import delta_markdown, delta_text

__all__ = ["ActionAccess", "DeltaReport", "GitError", "NamedDelta", "PolicyDelta", "Side", "delta_markdown",
           "delta_text", "deployment_delta", "documents_delta", "policy_delta", "revisions_delta"]
