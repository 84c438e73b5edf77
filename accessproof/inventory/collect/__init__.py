"""Collecting account snapshots from live AWS accounts with boto3 (``accessproof collect``).

One module per resource type, as ``accessproof.resources``: each lists its resources in a Region
(``discover``), reads one (``collect``: the responses docs/snapshot.md names, as the AWS CLI prints
them) and finds one named by an event (``ref_for``, for the monitor). ``account`` runs them over an
account's Regions or an organization's accounts; ``refresh`` re-reads one resource in place; ``policy``
is the least-privilege policy the calls need.
"""

from .account import CollectOptions, CollectReport, collect_organization_to, collect_to
from .base import AwsClients, CallFailed, ResourceGone, ResourceRef
from .policy import collector_actions, collector_policy, policy_text

__all__ = [
    "AwsClients", "CallFailed", "CollectOptions", "CollectReport", "ResourceGone", "ResourceRef",
    "collect_organization_to", "collect_to", "collector_actions", "collector_policy", "policy_text",
]
