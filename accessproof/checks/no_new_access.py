"""CheckNoNewAccess: does the new policy allow any request that the existing one does not?"""

from __future__ import annotations

from ..reason import Encoder, conj, neg, opaque_keys
from ..runtime import cycle_collection_off
from .common import (
    FAIL, PASS, CheckResult, Concrete, _compile, _session, _statement_reasons, caller_grants, find_witness, replay,
    witness_dict,
)


@cycle_collection_off
def check_no_new_access(newPolicyDocument: str, existingPolicyDocument: str, policyType: str,
                        string_semantics: bool = False) -> CheckResult:
    """``string_semantics``: any action string with any resource string, not only real requests (``common``)."""
    new = _compile(newPolicyDocument, "newPolicyDocument", policyType)
    old = _compile(existingPolicyDocument, "existingPolicyDocument", policyType)
    encoder = Encoder(opaque_keys((new, old)))
    grants_new, grants_old = caller_grants(encoder, new, policyType), caller_grants(encoder, old, policyType)
    session = _session([new, old], [grants_new, grants_old, encoder.allows(new), encoder.denies(new)], policyType, encoder,
                       string_semantics)

    def not_old(c: Concrete) -> bool:
        return not replay(old, c, policyType).allowed

    witness = find_witness(session, conj([grants_new, neg(grants_old)]),
                           lambda c: replay(new, c, policyType).allowed and not_old(c))
    if witness is None:
        return CheckResult(PASS, "The modified permissions do not grant new access compared to your existing policy.",
                           (), None)
    # An Allow statement that the existing policy also has (the same encoding) grants no new access
    # when every Deny of the existing policy is also a Deny of the new one: a request it matches
    # that the new policy grants escapes the new Denies, so the old ones too, and the existing
    # policy's copy of the statement allows it.
    unchanged: frozenset[int] = frozenset()
    old_denies = {encoder.statement_term(old, s) for s in old.statements if not s.allow}
    if old_denies <= {encoder.statement_term(new, s) for s in new.statements if not s.allow}:
        old_allows = {encoder.statement_term(old, s) for s in old.statements if s.allow}
        unchanged = frozenset(s.index for s in new.statements if s.allow and encoder.statement_term(new, s) in old_allows)
    reasons = _statement_reasons(session, encoder, new, neg(grants_old), not_old, policyType, witness,
                                 lambda i: f"New access in the statement with index: {i}.", unchanged)
    return CheckResult(FAIL, "The modified permissions grant new access compared to your existing policy.",
                       tuple(reasons), witness_dict(witness))


