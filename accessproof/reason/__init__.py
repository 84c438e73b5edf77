"""The symbolic engine: policies compiled to a Boolean abstraction solved with z3.

``terms`` is the solver-free formula layer, ``encode`` turns compiled policies into terms,
``strings`` decides questions about wildcard languages and builds witness strings, ``solver``
runs z3 with on-demand refinement and builds concrete witness requests.
"""

from .encode import Encoder, action_pattern, opaque_keys, resource_pattern, service_rule_terms
from .errors import WitnessReplayError
from .solver import Concrete, Outcome, Session, Undecided, opaque_condition_map
from .terms import ACTION, RESOURCE, Matches, conj, disj, neg

__all__ = [
    "ACTION", "Concrete", "Encoder", "Matches", "Outcome", "RESOURCE", "Session", "Undecided",
    "WitnessReplayError", "action_pattern", "conj", "disj", "neg", "opaque_condition_map", "opaque_keys",
    "resource_pattern", "service_rule_terms",
]
