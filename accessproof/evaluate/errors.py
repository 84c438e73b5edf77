"""Errors of the evaluator: each is a ``ValueError`` with a one-line message."""

from __future__ import annotations


class EvaluationError(ValueError):
    """Base class: the input cannot be evaluated."""


class InvalidRequest(EvaluationError):
    """The request (principal, action, resource, context) is not well-formed."""


class MalformedPolicy(EvaluationError):
    """A policy cannot be evaluated (not JSON, or an element IAM would reject)."""
