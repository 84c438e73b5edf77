"""Errors of the symbolic engine."""

from __future__ import annotations


class WitnessReplayError(AssertionError):
    """A witness built from an exact valuation was not confirmed by the concrete evaluator.

    This is a bug in the encoding (the two engines disagree), never a result to report.
    """

    def __init__(self, witness):
        super().__init__(f"witness does not replay through accessproof.evaluate: {witness}")
        self.witness = witness
