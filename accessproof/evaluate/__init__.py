"""The concrete decision engine: a request and a set of policies → allowed / explicitDeny /
implicitDeny, with the statements that decided. See ``decision`` for the evaluation logic,
``matching`` for Action/Resource/Principal, ``conditions`` for every condition operator."""

from .decision import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    MatchedStatement,
    PolicySet,
    evaluate,
)
from .errors import EvaluationError, InvalidRequest, MalformedPolicy
from .matching import (
    BOUNDARY,
    IDENTITY,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    CompiledPolicy,
    compile_policy,
    compile_policy_text,
)
from .request import ContextValue, Principal, PrincipalKind, Request, parse_principal

__all__ = [
    "ALLOWED", "BOUNDARY", "CompiledPolicy", "ContextValue", "Decision", "EXPLICIT_DENY", "EvaluationError",
    "IDENTITY", "IMPLICIT_DENY", "InvalidRequest", "MalformedPolicy", "MatchedStatement", "PolicySet",
    "Principal", "PrincipalKind", "RCP", "RESOURCE", "Request", "SCP", "SESSION", "compile_policy",
    "compile_policy_text", "evaluate", "parse_principal",
]
